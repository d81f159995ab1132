//! `vodsim merge SHARD_DIR... --out DIR`: joins the shards of one sweep into
//! a directory that looks exactly like an unsharded sweep of the same
//! arguments — the same `sweep.json`, the run directories under `runs/`
//! (hard links where the file system allows, copies otherwise) and
//! byte-identical `runs.csv` / `points.csv`.
//!
//! Every shard directory is self-describing (`sweep.json`, `shard.json`),
//! so merge needs no other input; it refuses, writing nothing, when the
//! shards belong to different sweeps, a shard is missing or given twice,
//! or a run has no result.

use super::plan::SweepDef;
use super::table::{self, Unusable};
use super::{ShardFile, ShardRun, SweepError, check_out, create_dir, pretty, write};
use crate::report::StagedDir;
use serde_json::json;
use std::fs;
use std::path::{Path, PathBuf};

/// One shard as read from its directory.
struct ShardDir {
    dir: PathBuf,
    file: ShardFile,
}

fn read_shard(dir: &Path, problems: &mut Vec<String>) -> Option<(String, ShardDir)> {
    let def_path = dir.join("sweep.json");
    let def_text = match fs::read_to_string(&def_path) {
        Ok(t) => t,
        Err(e) => {
            problems.push(format!("{}: not a sweep shard directory (cannot read sweep.json: {e})", dir.display()));
            return None;
        }
    };
    let shard_path = dir.join("shard.json");
    let file = fs::read_to_string(&shard_path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str::<ShardFile>(&t).map_err(|e| e.to_string()));
    match file {
        Ok(file) => Some((def_text, ShardDir { dir: dir.to_path_buf(), file })),
        Err(e) => {
            problems.push(format!("{}: expected a shard description: {e}", shard_path.display()));
            None
        }
    }
}

/// Brings one run directory into the merged directory, whole or not at all
/// (`StagedDir`).
fn bring_run(src: &Path, dst: &Path) -> Result<(), SweepError> {
    let io = |p: &Path, e: std::io::Error| SweepError::Io(p.display().to_string(), e);
    let staged = StagedDir::begin(dst).map_err(|e| io(dst, e))?;
    let names: Vec<String> = fs::read_dir(src)
        .map_err(|e| io(src, e))?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    for n in names {
        let (from, to) = (src.join(&n), staged.path().join(&n));
        if fs::hard_link(&from, &to).is_err() {
            fs::copy(&from, &to).map_err(|e| io(&to, e))?;
        }
    }
    staged.commit().map_err(|e| io(dst, e))
}

