//! The head-end in steady state, against numbers derived by hand.

use crate::common::run;

/// One module, one disk with no seek and (almost) no rotation: every read
/// takes the transfer time s = 937 556 B / 4 687 780 B/s = 0.2 s, and the
/// service period is T = 2 s. Admission control is off: these tests load
/// the disk past what admission would allow.
fn one_disk(streams: u32, duration_s: u32) -> String {
    format!(
        r#"{{ "name": "capacity", "seed": 4, "duration_s": {duration_s},
        "headend": {{ "modules": 1, "disks_per_module": 1, "placement": "random", "admission": {{ "enabled": false }},
          "disk": {{ "rpm": 1000000, "zones": 1, "outer_bytes_per_s": 4687780, "inner_bytes_per_s": 4687780,
                     "queue": "edf",
                     "seek": {{ "short_a_ms": 0, "short_b_ms": 0, "long_c_ms": 0, "long_e_ms": 0 }} }} }},
        "workload": {{ "streams": {streams} }} }}"#
    )
}

#[test]
fn capacity_law_no_glitch_while_n_times_s_fits_in_the_period() {
    // N·s = 9 × 0.2 s = 1.8 s ≤ T = 2 s (rotation adds at most 60 µs a read).
    let o = run(&one_disk(9, 200), &[]);
    assert_eq!(o.summary.glitches, 0, "{:?}", o.summary);
    assert!(o.summary.stream_periods >= 9 * 98, "every stream resolves ~100 periods: {}", o.summary.stream_periods);
}

#[test]
fn capacity_law_overload_glitches_at_the_predicted_count() {
    // N·s = 12 × 0.2 s = 2.4 s > T = 2 s. The disk never idles, so it
    // completes duration / s = 400 / 0.2 = 2 000 reads. Each stream reads its
    // extents in order on a fixed grid, one read per N·s = 2.4 s against a
    // deadline every 2 s, so its lateness grows by 0.4 s per period: a stream
    // that starts with less than one period (2 s) of slack is late for good
    // after at most 2 / 0.4 = 5 deadlines. Hence delivered ≤ 12 × 5 = 60 and
    // every other stream-period is a glitch.
    let o = run(&one_disk(12, 400), &[]);
    let s = &o.summary;
    assert!((1_995..=2_001).contains(&s.reads_completed), "reads {}", s.reads_completed);
    assert!(s.extents_delivered <= 60, "delivered {}", s.extents_delivered);
    assert!(s.glitches >= s.stream_periods - 60 && s.glitches > 0, "{} of {}", s.glitches, s.stream_periods);
    // 12 streams × ~199 deadlines in 400 s.
    assert!((12 * 197..=12 * 200).contains(&s.stream_periods), "{}", s.stream_periods);
}

#[test]
fn deadlines_fall_on_the_period_grid() {
    // A stream starting at phase φ has its k-th deadline at φ + k·2 s exactly
    // (4 987 packets × 1 504 bit / 3 750 224 bit/s = 2 s).
    let o = run(&one_disk(3, 30), &[]);
    let reads = o.reads.expect("trace on");
    for sid in 0..3 {
        let mine: Vec<_> = reads.iter().filter(|r| r.stream_id == sid).collect();
        // The initial population is admitted at t = 0; its first read goes
        // out at the stream's random phase in the first period.
        assert_eq!(o.streams[sid as usize].start_s, 0.0);
        let phase = mine[0].t_issue_s;
        assert!((0.0..2.0).contains(&phase));
        assert!((mine[0].deadline_s - (phase + 2.0)).abs() < 1e-8, "first deadline {} vs phase {phase}", mine[0].deadline_s);
        for w in mine.windows(2) {
            assert!((w[1].deadline_s - w[0].deadline_s - 2.0).abs() < 1e-8);
            assert!(w[0].t_done_s <= w[0].deadline_s, "no glitch expected at 3 streams");
        }
        // Reads are issued one period before their deadline.
        for r in &mine {
            assert!((r.deadline_s - r.t_issue_s - 2.0).abs() < 1e-8);
        }
    }
}

#[test]
fn buffer_occupancy_never_exceeds_capacity_and_starved_reads_glitch() {
    // Room for 5 extents, 4 streams admitted (each wants 2): reads queue for
    // buffer space and some miss their deadlines, but occupancy stays ≤ capacity
    // (checked on every reservation by the run's invariants and in the report).
    let json = one_disk(4, 60).replace(r#""modules": 1,"#, r#""modules": 1, "buffer_bytes": 4687780, "max_streams_per_module": 4,"#);
    let o = run(&json, &[]);
    assert!(o.modules.iter().all(|r| r.buffer_peak_bytes <= 4_687_780 && r.buffer_bytes <= 4_687_780));
    assert!(o.modules.iter().any(|r| r.buffer_peak_bytes > 3 * 937_556), "the buffer does fill up");
    assert!(o.summary.glitches > 0, "a buffer of 2.5 streams' worth starves 4 streams");
}

#[test]
fn every_stream_period_is_delivered_or_missed_exactly_once() {
    let o = run(&one_disk(12, 60), &[]);
    for st in &o.streams {
        assert_eq!(st.periods, st.delivered + st.glitches, "stream {}", st.stream_id);
    }
    let total: u64 = o.streams.iter().map(|s| s.periods as u64).sum();
    assert_eq!(total, o.summary.stream_periods);
}

#[test]
fn switch_overload_shows_up_as_glitches() {
    // 300 streams × 3.75 Mbit/s = 1.125 Gbit/s through a 1 Gbit/s switch:
    // every stream gets 1/1.125 of its rate, so every period glitches
    // (without admission control; with it, 300 - 266 are blocked).
    let json = r#"{ "name": "sw", "seed": 2, "duration_s": 20,
        "headend": { "modules": 2, "disks_per_module": 16 }, "workload": { "streams": 300 } }"#;
    let o = run(json, &["headend.admission.enabled=false"]);
    assert!(o.summary.glitch_rate > 0.9, "{}", o.summary.glitch_rate);
    let fine = run(json, &["headend.switch_bps=2000000000"]);
    assert_eq!(fine.summary.glitches, 0);
    let admitted = run(json, &[]);
    assert_eq!((admitted.summary.glitches, admitted.summary.sessions_blocked_switch), (0, 300 - 266));
}
