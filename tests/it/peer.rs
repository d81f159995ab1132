//! `scenarios/peer-simpy.json`, the SimPy peer's model (shared/bench/peer_simpy.py)
//! in vodsim, against bounds derived by hand; and against the peer itself,
//! which needs python3 with simpy: that test is ignored by a plain
//! `cargo test` (the reason says so) and run by `.ci/run`, which installs
//! simpy, with `cargo test --release -- --ignored`.
//!
//! The numbers: 2 modules × 6 disks, 200 streams round-robin (100 a module),
//! period T = 4 987 × 1 504 bit / 3 750 224 bit/s = 2 s. A stream starting at
//! phase φ ∈ [0, 2 s) issues reads at φ + 2k s, k = 0, 1, …, and has deadlines
//! at φ + 2k s, k ≥ 1. Each read costs seek (≤ 9.5 ms) + rotation (< 6 ms) +
//! transfer 937 556 B / 40 MB/s = 23.4389 ms, so at most 38.94 ms and at
//! least 23.44 ms; 100 streams on 6 disks offer 16.7 reads per disk per
//! period, under 650 ms of the 2 000 ms: no read is ever late.

use crate::common::{repo, run_file};
use std::path::PathBuf;
use std::process::Command;

const SCENARIO: &str = "scenarios/peer-simpy.json";
const STREAMS: u64 = 200;
/// Smallest and largest service time of one read [s] (see the module docs).
const MIN_READ_S: f64 = 0.023_438_9;
const DISKS: f64 = 12.0;

/// Reads a stream issues in `d` seconds: φ + 2k ≤ d for φ ∈ [0, 2) gives
/// floor((d − φ) / 2) + 1 ∈ {d/2, d/2 + 1} for even d; the last may not
/// have completed by the end.
fn read_bounds(d: u64) -> (u64, u64) {
    (STREAMS * (d / 2 - 1), STREAMS * (d / 2 + 1))
}

#[test]
fn peer_model_without_failure_meets_every_deadline() {
    let d = 120;
    let o = run_file(SCENARIO, &["duration_s=120", "faults=[]"]);
    let s = &o.summary;
    let (lo, hi) = read_bounds(d);
    assert!((lo..=hi).contains(&s.reads_completed), "reads {} not in [{lo}, {hi}]", s.reads_completed);
    // Capacity: 12 disks busy all the time could do no more than this.
    let capacity = (DISKS * d as f64 / MIN_READ_S) as u64;
    assert!(s.reads_completed < capacity, "reads {} above disk capacity {capacity}", s.reads_completed);
    // Deadlines φ + 2k ≤ 120, k ≥ 1: 59 or 60 per stream.
    assert!((STREAMS * 59..=STREAMS * 60).contains(&s.stream_periods), "periods {}", s.stream_periods);
    assert_eq!(s.glitches, 0, "{s:?}");
    assert_eq!(s.extents_delivered, s.stream_periods);
    assert_eq!((s.reads_failed, s.migrations, s.sessions_blocked), (0, 0, 0));
    // Round-robin assignment: streams alternate between the two modules.
    assert!(o.streams.iter().all(|r| r.module_start == r.stream_id % 2));
}

#[test]
fn peer_model_module_failure_moves_every_user_to_the_survivor() {
    // Module 0 fails at 60 s; the naive policy restarts its 100 users on
    // module 1 at their next period. Reads keep their pace: the survivor's 6
    // disks then carry 33 reads a period each, about 1.3 s of the 2 s.
    let d = 120;
    let o = run_file(SCENARIO, &["duration_s=120", r#"faults=[{"at_s": 60, "kind": "module", "module": 0}]"#]);
    let s = &o.summary;
    let (lo, hi) = read_bounds(d);
    // Each moved user loses at most the read in flight at the failure.
    assert!((lo - STREAMS / 2..=hi).contains(&s.reads_completed), "reads {} not in [{}, {hi}]", s.reads_completed, lo - STREAMS / 2);
    assert_eq!((s.migrations, s.migrations_failed), (STREAMS / 2, 0));
    assert!(o.streams.iter().all(|r| r.module_end == Some(1)), "every stream ends on module 1");
    // vodsim counts the slot a moved user restarts in as lost (the failed
    // module's buffer held its extent); the peer does not. No other glitch.
    assert_eq!(s.glitches, STREAMS / 2, "{s:?}");
}

/// The peer's path: $VODSIM_SHARED/bench/peer_simpy.py, else ../shared beside the repository.
fn peer_path() -> PathBuf {
    let shared = std::env::var_os("VODSIM_SHARED").map(PathBuf::from).unwrap_or_else(|| repo().join("../shared"));
    shared.join("bench/peer_simpy.py")
}

#[test]
#[ignore = "needs python3 with simpy and shared/bench/peer_simpy.py; .ci/run runs it"]
fn peer_model_reads_agree_with_the_simpy_peer_within_one_percent() {
    let peer = peer_path();
    // Asked for, it runs or fails: a missing prerequisite is never a pass.
    assert!(peer.is_file(), "the peer model is not at {} (set VODSIM_SHARED)", peer.display());
    let has_simpy = Command::new("python3").args(["-c", "import simpy"]).output().is_ok_and(|o| o.status.success());
    assert!(has_simpy, "python3 with simpy is needed: python3 -m pip install simpy");
    let out = Command::new("python3").arg(&peer).args(["--sim-seconds", "120", "--fail-at", "-1"]).output().expect("python3 runs");
    assert!(out.status.success(), "peer failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |label: &str| -> u64 {
        let line = text.lines().find(|l| l.starts_with(label)).unwrap_or_else(|| panic!("peer printed no {label:?}:\n{text}"));
        line[label.len()..].trim_start_matches(':').trim().replace(',', "").parse().expect("a count")
    };
    let (peer_reads, peer_glitches) = (field("extent reads completed"), field("glitches"));
    let o = run_file(SCENARIO, &["duration_s=120", "faults=[]"]);
    let ours = o.summary.reads_completed;
    let diff = (ours as f64 - peer_reads as f64).abs() / peer_reads as f64;
    assert!(diff < 0.01, "vodsim {ours} vs peer {peer_reads} reads: {:.3} % apart", diff * 100.0);
    assert_eq!((peer_glitches, o.summary.glitches), (0, 0));
}
