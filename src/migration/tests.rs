//! White-box tests of protocol branches that a scenario file cannot aim at
//! precisely: the test drives the run event by event and intervenes.

use super::{Outcome, Phase};
use crate::engine::SimTime;
use crate::headend::stream::{NO_MODULE, Owner, Status};
use crate::scenario::load_str;
use crate::sim::{RunOptions, World};

/// Two modules of two disks, 4 users; module 0 warns of a failure at 10 s.
fn warned() -> World {
    warned_with(&[])
}

fn warned_with(sets: &[&str]) -> World {
    let json = r#"{ "name": "wb", "seed": 3, "duration_s": 40,
        "content": { "titles": 20 },
        "headend": { "modules": 2, "disks_per_module": 2 },
        "workload": { "streams": 4 },
        "faults": [ { "at_s": 10, "kind": "failure-likely", "module": 0 } ] }"#;
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let l = load_str("wb.json", json, &sets, None).expect("valid");
    let mut w = World::new(&l.scenario, RunOptions { check: true, ..RunOptions::default() });
    w.start();
    w
}

/// Runs to 9.9 s, fills both of module 1's disks with ~5 s of urgent reads
/// (200 × ~52 ms over two disks) just before module 0's warning, and runs
/// to the end.
fn congest_module_1_then_run(w: &mut World) {
    w.advance(SimTime::from_secs_f64(9.9), |_| {}).unwrap();
    let now = w.now();
    for e in 0..200 {
        w.headend.issue_read(&mut w.q, Owner::Orphan, 1, 0, e, now);
    }
    let end = w.end();
    w.advance(end, |_| {}).unwrap();
}

/// Steps until `pred` holds for some migration; returns its id.
fn until(w: &mut World, pred: impl Fn(&super::Migration) -> bool) -> u32 {
    let end = w.end();
    loop {
        if let Some(m) = w.protocol.migrations.iter().find(|m| pred(m)) {
            return m.id;
        }
        assert!(w.step(end).expect("no invariant broken").is_some(), "condition never met");
    }
}

#[test]
fn a_congested_destination_answers_with_a_later_transition_and_the_user_misses_nothing() {
    let mut w = warned();
    // No transitional extent can be read by its deadline (FIG. 5 step 514
    // fails): module 1's disks are busy for ~5.2 s from 9.9 s.
    congest_module_1_then_run(&mut w);
    let modified: Vec<_> = w.protocol.migrations.iter().filter(|m| m.modified).collect();
    assert!(!modified.is_empty(), "step 516 taken");
    for m in modified {
        // Step 516: a later transition point the disks can serve, so the
        // source streams on until then — past the congestion.
        assert!(m.deadline > SimTime::from_secs_f64(9.9 + 5.2), "{m:?}");
        assert_eq!(m.outcome, Some(Outcome::Seamless), "{m:?}");
        assert_eq!((m.lost_pkts, m.dup_pkts), (0, 0), "nothing lost, nothing repeated");
        assert_eq!(m.messages, 5, "request, modified accept, trigger, stream migrated, control");
    }
}

#[test]
fn a_late_trigger_terminates_the_stream_at_both_ends() {
    let mut w = warned();
    let mig = until(&mut w, |m| m.phase == Phase::Accepted);
    // From now on the bus is slow: the trigger (step 613) arrives 2 ms after
    // the transition instant, beyond the one-packet grace of step 530.
    w.protocol.smbus.burst_extra = crate::engine::SimDuration::from_micros_f64(2_000.0);
    let end = w.end();
    w.advance(end, |_| {}).unwrap();
    let m = &w.protocol.migrations[mig as usize];
    assert_eq!(m.outcome, Some(Outcome::Failed));
    // The destination's wait for the trigger ends one packet after the
    // transition instant, before the trigger lands 2 ms after it, so the
    // destination withdraws (step 538); the source then times out waiting for
    // "stream migrated" (step 617) and, the destination never having
    // started, the user is lost.
    assert_eq!(m.notes, ["no trigger", "source gave up", "no stream-migrated message"]);
    assert_eq!(w.headend.stream(m.stream).status, Status::Terminated);
}

#[test]
fn a_lost_stream_migrated_message_ends_in_termination_not_two_feeders() {
    let mut w = warned();
    let mig = until(&mut w, |m| m.phase == Phase::Triggered);
    // The trigger is on its way; every later message is lost, including
    // "stream migrated" (step 641): the source gives up (step 617) and the
    // destination, never getting control (step 644), fails (step 636).
    w.protocol.smbus.loss = 1.0;
    let end = w.end();
    w.advance(end, |_| {}).unwrap();
    let m = &w.protocol.migrations[mig as usize];
    assert_eq!(m.outcome, Some(Outcome::Failed), "{m:?}");
    assert_eq!(m.notes, ["source gave up", "no control transfer"]);
    assert_eq!(m.notes_text(), "source gave up; no control transfer");
    assert_eq!(w.headend.stream(m.stream).status, Status::Terminated);
    assert!(w.headend.streams().iter().all(|s| s.module == NO_MODULE || s.module < 2));
}

