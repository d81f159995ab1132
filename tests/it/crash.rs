//! Crash safety: a run directory is complete or absent. A run killed at any
//! instant (SIGKILL, no chance to clean up) into a folder that held another
//! run leaves that old run, whole, or the new one, whole — never a mixture;
//! two runs into one folder at once leave one of them, whole. The same for
//! a sweep and a merge replacing another sweep or merge (`--force`).
//!
//! Kill instants are spread over the whole run and concentrated on its last
//! part, where the files are written, from a fixed seed (`VODSIM_CRASH_SEED`
//! picks another).

use crate::common::{SMALL, bin, repo};
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use vodsim::run::verify_run_dir;

/// `default.json` made long enough to take a moment, with `reads.csv` (the
/// largest file, so the write phase is long enough to be hit).
const ARGS: &[&str] = &["run", "scenarios/default.json", "--quiet", "--trace", "--force", "--set", "duration_s=300"];

fn start(out: &Path, seed: u64) -> std::process::Child {
    Command::new(bin())
        .args(ARGS)
        .args(["--seed", &seed.to_string(), "--out"])
        .arg(out)
        .current_dir(repo())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("vodsim starts")
}

/// The seed of the whole run in `out`, or why `out` is not one whole run.
fn whole_run_seed(out: &Path) -> Result<u64, String> {
    verify_run_dir(out).map_err(|e| format!("{e:?}"))?;
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    manifest["seed"].as_u64().ok_or_else(|| "manifest without a seed".to_string())
}

/// Whether a run into `out` is writing its files now: its staging
/// directory beside `out` holds a file.
fn writing(out: &Path) -> bool {
    let staging = out.with_file_name(format!(".{}.staging", out.file_name().unwrap().to_string_lossy()));
    fs::read_dir(staging).is_ok_and(|mut d| d.next().is_some())
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
fn a_run_killed_at_any_instant_leaves_the_old_run_or_the_new_one_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    // An uninterrupted run gives the time scale and the first "old" run.
    let t0 = Instant::now();
    assert!(start(&out, 1).wait().unwrap().success(), "the uninterrupted run failed");
    let whole = t0.elapsed();
    assert_eq!(whole_run_seed(&out), Ok(1));

    let mut state = match std::env::var("VODSIM_CRASH_SEED") {
        Ok(s) => s.parse().unwrap_or_else(|e| panic!("VODSIM_CRASH_SEED={s:?}: expected a whole number: {e}")),
        Err(_) => DEFAULT_SEED,
    } | 1;
    let first_state = state;
    let (mut old_kept, mut new_whole) = (0, 0);
    let mut current = 1;
    for i in 0..50 {
        // Each attempt is another experiment (its own seed) over the last
        // whole one; half the kills anywhere, half in the last quarter.
        let seed = 100 + i;
        let mut child = start(&out, seed);
        let at = if i % 5 == 4 {
            // While its files are being written, whatever the machine's speed.
            let t = Instant::now();
            while !writing(&out) && child.try_wait().unwrap().is_none() {
                std::thread::sleep(Duration::from_micros(50));
            }
            t.elapsed()
        } else {
            let f = if i % 2 == 0 { 1.5 * next(&mut state) } else { 0.75 + 0.5 * next(&mut state) };
            let at = whole.mul_f64(f);
            std::thread::sleep(at);
            at
        };
        let _ = child.kill();
        let _ = child.wait();
        match whole_run_seed(&out) {
            Ok(s) if s == current => old_kept += 1,
            Ok(s) if s == seed => {
                new_whole += 1;
                current = seed;
            }
            Ok(s) => panic!("kill {i} after {at:?} (VODSIM_CRASH_SEED={first_state}): a run of seed {s}, neither {current} nor {seed}"),
            Err(e) => panic!("kill {i} after {at:?} (VODSIM_CRASH_SEED={first_state}): not one whole run: {e}"),
        }
    }
    eprintln!("crash test: 50 kills, the old run kept {old_kept} times, the new one whole {new_whole} times");
    assert!(old_kept > 0, "no kill landed before the new run was in place: the kills tested nothing");
    // A killed writer's staging directory is gone once another run has written.
    assert!(start(&out, 7).wait().unwrap().success());
    assert_eq!(whole_run_seed(&out), Ok(7));
    let debris: Vec<_> = fs::read_dir(tmp.path()).unwrap().flatten().map(|e| e.file_name()).filter(|n| n != "run").collect();
    assert!(debris.is_empty(), "left beside the run: {debris:?}");
}

#[test]
fn two_runs_into_one_folder_at_once_leave_one_whole_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    for round in 0..3 {
        let (a, b) = (10 + 2 * round, 11 + 2 * round);
        let mut first = start(&out, a);
        let mut second = start(&out, b);
        let deadline = Instant::now() + Duration::from_secs(120);
        let (sa, sb) = (first.wait().unwrap(), second.wait().unwrap());
        assert!(Instant::now() < deadline);
        assert!(sa.success() && sb.success(), "round {round}: {sa} {sb}");
        let seed = whole_run_seed(&out).unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert!(seed == a || seed == b, "round {round}: seed {seed}");
    }
}

