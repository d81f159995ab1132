//! The migration protocol of FIG. 4–6 on the scenarios that demonstrate it.

use crate::common::{WITH_ROOM, run, run_file};

#[test]
fn load_balance_migrations_with_spare_capacity_are_all_seamless() {
    // 240 streams (60 per module, 39 % of admissible): the three others
    // have room for all of module 3's users. The shipped population (512)
    // fails some for room: `scenarios_load`.
    let o = run_file("scenarios/load-imbalance.json", &["workload.streams=240"]);
    let lb: Vec<_> = o.migrations.iter().filter(|m| m.cause == "load-balance").collect();
    assert!(lb.len() >= 10, "the observer moves users back: {}", lb.len());
    for m in &o.migrations {
        assert_eq!((m.lost_packets, m.duplicate_packets), (0, 0));
        // Known model defect (issue 16): a transition clamped to a title's
        // last packet leaves the next title's first read 0.4 ms; the viewer
        // glitches and the label says so.
        if m.packet_offset % 4_987 != 4_986 {
            assert_eq!(m.outcome, "seamless", "{m:?}");
        }
    }
    let at_title_end = o.migrations.iter().filter(|m| m.outcome != "seamless").count();
    assert!(at_title_end <= 1, "{at_title_end} migrations at a title's end");
    // Loads are even again at the end: module 3 took users back.
    let last: Vec<_> = o.modules.iter().rev().take(4).collect();
    let (lo, hi) = last.iter().fold((u32::MAX, 0), |(lo, hi), r| (lo.min(r.streams), hi.max(r.streams)));
    assert!(hi - lo <= 16, "streams per module at the end: {:?}", last.iter().map(|r| r.streams).collect::<Vec<_>>());
}

#[test]
fn protocol_loses_strictly_less_content_than_naive_on_module_failure() {
    // With room for every user (`WITH_ROOM`); loaded, the protocol still
    // loses less but terminates those it finds no room for: `scenarios_load`.
    let p = run_file("scenarios/module-failure.json", &[WITH_ROOM]);
    let n = run_file("scenarios/module-failure.json", &[WITH_ROOM, "migration.policy=naive"]);
    assert_eq!(p.summary.lost_s, 0.0);
    assert!(n.summary.lost_s > 0.0);
    assert!(p.summary.lost_s < n.summary.lost_s);
    // Naive loses exactly the extent in flight per user: 2 s each.
    assert!((n.summary.lost_s - 2.0 * n.summary.migrations as f64).abs() < 1e-6, "{}", n.summary.lost_s);
    // Without the warning every user is already interrupted: triage migrates
    // them directly and resumes from the last random-access point shown.
    let unannounced = r#"faults=[{"at_s":300,"kind":"module","module":0}]"#;
    let p = run_file("scenarios/module-failure.json", &[WITH_ROOM, unannounced]);
    let n = run_file("scenarios/module-failure.json", &[WITH_ROOM, unannounced, "migration.policy=naive"]);
    assert!(p.migrations.iter().all(|m| m.direct && m.outcome == "duplicate" && m.lost_packets == 0));
    assert!(p.summary.lost_s < n.summary.lost_s, "{} vs {}", p.summary.lost_s, n.summary.lost_s);
}

#[test]
fn seamless_fraction_falls_as_smbus_latency_grows() {
    // With room for every user, so that only the bus decides (`WITH_ROOM`).
    let frac: Vec<f64> = [10, 100, 1_000, 10_000, 100_000]
        .iter()
        .map(|us| run_file("scenarios/module-failure.json", &[WITH_ROOM, &format!("smbus.latency_us={us}")]).summary.seamless_fraction)
        .collect();
    assert!(frac.windows(2).all(|w| w[1] <= w[0]), "{frac:?}");
    assert!(frac[0] > frac[4], "{frac:?}");
    assert_eq!(frac[0], 1.0);
}

