//! Parameter sweeps: one scenario run for every combination of `--set`
//! values × every seed of `--seeds`, the runs spread over threads and, with
//! `--shard I/N`, over machines (a Slurm job array, `scripts/slurm-sweep.sh`);
//! `merge` joins the shards. Results are tables a notebook reads directly:
//! `runs.csv` (one row per run) and `points.csv` (per parameter point the
//! mean and 95 % confidence interval of every total).
//!
//! Why it is built this way: a sweep is long, so it must survive being
//! killed (every run directory is complete or is redone; re-running the
//! same command resumes), and its tables must not depend on how it was
//! split — `--jobs`, `--shard`, interruptions — so they are built in run
//! order from the `summary.json` files on disk, with fixed decimals.
//!
//! Layout of a sweep directory:
//! ```text
//! sweep.json      the sweep definition (identical in every shard)
//! shard.json      which runs this directory holds (shard I of N)
//! manifest.json   version, commit, command line, base scenario, definition
//! runs/pPPP-sS/   one `vodsim run` output directory per run
//! runs.csv, points.csv
//! ```

mod exec;
mod merge;
pub mod plan;
pub mod table;
mod verify;

pub use merge::merge;
pub use plan::{PointDef, RunRef, Shard, SweepDef};
pub use verify::verify_sweep_dir;

use crate::report::{StagedDir, write_atomic};
use crate::run::RunError;
use crate::scenario::ScenarioError;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::{Path, PathBuf};
use table::Unusable;

/// What went wrong in a sweep or merge.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A scenario, `--set` value or parameter combination is invalid.
    #[error("{0}")]
    Input(#[from] ScenarioError),
    /// Flags or directories that cannot be used; one problem per line.
    #[error("{0}")]
    BadInput(String),
    /// A run failed.
    #[error("{run}: {source}")]
    Run { run: String, source: RunError },
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("internal: {0}")]
    Internal(String),
    /// Standard output could not be written.
    #[error("{0}")]
    Output(String),
    /// SIGINT or SIGTERM (the number) stopped the sweep between or inside
    /// runs: the finished runs stay, the one in flight left nothing.
    #[error("interrupted by {}", crate::interrupt::name(*.0))]
    Interrupted(i32),
}

impl SweepError {
    /// 2 for bad input, 1 otherwise (CONTRACT.md).
    pub fn exit_code(&self) -> u8 {
        match self {
            SweepError::Input(_) | SweepError::BadInput(_) => 2,
            SweepError::Interrupted(sig) => crate::interrupt::exit_code(*sig),
            _ => 1,
        }
    }
}

/// `vodsim sweep` flags, as typed.
#[derive(Clone, Debug, Default)]
pub struct SweepArgs {
    pub scenario: PathBuf,
    /// `A..B`, inclusive.
    pub seeds: Option<String>,
    /// `PATH=V1,V2,...` (a swept parameter) or `PATH=V` (a fixed override).
    pub sets: Vec<String>,
    /// Threads [default: available parallelism].
    pub jobs: Option<usize>,
    /// `I/N`.
    pub shard: Option<String>,
    pub out: Option<PathBuf>,
    pub quiet: bool,
    /// Check and list the runs; write nothing.
    pub dry_run: bool,
    /// Replace an output directory that holds a different sweep.
    pub force: bool,
}

/// `shard.json`: which runs a sweep directory holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShardFile {
    pub shard: usize,
    pub shards: usize,
    pub runs: Vec<ShardRun>,
}

/// One run of `shard.json`, with its parameter values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardRun {
    #[serde(flatten)]
    pub run: RunRef,
    pub values: Vec<String>,
}

impl ShardFile {
    pub fn new(def: &SweepDef, shard: Shard) -> ShardFile {
        let runs = def.shard_runs(shard).into_iter().map(|run| ShardRun { values: def.points[run.point].values.clone(), run }).collect();
        ShardFile { shard: shard.i, shards: shard.n, runs }
    }
}

pub(crate) fn pretty<T: Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

