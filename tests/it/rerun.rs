//! A run never silently replaces another experiment's results: a second
//! `vodsim run` with other `--set` values into the same folder exits 2 and
//! leaves the first run as it was; an identical rerun may overwrite; and
//! `--force` replaces, whole.

use crate::common::vodsim;
use std::fs;
use std::path::Path;

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> =
        fs::read_dir(dir).unwrap().flatten().map(|e| (e.file_name().to_string_lossy().into_owned(), fs::read(e.path()).unwrap())).collect();
    v.sort();
    v
}

#[test]
fn a_different_experiment_into_a_used_folder_is_refused_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("seed-1");
    let o = out.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "scenarios/default.json", "--quiet", "--out", o, "--set", "duration_s=30", "--set", "faults=[]"];
        args.extend_from_slice(extra);
        vodsim(&args)
    };
    assert!(run(&[]).status.success());
    let first = files(&out);

    let other = run(&["--set", "workload.streams=100"]);
    let err = String::from_utf8_lossy(&other.stderr);
    assert_eq!(other.status.code(), Some(2), "{err}");
    assert!(err.contains("holds a different experiment") && err.contains("--force"), "{err}");
    assert_eq!(files(&out), first, "the first run's files changed");

    // The same experiment again (`30.0` is `30`) may overwrite.
    let again = vodsim(&["run", "scenarios/default.json", "--quiet", "--out", o, "--set", "duration_s=30.0", "--set", "faults=[]"]);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));

    let forced = run(&["--set", "workload.streams=100", "--force"]);
    assert!(forced.status.success(), "{}", String::from_utf8_lossy(&forced.stderr));
    assert_eq!(vodsim::run::verify_run_dir(&out), Ok(()));
    let summary: serde_json::Value = serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["streams"].as_u64().map(|n| n >= 100), Some(true), "{summary}");

    // A folder of other files is not a run to replace either.
    let foreign = tmp.path().join("notes");
    fs::create_dir(&foreign).unwrap();
    fs::write(foreign.join("draft.txt"), "mine").unwrap();
    let o = vodsim(&[
        "run",
        "scenarios/default.json",
        "--quiet",
        "--out",
        foreign.to_str().unwrap(),
        "--set",
        "duration_s=30",
        "--set",
        "faults=[]",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("holds files that are not a vodsim run"));
    assert_eq!(fs::read_to_string(foreign.join("draft.txt")).unwrap(), "mine");
}