/// `vodsim merge`.
pub fn merge(shard_dirs: &[PathBuf], out: Option<&Path>, quiet: bool, force: bool, argv: &[String]) -> Result<(), SweepError> {
    let mut problems = Vec::new();
    let Some(out) = out else {
        return Err(SweepError::BadInput("--out: required; expected the directory that will hold the merged sweep".into()));
    };
    if shard_dirs.is_empty() {
        return Err(SweepError::BadInput("merge: expected at least one shard directory".into()));
    }
    let shards: Vec<(String, ShardDir)> = shard_dirs.iter().filter_map(|d| read_shard(d, &mut problems)).collect();
    if !problems.is_empty() {
        return Err(SweepError::BadInput(problems.join("\n")));
    }

    // The same sweep everywhere, every shard once.
    let (def_text, first) = (&shards[0].0, &shards[0].1);
    let def: SweepDef = serde_json::from_str(def_text)
        .map_err(|e| SweepError::BadInput(format!("{}: expected a sweep definition: {e}", first.dir.join("sweep.json").display())))?;
    // What the files say is checked before anything is sized by it.
    let runs = def.n_seeds_checked().and_then(|s| s.checked_mul(def.points.len()));
    if def.points.is_empty() || runs.is_none_or(|r| r > super::plan::MAX_RUNS) {
        return Err(SweepError::BadInput(format!(
            "{}: expected seeds [A, B] with A <= B and at most {} runs, got seeds {:?} and {} points",
            first.dir.join("sweep.json").display(),
            super::plan::MAX_RUNS,
            def.seeds,
            def.points.len()
        )));
    }
    let n = first.file.shards;
    if n == 0 || n > super::plan::MAX_SHARDS {
        return Err(SweepError::BadInput(format!(
            "{}: expected shards from 1 to {}, got {n}",
            first.dir.join("shard.json").display(),
            super::plan::MAX_SHARDS
        )));
    }
    let mut seen: Vec<Option<&Path>> = vec![None; n];
    for (text, s) in &shards {
        let here = s.dir.display();
        if text != def_text {
            problems
                .push(format!("{here}/sweep.json: differs from {}/sweep.json; the shards belong to different sweeps", first.dir.display()));
            continue;
        }
        if s.file.shards != n || s.file.shard >= n {
            problems.push(format!("{here}: shard {}/{}, expected a shard of {n}", s.file.shard, s.file.shards));
            continue;
        }
        if let Some(other) = seen[s.file.shard] {
            problems.push(format!("{here}: shard {}/{n} given twice (also {})", s.file.shard, other.display()));
            continue;
        }
        seen[s.file.shard] = Some(&s.dir);
        // The hashes are compared with each run's summary below; recomputing
        // them from the parsed sweep.json could differ in a float's last bit.
        let expected = ShardFile::new(&def, super::Shard { i: s.file.shard, n });
        let key = |r: &ShardRun| (r.run.run, r.run.point, r.run.seed, r.run.run_dir.clone(), r.values.clone());
        if !expected.runs.iter().map(key).eq(s.file.runs.iter().map(key)) {
            problems.push(format!("{here}/shard.json: its run list does not match its sweep.json"));
        }
    }
    for (i, s) in seen.iter().enumerate() {
        if s.is_none() {
            let missing: Vec<String> = (i..def.n_runs()).step_by(n).map(|r| def.run_dir(r)).collect();
            problems.push(format!(
                "shard {i}/{n} is missing: {} runs have no results ({})",
                missing.len(),
                missing.iter().take(3).cloned().collect::<Vec<_>>().join(", ") + if missing.len() > 3 { ", ..." } else { "" }
            ));
        }
    }
    if !problems.is_empty() {
        return Err(SweepError::BadInput(problems.join("\n")));
    }

    // Every run complete and the one the shard says it is.
    let mut sources = Vec::with_capacity(def.n_runs());
    for (_, s) in &shards {
        for r in &s.file.runs {
            match table::read_done(&s.dir, &r.run) {
                Ok(_) => sources.push((r.clone(), s.dir.join(&r.run.run_dir))),
                Err(Unusable::Incomplete) => problems.push(format!(
                    "{}: run incomplete (no summary.json); re-run shard {}/{n} with the same command to finish it",
                    s.dir.join(&r.run.run_dir).display(),
                    s.file.shard
                )),
                Err(Unusable::Foreign(m)) => problems.push(m),
                Err(Unusable::Altered(m)) => {
                    problems.push(format!("{m}; re-run shard {}/{n} with the same command to redo it", s.file.shard))
                }
            }
        }
    }
    for (_, s) in &shards {
        if same_dir(&s.dir, out) {
            problems.push(format!("--out: {} is one of the shard directories; expected a new directory", out.display()));
        }
    }
    if let Some(p) = if force { crate::cli::out_is_file(out) } else { check_out(out, def_text, false) } {
        problems.push(p);
    }
    if !problems.is_empty() {
        return Err(SweepError::BadInput(problems.join("\n")));
    }

    sources.sort_by_key(|s| s.0.run.run);
    // As in `sweep`: a directory holding this sweep is completed in place,
    // anything else is built aside and put in place whole.
    let io = |e: std::io::Error| SweepError::Io(out.display().to_string(), e);
    let holds_this = fs::read_to_string(out.join("sweep.json")).is_ok_and(|t| &t == def_text);
    let (_lock, staged) =
        if holds_this { (Some(super::lock_in_place(out)?), None) } else { (None, Some(StagedDir::begin(out).map_err(io)?)) };
    let work = staged.as_ref().map_or(out, |s| s.path());
    create_dir(&work.join("runs"))?;
    write(&work.join("sweep.json"), def_text)?;
    let all = ShardFile { shard: 0, shards: 1, runs: sources.iter().map(|s| s.0.clone()).collect() };
    write(&work.join("shard.json"), &pretty(&all))?;
    let mut manifest = json!({
        "command": argv,
        "shards": shards.iter().map(|(_, s)| json!({
            "dir": s.dir.display().to_string(), "shard": s.file.shard, "shards": s.file.shards,
        })).collect::<Vec<_>>(),
        "scenario_sha256": def.base_scenario_sha256,
        "scenario": def.base_scenario,
        "sweep": def,
    });
    crate::provenance::stamp(&mut manifest);
    write(&work.join("manifest.json"), &pretty(&manifest))?;
    for (r, src) in &sources {
        if table::read_done(work, &r.run).is_err() {
            bring_run(src, &work.join(&r.run.run_dir))?;
        }
    }
    let runs: Vec<_> = sources.into_iter().map(|s| s.0.run).collect();
    let done = table::read_all(work, &runs)?;
    write(&work.join("runs.csv"), &table::runs_csv(&def, &done))?;
    write(&work.join("points.csv"), &table::points_csv(&def, &done))?;
    if let Some(staged) = staged {
        staged.commit().map_err(io)?;
    }
    if !quiet {
        eprintln!("merge: {} runs from {} shards -> {}", runs.len(), shards.len(), out.display());
    }
    Ok(())
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
