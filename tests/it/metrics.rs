//! Viewer-impact metrics: every second the viewer did not get counts, the
//! per-interval columns of `modules.csv` add up to the totals, and a
//! warm-up excludes what happened in it.

use crate::common::{WITH_ROOM, repo, run_file};
use vodsim::sim::RunOutput;

/// Every shipped scenario but metro (50 000 streams for two hours), which
/// is run shortened.
fn shipped() -> Vec<(String, Vec<&'static str>)> {
    let mut out: Vec<(String, Vec<&str>)> = std::fs::read_dir(repo().join("scenarios"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| format!("scenarios/{}", p.file_name().unwrap().to_string_lossy()))
        .map(|p| {
            let sets = if p.ends_with("metro.json") { vec!["duration_s=60", "workload.streams=2000", "faults.0.at_s=30"] } else { vec![] };
            (p, sets)
        })
        .collect();
    out.sort();
    assert!(out.len() >= 8, "{out:?}");
    out
}

/// Asserts the interval columns of `modules.csv` add up to the totals.
fn intervals_sum_to_totals(name: &str, o: &RunOutput, warmup_s: f64) {
    let s = &o.summary;
    let i = |f: fn(&vodsim::report::ModuleRow) -> u64| o.modules.iter().map(f).sum::<u64>();
    let x = |f: fn(&vodsim::report::ModuleRow) -> f64| o.modules.iter().map(f).sum::<f64>();
    assert_eq!(i(|r| r.interval.glitches), s.glitches, "{name}: glitches");
    assert_eq!(i(|r| r.interval.freezes), s.freezes, "{name}: freezes");
    assert_eq!(i(|r| r.interval.sessions_blocked), s.sessions_blocked, "{name}: sessions_blocked");
    assert_eq!(i(|r| r.interval.migrations_out), s.migrations, "{name}: migrations_out");
    let with_dest = o.migrations.iter().filter(|m| m.destination.is_some()).count() as u64;
    assert_eq!(i(|r| r.interval.migrations_in), with_dest, "{name}: migrations_in");
    let started = o.streams.iter().filter(|r| r.start_s >= warmup_s).count() as u64;
    assert_eq!(i(|r| r.interval.sessions_started), started, "{name}: sessions_started");
    // Sums of values each rounded to a packet time's nanoseconds: equal
    // to well within a microsecond per row.
    let tol = 1e-6 * o.modules.len() as f64;
    assert!((x(|r| r.interval.lost_s) - s.lost_s).abs() <= tol, "{name}: lost_s {} vs {}", x(|r| r.interval.lost_s), s.lost_s);
    assert!((x(|r| r.interval.duplicate_s) - s.duplicate_s).abs() <= tol, "{name}: duplicate_s");
    // And streams.csv to the same totals.
    assert_eq!(o.streams.iter().map(|r| u64::from(r.glitches)).sum::<u64>(), s.glitches, "{name}: streams glitches");
    assert_eq!(o.streams.iter().map(|r| u64::from(r.freezes)).sum::<u64>(), s.freezes, "{name}: streams freezes");
    assert!((o.streams.iter().map(|r| r.lost_s).sum::<f64>() - s.lost_s).abs() <= 1e-6 * o.streams.len() as f64, "{name}: streams lost_s");
    // Every outcome counted, and counted once.
    assert_eq!(
        s.migrations_seamless + s.migrations_duplicate + s.migrations_lost + s.migrations_failed + s.migrations_pending,
        s.migrations,
        "{name}: outcomes"
    );
    assert!(s.lost_s >= s.terminated_lost_s && s.freeze_s >= 0.0, "{name}");
}

#[test]
fn per_interval_columns_sum_to_the_totals_on_every_scenario() {
    for (file, sets) in shipped() {
        for policy in ["migration.policy=protocol", "migration.policy=reconnect", "migration.policy=naive"] {
            let mut sets = sets.clone();
            sets.push(policy);
            let o = run_file(&file, &sets);
            intervals_sum_to_totals(&format!("{file} {policy}"), &o, 0.0);
        }
    }
}

#[test]
fn terminated_viewers_lose_the_rest_of_their_session() {
    // All 50 migrations fail at a 3 ms SMBUS (step 614 waits 1.6 ms):
    // 50 viewers are cut off at about 284 s of a 600 s run.
    // With room for every user (`WITH_ROOM`): only the bus fails them.
    let o = run_file("scenarios/module-failure.json", &[WITH_ROOM, "smbus.latency_us=3000", "smbus.jitter_us=150"]);
    let s = &o.summary;
    assert_eq!((s.migrations_failed, s.streams_terminated), (50, 50));
    // No session limit and 5 400 s titles: each terminated viewer misses
    // the rest of the run, 600 s - end_s.
    let rest: f64 = o.streams.iter().filter(|r| r.terminated).map(|r| 600.0 - r.end_s).sum();
    assert!(rest > 50.0 * 300.0, "{rest}");
    assert!((s.terminated_lost_s - rest).abs() < 50.0 * 1e-3, "terminated_lost_s {} vs {rest}", s.terminated_lost_s);
    assert!(s.lost_s >= rest - 50.0 * 1e-3 && s.terminated_lost_s > 0.0);
    // The naive strawman on the same run loses one extent per viewer:
    // cutting viewers off must not look better.
    let naive =
        run_file("scenarios/module-failure.json", &[WITH_ROOM, "smbus.latency_us=3000", "smbus.jitter_us=150", "migration.policy=naive"]);
    assert!(s.lost_s > naive.summary.lost_s, "{} vs naive {}", s.lost_s, naive.summary.lost_s);
}

#[test]
fn a_freeze_without_a_missed_deadline_is_counted() {
    // Without the warning the protocol's hand-offs freeze every moved
    // viewer for tens of milliseconds, mostly between deadlines.
    let o = run_file("scenarios/module-failure.json", &[r#"faults=[{"at_s":300,"kind":"module","module":0}]"#]);
    let s = &o.summary;
    assert!(s.freezes >= 50 && s.freezes > s.glitches, "{} freezes, {} glitches", s.freezes, s.glitches);
    assert!(s.freeze_s >= s.stall_s && s.stall_s > 0.0);
}

#[test]
fn a_hand_off_stall_within_the_one_packet_grace_is_not_a_freeze() {
    // Warned, the protocol hands each of the 50 viewers over when the
    // trigger lands: 10 µs (smbus.trigger_latency_us) after the source's
    // last packet, under one packet time, 188 × 8 b / 3 750 224 b/s =
    // 401.04 µs. That is the jitter the discontinuity indicator absorbs:
    // no freeze; the stalls stay in stall_s, 50 × 10 µs = 0.5 ms. (With
    // room for every user, `WITH_ROOM`: 50 of them on module 0.)
    let o = run_file("scenarios/module-failure.json", &[WITH_ROOM]);
    let s = &o.summary;
    assert_eq!((s.migrations, s.migrations_seamless), (50, 50));
    assert_eq!((s.freezes, s.freeze_s), (0, 0.0), "{s:?}");
    assert!((s.stall_s - 50.0 * 10e-6).abs() < 1e-9, "{}", s.stall_s);
}

#[test]
fn warm_up_excludes_a_fault_inside_it() {
    // The failure known at once (no missed heartbeats to wait for), as the
    // hand count assumes.
    let no_warning = r#"faults=[{"at_s":300,"kind":"module","module":0}]"#;
    let naive = "migration.policy=naive";
    let at_once = "headend.detection.heartbeat_misses=0";
    // With room for every user (`WITH_ROOM`): 50 of them on module 0.
    let full = run_file("scenarios/module-failure.json", &[WITH_ROOM, no_warning, naive, at_once]);
    // naive: each of the 50 moved viewers misses an extent (hand-computed
    // in the README's table: 50 glitches).
    assert_eq!((full.summary.migrations, full.summary.glitches), (50, 50));
    let warm = run_file("scenarios/module-failure.json", &[WITH_ROOM, no_warning, naive, at_once, "warmup_s=400"]);
    let s = &warm.summary;
    assert_eq!((s.migrations, s.glitches, s.freezes, s.sessions_blocked), (0, 0, 0, 0), "{s:?}");
    assert_eq!((s.lost_s, s.duplicate_s, s.freeze_s, s.terminated_lost_s), (0.0, 0.0, 0.0, 0.0));
    assert!(warm.migrations.is_empty());
    // 200 s after the warm-up of 2 s periods, about 100 per stream.
    let per_stream = s.stream_periods as f64 / warm.streams.len() as f64;
    assert!((per_stream - 100.0).abs() <= 1.0, "{per_stream} periods per stream");
    assert_eq!(s.extents_delivered, s.stream_periods);
    assert!(warm.modules.iter().all(|r| r.interval == Default::default()));
    // A warm-up that ends before the fault changes none of its counts.
    let early = run_file("scenarios/module-failure.json", &[WITH_ROOM, no_warning, naive, at_once, "warmup_s=100"]);
    let e = &early.summary;
    assert_eq!((e.migrations, e.glitches, e.lost_s, e.freezes), (50, 50, full.summary.lost_s, full.summary.freezes));
    assert!(e.stream_periods < full.summary.stream_periods);
    intervals_sum_to_totals("warmup 100", &early, 100.0);
}

/// One module of two disks, nobody at the start, Poisson arrivals of
/// 20 s sessions: offered load = arrivals_per_s x 20 streams.
const ARRIVALS: &str = r#"{ "name": "arr", "seed": 3, "duration_s": 300,
  "headend": { "modules": 1, "disks_per_module": 2 },
  "workload": { "streams": 0, "arrivals_per_s": 0.2, "mean_session_s": 20 }, "faults": [] }"#;

#[test]
fn startup_on_an_idle_disk_is_seek_rotation_and_transfer_of_the_first_extent() {
    let o = crate::common::run(ARRIVALS, &[]);
    let reads = o.reads.as_ref().expect("traced");
    let mut idle = 0;
    for r in o.streams.iter() {
        let startup = r.startup_s.expect("every arrival starts up");
        // The stream's first read, issued at admission.
        let first = reads.iter().find(|x| x.stream_id == i64::from(r.stream_id)).expect("a first read");
        assert!((first.t_issue_s - r.start_s).abs() < 1e-9);
        if first.t_start_s == first.t_issue_s {
            // The disk was idle: start-up = seek + rotation + transfer.
            let by_hand = (first.seek_ms + first.rotation_ms + first.transfer_ms) / 1e3;
            assert!((startup - by_hand).abs() < 1e-6, "stream {}: startup {startup} vs {by_hand}", r.stream_id);
            idle += 1;
        } else {
            assert!(startup > first.t_done_s - first.t_start_s - 1e-9);
        }
    }
    // At 4 streams on two disks nearly every first read finds its disk idle.
    assert!(idle * 10 >= o.streams.len() * 8, "{idle} of {}", o.streams.len());
    assert!(o.summary.startup_s_p50 > 0.0 && o.summary.startup_s_p50 < 0.2);
}

#[test]
fn startup_p95_rises_as_arrivals_approach_capacity() {
    // 2 disks serve ~70 streams (2 s periods, ~55 ms a read); loads of
    // 4, 20, 40 and 60 streams. Measured p95: 0.091, 0.138, 0.333, 2.10 s.
    // Without admission control, which would block the highest load.
    let p95: Vec<f64> = ["0.2", "1", "2", "3"]
        .iter()
        .map(|a| {
            let sets = [format!("workload.arrivals_per_s={a}"), "headend.admission.enabled=false".to_string()];
            let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
            crate::common::run(ARRIVALS, &sets).summary.startup_s_p95
        })
        .collect();
    assert!(p95.windows(2).all(|w| w[0] < w[1]), "{p95:?}");
    assert!(p95[3] > 5.0 * p95[0], "{p95:?}");
}

#[test]
fn reconnect_freezes_one_user_for_detection_plus_start_up_and_loses_nothing() {
    // One user on module 0 of two; module 0 fails at 10 s. The box notices
    // after 1.5 s and asks again; module 1 (idle) reads the extent holding
    // the last position shown, and playout resumes there when it lands.
    let json = r#"{ "name": "rc", "seed": 2, "duration_s": 30,
        "headend": { "modules": 2, "disks_per_module": 2 },
        "workload": { "streams": 1 },
        "migration": { "policy": "reconnect", "reconnect_detect_s": 1.5 },
        "faults": [ { "at_s": 10, "kind": "module", "module": 0 } ] }"#;
    let o = crate::common::run(json, &[]);
    let (s, r) = (&o.summary, &o.streams[0]);
    assert_eq!((r.module_start, r.module_end, s.migrations), (0, Some(1), 1));
    let read = o
        .reads
        .as_ref()
        .unwrap()
        .iter()
        .find(|x| x.module == 1 && (x.t_issue_s - 11.5).abs() < 1e-9)
        .expect("the reconnect read at 10 + 1.5 s");
    // Idle disk: the read starts at once.
    assert_eq!(read.t_start_s, read.t_issue_s);
    let start_up = (read.seek_ms + read.rotation_ms + read.transfer_ms) / 1e3;
    // Frozen from the failure (10 s) to the first extent in the buffer:
    // 1.5 s + seek + rotation + transfer, one freeze.
    assert_eq!(r.freezes, 1);
    assert!((r.freeze_s - (1.5 + start_up)).abs() < 1e-6, "freeze {} vs {}", r.freeze_s, 1.5 + start_up);
    // Resumed at the last position shown: nothing lost, nothing repeated.
    assert_eq!((r.lost_s, r.duplicate_s, r.terminated_lost_s), (0.0, 0.0, 0.0));
    // The 2 s deadlines of the grid that fell in the frozen 1.5x s: at most one.
    assert!(r.glitches <= 1);
    assert_eq!(o.migrations[0].outcome, "duplicate", "a freeze beyond the grace, nothing lost");
}
