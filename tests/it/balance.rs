//! The load observer: balancing on real loads, with hysteresis, bounded
//! moves and a hold time, never ping-ponging users.

use crate::common::run_file;
use vodsim::sim::RunOutput;

/// Load-balance moves of one user that take it back to a module it left by
/// an earlier load-balance move less than `hold_s` before.
fn moved_back_within(o: &RunOutput, hold_s: f64) -> Vec<String> {
    let lb: Vec<_> = o.migrations.iter().filter(|m| m.cause == "load-balance").collect();
    let mut back = Vec::new();
    for (i, a) in lb.iter().enumerate() {
        for b in &lb[i + 1..] {
            if b.user_id == a.user_id && b.destination == Some(a.source) && b.t_s - a.t_s < hold_s {
                back.push(format!("user {} left {} at {} s, back at {} s", a.user_id, a.source, a.t_s, b.t_s));
            }
        }
    }
    back
}

#[test]
fn two_extent_sizes_balance_with_few_moves_and_nobody_moved_back() {
    // 8 modules, 2 s and 1.5 s extents, Zipf 1.2 over 2 replicas, an
    // observation every 15 s for 900 s: the observer that compared output
    // with switch_bps / modules moved 1 909 users for 836 streams; moves are
    // now at most 5 % of the streams ever active.
    let o = run_file("scenarios/two-extent-sizes.json", &[]);
    let lb = o.migrations.iter().filter(|m| m.cause == "load-balance").count() as u64;
    assert!(lb > 0, "Zipf 1.2 over two replicas does unbalance the modules");
    assert!(lb * 20 <= o.summary.streams, "{lb} load-balance moves for {} streams", o.summary.streams);
    assert_eq!(moved_back_within(&o, 300.0), Vec::<String>::new());
    // Every move hands the viewer over with nothing lost or repeated at the
    // transition; a few are spoiled right after it by the known defect of
    // transitions near a destination extent's end (issue 16).
    for m in &o.migrations {
        assert!(m.lost_packets == 0 && m.duplicate_packets == 0, "{m:?}");
        let defect = m.outcome == "lost" && m.note.contains("near the hand-off");
        assert!(m.outcome == "seamless" || m.outcome == "pending" || defect, "{m:?}");
    }
}

#[test]
fn a_balanced_head_end_makes_no_load_balance_moves() {
    // Every module holds every title and sessions go to the least loaded
    // module: the loads stay within a few percent of each other, so no
    // module passes 1.25 × the mean. As shipped (92 % of admissible) every
    // module is above the 0.85 high mark, so none is a destination; at 240
    // streams (population near 240, 68 % of the 352 admissible) none
    // passes it. Observations every 15 s, and every 2 s.
    let lighter: &[&str] = &["workload.streams=240", "workload.arrivals_per_s=0.0667"];
    for load in [&[][..], lighter] {
        for observer in [r#"migration.load_balance={"interval_s":15}"#, r#"migration.load_balance={"interval_s":2}"#] {
            let mut sets = vec!["faults=[]", observer];
            sets.extend_from_slice(load);
            let o = run_file("scenarios/default.json", &sets);
            assert_eq!(o.migrations.len(), 0, "{sets:?}: {:?}", o.migrations.first());
        }
    }
}
