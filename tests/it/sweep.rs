//! `vodsim sweep` and `vodsim merge`: tables that do not depend on how the
//! sweep was run (threads, shards, interruptions), and bad input refused
//! before anything is written.

use crate::common::{SMALL, bin, vodsim};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

struct Fixture {
    dir: tempfile::TempDir,
    scenario: String,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("small.json");
        fs::write(&path, SMALL).unwrap();
        Fixture { scenario: path.display().to_string(), dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `vodsim sweep small.json ARGS --quiet --out DIR`.
    fn sweep(&self, args: &[&str], out: &str) -> Output {
        let out = self.path(out).display().to_string();
        let mut all = vec!["sweep", &self.scenario];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--quiet", "--out", &out]);
        vodsim(&all)
    }
}

const SWEEP: &[&str] = &["--seeds", "1..3", "--set", "workload.streams=10,20", "--set", "migration.policy=protocol,naive"];

fn ok(o: &Output) {
    assert!(o.status.success(), "exit {:?}\n{}", o.status.code(), String::from_utf8_lossy(&o.stderr));
}

fn read(dir: &Path, f: &str) -> String {
    fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(f).display()))
}

/// Asserts the two sweep directories have byte-identical tables.
fn same_tables(a: &Path, b: &Path) {
    for f in ["runs.csv", "points.csv"] {
        let (x, y) = (read(a, f), read(b, f));
        if x != y {
            let line = x.lines().zip(y.lines()).position(|(l, m)| l != m).unwrap_or(x.lines().count().min(y.lines().count()));
            panic!("{f} differs between {} and {} from line {}", a.display(), b.display(), line + 1);
        }
    }
}

fn summaries(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir.join("runs")) else { return 0 };
    entries.flatten().filter(|e| e.path().join("summary.json").exists()).count()
}

#[test]
fn sweep_tables_do_not_depend_on_jobs() {
    let fx = Fixture::new();
    let j1 = fx.sweep(&[SWEEP, &["--jobs", "1"]].concat(), "j1");
    ok(&j1);
    ok(&fx.sweep(&[SWEEP, &["--jobs", "2"]].concat(), "j2"));
    same_tables(&fx.path("j1"), &fx.path("j2"));
    let runs = read(&fx.path("j1"), "runs.csv");
    // 2 x 2 points x 3 seeds, in run order: first --set slowest, seeds inner.
    let firsts: Vec<&str> = runs.lines().skip(1).map(|l| l.splitn(5, ',').take(4).last().unwrap_or("")).collect();
    assert_eq!(firsts.len(), 12);
    assert_eq!(firsts[..4], ["runs/p000-s1", "runs/p000-s2", "runs/p000-s3", "runs/p001-s1"]);
    assert!(runs.starts_with("workload.streams,migration.policy,seed,run_dir,"), "{runs}");
    assert!(runs.lines().nth(4).unwrap().starts_with("10,naive,1,runs/p001-s1,"));
    assert!(!runs.contains("wall_s"), "wall_s differs between runs and must not be in runs.csv");
    let points = read(&fx.path("j1"), "points.csv");
    assert_eq!(points.lines().count(), 5);
    assert!(points.lines().nth(1).unwrap().starts_with("10,protocol,3,"));
    assert!(points.lines().next().unwrap().contains(",glitches_mean,glitches_std,glitches_ci95_lo,glitches_ci95_hi,"));
    assert!(fx.path("j1/runs/p003-s3/summary.json").exists());
    assert!(fx.path("j1/manifest.json").exists() && fx.path("j1/sweep.json").exists());
}

