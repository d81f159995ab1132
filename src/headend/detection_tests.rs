//! Failure detection seen from inside the head-end: a disk that breaks
//! mid-read is known only when that read times out.

use super::stream::ReadState;
use crate::engine::{SimDuration, SimTime};
use crate::migration::Cause;
use crate::scenario::load_str;
use crate::sim::{RunOptions, World};

/// Two modules of two disks, 40 streams; disk 0 of module 0 fails at
/// `fault_s` (if any); I/O timeout 200 ms.
fn world(fault_s: Option<f64>) -> World {
    let faults = match fault_s {
        Some(t) => format!(r#"[ {{ "at_s": {t}, "kind": "disk", "module": 0, "disk": 0 }} ]"#),
        None => "[]".into(),
    };
    let json = format!(
        r#"{{ "name": "det", "seed": 5, "duration_s": 30, "content": {{ "titles": 20 }},
        "headend": {{ "modules": 2, "disks_per_module": 2, "detection": {{ "io_timeout_ms": 200 }} }},
        "workload": {{ "streams": 40 }}, "faults": {faults} }}"#
    );
    let l = load_str("det.json", &json, &[], None).expect("valid");
    let mut w = World::new(&l.scenario, RunOptions { check: true, ..RunOptions::default() });
    w.start();
    w
}

/// An instant after 10 s, on a whole µs, at which disk 0 of module 0 is
/// serving a read that has at least 5 ms to go; the read's start.
fn mid_read() -> (SimTime, SimTime) {
    let mut w = world(None);
    for k in 0..2000u64 {
        let t = SimTime::from_secs_f64(10.0) + SimDuration::from_micros_f64(k as f64 * 997.0);
        w.advance(t, |_| {}).unwrap();
        w.headend.settle_all_disks(&mut w.q, t + SimDuration(1));
        let d = &w.headend.disks[0];
        if d.current.is_some() && d.current_start <= t && d.current_done > t + SimDuration::from_millis_f64(5.0) {
            return (t, d.current_start);
        }
    }
    panic!("disk 0 never busy");
}

#[test]
fn a_disk_failing_mid_read_is_known_at_the_io_timeout_and_migrations_start_then() {
    let (t_f, start) = mid_read();
    // The read in service started at `start`; the controller gives up on
    // it 200 ms later, and only then are the module's users migrated.
    let detect = start + SimDuration::from_millis_f64(200.0);
    assert!(detect > t_f);
    let mut w = world(Some(t_f.as_secs_f64()));
    w.advance(t_f, |_| {}).unwrap();
    let r = w.headend.disks[0].current.expect("the read is still in service");
    assert!(w.headend.disks[0].hung);
    // Just before the timeout: the read hangs, nobody knows, nobody moves.
    w.advance(SimTime(detect.0 - 1), |_| {}).unwrap();
    assert_eq!(w.headend.reads.get(r).state, ReadState::InService);
    assert!(!w.headend.disk_failed(0, 0));
    assert!(w.protocol.migrations().is_empty());
    // At the timeout the read fails and the migrations start.
    w.advance(detect, |_| {}).unwrap();
    assert_eq!(w.headend.reads.get(r).state, ReadState::Failed);
    assert!(w.headend.disk_failed(0, 0));
    let migs = w.protocol.migrations();
    assert!(!migs.is_empty());
    for m in migs {
        assert_eq!((m.cause, m.started, m.fault_at), (Cause::DiskFailure, detect, t_f));
    }
    // Their hand-off time counts from the fault, so includes the delay.
    let end = w.end();
    w.advance(end, |_| {}).unwrap();
    for m in w.protocol.migrations() {
        assert!(m.ended.saturating_since(m.fault_at) >= detect.saturating_since(t_f), "{m:?}");
    }
}

#[test]
fn a_module_failure_is_known_at_the_third_missed_heartbeat() {
    // Heartbeats every 100 ms: a data path failing at 10.05 s misses those
    // due at 10.1, 10.2 and 10.3 s, and is known at 10.3 s.
    let json = r#"{ "name": "hb", "seed": 5, "duration_s": 30, "content": { "titles": 20 },
        "headend": { "modules": 2, "disks_per_module": 2 },
        "workload": { "streams": 40 }, "faults": [ { "at_s": 10.05, "kind": "module", "module": 0 } ] }"#;
    let l = load_str("hb.json", json, &[], None).expect("valid");
    let mut w = World::new(&l.scenario, RunOptions { check: true, ..RunOptions::default() });
    w.start();
    let end = w.end();
    w.advance(end, |_| {}).unwrap();
    let migs = w.protocol.migrations();
    assert!(!migs.is_empty());
    for m in migs {
        assert_eq!((m.started, m.fault_at), (SimTime::from_secs_f64(10.3), SimTime::from_secs_f64(10.05)));
    }
}
