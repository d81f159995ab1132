//! Same binary, scenario and seed ⇒ byte-identical outputs (but `wall_s`).

use crate::common::{repo, vodsim};
use std::fs;

fn strip_wall(json: &str) -> String {
    json.lines().filter(|l| !l.contains("\"wall_s\"")).collect::<Vec<_>>().join("\n")
}

#[test]
fn same_seed_twice_gives_byte_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    for scenario in ["scenarios/default.json", "scenarios/smbus-congestion.json"] {
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        for out in [&a, &b] {
            let o = vodsim(&["run", scenario, "--quiet", "--trace", "--out", out.to_str().unwrap()]);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }
        for f in ["streams.csv", "modules.csv", "migrations.csv", "reads.csv"] {
            let x = fs::read(a.join(f)).unwrap();
            let y = fs::read(b.join(f)).unwrap();
            assert!(x == y, "{scenario}: {f} differs between two runs");
        }
        // The manifest records the command line, which names the output directory.
        let scenario_of = |d: &std::path::Path| {
            let v: serde_json::Value = serde_json::from_slice(&fs::read(d.join("manifest.json")).unwrap()).unwrap();
            (v["scenario"].clone(), v["scenario_sha256"].clone())
        };
        assert_eq!(scenario_of(&a), scenario_of(&b));
        let x = fs::read_to_string(a.join("summary.json")).unwrap();
        let y = fs::read_to_string(b.join("summary.json")).unwrap();
        assert_eq!(strip_wall(&x), strip_wall(&y));
    }
    let _ = repo();
}

#[test]
fn a_different_seed_gives_a_different_run() {
    let a = crate::common::run_file("scenarios/default.json", &["duration_s=60", "faults=[]"]);
    let b = crate::common::run_file("scenarios/default.json", &["duration_s=60", "faults=[]", "seed=2"]);
    assert_ne!(vodsim::report::streams_csv(&a.streams), vodsim::report::streams_csv(&b.streams));
}
