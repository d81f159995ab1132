//! Golden outputs: whole files diffed against `tests/golden/`, so any change
//! of simulated behaviour — an optimisation that was meant to change nothing,
//! above all — shows up as a diff naming the file and the first line that
//! differs. `UPDATE_GOLDEN=1 cargo test --release golden` rewrites them
//! after an intended change of the model.

use crate::common::run_file;
use std::fs;

const CASES: &[(&str, &str, &[&str])] = &[
    ("default", "scenarios/default.json", &["duration_s=360"]),
    ("module-failure", "scenarios/module-failure.json", &["duration_s=320"]),
    ("module-failure-naive", "scenarios/module-failure.json", &["duration_s=320", "migration.policy=naive"]),
    ("disk-failure", "scenarios/disk-failure.json", &["duration_s=150"]),
    ("mixed-extent-sizes", "scenarios/mixed-extent-sizes.json", &["duration_s=80"]),
    ("smbus-congestion", "scenarios/smbus-congestion.json", &["duration_s=120"]),
    ("load-imbalance", "scenarios/load-imbalance.json", &["duration_s=120"]),
    ("peer-simpy", "scenarios/peer-simpy.json", &["duration_s=320"]),
    ("mixed-sd-hd", "scenarios/mixed-sd-hd.json", &[]),
];

#[test]
fn outputs_match_the_golden_files() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut diffs = Vec::new();
    for (name, scenario, sets) in CASES {
        let o = run_file(scenario, sets);
        let mut summary = serde_json::to_value(&o.summary).unwrap();
        summary.as_object_mut().unwrap().remove("wall_s");
        let files = [
            ("summary.json", serde_json::to_string_pretty(&summary).unwrap() + "\n"),
            ("streams.csv", vodsim::report::streams_csv(&o.streams)),
            ("migrations.csv", vodsim::report::migrations_csv(&o.migrations)),
            ("modules.csv", vodsim::report::modules_csv(&o.modules)),
        ];
        let dir = crate::common::repo().join("tests/golden").join(name);
        for (file, text) in files {
            let path = dir.join(file);
            if update {
                fs::create_dir_all(&dir).unwrap();
                fs::write(&path, &text).unwrap();
                continue;
            }
            let want = fs::read_to_string(&path).unwrap_or_else(|_| panic!("missing {}; run with UPDATE_GOLDEN=1", path.display()));
            if want != text {
                let line =
                    want.lines().zip(text.lines()).position(|(a, b)| a != b).unwrap_or(want.lines().count().min(text.lines().count()));
                diffs.push(format!(
                    "{name}/{file}: first difference at line {}\n  golden: {}\n  now:    {}",
                    line + 1,
                    want.lines().nth(line).unwrap_or("<end>"),
                    text.lines().nth(line).unwrap_or("<end>")
                ));
            }
        }
    }
    assert!(diffs.is_empty(), "outputs changed:\n{}", diffs.join("\n"));
}