#[test]
fn rejected_request_with_no_alternate_destination_fails_and_terminates() {
    // Titles stored on one module only: when module 0 fails, module 1 does
    // not hold its users' content and rejects (step 510); there is no other
    // destination (step 424), so the migration fails and the user, already
    // interrupted, is terminated.
    let json = r#"{ "name": "reject", "seed": 1, "duration_s": 40,
        "content": { "titles": 10, "replicas": 1 },
        "headend": { "modules": 2, "disks_per_module": 4 },
        "workload": { "streams": 20 },
        "faults": [ { "at_s": 10, "kind": "module", "module": 0 } ] }"#;
    let o = run(json, &[]);
    let on_failed = o.streams.iter().filter(|s| s.module_start == 0).count() as u64;
    assert!(on_failed > 0);
    assert_eq!(o.summary.migrations_failed, on_failed);
    assert_eq!(o.summary.streams_terminated, on_failed);
    for m in &o.migrations {
        assert_eq!(m.outcome, "failed", "{m:?}");
        assert!(["direct destination refused", "no destination"].contains(&m.note.as_str()), "{m:?}");
    }
    // A warning instead of a failure: the user stays where it is.
    let o = run(&json.replace(r#""kind": "module""#, r#""kind": "failure-likely""#), &[]);
    assert!(!o.migrations.is_empty());
    assert!(o.migrations.iter().all(|m| m.outcome == "failed" && m.alternates == 0));
    assert_eq!(o.summary.streams_terminated, 0);
}

#[test]
fn packet_offset_transitions_between_unequal_extent_sizes_are_seamless() {
    // With room for every user (`WITH_ROOM`): 50 migrations.
    let o = run_file("scenarios/mixed-extent-sizes.json", &[WITH_ROOM]);
    assert!(!o.migrations.is_empty());
    assert!(o.migrations.iter().all(|m| m.lost_packets == 0 && m.duplicate_packets == 0));
    // The destination plans its reads with the validated drive and the
    // module's bus as they are, and issues the read after a short
    // transitional slot (a title's end included) with the first: every
    // hand-off is seamless on the viewer's record.
    let spoiled: Vec<_> = o.migrations.iter().filter(|m| m.outcome != "seamless").collect();
    assert!(spoiled.is_empty(), "not seamless: {spoiled:?}");
    // Some transitions land inside a destination extent (a packet offset on a
    // random-access point: a multiple of 0.5 s = 1 246 packets from the title start).
    let inside: Vec<_> = o.migrations.iter().filter(|m| m.discontinuity).collect();
    assert!(!inside.is_empty());
    for m in inside {
        assert_eq!(m.packet_offset % 1_246, 0, "{m:?}");
    }
}

#[test]
fn smbus_congestion_ends_every_migration_in_one_outcome_and_failures_terminate() {
    let o = run_file("scenarios/smbus-congestion.json", &[]);
    let failed = o.migrations.iter().filter(|m| m.outcome == "failed").count() as u64;
    assert!(failed > 0 && failed < o.summary.migrations, "a mix: {failed} of {}", o.summary.migrations);
    // At 85 % of admissible some users find no destination with room
    // (step 510): module 2 only warned, so they stay on it. Every other
    // failure is the burst's and terminates its stream (step 617).
    let for_room = o.migrations.iter().filter(|m| m.outcome == "failed" && m.note == "no destination").count() as u64;
    assert!(for_room > 0 && for_room < failed, "{for_room} of {failed}");
    assert_eq!(o.summary.streams_terminated, failed - for_room);
    assert!(o.migrations.iter().all(|m| ["seamless", "duplicate", "lost", "failed"].contains(&m.outcome)));
}

#[test]
fn a_users_streams_migrate_together_to_one_destination() {
    // Box 405: each user has a content stream and, say, an audio stream.
    let o = run_file("scenarios/load-imbalance.json", &["workload.streams_per_user=2", "workload.streams=120"]);
    assert!(o.migrations.len() > 10);
    let mut by_user = std::collections::BTreeMap::<u32, Vec<(f64, Option<u32>)>>::new();
    for m in &o.migrations {
        by_user.entry(m.user_id).or_default().push((m.t_s, m.destination));
    }
    for (user, moves) in by_user {
        // Moves started at the same instant (one migration event) share a destination.
        for w in moves.windows(2) {
            if w[0].0 == w[1].0 {
                assert_eq!(w[0].1, w[1].1, "user {user} split across modules: {moves:?}");
            }
        }
    }
    assert!(o.migrations.iter().all(|m| m.outcome == "seamless"));
}

/// Runs a scenario text in-process and keeps the world, so a test can read
/// the head-end's impact ledger (every glitch, freeze and loss with its
/// instant) beside the run's output.
fn run_world(text: &str, sets: &[String]) -> (vodsim::sim::World, vodsim::sim::RunOutput, u32) {
    use vodsim::sim::{RunOptions, World, finish};
    let l = vodsim::scenario::load_str("t.json", text, sets, None).expect("valid scenario");
    let mut w = World::new(&l.scenario, RunOptions { check: true, ..RunOptions::default() });
    w.start();
    let end = w.end();
    w.advance(end, |_| {}).expect("runs");
    let o = finish(&mut w, &l.scenario, "t", std::time::Instant::now(), |_| {}).expect("ends");
    (w, o, l.scenario.raw.migration.trigger_grace_packets)
}

/// For every stream whose every migration is labelled seamless: nothing
/// the viewer would notice from each migration's start through the first
/// two deadlines the destination serves (two of its periods after the
/// hand-off). Returns (streams checked, migrations not labelled seamless).
fn seamless_labels_are_true(w: &vodsim::sim::World, o: &vodsim::sim::RunOutput, grace_packets: u32) -> Result<(usize, usize), String> {
    use vodsim::headend::Impact;
    let h = &w.headend;
    let impacts = h.results().impacts;
    let mut checked = 0;
    let streams: std::collections::BTreeSet<u32> = o.migrations.iter().map(|m| m.stream_id).collect();
    for s in streams {
        let migs: Vec<_> = o.migrations.iter().filter(|m| m.stream_id == s).collect();
        if !migs.iter().all(|m| m.outcome == "seamless") {
            continue;
        }
        checked += 1;
        let grace_ns = h.pkt_time(s, u64::from(grace_packets)).0;
        for m in migs {
            let dest = m.destination.ok_or(format!("seamless migration of stream {s} without a destination"))?;
            let period = h.period_of(dest as usize).as_secs_f64();
            let (from, to) = (m.t_s - 1e-9, m.t_s + m.handoff_s + 2.0 * period + 1e-9);
            for rec in impacts.iter().filter(|r| r.stream == s && (from..=to).contains(&r.t.as_secs_f64())) {
                let noticed = match rec.kind {
                    Impact::Glitch | Impact::Lost(_) | Impact::Duplicate(_) | Impact::TerminatedLost(_) => true,
                    Impact::Freeze { ns, .. } => ns > grace_ns,
                    _ => false,
                };
                if noticed {
                    return Err(format!(
                        "stream {s}: migration at {} s labelled seamless, but {:?} at {} s",
                        m.t_s,
                        rec.kind,
                        rec.t.as_secs_f64()
                    ));
                }
            }
        }
    }
    Ok((checked, o.migrations.iter().filter(|m| m.outcome != "seamless").count()))
}

#[test]
fn mixed_extent_sizes_seamless_streams_have_no_glitch_near_their_hand_off() {
    let text = std::fs::read_to_string(crate::common::repo().join("scenarios/mixed-extent-sizes.json")).unwrap();
    let (mut checked, mut relabelled) = (0, 0);
    for seed in 1..=10 {
        // With room for every user (`WITH_ROOM`), as the counts below assume.
        let (w, o, grace) = run_world(&text, &[format!("seed={seed}"), WITH_ROOM.to_string()]);
        let (c, r) = seamless_labels_are_true(&w, &o, grace).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        checked += c;
        relabelled += r;
    }
    // 51 migrations per seed (least-loaded assignment fills the modules by
    // their share of 176, 176, 168 and 168 admissible streams: 51, 51, 49,
    // 49 of the 200); with the destination's reads planned on the drive and
    // bus in use (issue 16), all 510 are seamless (before: 8 of 500
    // labelled lost, 5 duplicate).
    assert_eq!(checked, 510, "{checked} streams checked");
    assert_eq!(relabelled, 0, "{relabelled} migrations not seamless over seeds 1-10");
}

#[test]
fn a_transition_at_a_titles_last_packet_leaves_the_next_titles_first_read_its_time() {
    // Seed 5 (200 streams): stream 168 is near the end of title 25 (2 700 extents of
    // 4 987 packets = 13 464 900 packets) when module 0 warns; its
    // transition is clamped to the title's last packet, so after the
    // hand-off the viewer has one packet time (401 µs at 3.75 Mb/s) before
    // the next title starts. That title's first read (~72 ms) used to be
    // issued only then: 178 packets (71 ms) lost. The destination now
    // issues it with the transitional read, due at the title's end.
    let o = run_file("scenarios/mixed-extent-sizes.json", &["seed=5", WITH_ROOM]);
    let m = o.migrations.iter().find(|m| m.packet_offset == 13_464_899).expect("a clamped transition on seed 5");
    assert_eq!(m.outcome, "seamless", "{m:?}");
    let st = o.streams.iter().find(|s| s.stream_id == m.stream_id).unwrap();
    assert_eq!((st.glitches, st.lost_s), (0, 0.0), "{st:?}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 24, failure_persistence: None, ..Default::default() })]

    /// On random head-ends, faults and hand-off options, a `seamless` label
    /// always matches the stream's record.
    #[test]
    fn a_seamless_label_matches_the_viewers_record(
        seed in 0u64..1000,
        modules in 2u32..5,
        streams in 20u32..160,
        mixed in proptest::bool::ANY,
        warned in proptest::bool::ANY,
        at_s in 5.0f64..50.0,
        latency_us in proptest::sample::select(vec![10u32, 300, 800, 1200]),
        transition in proptest::sample::select(vec!["extent", "packet-offset", "auto"]),
    ) {
        let sizes: Vec<String> = (0..modules).map(|m| if mixed && m % 2 == 1 { "703120" } else { "937556" }.to_string()).collect();
        let kind = if warned { "failure-likely" } else { "module" };
        let text = format!(r#"{{ "name": "p", "seed": {seed}, "duration_s": 60,
            "headend": {{ "modules": {modules}, "disks_per_module": 4, "extent_bytes_by_module": [{}] }},
            "workload": {{ "streams": {streams} }},
            "smbus": {{ "latency_us": {latency_us} }},
            "migration": {{ "transition": "{transition}" }},
            "faults": [{{ "at_s": {at_s}, "kind": "{kind}", "module": 0 }}] }}"#, sizes.join(","));
        let (w, o, grace) = run_world(&text, &[]);
        if let Err(e) = seamless_labels_are_true(&w, &o, grace) {
            return Err(proptest::test_runner::TestCaseError::fail(format!("{e}\n{text}")));
        }
    }
}

#[test]
fn mixed_sd_hd_migrations_land_on_each_classes_own_extents_and_stay_seamless() {
    // scenarios/mixed-sd-hd.json with 70 sessions and disk 1 of module 0
    // failing at 20 s: module 1 has room for every stream that moves (70
    // streams, even all HD, take 70 x 104.6 ms = 7.3 s of the two modules'
    // 14.4 s of disk time per period, and 70 x 7.5 MB of their 800 MB).
    let text = std::fs::read_to_string(crate::common::repo().join("scenarios/mixed-sd-hd.json")).unwrap();
    let sets = ["workload.streams=70".to_string(), r#"faults=[{"at_s":20,"kind":"disk","module":0,"disk":1}]"#.to_string()];
    let (w, o, grace) = run_world(&text, &sets);
    let rate = |s: u32| o.streams.iter().find(|r| r.stream_id == s).unwrap().bitrate_bps;
    // A 2 s extent is 4 987 packets of SD (3 750 224 bit/s) and 4 x 4 987
    // = 19 948 of HD (15 000 896 bit/s), on both modules: an extent
    // transition lands on a multiple of the stream's own extent.
    let mut by_class = [0, 0];
    for m in &o.migrations {
        let (n, k) = if rate(m.stream_id) == 15_000_896 { (19_948, 1) } else { (4_987, 0) };
        by_class[k] += 1;
        assert!(!m.discontinuity, "equal periods: extent transitions only: {m:?}");
        assert_eq!(m.packet_offset, u64::from(m.transitional_extent) * n, "{m:?}");
        assert!(matches!(m.outcome, "seamless" | "duplicate"), "{m:?}");
        assert!(
            m.outcome == "seamless" || m.direct,
            "only a direct hand-off (the next extent on the failed disk) may repeat content: {m:?}"
        );
    }
    assert!(by_class[0] > 0 && by_class[1] > 0, "both classes migrate: {by_class:?}");
    assert_eq!(o.summary.lost_s, 0.0);
    // Every `seamless` label holds on the viewer's record.
    let (checked, not_seamless) = seamless_labels_are_true(&w, &o, grace).unwrap();
    assert!(checked > 0);
    assert_eq!(not_seamless, o.migrations.iter().filter(|m| m.outcome != "seamless").count());
}
