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
    // One module over 10 s, 3 000 streams asked for, no arrivals, no
    // faults: (10 s / 10 s + 1) modules.csv rows x 300 B + 3 000 streams.csv
    // rows x 400 B = 600 + 1 200 000 = 1 200 600 B = 1.14 MiB, above a limit
    // of 1 MiB, within 2.
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("lim.json");
    let text = r#"{ "name": "lim", "seed": 1, "duration_s": 10, "report_interval_s": 10,
        "headend": { "modules": 1, "disks_per_module": 2 },
        "workload": { "streams": 3000, "arrivals_per_s": 0 }, "faults": [] }"#;
    std::fs::write(&scenario, text).unwrap();
    let scenario = scenario.display().to_string();
    let dir = tmp.path().join("out").display().to_string();
    let run = |mib: &str| vodsim(&["run", &scenario, "--quiet", "--max-output-mib", mib, "--out", &dir]);
    let o = run("1");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for f in [
        "workload.streams",
        "limit of 1 MiB",
        "estimated 1.1 MiB",
        "streams.csv with 3.000e3 rows",
        "raise the limit with --max-output-mib 2",
    ] {
        assert!(err.contains(f), "no {f:?} in {err}");
    }
    assert!(!tmp.path().join("out").exists(), "wrote output");
    let o = run("2");
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(tmp.path().join("out/streams.csv").exists());

    // 4 096 modules over 1e7 s: 4 096 x (1e7 s / 10 s + 1) modules.csv rows
    // x 300 B + 1 200 000 B = 1 228 802 428 800 B = 1 171 877.3 MiB, refused
    // under the default 512 MiB and under 1 171 877, accepted (checked, not
    // run) under 1 171 878.
    let big = ["--set", "headend.modules=4096", "--set", "duration_s=1e7"];
    let sweep = |extra: &[&str]| vodsim(&[&["sweep", &scenario, "--seeds", "1..1", "--dry-run"][..], &big[..], extra].concat());
    let o = sweep(&[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("limit of 512 MiB") && err.contains("estimated 1171877.3 MiB") && err.contains("--max-output-mib 1171878"),
        "{err}"
    );
    assert_eq!(sweep(&["--max-output-mib", "1171877"]).status.code(), Some(2));
    assert_eq!(sweep(&["--max-output-mib", "1171878"]).status.code(), Some(0));
    // validate applies the limit too; out of its range is bad input.
    assert_eq!(vodsim(&["validate", &scenario]).status.code(), Some(0));
    assert_eq!(vodsim(&["validate", &scenario, "--max-output-mib", "1"]).status.code(), Some(2));
    for bad in ["0", "16777217", "-1", "x"] {
        assert_eq!(vodsim(&["validate", &scenario, "--max-output-mib", bad]).status.code(), Some(2), "--max-output-mib {bad}");
    }
}
