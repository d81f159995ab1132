//! Where this binary came from, as `build.rs` found it: the one source of
//! the provenance fields every `manifest.json` (run, sweep, merge) carries.

use serde_json::{Value, json};

/// `git rev-parse HEAD` of the checkout the binary was built in, or
/// `"unknown"` when built outside one (a crate tarball, no `git`).
pub const GIT_COMMIT: &str = env!("VODSIM_BUILD_GIT_COMMIT");

/// `rustc -V` of the compiler that built the binary, or `"unknown"`.
pub const RUSTC: &str = env!("VODSIM_BUILD_RUSTC");

/// Whether a tracked file differed from HEAD at build time (as
/// `git describe --dirty`; untracked files do not count); None when the
/// commit is unknown.
pub fn git_dirty() -> Option<bool> {
    match env!("VODSIM_BUILD_GIT_DIRTY") {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Adds the provenance keys (`vodsim_version`, `git_commit`, `git_dirty`,
/// `rustc`) to manifest object `manifest`.
pub fn stamp(manifest: &mut Value) {
    if let Value::Object(m) = manifest {
        m.insert("vodsim_version".into(), json!(env!("CARGO_PKG_VERSION")));
        m.insert("git_commit".into(), json!(GIT_COMMIT));
        m.insert("git_dirty".into(), json!(git_dirty()));
        m.insert("rustc".into(), json!(RUSTC));
    }
}
