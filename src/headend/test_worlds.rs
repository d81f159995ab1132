//! Head-ends the unit tests of several files build alike.

use crate::scenario::load_str;
use crate::sim::{RunOptions, World};

/// One module of two Cheetah 9LP disks (validated drive, 80 MB/s bus), 7
/// titles laid out contiguously, `streams` streams under `queue` for
/// `duration_s`, every read kept; no admission control, so the disks can
/// be overloaded. Started, nothing run yet.
pub(super) fn two_validated_disks(streams: u32, queue: &str, duration_s: u32) -> World {
    let json = r#"{ "name": "v", "seed": 1, "duration_s": 60, "content": { "titles": 7 },
        "headend": { "modules": 1, "disks_per_module": 2, "host_bus_bytes_per_s": 80e6,
                     "admission": { "enabled": false },
                     "disk": { "model": "validated" } },
        "workload": { "streams": 40 } }"#;
    let sets = [format!("workload.streams={streams}"), format!("headend.disk.queue={queue}"), format!("duration_s={duration_s}")];
    let l = load_str("v.json", json, &sets, None).expect("valid");
    let mut w = World::new(&l.scenario, RunOptions { check: true, trace: true, ..RunOptions::default() });
    w.start();
    w
}
