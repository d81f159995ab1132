//! What can go wrong loading a drive description or a trace: every variant
//! names the file and, where there is one, the parameter path or line, and
//! what was expected, so `vodsim disk-replay` can print it and exit 2.

use std::path::PathBuf;

/// A drive description or trace that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DriveError {
    /// The file could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// DiskSim parameter syntax the parser does not accept.
    #[error("{}:{line}: {reason}", path.display())]
    Syntax { path: PathBuf, line: usize, reason: String },
    /// A parameter is missing, has the wrong type, or is out of range.
    /// `param` is the path of blocks and names down to it, e.g.
    /// `SEAGATE_ST39102LW_validate.Model.Layout Model.Zones[2].Blocks per track`.
    #[error("{}: {param}: expected {expected}", path.display())]
    Param { path: PathBuf, param: String, expected: String },
    /// The project's JSON description does not parse (serde's message
    /// carries the line and column; `field` is the JSON path).
    #[error("{}: {field}: {reason}", path.display())]
    Json { path: PathBuf, field: String, reason: String },
    /// A trace line that is not `arrival_ms devno blkno sectors flags`, or a
    /// request outside the drive.
    #[error("{}:{line}: {reason}", path.display())]
    Trace { path: PathBuf, line: usize, reason: String },
}
