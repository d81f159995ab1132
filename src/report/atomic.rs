//! Crash-safe output. A run directory is written whole (`StagedDir`); a
//! single file (a sweep's tables) is written atomically (`write_atomic`).
//!
//! `write_atomic`: every file is written under a temporary name in its
//! final directory (`.NAME.tmp-XXXXXX`, by `tempfile`), then renamed over
//! the final name. A process killed at any point (SIGKILL included) leaves
//! either the old file, the complete new one, or a stray temporary file —
//! never a partial file under the real name: the kernel already holds every
//! byte written before the rename. No fsync: surviving a power cut is not
//! promised, and the five fsyncs of a run cost ~50 ms of waiting on this
//! machine's disk, twice the simulation itself on the peer scenario.
//!
//! On Linux a file that already exists is replaced by exchanging the two
//! names (`renameat2(RENAME_EXCHANGE)`, through rustix's safe wrapper) and
//! then removing the old file, not by renaming over it: ext4
//! (`auto_da_alloc`) starts writing a file's data back to disk when it is
//! renamed over another. Rerunning `scenarios/peer-simpy.json` into its own
//! output directory (what `scripts/bench.sh` (a) and a repeated `vodsim run`
//! do) took 10.53 ms renaming over against 9.42 ms exchanging (medians of 60
//! alternating runs, one core). The real name holds the old or the new file
//! at every instant either way.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically (same directory temp + rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let prefix = format!(".{name}.tmp-");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    // What `File::create` gives (0666 less the umask), not tempfile's
    // owner-only 0600: results are meant to be read by others.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    // Only over a regular file: rename(2) refuses to put a file over a
    // directory, an exchange would not.
    #[cfg(target_os = "linux")]
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
        && rustix::fs::renameat_with(rustix::fs::CWD, tmp.path(), rustix::fs::CWD, path, rustix::fs::RenameFlags::EXCHANGE).is_ok()
    {
        // The temporary name now holds the old file: closing removes it.
        return tmp.close();
    }
    // On failure the temporary file is dropped, which removes it.
    tmp.persist(path).map(drop).map_err(|e| e.error)
}

/// A run directory written as a whole: complete or absent, never a mixture.
///
/// Its files go into a sibling directory (`.NAME.staging`), which `commit`
/// puts in place in one rename; a directory already there (an earlier run)
/// is exchanged with it in one `renameat2(RENAME_EXCHANGE)` on Linux and
/// then removed, so the target holds the old run or the new one at every
/// instant and no file of the old run survives in the new. Writers of one
/// parent directory hold an advisory lock on it from `begin` to `commit`
/// (two runs into one folder: the second waits its turn), so the staging
/// name needs no random part, and a staging directory found under the lock
/// was left by a killed writer and is removed — without listing the parent,
/// which for a sweep holds every run. Dropped uncommitted (an error), the
/// staging directory is removed.
pub struct StagedDir {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
    keep_on_drop: bool,
    /// The parent directory, locked while this one is written.
    _lock: DirLock,
}

/// An advisory lock (`flock`, Linux only) on the parent directory of an
/// output directory, held by whoever writes into that parent: two writers
/// take turns, the second waits.
pub struct DirLock {
    parent: PathBuf,
    #[cfg(target_os = "linux")]
    _file: std::fs::File,
}

/// Locks the parent directory of `target`, creating it if need be, and
/// waits while another writer holds it.
pub fn lock_parent(target: &Path) -> io::Result<DirLock> {
    let parent = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
    std::fs::create_dir_all(&parent)?;
    #[cfg(target_os = "linux")]
    let file = {
        let dir = std::fs::File::open(&parent)?;
        rustix::fs::flock(&dir, rustix::fs::FlockOperation::LockExclusive)?;
        dir
    };
    Ok(DirLock {
        parent,
        #[cfg(target_os = "linux")]
        _file: file,
    })
}

impl StagedDir {
    pub fn begin(target: &Path) -> io::Result<StagedDir> {
        StagedDir::begin_keeping(target, |_| false)
    }

    /// As `begin`, but a staging directory that a killed writer left is
    /// kept when `keep` says it holds work to resume (a sweep's finished
    /// runs), and the staging directory is kept when dropped uncommitted,
    /// so that the same command resumes it.
    pub fn begin_keeping(target: &Path, keep: impl FnOnce(&Path) -> bool) -> io::Result<StagedDir> {
        let lock = lock_parent(target)?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the output directory has no name"))?;
        let staging = lock.parent.join(format!(".{name}.staging"));
        remove_replaced(&staging)?;
        let resumable = std::fs::symlink_metadata(&staging).is_ok_and(|m| m.is_dir()) && keep(&staging);
        if !resumable {
            if std::fs::symlink_metadata(&staging).is_ok() {
                std::fs::remove_dir_all(&staging).or_else(|_| std::fs::remove_file(&staging))?;
            }
            std::fs::create_dir(&staging)?;
        }
        Ok(StagedDir { target: target.to_path_buf(), staging, committed: false, keep_on_drop: false, _lock: lock })
    }

