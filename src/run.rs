//! One `vodsim run`: scenario file in, output directory out.

use crate::report::{self, StagedDir};
use crate::scenario::Loaded;
use crate::sim::{RunOptions, RunOutput, SimError, simulate};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::path::Path;

/// sha256 of the resolved scenario's canonical JSON.
pub fn scenario_sha256(resolved: &serde_json::Value) -> String {
    hex_sha256(&serde_json::to_vec(resolved).unwrap_or_default())
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
    let dir = StagedDir::begin(out).map_err(io)?;
    let mut files = vec![
        ("streams.csv", report::streams_csv(&o.streams)),
        ("modules.csv", report::modules_csv(&o.modules)),
        ("migrations.csv", report::migrations_csv(&o.migrations)),
    ];
    if let Some(reads) = &o.reads {
        files.push(("reads.csv", report::reads_csv(reads)));
    }
    files.push(("summary.json", pretty(&serde_json::to_value(&o.summary).unwrap_or_default())));
    let mut listed = Vec::with_capacity(files.len());
    for (name, text) in &files {
        stop_if_interrupted()?;
        dir.write(name, text.as_bytes()).map_err(io)?;
        listed.push(listing(name, text.as_bytes()));
    }
    // The manifest goes last and lists every other file with its size and
    // hash, so a reader can tell a run directory from an edited one.
    let mut manifest = json!({
        "command": command,
        "scenario_sha256": sha,
        "seed": loaded.scenario.raw.seed,
        "files": listed,
        "scenario": loaded.resolved,
    });
    crate::provenance::stamp(&mut manifest);
    dir.write("manifest.json", pretty(&manifest).as_bytes()).map_err(io)?;
    // The last moment a stop leaves nothing: after the rename the run is
    // whole and stays.
    stop_if_interrupted()?;
    dir.commit().map_err(io)
}

/// Unwinds (dropping the staging directory) once SIGINT or SIGTERM came.
fn stop_if_interrupted() -> Result<(), RunError> {
    match crate::interrupt::received() {
        Some(sig) => Err(RunError::Sim(SimError::Interrupted(sig))),
        None => Ok(()),
    }
}

/// A file's entry in `manifest.json`: name, size and SHA-256 of the bytes
/// on disk, so `sha256sum` agrees with it. `summary.json`'s entry covers
/// `wall_s` too and so differs between two identical runs; the other
/// entries do not.
pub fn listing(name: &str, bytes: &[u8]) -> serde_json::Value {
    json!({ "name": name, "bytes": bytes.len(), "sha256": hex_sha256(bytes) })
}

/// The SHA-256 of `bytes` in lower-case hex.
pub fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// Checks the files of run directory `dir` against its `manifest.json`:
/// every listed file there, a regular file (not a link) of the listed size
/// and SHA-256, and the manifest written by this version of vodsim.
pub fn verify_run_dir(dir: &Path) -> Result<(), RunDirProblem> {
    let path = dir.join("manifest.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !dir.exists() => return Err(RunDirProblem::Absent),
        Err(e) => return Err(RunDirProblem::Altered(format!("{}: cannot read: {e}", path.display()))),
    };
    let altered = |why: String| RunDirProblem::Altered(format!("{}: {why}", dir.display()));
    let manifest: serde_json::Value = serde_json::from_str(&text).map_err(|e| altered(format!("manifest.json: malformed JSON: {e}")))?;
    let version = manifest.get("vodsim_version").and_then(serde_json::Value::as_str).unwrap_or("?");
    if version != env!("CARGO_PKG_VERSION") {
        return Err(altered(format!("written by vodsim {version}, this is {}", env!("CARGO_PKG_VERSION"))));
    }
    let Some(files) = manifest.get("files").and_then(serde_json::Value::as_array) else {
        return Err(altered("manifest.json lists no files".into()));
    };
    let mut names = vec!["manifest.json".to_string()];
    for f in files {
        let (Some(name), Some(bytes), Some(sha)) = (
            f.get("name").and_then(serde_json::Value::as_str),
            f.get("bytes").and_then(serde_json::Value::as_u64),
            f.get("sha256").and_then(serde_json::Value::as_str),
        ) else {
            return Err(altered("manifest.json: a file entry without name, bytes and sha256".into()));
        };
        names.push(name.to_string());
        let file = dir.join(name);
        match std::fs::symlink_metadata(&file) {
            Ok(m) if m.is_file() => {}
            Ok(_) => return Err(altered(format!("{name}: not a regular file (a link?)"))),
            Err(e) => return Err(altered(format!("{name}: {e}"))),
        }
        let raw = std::fs::read(&file).map_err(|e| altered(format!("{name}: {e}")))?;
        // Manifests once hashed a re-serialisation of the summary: a run
        // of then fails here as if edited, and is told so.
        let earlier = if name == "summary.json" { ", or written before manifests hashed its bytes" } else { "" };
        if raw.len() as u64 != bytes {
            return Err(altered(format!("{name}: {} bytes, the manifest says {bytes} (truncated or edited{earlier})", raw.len())));
        }
        if hex_sha256(&raw) != sha {
            return Err(altered(format!("{name}: its SHA-256 differs from the manifest's (edited since the run{earlier})")));
        }
    }
    // Nothing beside them: no file of another run.
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| altered(format!("cannot list: {e}")))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    names.sort();
    if found != names {
        return Err(altered(format!("holds {found:?}, the manifest lists {names:?}")));
    }
    Ok(())
}

/// Why a run directory cannot be trusted as a finished run.
#[derive(Debug, PartialEq)]
pub enum RunDirProblem {
    /// There is no such directory.
    Absent,
    /// Not what this vodsim wrote: a file edited, truncated, deleted, added
    /// or replaced by a link since, or written by another version.
    Altered(String),
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Sim(#[from] SimError),
    #[error("{0}: cannot write output: {1}")]
    Io(String, std::io::Error),
}

impl RunError {
    /// The signal that stopped the run, if one did.
    pub fn interrupted(&self) -> Option<i32> {
        match self {
            RunError::Sim(SimError::Interrupted(sig)) => Some(*sig),
            _ => None,
        }
    }
}
