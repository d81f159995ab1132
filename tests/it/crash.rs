//! Crash safety: a run killed at any instant (SIGKILL, no chance to clean
//! up) leaves no partial file under a final name. Stray `.NAME.tmp-XXXXXX`
//! files are allowed; anything else must be complete, and `summary.json`,
//! written last, only appears once every other file is there.
//!
//! Two kinds of kill: at pseudo-random instants spread over the whole run
//! and concentrated on its last part, from a fixed seed (`VODSIM_CRASH_SEED`
//! picks another), and at the moment a given output file appears, so that
//! some kills land while the files are being written, whatever the
//! machine's speed.

use crate::common::{bin, repo};
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `default.json` made long enough to take a moment, with `reads.csv` (the
/// largest file, so the write phase is long enough to be hit).
const ARGS: &[&str] = &["run", "scenarios/default.json", "--quiet", "--trace", "--set", "duration_s=900"];
const FILES: &[&str] = &["streams.csv", "modules.csv", "migrations.csv", "reads.csv", "manifest.json"];

fn start(out: &Path) -> std::process::Child {
    Command::new(bin())
        .args(ARGS)
        .arg("--out")
        .arg(out)
        .current_dir(repo())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("vodsim starts")
}

/// Checks one file under its final name is complete.
fn check_complete(path: &Path) -> Result<(), String> {
    let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
    let text = fs::read_to_string(path).map_err(|e| format!("{name}: unreadable: {e}"))?;
    if name.ends_with(".json") {
        serde_json::from_str::<serde_json::Value>(&text).map_err(|e| format!("{name}: incomplete JSON: {e}"))?;
        return Ok(());
    }
    if !name.ends_with(".csv") {
        return Err(format!("unexpected file {name}"));
    }
    if !text.ends_with('\n') {
        return Err(format!("{name}: does not end with a newline ({} bytes)", text.len()));
    }
    let mut lines = text.lines();
    let header = lines.next().ok_or(format!("{name}: empty"))?;
    let fields = header.split(',').count();
    if fields < 2 || header.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
        return Err(format!("{name}: no header: {header:?}"));
    }
    for (i, line) in lines.enumerate() {
        if line.split(',').count() != fields {
            return Err(format!("{name}: row {} has {} fields, header {fields}: {line:?}", i + 1, line.split(',').count()));
        }
    }
    Ok(())
}

/// Every file of `dir` is a stray temporary or complete; a summary means
/// everything else is there.
fn check_dir(dir: &Path) -> Result<usize, String> {
    if !dir.exists() {
        return Ok(0);
    }
    let mut finals = 0;
    for e in fs::read_dir(dir).map_err(|e| e.to_string())? {
        let e = e.map_err(|e| e.to_string())?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.contains(".tmp-") {
            continue;
        }
        check_complete(&e.path())?;
        finals += 1;
    }
    if dir.join("summary.json").exists() {
        for f in FILES {
            if !dir.join(f).exists() {
                return Err(format!("summary.json present but {f} missing"));
            }
        }
    }
    Ok(finals)
}

/// Seed of the kill instants unless `VODSIM_CRASH_SEED` gives one.
const DEFAULT_SEED: u64 = 0x5eed_0c0a_57ed;

/// xorshift64*: enough randomness for kill points without a dependency.
fn next(state: &mut u64) -> f64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
}

#[test]
fn a_killed_run_leaves_only_complete_files_or_temporaries() {
    let tmp = tempfile::tempdir().unwrap();
    // An uninterrupted run gives the time scale and must itself be complete.
    let full = tmp.path().join("full");
    let t0 = Instant::now();
    let status = start(&full).wait().unwrap();
    let whole = t0.elapsed();
    assert!(status.success(), "the uninterrupted run failed");
    assert_eq!(check_dir(&full), Ok(FILES.len() + 1), "the uninterrupted run is incomplete");

    let mut seed = match std::env::var("VODSIM_CRASH_SEED") {
        Ok(s) => s.parse().unwrap_or_else(|e| panic!("VODSIM_CRASH_SEED={s:?}: expected a whole number: {e}")),
        Err(_) => DEFAULT_SEED,
    };
    seed |= 1;
    let first_seed = seed;
    eprintln!("crash test: VODSIM_CRASH_SEED={seed}, uninterrupted run {whole:?}");
    let mut partial_dirs = 0;
    for i in 0..6 {
        // Half the kills anywhere in the run, half in its last fifth.
        let f = if i % 2 == 0 { 0.05 + 1.0 * next(&mut seed) } else { 0.8 + 0.3 * next(&mut seed) };
        let at = whole.mul_f64(f);
        let out = tmp.path().join(format!("kill-{i}"));
        let mut child = start(&out);
        std::thread::sleep(at);
        let _ = child.kill();
        let _ = child.wait();
        match check_dir(&out) {
            Ok(n) if n > 0 && n < FILES.len() + 1 => partial_dirs += 1,
            Ok(_) => {}
            Err(e) => panic!("kill {i} after {at:?} (VODSIM_CRASH_SEED={first_seed}): {e}"),
        }
        // A new run over the debris of a killed one completes normally.
        if i == 0 {
            let status = start(&out).wait().unwrap();
            assert!(status.success());
            assert_eq!(check_dir(&out), Ok(FILES.len() + 1), "rerun after a kill is incomplete");
        }
    }
    eprintln!("crash test: {partial_dirs} of 6 kills landed while files were being written");
}

/// Whether `name` is in `dir`, under its final or its temporary name.
fn appeared(dir: &Path, name: &str) -> bool {
    let temporary = format!(".{name}.tmp-");
    let Ok(entries) = fs::read_dir(dir) else { return false };
    entries.flatten().any(|e| {
        let n = e.file_name().to_string_lossy().into_owned();
        n == name || n.starts_with(&temporary)
    })
}

#[test]
fn a_run_killed_while_writing_its_files_leaves_no_partial_file_and_no_summary() {
    // streams.csv is written first, reads.csv (the largest) fourth: a kill
    // as either appears lands among the writes, unless the machine stalls
    // the test for the rest of the write phase. Each point twice, so that
    // one stall cannot hide them all.
    let tmp = tempfile::tempdir().unwrap();
    let mut landed = Vec::new();
    for (i, name) in ["streams.csv", "reads.csv", "streams.csv", "reads.csv"].into_iter().enumerate() {
        let out = tmp.path().join(format!("kill-{i}"));
        let mut child = start(&out);
        while !appeared(&out, name) {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the run ended ({status}) before {name} appeared");
            }
            std::thread::sleep(Duration::from_micros(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        match check_dir(&out) {
            Ok(n) if !out.join("summary.json").exists() => landed.push(format!("at {name}: {n} complete files")),
            Ok(_) => {}
            Err(e) => panic!("kill {i}, as {name} appeared: {e}"),
        }
    }
    eprintln!("crash test: kills that landed while files were being written: {landed:?}");
    assert!(!landed.is_empty(), "every run finished its writes before the kill: the kills tested nothing");
}
