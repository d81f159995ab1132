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
