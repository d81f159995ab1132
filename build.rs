//! Records where the binary came from, for every run's `manifest.json`:
//! the git commit of the checkout it was built in, whether that checkout had
//! uncommitted changes to tracked files, and the compiler's version.
//!
//! Asks `git` itself, so an ordinary `cargo build` in a clone (or a git
//! worktree) is enough. Outside a checkout (a crate tarball, no `git` on
//! PATH, a vendored copy inside another project's repository) it records
//! `unknown` and never fails the build.
//!
//! "Dirty" means what `git describe --dirty` means: a tracked file differs
//! from HEAD. Untracked files do not count, because cargo can only watch
//! files that exist: with every tracked file watched, the flag is fresh after
//! any edit, `git add`, commit or checkout.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| ".".into()));
    println!("cargo:rerun-if-changed=build.rs");
    let (commit, dirty) = match git_state(&root) {
        Some((commit, dirty)) => (commit, if dirty { "true" } else { "false" }),
        None => ("unknown".to_string(), "unknown"),
    };
    println!("cargo:rustc-env=VODSIM_BUILD_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=VODSIM_BUILD_GIT_DIRTY={dirty}");
    println!("cargo:rustc-env=VODSIM_BUILD_RUSTC={}", rustc_version());
}

/// `rustc -V` of the compiler cargo builds with.
fn rustc_version() -> String {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    Command::new(rustc)
        .arg("-V")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// Runs `git args` in `dir`; its trimmed stdout, or None on any failure.
/// `--no-optional-locks`: `git status` must not rewrite the index it is
/// watched through, or every build would rerun this script.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let o = Command::new("git").arg("--no-optional-locks").args(args).current_dir(dir).output().ok()?;
    if !o.status.success() {
        return None;
    }
    Some(String::from_utf8(o.stdout).ok()?.trim_end().to_string())
}

/// (HEAD commit, dirty) of the checkout holding this package, or None when
/// there is none. Emits the rerun-if-changed lines that keep both fresh.
fn git_state(root: &Path) -> Option<(String, bool)> {
    // This package's own Cargo.toml must be tracked: a tarball unpacked
    // inside some other repository is not a checkout of vodsim.
    git(root, &["ls-files", "--error-unmatch", "Cargo.toml"])?;
    let git_dir = absolute(root, &git(root, &["rev-parse", "--git-dir"])?);
    let common_dir = absolute(root, &git(root, &["rev-parse", "--git-common-dir"])?);
    let commit = git(root, &["rev-parse", "HEAD"])?;
    let status = git(root, &["status", "--porcelain", "--untracked-files=no"])?;

    // HEAD moves on checkout; the branch's ref (loose or packed) and the
    // reflog on commit, reset and merge; the index on `git add`. A path
    // that does not exist would make cargo rerun this script on every
    // build, so only existing ones are named.
    let mut watch = vec![git_dir.join("HEAD"), git_dir.join("index"), git_dir.join("logs/HEAD"), common_dir.join("packed-refs")];
    if let Some(head_ref) = git(root, &["symbolic-ref", "-q", "HEAD"]) {
        watch.push(common_dir.join(head_ref));
    }
    // Every tracked file, for edits that are not staged yet.
    if let Some(files) = git(root, &["ls-files", "-z"]) {
        watch.extend(files.split('\0').filter(|f| !f.is_empty()).map(|f| root.join(f)));
    }
    for p in watch.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", p.display());
    }
    Some((commit, !status.is_empty()))
}

fn absolute(root: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() { p.to_path_buf() } else { root.join(p) }
}
