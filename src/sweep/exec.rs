//! Running the pending runs of a sweep on `--jobs` threads.
//!
//! Each run is an ordinary `vodsim run` into its own directory, which
//! appears whole or not at all (`report::StagedDir`); a run killed half-way
//! leaves none and is simply run again next time. Threads take the next pending run
//! from a shared counter, so which thread ran what never reaches an output
//! file: the tables are built afterwards, in run order, from disk.

use super::SweepError;
use super::plan::{Plan, RunRef};
use crate::run::{run_to_dir, scenario_sha256};
use crate::scenario::load_str;
use crate::sim::RunOptions;
use indicatif::ProgressBar;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The command line `vodsim run` would need to redo one run of a sweep;
/// recorded in that run's `manifest.json`.
fn run_command(plan: &Plan, run: &RunRef, out: &Path) -> Vec<String> {
    let mut cmd = vec!["vodsim".to_string(), "run".to_string(), plan.file.clone(), "--seed".to_string(), run.seed.to_string()];
    for s in &plan.def.points[run.point].sets {
        cmd.push("--set".to_string());
        cmd.push(s.clone());
    }
    // A limit other than the default is needed to redo the run too.
    let mib = crate::scenario::limits::max_output_mib();
    if mib != crate::scenario::limits::DEFAULT_MAX_OUTPUT_MIB {
        cmd.push("--max-output-mib".to_string());
        cmd.push(mib.to_string());
    }
    cmd.push("--out".to_string());
    cmd.push(out.display().to_string());
    cmd
}

/// Runs `run` into `sweep_dir`, recording the command that would redo it
/// into `final_dir`, where the user finds it (`sweep_dir` may be a staging
/// directory).
fn run_one(plan: &Plan, run: &RunRef, sweep_dir: &Path, final_dir: &Path) -> Result<(), SweepError> {
    let out = sweep_dir.join(&run.run_dir);
    let loaded = load_str(&plan.file, &plan.text, &plan.def.points[run.point].sets, Some(run.seed))?;
    if scenario_sha256(&loaded.resolved) != run.scenario_sha256 {
        return Err(SweepError::Internal(format!("{}: the resolved scenario differs from the sweep plan", run.run_dir)));
    }
    let command = run_command(plan, run, &final_dir.join(&run.run_dir));
    run_to_dir(&loaded, &out, RunOptions::default(), &command, |_| {}).map_err(|source| match source.interrupted() {
        Some(sig) => SweepError::Interrupted(sig),
        None => SweepError::Run { run: out.display().to_string(), source },
    })?;
    Ok(())
}

/// Runs `pending` into `sweep_dir` (the sweep's `final_dir` or its staging
/// directory) on `jobs` threads. On failure the other threads finish
/// the run they are in and stop; the error of the lowest-numbered failed
/// run is returned — unless SIGINT or SIGTERM stopped them, which is what
/// the exit code then says.
pub fn run_all(
    plan: &Plan,
    pending: &[RunRef],
    jobs: usize,
    sweep_dir: &Path,
    final_dir: &Path,
    bar: &ProgressBar,
) -> Result<(), SweepError> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let failures: Mutex<Vec<(usize, SweepError)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, pending.len().max(1)) {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    if let Some(sig) = crate::interrupt::received() {
                        stop.store(true, Ordering::Relaxed);
                        failures.lock().unwrap_or_else(|p| p.into_inner()).push((usize::MAX, SweepError::Interrupted(sig)));
                        break;
                    }
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(run) = pending.get(k) else { break };
                    match run_one(plan, run, sweep_dir, final_dir) {
                        Ok(()) => bar.inc(1),
                        Err(e) => {
                            stop.store(true, Ordering::Relaxed);
                            failures.lock().unwrap_or_else(|p| p.into_inner()).push((run.run, e));
                        }
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap_or_else(|p| p.into_inner());
    failures.sort_by_key(|f| (!matches!(f.1, SweepError::Interrupted(_)), f.0));
    match failures.into_iter().next() {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}
