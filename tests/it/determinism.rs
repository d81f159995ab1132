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

/// A manifest without the `files` entry of `summary.json`.
fn without_summary_entry(mut m: serde_json::Value) -> serde_json::Value {
    let files = m["files"].as_array_mut().unwrap();
    let n = files.len();
    files.retain(|f| f["name"] != "summary.json");
    assert_eq!(files.len(), n - 1, "no summary.json in {m}");
    m
}

/// Checks every entry of `dir/manifest.json` against the file's bytes on
/// disk, hashed here with sha2 (not vodsim's code), and that it lists every
/// file of the run but itself.
fn assert_manifest_is_sha256_of_the_files(dir: &Path) {
    use sha2::{Digest, Sha256};
    let m: serde_json::Value = serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let mut listed: Vec<String> = Vec::new();
    for f in m["files"].as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        let bytes = fs::read(dir.join(name)).unwrap();
        let sha: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(f["bytes"].as_u64(), Some(bytes.len() as u64), "{}: {name}", dir.display());
        assert_eq!(f["sha256"].as_str(), Some(sha.as_str()), "{}: {name}", dir.display());
        listed.push(name.to_string());
    }
    listed.push("manifest.json".into());
    listed.sort();
    assert_eq!(files(dir).into_keys().collect::<Vec<_>>(), listed, "{}", dir.display());
}

/// The manifest's size and SHA-256 of every file are those of the bytes on
/// disk, `summary.json` included (what `sha256sum` prints). They once were,
/// for the summary, of a re-serialisation without `wall_s` through
/// serde_json, whose default float parser reads some shortest-form floats
/// one ulp off: peer-simpy's `glitch_rate` 0.0031446540880503146 (100
/// glitches / 31 800 stream periods) came back as 0.003144654088050314, so
/// no other tool could reproduce the hash. Editing `wall_s` alone is now
/// seen too.
#[test]
fn manifest_lists_the_sha256_of_the_bytes_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("peer");
    let o = vodsim(&["run", "scenarios/peer-simpy.json", "--quiet", "--trace", "--set", "duration_s=320", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary = fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("\"glitch_rate\": 0.0031446540880503146,"), "{summary}");
    assert_manifest_is_sha256_of_the_files(&out);
    assert_eq!(vodsim::run::verify_run_dir(&out), Ok(()));

    let mut s: serde_json::Value = serde_json::from_str(&summary).unwrap();
    s["wall_s"] = serde_json::json!(s["wall_s"].as_f64().unwrap() + 1.0);
    fs::write(out.join("summary.json"), serde_json::to_string_pretty(&s).unwrap() + "\n").unwrap();
    let problem = format!("{:?}", vodsim::run::verify_run_dir(&out));
    assert!(problem.contains("summary.json"), "{problem}");
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
        for name in ["a", "b"] {
            let stem = Path::new(scenario).file_stem().unwrap().to_string_lossy().into_owned();
            assert_manifest_is_sha256_of_the_files(&dir.path().join(format!("{stem}-{name}")));
        }
        assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "{scenario}: different files");
        assert_eq!(a.len(), 6, "{scenario}: {:?}", a.keys());
        for (name, x) in a {
            let y = &b[name];
            match name.as_str() {
                "summary.json" => assert_eq!(json_without(x, "wall_s"), json_without(y, "wall_s"), "{scenario}: {name}"),
                // The command line names the output directory, and the
                // hash of summary.json covers its wall_s.
                "manifest.json" => assert_eq!(
                    without_summary_entry(json_without(x, "command")),
                    without_summary_entry(json_without(y, "command")),
                    "{scenario}: {name}"
                ),
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
