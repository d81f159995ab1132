//! One `vodsim run`: scenario file in, output directory out.

use crate::report::{self, AtomicDir};
use crate::scenario::Loaded;
use crate::sim::{RunOptions, RunOutput, SimError, simulate};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::path::Path;

/// sha256 of the resolved scenario's canonical JSON.
pub fn scenario_sha256(resolved: &serde_json::Value) -> String {
    let bytes = serde_json::to_vec(resolved).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs a loaded scenario and writes every output file into `out`.
pub fn run_to_dir(
    loaded: &Loaded,
    out: &Path,
    opts: RunOptions,
    command: &[String],
    progress: impl FnMut(f64),
) -> Result<RunOutput, RunError> {
    let sha = scenario_sha256(&loaded.resolved);
    let output = simulate(&loaded.scenario, opts, &sha, progress)?;
    write_outputs(&output, loaded, &sha, out, command)?;
    Ok(output)
}

pub fn write_outputs(o: &RunOutput, loaded: &Loaded, sha: &str, out: &Path, command: &[String]) -> Result<(), RunError> {
    let io = |e: std::io::Error| RunError::Io(out.display().to_string(), e);
    let dir = AtomicDir::create(out).map_err(io)?;
    dir.write("streams.csv", report::streams_csv(&o.streams).as_bytes()).map_err(io)?;
    dir.write("modules.csv", report::modules_csv(&o.modules).as_bytes()).map_err(io)?;
    dir.write("migrations.csv", report::migrations_csv(&o.migrations).as_bytes()).map_err(io)?;
    if let Some(reads) = &o.reads {
        dir.write("reads.csv", report::reads_csv(reads).as_bytes()).map_err(io)?;
    }
    let manifest = json!({
        "vodsim_version": env!("CARGO_PKG_VERSION"),
        "git_commit": option_env!("VODSIM_GIT_COMMIT").unwrap_or("unknown"),
        "command": command,
        "scenario_sha256": sha,
        "scenario": loaded.resolved,
    });
    dir.write("manifest.json", pretty(&manifest).as_bytes()).map_err(io)?;
    // The summary goes last: its presence marks a complete run directory.
    dir.write("summary.json", pretty(&serde_json::to_value(&o.summary).unwrap_or_default()).as_bytes()).map_err(io)?;
    Ok(())
}

fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Sim(#[from] SimError),
    #[error("{0}: cannot write output: {1}")]
    Io(String, std::io::Error),
}