pub(crate) fn write(path: &Path, text: &str) -> Result<(), SweepError> {
    write_atomic(path, text.as_bytes()).map_err(|e| SweepError::Io(path.display().to_string(), e))
}

pub(crate) fn create_dir(path: &Path) -> Result<(), SweepError> {
    std::fs::create_dir_all(path).map_err(|e| SweepError::Io(path.display().to_string(), e))
}

/// A problem with `--out` if it cannot hold this sweep: not a directory,
/// or it holds a different sweep. With `extend`, a sweep that differs only
/// in its seed range is this sweep extended (or narrowed): run directories
/// are named by point and seed, so every run of a seed both ranges share is
/// found and reused, and only the new seeds run.
pub(crate) fn check_out(out: &Path, def_text: &str, extend: bool) -> Option<String> {
    if let Some(problem) = crate::cli::out_is_file(out) {
        return Some(problem);
    }
    let existing = out.join("sweep.json");
    match std::fs::read_to_string(&existing) {
        Ok(t) if t != def_text && !(extend && same_but_seeds(&t, def_text)) => Some(format!(
            "{}: this directory holds a different sweep (another scenario, --set values or vodsim version; only --seeds may change); use a new --out or delete it",
            existing.display()
        )),
        _ => None,
    }
}

/// Takes the lock on the parent of `out`, a directory that holds this
/// sweep, and removes the temporary files a killed writer left in it
/// (`.NAME.tmp-XXXXXX` of `write_atomic`).
pub(crate) fn lock_in_place(out: &Path) -> Result<crate::report::DirLock, SweepError> {
    let io = |e: std::io::Error| SweepError::Io(out.display().to_string(), e);
    let lock = crate::report::lock_parent(out).map_err(io)?;
    for e in std::fs::read_dir(out).map_err(io)?.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.contains(".tmp-") {
            std::fs::remove_file(e.path()).map_err(io)?;
        }
    }
    Ok(lock)
}

/// Removes the sweep that a staged sweep replaced when it was killed after
/// putting itself in place (`StagedDir::commit` exchanges the directories,
/// renames the old one `.NAME.replaced`, then deletes it): a whole sweep
/// still under the staging name is one that is no longer needed. Any other
/// staging directory is left for the command that made it to resume.
fn remove_replaced(out: &Path) -> Result<(), SweepError> {
    let Some(name) = out.file_name() else { return Ok(()) };
    let staging = out.with_file_name(format!(".{}.staging", name.to_string_lossy()));
    let io = |e: std::io::Error| SweepError::Io(staging.display().to_string(), e);
    crate::report::remove_replaced(&staging).map_err(io)?;
    if std::fs::symlink_metadata(&staging).is_ok_and(|m| m.is_dir()) && verify_sweep_dir(&staging).is_ok() {
        std::fs::remove_dir_all(&staging).map_err(io)?;
    }
    Ok(())
}

/// Gives the staging directory `to` of an extended sweep the runs of
/// `runs` that the old sweep in `from` holds, as hard links (a copy where
/// the file system has none): the old sweep stays whole until the new one
/// replaces it. Each run directory appears whole (linked aside, then
/// renamed); one already in `to` (a resumed extension) is kept. Whether a
/// run is intact is checked afterwards, as for any run found.
fn link_runs(from: &Path, to: &Path, runs: &[RunRef]) -> Result<(), SweepError> {
    create_dir(&to.join("runs"))?;
    for r in runs {
        let (src, dst) = (from.join(&r.run_dir), to.join(&r.run_dir));
        if !std::fs::symlink_metadata(&src).is_ok_and(|m| m.is_dir()) || std::fs::symlink_metadata(&dst).is_ok() {
            continue;
        }
        let name = dst.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let aside = dst.with_file_name(format!(".{name}.link"));
        let io = |p: &Path, e: std::io::Error| SweepError::Io(p.display().to_string(), e);
        if std::fs::symlink_metadata(&aside).is_ok() {
            std::fs::remove_dir_all(&aside).map_err(|e| io(&aside, e))?;
        }
        create_dir(&aside)?;
        for e in std::fs::read_dir(&src).map_err(|e| io(&src, e))? {
            let e = e.map_err(|e| io(&src, e))?;
            // A run directory holds files only; anything else is left out
            // and the run found altered and run again.
            if !e.file_type().is_ok_and(|t| t.is_file()) {
                continue;
            }
            let target = aside.join(e.file_name());
            std::fs::hard_link(e.path(), &target)
                .or_else(|_| std::fs::copy(e.path(), &target).map(|_| ()))
                .map_err(|err| io(&e.path(), err))?;
        }
        std::fs::rename(&aside, &dst).map_err(|e| io(&dst, e))?;
    }
    Ok(())
}