#[test]
fn three_shards_merged_equal_the_unsharded_sweep() {
    let fx = Fixture::new();
    ok(&fx.sweep(SWEEP, "all"));
    let mut shards = Vec::new();
    for i in 0..3 {
        let name = format!("shard-{i}");
        ok(&fx.sweep(&[SWEEP, &["--shard", &format!("{i}/3"), "--jobs", "1"]].concat(), &name));
        shards.push(fx.path(&name).display().to_string());
    }
    assert_eq!(read(&fx.path("shard-1"), "runs.csv").lines().count(), 1 + 4);
    let merged = fx.path("merged").display().to_string();
    let args = |dirs: &[&String], out: &str| -> Vec<String> {
        let mut a = vec!["merge".to_string()];
        a.extend(dirs.iter().map(|d| d.to_string()));
        a.extend(["--quiet".to_string(), "--out".to_string(), out.to_string()]);
        a
    };
    let run = |a: Vec<String>| vodsim(&a.iter().map(String::as_str).collect::<Vec<_>>());
    ok(&run(args(&[&shards[2], &shards[0], &shards[1]], &merged)));
    same_tables(&fx.path("all"), &fx.path("merged"));
    assert_eq!(read(&fx.path("all"), "sweep.json"), read(&fx.path("merged"), "sweep.json"));
    assert!(fx.path("merged/runs/p002-s2/streams.csv").exists());

    // A missing shard, or a shard of another sweep: exit 2, nothing written.
    let o = run(args(&[&shards[0], &shards[2]], &fx.path("m2").display().to_string()));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("shard 1/3 is missing"), "{}", String::from_utf8_lossy(&o.stderr));
    ok(&fx.sweep(&["--seeds", "1..3", "--set", "workload.streams=10,30", "--shard", "1/3"], "other-1"));
    let other = fx.path("other-1").display().to_string();
    let o = run(args(&[&shards[0], &other, &shards[2]], &fx.path("m3").display().to_string()));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("different sweeps"));
    assert!(!fx.path("m2").exists() && !fx.path("m3").exists());
}

#[test]
fn a_sweep_rerun_after_losing_runs_redoes_them_and_writes_the_same_tables() {
    let fx = Fixture::new();
    ok(&fx.sweep(SWEEP, "orig"));
    let copy = fx.path("resumed");
    fs::create_dir_all(copy.join("runs")).unwrap();
    for f in ["sweep.json", "shard.json", "manifest.json"] {
        fs::copy(fx.path("orig").join(f), copy.join(f)).unwrap();
    }
    for e in fs::read_dir(fx.path("orig/runs")).unwrap().flatten() {
        let to = copy.join("runs").join(e.file_name());
        fs::create_dir_all(&to).unwrap();
        for f in fs::read_dir(e.path()).unwrap().flatten() {
            fs::copy(f.path(), to.join(f.file_name())).unwrap();
        }
    }
    // A run killed before its summary, a run never started, a stray temp file.
    fs::remove_file(copy.join("runs/p001-s2/summary.json")).unwrap();
    fs::write(copy.join("runs/p001-s2/.streams.csv.tmp-99999"), "half").unwrap();
    fs::remove_dir_all(copy.join("runs/p003-s1")).unwrap();
    let before = fs::metadata(copy.join("runs/p000-s1/summary.json")).unwrap().modified().unwrap();
    ok(&fx.sweep(SWEEP, "resumed"));
    same_tables(&fx.path("orig"), &copy);
    assert!(copy.join("runs/p003-s1/summary.json").exists());
    assert!(!copy.join("runs/p001-s2/.streams.csv.tmp-99999").exists());
    let after = fs::metadata(copy.join("runs/p000-s1/summary.json")).unwrap().modified().unwrap();
    assert_eq!(before, after, "a complete run was run again");

    // The same directory with other parameter values is refused.
    let o = fx.sweep(&["--seeds", "1..3", "--set", "workload.streams=10,30", "--set", "migration.policy=protocol,naive"], "resumed");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("different sweep"));
}

#[test]
fn a_sweep_extended_to_more_seeds_runs_only_those_and_equals_a_fresh_sweep() {
    let fx = Fixture::new();
    let with_seeds = |seeds: &'static str| [&["--seeds", seeds][..], &SWEEP[2..]].concat();
    ok(&fx.sweep(&with_seeds("1..3"), "ext"));
    let run_dir = |p: usize, s: u64| fx.path("ext").join(format!("runs/p{p:03}-s{s}"));
    // summary.json holds wall_s, which differs between two runs of one
    // experiment: unchanged bytes mean the run was not redone.
    let before: Vec<Vec<u8>> =
        (0..4).flat_map(|p| (1..=3).map(move |s| (p, s))).map(|(p, s)| read(&run_dir(p, s), "summary.json").into_bytes()).collect();

    let o = fx.sweep(&with_seeds("1..5"), "ext");
    ok(&o);
    let after: Vec<Vec<u8>> =
        (0..4).flat_map(|p| (1..=3).map(move |s| (p, s))).map(|(p, s)| read(&run_dir(p, s), "summary.json").into_bytes()).collect();
    assert!(before == after, "a run of seeds 1..3 was run again");
    // 4 points x 5 seeds, of which the 4 x 3 of seeds 1..3 were kept.
    assert_eq!(summaries(&fx.path("ext")), 20);

    ok(&fx.sweep(&with_seeds("1..5"), "fresh"));
    same_tables(&fx.path("ext"), &fx.path("fresh"));
    assert!(vodsim::sweep::verify_sweep_dir(&fx.path("ext")).is_ok());
}