/// `vodsim sweep SMALL --seeds A..A+1` (2 points of milliseconds a run), replacing what `out` holds.
fn sweep_cmd(scenario: &Path, out: &Path, first_seed: u64, shard: Option<&str>) -> Command {
    let mut c = Command::new(bin());
    c.arg("sweep").arg(scenario).args(["--seeds", &format!("{first_seed}..{}", first_seed + 1)]);
    // Another duration with every first seed: not the same points with other
    // seeds, which would extend the sweep in place rather than replace it.
    let duration = format!("duration_s={}", 20 + first_seed % 97);
    c.args(["--set", "workload.streams=10,20", "--set", &duration, "--jobs", "1", "--force", "--quiet"]);
    if let Some(s) = shard {
        c.args(["--shard", s]);
    }
    c.arg("--out").arg(out).stdout(Stdio::null()).stderr(Stdio::null());
    c
}

/// The first seed of the whole sweep in `out`, or why `out` is not one
/// whole sweep (`verify_sweep_dir`).
fn whole_sweep_seed(out: &Path) -> Result<u64, String> {
    whole_sweep_seeds(out).map(|s| s[0])
}

/// The seed range of the whole sweep in `out`, or why `out` is not one
/// whole sweep.
fn whole_sweep_seeds(out: &Path) -> Result<[u64; 2], String> {
    let def: serde_json::Value = serde_json::from_str(&vodsim::sweep::verify_sweep_dir(out)?).map_err(|e| e.to_string())?;
    serde_json::from_value(def["seeds"].clone()).map_err(|e| format!("sweep.json seeds: {e}"))
}

fn kill_seed() -> u64 {
    let seed = match std::env::var("VODSIM_CRASH_SEED") {
        Ok(s) => s.parse().unwrap_or_else(|e| panic!("VODSIM_CRASH_SEED={s:?}: expected a whole number: {e}")),
        Err(_) => DEFAULT_SEED,
    };
    seed | 1
}

/// Starts `cmd(i)` 50 times over `out`, killing attempt `i` at a random
/// instant (half anywhere in 1.5 times an uninterrupted attempt, half in
/// the middle of the last half of it), and checks `out` holds one whole
/// output after each kill: `whole(out)` is the old attempt's key or the new
/// one's (`key(i)`). Returns how often the old output was kept.
fn kill_50_times(
    what: &str,
    out: &Path,
    mut cmd: impl FnMut(usize) -> Command,
    key: impl Fn(usize) -> u64,
    whole: impl Fn(&Path) -> Result<u64, String>,
) -> usize {
    // Attempt 0 runs whole: the first old output and the time scale.
    let t0 = Instant::now();
    assert!(cmd(0).status().unwrap().success(), "{what}: the uninterrupted attempt failed");
    let span = t0.elapsed();
    let mut current = key(0);
    assert_eq!(whole(out), Ok(current), "{what}: the uninterrupted attempt");
    let mut state = kill_seed();
    let first_state = state;
    let (mut old_kept, mut new_whole) = (0, 0);
    for i in 1..=50 {
        let mut child = cmd(i).spawn().unwrap();
        let f = if i % 2 == 0 { 1.5 * next(&mut state) } else { 0.5 + 0.5 * next(&mut state) };
        let at = span.mul_f64(f);
        std::thread::sleep(at);
        let _ = child.kill();
        let _ = child.wait();
        match whole(out) {
            Ok(k) if k == current => old_kept += 1,
            Ok(k) if k == key(i) => {
                new_whole += 1;
                current = k;
            }
            Ok(k) => {
                panic!("{what}: kill {i} after {at:?} (VODSIM_CRASH_SEED={first_state}): output {k}, neither {current} nor {}", key(i))
            }
            Err(e) => panic!("{what}: kill {i} after {at:?} (VODSIM_CRASH_SEED={first_state}): not one whole output: {e}"),
        }
    }
    eprintln!("crash test, {what}: 50 kills, the old output kept {old_kept} times, the new one whole {new_whole} times");
    assert!(old_kept > 0, "{what}: no kill landed before the new output was in place: the kills tested nothing");
    old_kept
}

/// A scratch directory holding SMALL as `tiny.json`.
fn tiny_scenario() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("tiny.json");
    fs::write(&scenario, SMALL).unwrap();
    (tmp, scenario)
}

