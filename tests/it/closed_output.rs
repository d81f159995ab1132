//! The command line under hostile conditions that are not a scenario: a
//! byte-order mark, names that cannot be directories, `--out` onto a file,
//! arguments that are not UTF-8, standard output closed or full. Each ends
//! in a clear message and a documented exit code, never a panic (101).

use crate::common::{bin, repo, vodsim};
use std::fs;
use std::process::{Command, Stdio};

fn no_panic(err: &str) {
    assert!(!err.contains("panicked"), "panicked:\n{err}");
}

fn temp_scenario(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    fs::write(&path, text).expect("write scenario");
    (dir, path)
}

const SMALL: &str =
    r#"{ "name": "NAME", "seed": 1, "duration_s": 4, "headend": { "modules": 1, "disks_per_module": 1 }, "workload": { "streams": 1 } }"#;

#[test]
fn a_byte_order_mark_is_named_as_such() {
    let text = format!("\u{feff}{}", SMALL.replace("NAME", "bom"));
    let (_d, path) = temp_scenario("bom.json", &text);
    let o = vodsim(&["validate", path.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("bom.json") && err.contains("byte-order mark"), "{err}");
}

#[test]
fn names_that_cannot_be_a_directory_are_refused_before_running() {
    for bad in ["..", ".", &"x".repeat(300)] {
        let (d, path) = temp_scenario("n.json", &SMALL.replace("NAME", bad));
        let out = d.path().join("out");
        let o = vodsim(&["run", path.to_str().unwrap(), "--quiet", "--out", out.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "name {bad:?}: {err}");
        assert!(err.contains("n.json: name: expected a directory name"), "name {bad:?}: {err}");
        assert!(!out.exists(), "name {bad:?}: output written");
    }
}

#[test]
fn out_onto_a_file_is_bad_input_with_one_message_from_run_and_sweep() {
    let (d, path) = temp_scenario("s.json", &SMALL.replace("NAME", "file-out"));
    let file = d.path().join("taken");
    fs::write(&file, "keep me").expect("write");
    let f = file.to_str().unwrap();
    let run = vodsim(&["run", path.to_str().unwrap(), "--quiet", "--out", f]);
    let sweep = vodsim(&["sweep", path.to_str().unwrap(), "--seeds", "1..1", "--quiet", "--out", f]);
    let want = format!("--out: {f}: expected a directory, got a file");
    for (what, o) in [("run", run), ("sweep", sweep)] {
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{what}: {err}");
        assert!(err.contains(&want), "{what}: {err}");
    }
    assert_eq!(fs::read_to_string(&file).unwrap(), "keep me");
}

#[test]
fn arguments_that_are_not_utf8_are_bad_input_not_a_panic() {
    use std::os::unix::ffi::OsStrExt;
    let junk = std::ffi::OsStr::from_bytes(b"scen\xffario.json");
    for args in [vec![std::ffi::OsStr::new("validate"), junk], vec![junk], vec![std::ffi::OsStr::new("run"), junk]] {
        let o = Command::new(bin()).args(&args).current_dir(repo()).output().expect("runs");
        let err = String::from_utf8_lossy(&o.stderr);
        no_panic(&err);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    }
}

#[test]
fn a_listing_into_a_closed_pipe_ends_quietly_with_exit_0() {
    // Over 64 KiB of listing (5 000 points), so the writer outlives the
    // pipe's buffer and meets the reader's exit.
    let script = format!(
        "'{}' sweep scenarios/default.json --seeds 1..1 --set workload.streams=1..5000 --dry-run | head -c 10 >/dev/null; echo \"${{PIPESTATUS[0]}}\"",
        bin().display()
    );
    let o = Command::new("bash").arg("-c").arg(&script).current_dir(repo()).output().expect("bash runs");
    let err = String::from_utf8_lossy(&o.stderr);
    no_panic(&err);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "0", "exit code of the sweep listing; stderr:\n{err}");
}

#[test]
fn a_listing_into_a_full_disk_is_an_error_with_exit_1() {
    for args in [vec!["schema"], vec!["validate", "scenarios/default.json"]] {
        let full = fs::File::create("/dev/full").expect("/dev/full exists on Linux");
        let o = Command::new(bin()).args(&args).current_dir(repo()).stdout(Stdio::from(full)).output().expect("runs");
        let err = String::from_utf8_lossy(&o.stderr);
        no_panic(&err);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("standard output"), "{args:?}: {err}");
    }
}

#[test]
fn equal_numbers_written_differently_hash_alike() {
    let text = fs::read_to_string(repo().join("scenarios/default.json")).unwrap();
    let load = |sets: &[&str]| {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let l = vodsim::scenario::load_str("default.json", &text, &sets, None).expect("valid");
        vodsim::run::scenario_sha256(&l.resolved)
    };
    let base = load(&[]);
    assert_eq!(load(&["duration_s=1000"]), load(&["duration_s=1000.0"]));
    assert_eq!(load(&["duration_s=1000"]), load(&["duration_s=1e3"]));
    assert_ne!(load(&["duration_s=1000"]), base, "a changed field changes the hash");
}
