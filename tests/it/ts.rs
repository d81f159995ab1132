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