#[test]
fn a_sweep_killed_at_any_instant_leaves_the_old_sweep_or_the_new_one_whole() {
    let (tmp, scenario) = tiny_scenario();
    let out = tmp.path().join("sweep");
    // Attempt i sweeps seeds 100+2i..101+2i: another sweep each time, which
    // --force lets replace the last whole one.
    let key = |i: usize| 100 + 2 * i as u64;
    kill_50_times("sweep", &out, |i| sweep_cmd(&scenario, &out, key(i), None), key, whole_sweep_seed);
    // A killed sweep's staging directory is resumed or removed by the next
    // sweep; none is left once one has finished.
    assert!(sweep_cmd(&scenario, &out, 7, None).status().unwrap().success());
    assert_eq!(whole_sweep_seed(&out), Ok(7));
    let debris: Vec<_> =
        fs::read_dir(tmp.path()).unwrap().flatten().map(|e| e.file_name()).filter(|n| n != "sweep" && n != "tiny.json").collect();
    assert!(debris.is_empty(), "left beside the sweep: {debris:?}");

    // Two different sweeps into one folder at once: one waits for the
    // other; the folder ends holding one of them, whole.
    let (mut a, mut b) = (sweep_cmd(&scenario, &out, 20, None).spawn().unwrap(), sweep_cmd(&scenario, &out, 30, None).spawn().unwrap());
    assert!(a.wait().unwrap().success() && b.wait().unwrap().success());
    let seed = whole_sweep_seed(&out).unwrap();
    assert!(seed == 20 || seed == 30, "seed {seed}");
}

#[test]
fn a_merge_killed_at_any_instant_leaves_the_old_merge_or_the_new_one_whole() {
    let (tmp, scenario) = tiny_scenario();
    // Three sweeps (first seeds 1, 3, 5), each in two shards.
    let shards = |k: usize, i: usize| tmp.path().join(format!("s{k}-{i}"));
    for k in 0..3 {
        for i in 0..2 {
            let status = sweep_cmd(&scenario, &shards(k, i), 1 + 2 * k as u64, Some(&format!("{i}/2"))).status().unwrap();
            assert!(status.success(), "shard {i}/2 of sweep {k}");
        }
    }
    let out = tmp.path().join("merged");
    // Attempt i merges sweep i mod 3 over the merge of sweep i-1 mod 3.
    let merge = |i: usize| {
        let mut c = Command::new(bin());
        c.arg("merge").arg(shards(i % 3, 0)).arg(shards(i % 3, 1)).args(["--force", "--quiet", "--out"]).arg(&out);
        c.stdout(Stdio::null()).stderr(Stdio::null());
        c
    };
    kill_50_times("merge", &out, merge, |i| 1 + 2 * (i % 3) as u64, whole_sweep_seed);
}

/// `vodsim sweep SMALL --seeds 1..LAST` over 2 points.
fn seeds_cmd(scenario: &Path, out: &Path, last: u64) -> Command {
    let mut c = Command::new(bin());
    c.arg("sweep").arg(scenario).args(["--seeds", &format!("1..{last}"), "--set", "workload.streams=10,20", "--jobs", "1", "--quiet"]);
    c.arg("--out").arg(out).stdout(Stdio::null()).stderr(Stdio::null());
    c
}

/// The last seed of the whole sweep in `out`, or why `out` is not one
/// whole sweep.
fn whole_sweep_last_seed(out: &Path) -> Result<u64, String> {
    whole_sweep_seeds(out).map(|s| s[1])
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn a_seed_extension_killed_at_any_instant_leaves_the_old_sweep_or_the_new_one_whole() {
    let (tmp, scenario) = tiny_scenario();
    // The old sweep, seeds 1..3, kept aside to start every attempt from.
    let old = tmp.path().join("old");
    assert!(seeds_cmd(&scenario, &old, 3).status().unwrap().success());
    assert_eq!(whole_sweep_last_seed(&old), Ok(3));
    // An uninterrupted extension to 1..5 gives the time scale.
    let out = tmp.path().join("sweep");
    copy_dir(&old, &out);
    let t0 = Instant::now();
    assert!(seeds_cmd(&scenario, &out, 5).status().unwrap().success());
    let span = t0.elapsed();
    assert_eq!(whole_sweep_last_seed(&out), Ok(5));

    let mut state = kill_seed();
    let first_state = state;
    let (mut old_kept, mut new_whole) = (0, 0);
    for i in 0..50 {
        fs::remove_dir_all(&out).unwrap();
        copy_dir(&old, &out);
        let mut child = seeds_cmd(&scenario, &out, 5).spawn().unwrap();
        let at = span.mul_f64(1.2 * next(&mut state));
        std::thread::sleep(at);
        let _ = child.kill();
        let _ = child.wait();
        match whole_sweep_last_seed(&out) {
            Ok(3) => old_kept += 1,
            Ok(5) => new_whole += 1,
            Ok(k) => panic!("kill {i} after {at:?} (VODSIM_CRASH_SEED={first_state}): a sweep of seeds 1..{k}"),
            Err(e) => panic!("kill {i} after {at:?} (VODSIM_CRASH_SEED={first_state}): not one whole sweep: {e}"),
        }
        // The same command finishes the extension.
        assert!(seeds_cmd(&scenario, &out, 5).status().unwrap().success(), "kill {i}: the same command again failed");
        assert_eq!(whole_sweep_last_seed(&out), Ok(5), "kill {i}: after the same command again");
    }
    eprintln!("crash test, seed extension: 50 kills, the old sweep kept {old_kept} times, the new one whole {new_whole} times");
    assert!(old_kept > 0 && new_whole < 50, "no kill landed before the extension was in place: the kills tested nothing");
    let debris: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n != "sweep" && n != "old" && n != "tiny.json")
        .collect();
    assert!(debris.is_empty(), "left beside the sweep: {debris:?}");
}