    /// Keeps the staging directory when dropped uncommitted (a sweep's
    /// finished runs, for the same command to resume).
    pub fn keep_on_drop(mut self) -> StagedDir {
        self.keep_on_drop = true;
        self
    }

    /// The staging directory, where the files go until `commit`.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Writes file `name` of the run.
    pub fn write(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        std::fs::write(self.staging.join(name), bytes)
    }

    /// Puts the run in place of whatever the target held.
    pub fn commit(mut self) -> io::Result<()> {
        let (target, staging) = (&self.target, &self.staging);
        let is_dir = std::fs::symlink_metadata(target).is_ok_and(|m| m.is_dir());
        #[cfg(target_os = "linux")]
        if is_dir {
            rustix::fs::renameat_with(rustix::fs::CWD, staging, rustix::fs::CWD, target, rustix::fs::RenameFlags::EXCHANGE)?;
            self.committed = true;
            // The staging name now holds the old run: renamed first, so that
            // one killed while deleting it is known for debris
            // (`remove_replaced`), not taken for work to resume.
            let replaced = replaced_name(staging);
            std::fs::rename(staging, &replaced)?;
            return std::fs::remove_dir_all(replaced);
        }
        #[cfg(not(target_os = "linux"))]
        if is_dir {
            // Elsewhere: the old run goes aside first, so the target is
            // briefly absent, never mixed.
            let aside = staging.with_extension("old");
            std::fs::rename(target, &aside)?;
            std::fs::rename(staging, target)?;
            self.committed = true;
            return std::fs::remove_dir_all(aside);
        }
        std::fs::rename(staging, target)?;
        self.committed = true;
        Ok(())
    }
}

/// Where `commit` puts the output it replaced while deleting it.
fn replaced_name(staging: &Path) -> PathBuf {
    let name = staging.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    staging.with_file_name(format!("{}.replaced", name.trim_end_matches(".staging")))
}

/// Removes what a writer killed while deleting the output it had replaced
/// left (`.NAME.replaced`, beside the staging directory `staging`).
pub fn remove_replaced(staging: &Path) -> io::Result<()> {
    let replaced = replaced_name(staging);
    if std::fs::symlink_metadata(&replaced).is_ok() {
        std::fs::remove_dir_all(&replaced).or_else(|_| std::fs::remove_file(&replaced))?;
    }
    Ok(())
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed && !self.keep_on_drop {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("vodsim-atomic-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> =
            fs::read_dir(dir).expect("list").map(|e| e.expect("entry").file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn creates_then_replaces_a_file_leaving_no_temporary_behind() {
        let dir = scratch("replace");
        let path = dir.join("summary.json");
        write_atomic(&path, b"first").expect("create");
        assert_eq!(fs::read(&path).expect("read"), b"first");
        write_atomic(&path, b"second, longer").expect("replace");
        assert_eq!(fs::read(&path).expect("read"), b"second, longer");
        write_atomic(&path, b"3").expect("replace again");
        assert_eq!(fs::read(&path).expect("read"), b"3");
        assert_eq!(names(&dir), ["summary.json"]);
        fs::remove_dir_all(&dir).expect("clean up");
    }

    #[cfg(unix)]
    #[test]
    fn a_written_file_has_the_mode_file_create_gives() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch("mode");
        let mode = |p: &Path| fs::metadata(p).expect("stat").permissions().mode();
        write_atomic(&dir.join("streams.csv"), b"rows").expect("write");
        fs::File::create(dir.join("plain")).expect("create");
        assert_eq!(mode(&dir.join("streams.csv")), mode(&dir.join("plain")));
        fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn does_not_replace_a_directory() {
        // rename(2) refuses to put a file over a directory; an exchange would
        // not, so it is only tried over regular files.
        let dir = scratch("dir");
        let path = dir.join("streams.csv");
        fs::create_dir(&path).expect("dir in the way");
        fs::write(path.join("keep"), b"x").expect("file in it");
        assert!(write_atomic(&path, b"rows").is_err());
        assert!(path.is_dir());
        assert_eq!(fs::read(path.join("keep")).expect("still there"), b"x");
        assert_eq!(names(&dir), ["streams.csv"], "the temporary file was not cleaned up");
        fs::remove_dir_all(&dir).expect("clean up");
    }
}