#[test]
fn runs_of_a_staged_sweep_record_the_final_path_in_their_manifest() {
    // A new sweep and an extension are both built in `.NAME.staging`; the
    // command a run's manifest records must redo it where the user finds it.
    let fx = Fixture::new();
    let with_seeds = |seeds: &'static str| [&["--seeds", seeds][..], &SWEEP[2..]].concat();
    ok(&fx.sweep(&with_seeds("1..1"), "staged"));
    ok(&fx.sweep(&with_seeds("1..2"), "staged"));
    for (p, seed) in [(0, 1), (3, 2)] {
        let dir = fx.path("staged").join(format!("runs/p{p:03}-s{seed}"));
        let manifest: serde_json::Value = serde_json::from_str(&read(&dir, "manifest.json")).unwrap();
        let command: Vec<&str> = manifest["command"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
        let out = command.iter().position(|&a| a == "--out").map(|i| command[i + 1]);
        assert_eq!(out, Some(dir.to_str().unwrap()), "{command:?}");
        assert!(!command.iter().any(|a| a.contains(".staging")), "{command:?}");
    }
}

#[test]
fn a_killed_sweep_restarted_equals_an_uninterrupted_sweep() {
    let fx = Fixture::new();
    // 3 points x 20 seeds of 600 simulated seconds, one at a time: long
    // enough to be killed half-way.
    let args = ["--seeds", "1..20", "--set", "workload.streams=10,15,20", "--set", "duration_s=600"];
    let killed = fx.path("killed");
    let mut child = Command::new(bin())
        .args(["sweep", &fx.scenario])
        .args(args)
        .args(["--jobs", "1", "--quiet", "--out"])
        .arg(&killed)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // A new sweep is built aside and appears whole at the end.
    let staging = fx.path(".killed.staging");
    let start = Instant::now();
    while summaries(&staging) < 3 && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let done = summaries(&staging);
    assert!((3..60).contains(&done), "the sweep was killed after {done} of 60 runs; expected part-way");
    assert!(!killed.exists(), "a killed sweep's directory appeared");

    ok(&fx.sweep(&[&args[..], &["--jobs", "2"]].concat(), "killed"));
    ok(&fx.sweep(&[&args[..], &["--jobs", "2"]].concat(), "whole"));
    same_tables(&killed, &fx.path("whole"));
}

#[test]
fn bad_seeds_exit_2_naming_seeds_and_write_nothing() {
    let fx = Fixture::new();
    for seeds in [&["--seeds", "5..2"][..], &["--seeds", "x..3"], &[]] {
        let o = fx.sweep(seeds, "out");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{seeds:?}: {err}");
        assert!(err.starts_with("error: --seeds: ") && err.contains("expected A..B"), "{seeds:?}: {err}");
        assert!(!fx.path("out").exists());
    }
}

#[test]
fn bad_set_paths_and_invalid_points_exit_2_before_any_run() {
    let fx = Fixture::new();
    let o = fx.sweep(&["--seeds", "1..2", "--set", "workload.streamz=10,20"], "out");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("error: --set: workload.streamz: unknown field"), "{err}");
    // The last point is invalid: no run of the valid ones starts either.
    let o = fx.sweep(&["--seeds", "1..2", "--set", "headend.disks_per_module=2,1,0"], "out");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("headend.disks_per_module: expected an integer >= 1"), "{err}");
    for bad in [&["--seeds", "1..2", "--set", "workload.streams=30..10"][..], &["--seeds", "1..2", "--shard", "2/2"]] {
        let o = fx.sweep(bad, "out");
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
    }
    assert!(!fx.path("out").exists());
}

#[test]
fn sweep_csvs_follow_the_pandas_grammar() {
    let fx = Fixture::new();
    ok(&fx.sweep(&["--seeds", "1..2", "--set", "workload.streams=10..20:10", "--set", "migration.policy=naive"], "g"));
    for f in ["runs.csv", "points.csv"] {
        let text = read(&fx.path("g"), f);
        assert!(text.ends_with('\n') && !text.contains('\r') && !text.contains('"'), "{f}");
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        assert_eq!(header[0], "workload.streams", "{f}: only swept parameters are columns");
        for h in &header {
            assert!(!h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || "._".contains(c)), "{f}: header {h:?}");
        }
        let mut unique = header.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), header.len(), "{f}: duplicate column names");
        let mut rows = 0;
        for (k, line) in lines.enumerate() {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(fields.len(), header.len(), "{f} row {}: field count", k + 1);
            for (h, v) in header.iter().zip(&fields) {
                if *h == "run_dir" {
                    continue;
                }
                let number = v.parse::<f64>().is_ok_and(f64::is_finite) && !v.contains(['e', 'E', '+']);
                assert!(number, "{f} row {} column {h}: {v:?} is not a plain `.`-decimal number", k + 1);
            }
            rows += 1;
        }
        assert_eq!(rows, if f == "runs.csv" { 4 } else { 2 });
    }
}

