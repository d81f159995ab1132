//! Same binary, scenario and seed ⇒ byte-identical outputs (but `wall_s`).
//! Each run is its own process, so whatever differs between processes (hash
//! seeds, addresses, the clock) and reaches an output shows here.

use crate::common::vodsim;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// Every file of a run directory, by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), fs::read(e.path()).unwrap())
        })
        .collect()
}

/// A JSON file without the key that may differ between two identical runs.
fn json_without(bytes: &[u8], key: &str) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    assert!(v.as_object_mut().unwrap().remove(key).is_some(), "no {key:?} in {v}");
    v
}

#[test]
fn same_seed_twice_gives_byte_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    for scenario in ["scenarios/default.json", "scenarios/module-failure.json", "scenarios/smbus-congestion.json"] {
        let runs: Vec<_> = ["a", "b"]
            .iter()
            .map(|name| {
                let stem = Path::new(scenario).file_stem().unwrap().to_string_lossy().into_owned();
                let out = dir.path().join(format!("{stem}-{name}"));
                let o = vodsim(&["run", scenario, "--quiet", "--trace", "--out", out.to_str().unwrap()]);
                assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
                files(&out)
            })
            .collect();
        let (a, b) = (&runs[0], &runs[1]);
        assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "{scenario}: different files");
        assert_eq!(a.len(), 6, "{scenario}: {:?}", a.keys());
        for (name, x) in a {
            let y = &b[name];
            match name.as_str() {
                "summary.json" => assert_eq!(json_without(x, "wall_s"), json_without(y, "wall_s"), "{scenario}: {name}"),
                // The command line names the output directory.
                "manifest.json" => assert_eq!(json_without(x, "command"), json_without(y, "command"), "{scenario}: {name}"),
                _ => assert!(x == y, "{scenario}: {name} differs between two runs"),
            }
        }
    }
}

#[test]
fn a_different_seed_gives_a_different_run() {
    let a = crate::common::run_file("scenarios/default.json", &["duration_s=60", "faults=[]"]);
    let b = crate::common::run_file("scenarios/default.json", &["duration_s=60", "faults=[]", "seed=2"]);
    assert_ne!(vodsim::report::streams_csv(&a.streams), vodsim::report::streams_csv(&b.streams));
}
