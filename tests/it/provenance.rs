//! Every manifest names the source the binary was built from (build.rs).

use crate::common::{SMALL_FAULT, repo, vodsim};
use std::process::Command;

/// `git args` in the repository; its trimmed stdout, or None when git or
/// the checkout is missing.
fn git(args: &[&str]) -> Option<String> {
    let o = Command::new("git").arg("--no-optional-locks").args(args).current_dir(repo()).output().ok()?;
    o.status.success().then(|| String::from_utf8_lossy(&o.stdout).trim_end().to_string())
}

#[test]
fn a_run_manifest_names_the_commit_and_dirty_state_of_the_checkout() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let scenario = tmp.path().join("small.json");
    std::fs::write(&scenario, SMALL_FAULT).expect("write scenario");
    let out = tmp.path().join("run");
    let o = vodsim(&["run", &scenario.display().to_string(), "--out", &out.display().to_string(), "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(out.join("manifest.json")).expect("manifest.json");
    let m: serde_json::Value = serde_json::from_str(&text).expect("manifest is JSON");

    let rustc = m["rustc"].as_str().expect("rustc is a string");
    assert!(rustc.starts_with("rustc 1."), "rustc = {rustc:?}");

    // The same test build.rs makes: a checkout of this package, not a copy
    // inside some other repository.
    let in_checkout = git(&["ls-files", "--error-unmatch", "Cargo.toml"]).is_some();
    match git(&["rev-parse", "HEAD"]).filter(|_| in_checkout) {
        Some(head) => {
            assert_eq!(m["git_commit"], head.as_str(), "the manifest names `git rev-parse HEAD`");
            // Untracked files do not count, as in `git describe --dirty`.
            let status = git(&["status", "--porcelain", "--untracked-files=no"]).expect("git status");
            assert_eq!(m["git_dirty"], !status.is_empty(), "git status --porcelain --untracked-files=no:\n{status}");
        }
        None => {
            eprintln!("not built in a git checkout (or no git): checking the \"unknown\" fallback instead");
            assert_eq!(m["git_commit"], "unknown");
            assert_eq!(m["git_dirty"], serde_json::Value::Null);
        }
    }
}