/// Two modules, module 0 fails at 10 s: how many reads fail and how many
/// deadlines are missed differs by seed (0 or 1 failed read on seeds 1..5).
const FAULTY: &str = r#"{
  "name": "sweep-fault",
  "description": "Two modules of two disks, 30 streams, module 0 fails at 10 s. Expected: every stream migrates; a few glitches.",
  "seed": 1,
  "duration_s": 20,
  "headend": { "modules": 2, "disks_per_module": 2 },
  "workload": { "streams": 30 },
  "faults": [{ "at_s": 10, "kind": "module", "module": 0 }]
}"#;

#[test]
fn no_confidence_bound_of_a_non_negative_total_is_below_zero() {
    let fx = Fixture::new();
    let path = fx.path("faulty.json");
    fs::write(&path, FAULTY).unwrap();
    let out = fx.path("ci");
    ok(&vodsim(&["sweep", &path.display().to_string(), "--seeds", "1..5", "--quiet", "--out", &out.display().to_string()]));
    let table = |f: &str| -> Vec<Vec<(String, f64)>> {
        let text = read(&out, f);
        let mut lines = text.lines();
        let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
        lines.map(|l| header.iter().cloned().zip(l.split(',').map(|v| v.parse::<f64>().unwrap_or(f64::NAN))).collect()).collect()
    };
    let runs = table("runs.csv");
    let point = &table("points.csv")[0];
    let get = |name: &str| point.iter().find(|(h, _)| h == name).map(|(_, v)| *v).unwrap();
    let mut clamped = 0;
    for (h, _) in point.iter().filter(|(h, _)| h.ends_with("_ci95_lo")) {
        let total = h.trim_end_matches("_ci95_lo");
        assert!(runs.iter().all(|r| r.iter().any(|(c, v)| c == total && *v >= 0.0)), "{total}: every summary total is >= 0");
        let (mean, std, lo) = (get(&format!("{total}_mean")), get(&format!("{total}_std")), get(h));
        assert!(lo >= 0.0, "{total}: ci95_lo = {lo}");
        // t(0.975, 4) = 2.776445105 over n = 5 runs.
        if mean - 2.776445105 * std / 5f64.sqrt() < -1e-9 {
            assert_eq!(lo, 0.0, "{total}: the t-interval is clamped at 0, not moved");
            clamped += 1;
        }
    }
    // reads_failed is 1, 1, 0, 0, 1: mean 0.6, std 0.5477, plain low end
    // 0.6 - 2.776 * 0.5477 / 2.236 = -0.08; without a clamp this test is moot.
    assert!(clamped >= 1, "no total needed the clamp: the fixture no longer tests it");
}

#[test]
fn ranges_jobs_and_shards_beyond_their_limits_exit_2_at_once() {
    let fx = Fixture::new();
    let cases: [(&[&str], &str); 4] = [
        // i64::MIN..i64::MAX wrapped to a single point before.
        (&["--seeds", "1..1", "--set", "workload.streams=-9223372036854775808..9223372036854775807,5"], "expected at most 100000 values"),
        (&["--seeds", "1..1", "--jobs", "100000"], "--jobs: expected an integer from 1 to 1024, got 100000"),
        (&["--seeds", "1..1", "--shard", "0/1000000000000000"], "--shard: expected I/N"),
        (&["--seeds", "0..18446744073709551615"], "expected at most 1000000 runs"),
    ];
    for (args, want) in cases {
        let t = Instant::now();
        let o = fx.sweep(args, "out");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(t.elapsed() < Duration::from_secs(2), "{args:?}: took {:?}", t.elapsed());
        assert!(!fx.path("out").exists());
    }
}

