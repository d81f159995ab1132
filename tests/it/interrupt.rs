//! Ctrl-C and SIGTERM: the process stops cleanly, writes nothing partial
//! and exits 128 + the signal (CONTRACT.md); a sweep keeps the runs it
//! finished and resumes from them. The signals go to a real child process
//! mid-run.

use crate::common::{SMALL, bin};
use std::fs;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use vodsim::run::verify_run_dir;

fn spawn(args: &[&str], cwd: &Path) -> Child {
    Command::new(bin()).args(args).current_dir(cwd).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("vodsim starts")
}

fn signal(child: &Child, name: &str) {
    let ok = Command::new("kill").args(["-s", name, &child.id().to_string()]).status().expect("kill runs").success();
    assert!(ok, "kill -s {name} failed");
}

/// Waits for `child` (at most 30 s) and returns its exit code and stderr.
fn finish(mut child: Child) -> (Option<i32>, String) {
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("vodsim did not stop within 30 s of the signal");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().expect("output");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// A run stopped by `sig` mid-simulation exits `code` and leaves nothing:
/// no output directory, no staging directory beside it.
fn a_signalled_run_leaves_nothing(sig: &str, code: i32) {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("small.json"), SMALL).unwrap();
    fs::create_dir(tmp.path().join("results")).unwrap();
    let child = spawn(&["run", "small.json", "--quiet", "--set", "duration_s=10000000", "--out", "results/run"], tmp.path());
    // Long after the handler is installed (before the first event), long
    // before the run could end (tens of seconds).
    std::thread::sleep(Duration::from_millis(700));
    signal(&child, sig);
    let (exit, err) = finish(child);
    assert_eq!(exit, Some(code), "{err}");
    assert!(err.contains(&format!("interrupted by SIG{sig}")) && err.contains("nothing was written to results/run"), "{err}");
    assert_eq!(entries(&tmp.path().join("results")), Vec::<String>::new(), "left behind");
}

#[test]
fn a_sigint_during_a_run_leaves_no_output_directory_and_exits_130() {
    a_signalled_run_leaves_nothing("INT", 130);
}

#[test]
fn a_sigterm_during_a_run_leaves_no_output_directory_and_exits_143() {
    a_signalled_run_leaves_nothing("TERM", 143);
}

#[test]
fn a_sigint_during_a_sweep_keeps_finished_runs_and_the_same_sweep_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("small.json"), SMALL).unwrap();
    // Point 0 (30 s) finishes at once; point 1 (2·10^5 s, a second or two)
    // is in flight when the signal comes.
    let args = ["sweep", "small.json", "--seeds", "1..1", "--set", "duration_s=30,200000", "--jobs", "1", "--out", "sw"];
    let child = spawn(&args, tmp.path());
    let sw = tmp.path().join("sw");
    // A new sweep is built beside its directory until it is complete.
    let staging = tmp.path().join(".sw.staging");
    let start = Instant::now();
    while !staging.join("runs/p000-s1/manifest.json").exists() {
        assert!(start.elapsed() < Duration::from_secs(30), "the first run never finished");
        std::thread::sleep(Duration::from_millis(2));
    }
    signal(&child, "INT");
    let (exit, err) = finish(child);
    assert_eq!(exit, Some(130), "{err}");
    assert!(err.contains("1 of 2 runs are complete") && err.contains("run the same command again"), "{err}");
    assert_eq!(verify_run_dir(&staging.join("runs/p000-s1")), Ok(()));
    assert_eq!(entries(&staging.join("runs")), ["p000-s1"], "the run in flight left something");
    assert!(!sw.exists() && !staging.join("runs.csv").exists());

    let kept = fs::read(staging.join("runs/p000-s1/summary.json")).unwrap();
    let again = Command::new(bin()).args(args).current_dir(tmp.path()).output().unwrap();
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success(), "{err}");
    assert!(err.contains("2 runs (1 already done)"), "{err}");
    assert_eq!(fs::read(sw.join("runs/p000-s1/summary.json")).unwrap(), kept);
    assert_eq!(fs::read_to_string(sw.join("runs.csv")).unwrap().lines().count(), 3, "a header and two runs");
}