/// Whether the two `sweep.json` texts define the same points and differ at
/// most in their seed ranges.
fn same_but_seeds(a: &str, b: &str) -> bool {
    match (serde_json::from_str::<SweepDef>(a), serde_json::from_str::<SweepDef>(b)) {
        (Ok(mut a), Ok(b)) => {
            a.seeds = b.seeds;
            pretty(&a) == pretty(&b)
        }
        _ => false,
    }
}

pub(crate) fn progress_bar(quiet: bool, len: usize) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    // indicatif draws nothing when stderr is not a terminal.
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} runs {pos}/{len} [{bar:40}] eta {eta}").unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// `vodsim sweep`: checks everything, then runs what is not done yet and
/// writes the tables. Nothing is written when any input is bad.
pub fn sweep(args: &SweepArgs, argv: &[String]) -> Result<(), SweepError> {
    let mut problems = Vec::new();
    let seeds = plan::parse_seeds(args.seeds.as_deref()).map_err(|p| problems.push(p)).ok();
    let shard = plan::parse_shard(args.shard.as_deref()).map_err(|p| problems.push(p)).ok();
    if let Some(j) = args.jobs.filter(|&j| j == 0 || j > plan::MAX_JOBS) {
        problems.push(format!("--jobs: expected an integer from 1 to {}, got {j}", plan::MAX_JOBS));
    }
    if args.out.is_none() && !args.dry_run {
        problems.push("--out: required; expected the directory that will hold the sweep".to_string());
    }
    let (Some(seeds), Some(shard), true) = (seeds, shard, problems.is_empty()) else {
        return Err(SweepError::BadInput(problems.join("\n")));
    };
    let file = args.scenario.display().to_string();
    let text = std::fs::read_to_string(&args.scenario).map_err(|e| ScenarioError::one(&file, "", format!("cannot read the file: {e}")))?;
    let plan = plan::plan(&file, text, &args.sets, seeds, shard)?;
    let def = &plan.def;
    let runs = def.shard_runs(shard);

    if args.dry_run {
        let mut text = format!(
            "{} points x {} seeds = {} runs; shard {}/{} holds {}\n",
            def.points.len(),
            def.n_seeds(),
            def.n_runs(),
            shard.i,
            shard.n,
            runs.len()
        );
        for p in &def.points {
            let params: Vec<String> = def.columns.iter().zip(&p.values).map(|(c, v)| format!("{c}={v}")).collect();
            text.push_str(&format!("p{:03} {}\n", p.point, params.join(" ")));
        }
        return crate::cli::print_stdout(&text).map_err(|e| SweepError::Output(e.to_string()));
    }
    let Some(out) = args.out.as_deref() else { return Err(SweepError::Internal("no --out".into())) };

    // Check the output directory and whatever a previous attempt left in it.
    let def_text = pretty(def);
    if let Some(p) = if args.force { crate::cli::out_is_file(out) } else { check_out(out, &def_text, true) } {
        return Err(SweepError::BadInput(p));
    }
    let io = |e: std::io::Error| SweepError::Io(out.display().to_string(), e);
    // A directory holding this very sweep is resumed in place: each run
    // appears whole (`StagedDir`) and the tables are rewritten atomically
    // from the runs, so every state verifies as this sweep. Anything else
    // (no directory, this sweep with other seeds, another sweep under
    // --force) is built aside and put in place whole at the end, so the
    // directory holds the old sweep or the new one, never a mixture (an
    // extension resumed in place had written its sweep.json beside the old
    // runs.csv); a killed sweep's staging directory is resumed by the same
    // command. An extension starts from hard links to the runs the old
    // sweep already holds.
    let on_disk = std::fs::read_to_string(out.join("sweep.json")).ok();
    let holds_this = on_disk.as_deref() == Some(def_text.as_str());
    let extends = !holds_this && on_disk.as_deref().is_some_and(|t| same_but_seeds(t, &def_text));
    let (_lock, staged) = if holds_this {
        let lock = lock_in_place(out)?;
        remove_replaced(out)?;
        (Some(lock), None)
    } else {
        let same_sweep = |dir: &Path| std::fs::read_to_string(dir.join("sweep.json")).is_ok_and(|t| t == def_text);
        (None, Some(StagedDir::begin_keeping(out, same_sweep).map_err(io)?.keep_on_drop()))
    };
    let work = staged.as_ref().map_or(out, |s| s.path());
    if extends {
        link_runs(out, work, &runs)?;
    }
    let mut pending = Vec::new();
    let mut problems = Vec::new();
    for r in &runs {
        match table::read_done(work, r) {
            Ok(_) => {}
            Err(Unusable::Incomplete) => pending.push(r.clone()),
            Err(Unusable::Altered(m)) => {
                if !args.quiet {
                    eprintln!("note: running {} again: {m}", r.run_dir);
                }
                pending.push(r.clone());
            }
            Err(Unusable::Foreign(m)) => problems.push(format!("{m}; delete that run directory to run it again")),
        }
    }
    if !problems.is_empty() {
        return Err(SweepError::BadInput(problems.join("\n")));
    }

    create_dir(&work.join("runs"))?;
    write(&work.join("sweep.json"), &def_text)?;
    write(&work.join("shard.json"), &pretty(&ShardFile::new(def, shard)))?;
    let mut manifest = json!({
        "command": argv,
        "scenario_file": plan.file,
        "scenario_sha256": def.base_scenario_sha256,
        "scenario": def.base_scenario,
        "shard": { "shard": shard.i, "shards": shard.n },
        "sweep": def,
    });
    crate::provenance::stamp(&mut manifest);
    write(&work.join("manifest.json"), &pretty(&manifest))?;

    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let bar = progress_bar(args.quiet, runs.len());
    bar.set_position((runs.len() - pending.len()) as u64);
    bar.reset_eta();
    let result = exec::run_all(&plan, &pending, jobs, work, out, &bar);
    let finished = bar.position() as usize;
    bar.finish_and_clear();
    // Stopped between the runs and the tables: the tables are redone on resume.
    let result = result.and_then(|()| crate::interrupt::received().map_or(Ok(()), |sig| Err(SweepError::Interrupted(sig))));
    if let Err(SweepError::Interrupted(sig)) = &result {
        // Said here rather than in the error: the error line is the same
        // for every interrupted sweep, this is what happened to this one.
        if !args.quiet {
            eprintln!(
                "sweep: {finished} of {} runs are complete in {}; the run in flight left nothing; run the same command again to resume",
                runs.len(),
                out.display()
            );
        }
        return Err(SweepError::Interrupted(*sig));
    }
    result?;

    let done = table::read_all(work, &runs)?;
    write(&work.join("runs.csv"), &table::runs_csv(def, &done))?;
    write(&work.join("points.csv"), &table::points_csv(def, &done))?;
    if let Some(staged) = staged {
        staged.commit().map_err(io)?;
    }
    if !args.quiet {
        eprintln!(
            "sweep: {} runs ({} already done) of {} points x {} seeds{} -> {}",
            runs.len(),
            runs.len() - pending.len(),
            def.points.len(),
            def.n_seeds(),
            if shard.n > 1 { format!(", shard {}/{}", shard.i, shard.n) } else { String::new() },
            out.display()
        );
    }
    Ok(())
}