#[test]
fn merge_refuses_shard_counts_and_seed_ranges_it_cannot_size() {
    let fx = Fixture::new();
    ok(&fx.sweep(&["--seeds", "1..2", "--shard", "0/2"], "s0"));
    let edit = |file: &str, from: &str, to: &str| {
        let path = fx.path("s0").join(file);
        let text = read(&fx.path("s0"), file);
        assert!(text.contains(from), "{file} has no {from:?}:\n{text}");
        fs::write(&path, text.replacen(from, to, 1)).unwrap();
        text
    };
    let merge = |what: &str, want: &str| {
        let out = fx.path("merged").display().to_string();
        let t = Instant::now();
        let o = vodsim(&["merge", &fx.path("s0").display().to_string(), "--out", &out, "--quiet"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{what}: {err}");
        assert!(err.contains(want), "{what}: {err}");
        assert!(t.elapsed() < Duration::from_secs(2), "{what}: took {:?}", t.elapsed());
    };
    let shard = edit("shard.json", "\"shards\": 2", "\"shards\": 1000000000000000");
    merge("1e15 shards", "expected shards from 1 to 100000");
    fs::write(fx.path("s0").join("shard.json"), shard).unwrap();
    let def = read(&fx.path("s0"), "sweep.json");
    let compact: String = def.split_whitespace().collect();
    assert!(compact.contains("\"seeds\":[1,2]"), "sweep.json seeds:\n{def}");
    // The seeds [1, 2] become [5, 1]: only the numbers after "seeds" change.
    let (head, tail) = def.split_at(def.find("\"seeds\"").unwrap());
    let tail = tail.replacen('1', "5", 1).replacen('2', "1", 1);
    fs::write(fx.path("s0").join("sweep.json"), format!("{head}{tail}")).unwrap();
    merge("seeds [5, 1]", "expected seeds [A, B] with A <= B");
}

/// The ways a finished run's files can stop being what vodsim wrote.
fn alter(run: &Path, how: &str) {
    match how {
        "edited" => {
            let text = read(run, "summary.json");
            fs::write(run.join("summary.json"), text.replacen("\"glitches\": ", "\"glitches\": 1", 1)).unwrap();
        }
        "truncated" => {
            let text = read(run, "streams.csv");
            fs::write(run.join("streams.csv"), &text[..text.len() / 3]).unwrap();
        }
        "deleted" => fs::remove_file(run.join("migrations.csv")).unwrap(),
        "symlinked" => {
            let copy = run.with_extension("modules-copy.csv");
            fs::copy(run.join("modules.csv"), &copy).unwrap();
            fs::remove_file(run.join("modules.csv")).unwrap();
            std::os::unix::fs::symlink(&copy, run.join("modules.csv")).unwrap();
        }
        _ => unreachable!(),
    }
}

#[test]
fn a_resumed_sweep_redoes_runs_whose_files_were_altered() {
    let fx = Fixture::new();
    let args = &["--seeds", "1..2", "--set", "workload.streams=10,20"];
    ok(&fx.sweep(args, "whole"));
    for how in ["edited", "truncated", "deleted", "symlinked"] {
        let dir = format!("altered-{how}");
        ok(&fx.sweep(args, &dir));
        let run = fx.path(&dir).join("runs").join("p001-s2");
        assert!(run.is_dir(), "{}", run.display());
        alter(&run, how);
        let out = fx.path(&dir).display().to_string();
        let o = vodsim(&["sweep", &fx.scenario, args[0], args[1], args[2], args[3], "--out", &out]);
        ok(&o);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("note: running runs/p001-s2 again"), "{how}: {err}");
        same_tables(&fx.path(&dir), &fx.path("whole"));
        assert_eq!(vodsim::run::verify_run_dir(&run), Ok(()), "{how}: the redone run is whole");
    }
}

#[test]
fn merge_refuses_a_shard_whose_run_files_were_altered() {
    let fx = Fixture::new();
    for how in ["edited", "truncated", "deleted", "symlinked"] {
        let dir = format!("shard-{how}");
        ok(&fx.sweep(&["--seeds", "1..2", "--shard", "0/1"], &dir));
        alter(&fx.path(&dir).join("runs").join("p000-s1"), how);
        let out = fx.path(&format!("merged-{how}")).display().to_string();
        let o = vodsim(&["merge", &fx.path(&dir).display().to_string(), "--out", &out, "--quiet"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{how}: {err}");
        assert!(err.contains("p000-s1") && err.contains("re-run shard 0/1"), "{how}: {err}");
        assert!(!fx.path(&format!("merged-{how}")).join("runs.csv").exists(), "{how}: merged anyway");
    }
}
