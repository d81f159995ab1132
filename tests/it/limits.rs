//! Bounded resources: runs and sweeps whose outputs could not fit in memory
//! are refused before they start, at once, with a message that names the
//! field, the limit and the estimate (`scenario::limits`).

use crate::common::vodsim;
use std::time::{Duration, Instant};

#[test]
fn runs_and_sweeps_too_large_for_memory_exit_2_at_once_naming_the_limit() {
    let cases: &[(&[&str], &[&str])] = &[
        // 240 s / 1e-6 s = 2.4e8 load observations.
        (
            &["run", "scenarios/load-imbalance.json", "--set", "migration.load_balance.interval_s=1e-6"],
            &["migration.load_balance.interval_s", "at most ten million observations"],
        ),
        // 1e7 observations x max_moves 16 = 1.6e8 possible migrations.
        (
            &["run", "scenarios/load-imbalance.json", "--set", "migration.load_balance.interval_s=2.4e-5"],
            &["migration.load_balance.interval_s", "limit of 512 MiB", "migrations.csv at most 1.600e8"],
        ),
        // 4096 modules x (1e7 s / 10 s + 1) rows of modules.csv.
        (
            &["run", "scenarios/default.json", "--set", "headend.modules=4096", "--set", "duration_s=1e7"],
            &["report_interval_s", "limit of 512 MiB", "modules.csv with 4.096e9 rows"],
        ),
        // 4 modules x 143 streams at once (268 435 456 buffer bytes / two
        // 937 556-byte extents) x 1e7 s / 2 s periods (an extent at
        // 3 750 224 bit/s) = 2.86e9 reads.
        (
            &["run", "scenarios/default.json", "--trace", "--set", "duration_s=1e7", "--set", "report_interval_s=1e5"],
            &["duration_s", "limit of 512 MiB", "reads.csv (--trace) with 2.86"],
        ),
        (
            &["sweep", "scenarios/default.json", "--seeds", "1..1", "--set", "workload.streams=1..100000", "--dry-run"],
            &["at most 10000 parameter points", "got 100000"],
        ),
    ];
    for (args, fragments) in cases {
        let out = tempfile::tempdir().unwrap();
        let dir = out.path().join("out").display().to_string();
        let mut all = args.to_vec();
        if !args.contains(&"--dry-run") {
            all.extend(["--quiet", "--out", &dir]);
        }
        let t = Instant::now();
        let o = vodsim(&all);
        let took = t.elapsed();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        for f in *fragments {
            assert!(err.contains(f), "{args:?}: no {f:?} in {err}");
        }
        assert!(took < Duration::from_secs(1), "{args:?}: took {took:?}");
        assert!(!out.path().join("out").exists(), "{args:?}: wrote output");
    }
}

#[test]
fn the_output_limit_is_set_by_max_output_mib_on_run_validate_and_sweep() {
    // default.json over 10 s without faults, with --trace: 4 modules x 2
    // report rows x 300 B + (470 streams + ceil(0.1306/s x 10 s) = 472) x
    // 400 B + 472 streams at once x ceil(10 s / 2 s periods) = 2 360 reads
    // x 400 B = 2 400 + 188 800 + 944 000 = 1 135 200 B = 1.08 MiB: above
    // a limit of 1 MiB, within 2.
    let run = ["run", "scenarios/default.json", "--trace", "--set", "duration_s=10", "--set", "faults=[]", "--quiet"];
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("out").display().to_string();
    let o = vodsim(&[&run[..], &["--max-output-mib", "1", "--out", &dir]].concat());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for f in ["limit of 1 MiB", "estimated 1.1 MiB", "reads.csv (--trace) with 2.360e3 rows", "raise the limit with --max-output-mib 2"] {
        assert!(err.contains(f), "no {f:?} in {err}");
    }
    assert!(!out.path().join("out").exists(), "wrote output");
    let o = vodsim(&[&run[..], &["--max-output-mib", "2", "--out", &dir]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.path().join("out/reads.csv").exists());

    // 4 096 modules x (1e7 s / 10 s + 1) rows of modules.csv x 300 B =
    // 1 172 375 MiB, refused under the default 512 MiB, accepted (checked,
    // not run) under a limit raised above it.
    let big = ["--set", "headend.modules=4096", "--set", "duration_s=1e7"];
    let validate = |extra: &[&str]| vodsim(&[&["validate", "scenarios/default.json"][..], extra].concat());
    let sweep =
        |extra: &[&str]| vodsim(&[&["sweep", "scenarios/default.json", "--seeds", "1..1", "--dry-run"][..], &big[..], extra].concat());
    let o = sweep(&[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("limit of 512 MiB") && err.contains("--max-output-mib 1172375"), "{err}");
    assert_eq!(sweep(&["--max-output-mib", "1172375"]).status.code(), Some(0));
    assert_eq!(sweep(&["--max-output-mib", "1172374"]).status.code(), Some(2));
    // The limit applies to validate too; out of its range is bad input.
    let text = std::fs::read_to_string(crate::common::repo().join("scenarios/default.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["headend"]["modules"] = 4096.into();
    v["duration_s"] = 1e7.into();
    let file = out.path().join("big.json");
    std::fs::write(&file, v.to_string()).unwrap();
    let file = file.display().to_string();
    assert_eq!(vodsim(&["validate", &file]).status.code(), Some(2));
    assert_eq!(vodsim(&["validate", &file, "--max-output-mib", "1172375"]).status.code(), Some(0));
    assert_eq!(validate(&[]).status.code(), Some(0));
    for bad in ["0", "16777217", "-1", "x"] {
        assert_eq!(validate(&["--max-output-mib", bad]).status.code(), Some(2), "--max-output-mib {bad}");
    }
}