#[test]
fn a_retrieve_first_destination_retries_the_next_extent_for_one_carousel_loop() {
    let mut w = warned_with(&["migration.handshake=retrieve-first"]);
    // The first extent tried misses its deadline (step 632), the destination
    // moves on to the next one, whose deadline is a period later, and
    // answers once one is in time (635).
    congest_module_1_then_run(&mut w);
    let retried: Vec<_> = w.protocol.migrations.iter().filter(|m| m.carousel_tries > 0).collect();
    assert!(!retried.is_empty(), "step 632 taken");
    for m in &w.protocol.migrations {
        assert!(m.carousel_tries < 2, "one carousel loop is two extents on two disks");
        assert_ne!(m.outcome, Some(Outcome::Lost), "{m:?}");
        assert!(m.outcome.is_some());
    }
    // Without enough time in one loop the destination gives up (step 636)
    // and, with no other module, the user stays on its source.
    assert!(
        w.protocol.migrations.iter().all(|m| m.outcome != Some(Outcome::Failed) || w.headend.stream(m.stream).status == Status::Active)
    );
}

/// Runs `warned_with(sets)` until a migration is accepted, loses every
/// message from then on (the trigger too) and returns how long after the
/// transition instant the source gave up waiting for "stream migrated".
fn step_614_wait(sets: &[&str]) -> crate::engine::SimDuration {
    let mut w = warned_with(sets);
    let mig = until(&mut w, |m| m.phase == Phase::Accepted);
    w.protocol.smbus.loss = 1.0;
    let end = w.end();
    w.advance(end, |_| {}).unwrap();
    let m = &w.protocol.migrations[mig as usize];
    assert_eq!(m.notes.last(), Some(&"no stream-migrated message"), "{m:?}");
    // The source stops output and sends the trigger at the transition
    // instant (step 612/613) and fails when the step-614 wait is over.
    m.ended.saturating_since(m.deadline)
}

#[test]
fn the_step_614_wait_is_k_fatc_packet_times() {
    // The patent's packet time: 188 · 8 = 1 504 bits at the FATC's
    // 38.81 Mbit/s = 1 504e9 / 38.81e6 ns = 38 752.9 ns, rounded down to
    // 38 752 ns; the default wait is 4 of them: 155 008 ns.
    assert_eq!(step_614_wait(&[]).0, 4 * 38_752);
    // k = 2 on a 26.97 Mbit/s channel (64-QAM): 1 504e9 / 26.97e6 =
    // 55 765.7 → 55 765 ns, twice.
    let sets = ["migration.stream_migrated_wait_packets=2", "headend.transport.channel_bps=26970000"];
    assert_eq!(step_614_wait(&sets).0, 2 * 55_765);
    // The stream-rate reading: 1 504e9 / 3 750 224 = 401 042.1 → 401 042 ns.
    assert_eq!(step_614_wait(&["migration.packet_time=stream"]).0, 4 * 401_042);
}

#[test]
fn a_destination_lacking_the_content_rejects_at_steps_506_508() {
    // Validated drive, one disk a module: a 5 400 s title is 2 700 extents
    // of ceil(937 556 / 512) = 1 832 blocks = 4 946 400 blocks, and the
    // Cheetah 9LP's 17 918 387 blocks hold 3 (3.62) of them. Three modules, two
    // replicas: module m is listed for titles ≡ m−1, m (mod 3), in title
    // order module 1's are 0, 1, 3, 4 … and module 2's 1, 2, 4, 5 …, so
    // title 4 is the 4th on module 1 (not stored) and the 3rd on module 2
    // (stored). Module 2 warns: a stream of title 4 can only go to module
    // 1, which the replica map lists but whose disks lack it.
    let json = r#"{ "name": "cs", "seed": 7, "duration_s": 30,
        "content": { "titles": 5, "replicas": 2, "when_full": "store-fewer" },
        "headend": { "modules": 3, "disks_per_module": 1, "disk": { "model": "validated" } },
        "workload": { "streams": 12 },
        "faults": [ { "at_s": 10, "kind": "failure-likely", "module": 2 } ] }"#;
    let l = load_str("cs.json", json, &[], None).expect("valid");
    assert_eq!(l.scenario.titles_fit, [3, 3, 3]);
    let mut w = World::new(&l.scenario, RunOptions { check: true, ..RunOptions::default() });
    w.start();
    assert!(w.headend.may_admit(1, 4) && !w.headend.stores(1, 4) && w.headend.stores(2, 4));
    let end = w.end();
    w.advance(end, |_| {}).unwrap();
    let lacking: Vec<_> = w.protocol.migrations.iter().filter(|m| w.headend.stream(m.stream).title == 4).collect();
    assert!(!lacking.is_empty(), "no stream of title 4 on module 2");
    for m in &lacking {
        assert_eq!((m.source, m.tried.as_slice()), (2, &[1][..]), "{m:?}");
        assert!(m.notes.contains(&"content not stored"), "{m:?}");
        // Rejected (step 510) with nowhere else to go: never handed over.
        assert_ne!(m.outcome, Some(Outcome::Seamless), "{m:?}");
    }
    // Titles module 1 stores move there.
    let stored = w.protocol.migrations.iter().filter(|m| w.headend.stream(m.stream).title != 4);
    assert!(stored.clone().count() > 0 && stored.clone().all(|m| !m.notes.contains(&"content not stored")));
}
