//! `vodsim ts`: the packet schedule a viewer received around a hand-off
//! (issue 22). FFmpeg's judgement of it is `scripts/test_ts_check.py`.

use crate::common::{SMALL_FAULT, vodsim};
use serde_json::Value;

fn run_dir(tmp: &std::path::Path, sets: &[&str]) -> String {
    let scenario = tmp.join("small.json");
    std::fs::write(&scenario, SMALL_FAULT).expect("write scenario");
    let out = tmp.join(format!("run{}", sets.join("-").replace(['/', '='], "_"))).display().to_string();
    let mut args = vec!["run", scenario.to_str().expect("utf-8 path"), "--quiet", "--out", &out];
    for s in sets {
        args.extend(["--set", s]);
    }
    let o = vodsim(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

fn ts(args: &[&str]) -> Value {
    let o = vodsim(&[&["ts"], args].concat());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("vodsim ts prints JSON")
}

fn u(v: &Value, k: &str) -> u64 {
    v[k].as_u64().unwrap_or_else(|| panic!("{k}: {v}"))
}

#[test]
fn ts_schedule_joins_source_freeze_and_destination_where_migrations_csv_says() {
    let tmp = tempfile::tempdir().expect("temp dir");
    for policy in ["protocol", "naive"] {
        let set = format!("migration.policy={policy}");
        let run = run_dir(tmp.path(), &[&set]);
        let csv = std::fs::read_to_string(format!("{run}/migrations.csv")).expect("migrations.csv");
        let header: Vec<&str> = csv.lines().next().unwrap_or_default().split(',').collect();
        let col = |n: &str| header.iter().position(|h| *h == n).expect("column");
        let (dest, outcome) = (col("destination"), col("outcome"));
        let finished: Vec<usize> = (csv.lines().skip(1).enumerate())
            .filter(|(_, l)| {
                let c: Vec<&str> = l.split(',').collect();
                !c[dest].is_empty() && ["seamless", "duplicate", "lost"].contains(&c[outcome])
            })
            .map(|(i, _)| i)
            .collect();
        assert!(!finished.is_empty(), "{policy}: a migration to look at");
        for row in finished {
            let s = ts(&[&run, "--row", &row.to_string(), "--window-s", "1"]);
            let segs = s["segments"].as_array().expect("segments");
            let (src, dst) = (&segs[0], &segs[segs.len() - 1]);
            assert_eq!((src["from"].as_str(), dst["from"].as_str()), (Some("source"), Some("destination")));
            // Slots follow one another: source, then the freeze, then the
            // destination.
            let mut slot = 0;
            for g in segs {
                assert_eq!(u(g, "slot"), slot, "{g}");
                slot += u(g, "packets");
            }
            // 1 s at 3 750 224 bit/s is 2 493 packets (floor of 2 493.5).
            assert_eq!(u(src, "packets"), 2493, "{s}");
            assert_eq!(u(src, "title_packet") + u(src, "packets"), u(&s, "source_stop_packet"));
            assert_eq!(u(dst, "title_packet"), u(&s, "destination_first_packet"));
            let (q, lost, dup) = (u(&s, "packet_offset"), u(&s, "lost_packets"), u(&s, "duplicate_packets"));
            let (stop, first) = (u(&s, "source_stop_packet"), u(&s, "destination_first_packet"));
            if policy == "protocol" {
                // The destination plays from the transition packet; what the
                // viewer had seen beyond it is shown twice, what it had not
                // reached is lost.
                assert_eq!(first, q);
                assert_eq!(stop + lost, q + dup, "{s}");
            } else {
                // Naive: the slot restarting at q is lost whole, so the
                // destination's first packet is the next extent boundary and
                // every packet between the stop and it is lost.
                assert_eq!(first % 4987, 0);
                assert_eq!(first - stop, lost, "{s}");
                assert!(u(&s, "gap_slots") >= first - q, "a slot of freeze: {s}");
            }
            assert_eq!(dst["discontinuity"], s["discontinuity"]);
        }
    }
}

#[test]
fn ts_rejects_what_is_not_a_finished_migration_with_exit_2() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let o = vodsim(&["ts", &tmp.path().display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("manifest.json"), "{}", String::from_utf8_lossy(&o.stderr));
    let run = run_dir(tmp.path(), &[]);
    for (args, says) in
        [(vec!["--stream", "999"], "no finished migration"), (vec!["--window-s", "0"], "--window-s"), (vec!["--row", "9999"], "--row 9999")]
    {
        let o = vodsim(&[&["ts", run.as_str()], &args[..]].concat());
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "nothing written on bad input");
    }
}

/// The title offsets of a synthetic `.ts`'s content packets, its null
/// packets and the indices (among content packets) carrying the
/// discontinuity indicator; every packet's framing checked on the way.
fn parse_synthetic(bytes: &[u8]) -> (Vec<u64>, u64, Vec<usize>) {
    assert_eq!(bytes.len() % 188, 0, "whole 188-byte packets");
    let (mut offsets, mut nulls, mut disc) = (Vec::new(), 0, Vec::new());
    for p in bytes.chunks(188) {
        assert_eq!(p[0], 0x47, "sync byte");
        let pid = u16::from(p[1] & 0x1F) << 8 | u16::from(p[2]);
        if pid == 0x1FFF {
            nulls += 1;
            continue;
        }
        assert_eq!(pid, 0x0100);
        // The continuity counter counts content packets as sent.
        assert_eq!(u64::from(p[3] & 15), offsets.len() as u64 % 16, "continuity counter");
        let mut at = 4;
        if p[3] & 0x20 != 0 {
            if p[4] > 0 && p[5] & 0x80 != 0 {
                disc.push(offsets.len());
            }
            at = 5 + usize::from(p[4]);
        }
        offsets.push(u64::from_be_bytes(p[at..at + 8].try_into().expect("8 bytes")));
    }
    (offsets, nulls, disc)
}

#[test]
fn ts_out_without_title_writes_the_schedule_as_synthetic_packets() {
    let tmp = tempfile::tempdir().expect("temp dir");
    // 0.1 s at 3 750 224 bit/s is 249 packets (floor of 249.35) on each
    // side of the hand-off.
    //
    // Packet offsets (module 0 stores 2 s extents, module 1 1.5 s ones):
    // stream 0 resumes at transition packet 2 209 158 with 83 packets shown
    // twice, so the source had reached 2 209 241 and sent 2 208 992..2 209
    // 240; the 0.245 790 s stall is 612 empty slots (floor of 612.88); the
    // destination sets the indicator on its first packet.
    //
    // Naive (row 1, row 0 found no destination): restart at the extent
    // boundary 10 547 505 = 2 115 × 4 987 losing that whole slot (4 987
    // packets), so the destination starts at 10 552 492 after 3 020 slots
    // of stall (1.211 389 s, floor of 3 020.60) plus the 4 987 of the lost
    // slot: 8 007 null packets; no indicator (an extent boundary).
    let cases = [
        (
            &["headend.extent_bytes_by_module=[937556,703120]", "migration.transition=packet-offset"][..],
            2_208_992u64,
            612u64,
            2_209_158u64,
            true,
        ),
        (&["migration.policy=naive"][..], 10_547_256, 8007, 10_552_492, false),
    ];
    for (k, (sets, src_first, empty, dst_first, disc_set)) in cases.into_iter().enumerate() {
        let run = run_dir(tmp.path(), sets);
        let file = tmp.path().join(format!("viewer-{k}.ts"));
        let o = vodsim(&["ts", &run, "--window-s", "0.1", "--out", &file.display().to_string()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(o.stdout.is_empty(), "--out without --schedule prints nothing");
        let (offsets, nulls, disc) = parse_synthetic(&std::fs::read(&file).expect("the .ts"));
        let want: Vec<u64> = (src_first..src_first + 249).chain(dst_first..dst_first + 249).collect();
        assert_eq!(offsets, want, "{sets:?}");
        assert_eq!(nulls, empty, "{sets:?}: a null packet per empty slot");
        // The indicator: once, on the destination's first packet (content
        // packet 249, after the source's 249).
        assert_eq!(disc, if disc_set { vec![249] } else { vec![] }, "{sets:?}");
        // The same schedule as the JSON says.
        let s = ts(&[&run, "--window-s", "0.1"]);
        assert_eq!((u(&s, "gap_slots"), u(&s, "destination_first_packet")), (empty, dst_first), "{s}");
    }
}

#[test]
fn ts_schedule_of_an_hd_stream_runs_on_its_own_packet_clock_and_extents() {
    // scenarios/mixed-sd-hd.json, disk 1 of module 0 failing at 20 s: an HD
    // stream (15 000 896 bit/s) has 19 948-packet extents (2 s), an SD one
    // 4 987, and a seamless extent transition joins the two feeds with no
    // empty slot.
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("run").display().to_string();
    let fault = r#"faults=[{"at_s":20,"kind":"disk","module":0,"disk":1}]"#;
    let o = vodsim(&["run", "scenarios/mixed-sd-hd.json", "--quiet", "--out", &out, "--set", "workload.streams=70", "--set", fault]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let streams = std::fs::read_to_string(format!("{out}/streams.csv")).expect("streams.csv");
    let rate_of = |id: u64| {
        streams
            .lines()
            .skip(1)
            .find(|l| l.split(',').next() == Some(&id.to_string()))
            .and_then(|l| l.rsplit(',').next()?.parse::<u64>().ok())
    };
    let mut seen = [false, false];
    for row in 0..20 {
        let v = ts(&[&out, "--row", &row.to_string()]);
        let rate = u(&v, "bitrate_bps");
        assert_eq!(Some(rate), rate_of(u(&v, "stream_id")), "{v}");
        let n = if rate == 15_000_896 { 19_948 } else { 4_987 };
        seen[usize::from(n == 19_948)] = true;
        assert_eq!(v["extent_packets"], serde_json::json!([n, n]), "{v}");
        if v["outcome"] == "seamless" {
            assert_eq!(u(&v, "packet_offset") % n, 0, "an extent transition: {v}");
            assert_eq!(u(&v, "gap_slots"), 0, "{v}");
        }
    }
    assert!(seen[0] && seen[1], "rows of both classes: {seen:?}");
}
