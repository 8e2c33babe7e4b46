//! Write: outputs reach disk atomically, or not at all.
//!
//! Stage: write. Each file is written to a temporary file in the destination
//! folder, flushed to disk, then renamed over the old one: a reader never sees a
//! half-written PDF, and a failed build leaves the previous PDF untouched.

use std::io::Write;
use std::path::Path;

pub fn atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    stage(path, bytes)?.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes several files so that they are replaced together or not at all:
/// every file is first written and flushed to a temporary name beside its
/// destination; only when all succeeded are they renamed into place (a rename
/// within a folder does not fail for want of space). If anything fails, the
/// temporaries are removed and every previous file is left as it was.
/// The new files are staged (written and synced under temporary names) on a
/// thread each, then renamed into place. A file that already holds exactly
/// these bytes is left alone (a rebuild in
/// `quire watch` after a narrative edit does not rewrite an unchanged
/// spreadsheet).
pub fn all(
    files: &[(std::path::PathBuf, Vec<u8>)],
) -> Result<(), (std::path::PathBuf, std::io::Error)> {
    for (path, _) in files {
        if path.is_dir() {
            let e = std::io::Error::other("a folder is in the way");
            return Err((path.clone(), e));
        }
    }
    // Each new file is written and synced to its temporary name on a thread of
    // its own (the syncs overlap); nothing is renamed until all are staged.
    // At most eight at once (a pack may write a page per item).
    let mut results: Vec<Option<std::io::Result<tempfile::NamedTempFile>>> = Vec::new();
    for chunk in files.chunks(8) {
        std::thread::scope(|s| {
            let handles: Vec<_> = chunk
                .iter()
                .map(|(path, bytes)| {
                    s.spawn(move || (!unchanged(path, bytes)).then(|| stage(path, bytes)))
                })
                .collect();
            results.extend(handles.into_iter().map(|h| {
                h.join()
                    .unwrap_or_else(|_| Some(Err(std::io::Error::other("staging failed"))))
            }));
        });
    }
    let mut staged = Vec::with_capacity(files.len());
    let mut first_error = None;
    for ((path, _), r) in files.iter().zip(results) {
        match r {
            None => {}
            Some(Ok(tmp)) => staged.push((tmp, path)),
            Some(Err(e)) => {
                first_error.get_or_insert((path.clone(), e));
            }
        }
    }
    // A file that could not be staged: the staged ones are dropped (their
    // temporary files removed) and nothing is replaced.
    if let Some(e) = first_error {
        return Err(e);
    }
    // Keep each previous file under a second name (a hard link: no copy)
    // until every new one is in place, so a failed rename can be undone.
    let mut backups: Vec<(std::path::PathBuf, &std::path::PathBuf)> = Vec::new();
    let restore = |backups: &[(std::path::PathBuf, &std::path::PathBuf)]| {
        for (b, path) in backups {
            let _ = std::fs::rename(b, path);
        }
    };
    for (_, path) in &staged {
        if path.is_file() {
            let b = backup_name(path);
            let _ = std::fs::remove_file(&b);
            if let Err(e) = std::fs::hard_link(path, &b) {
                backups.iter().for_each(|(b, _)| {
                    let _ = std::fs::remove_file(b);
                });
                return Err(((*path).clone(), e));
            }
            backups.push((b, path));
        }
    }
    let mut done: Vec<&std::path::PathBuf> = Vec::new();
    for (tmp, path) in staged {
        if let Err(e) = tmp.persist(path) {
            // Put back what was replaced; remove what was new.
            for p in &done {
                if !backups.iter().any(|(_, q)| q == p) {
                    let _ = std::fs::remove_file(p);
                }
            }
            restore(&backups);
            return Err((path.clone(), e.error));
        }
        done.push(path);
    }
    for (b, _) in backups {
        let _ = std::fs::remove_file(b);
    }
    Ok(())
}

/// Whether `path` is a file holding exactly `bytes`.
fn unchanged(path: &Path, bytes: &[u8]) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64)
        && std::fs::read(path).is_ok_and(|old| old == bytes)
}

/// Where the previous version of `path` is kept while a set of outputs is
/// replaced (cleaned up like any temporary if the process dies).
fn backup_name(path: &Path) -> std::path::PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    path.with_file_name(format!("{TMP_PREFIX}{name}.previous{TMP_SUFFIX}"))
}

/// Prefix and suffix of quire's temporary files (cleaned up by [`OutputLock`]).
const TMP_PREFIX: &str = ".quire-";
const TMP_SUFFIX: &str = ".tmp";

fn stage(path: &Path, bytes: &[u8]) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .suffix(TMP_SUFFIX)
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    // Temporary files are created private (0600); outputs are for publishing.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0o644);
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    tmp.as_file().sync_all()?;
    Ok(tmp)
}

/// An exclusive hold on an output folder for one run: two quire processes
/// writing the same folder would lose each other's manifest entries. Taken
/// with an advisory lock on `.quire-lock` in the folder, released when dropped
/// (or when the process dies). Holding it, quire removes temporaries that an
/// interrupted run (e.g. `kill -9`) left behind.
pub struct OutputLock {
    _file: std::fs::File,
}

/// The lock file's name in an output folder.
pub const LOCK_NAME: &str = ".quire-lock";

/// Why an output folder could not be held: another quire holds it (`busy`),
/// or the folder or its lock file cannot be made or opened (`message` says
/// which path and why: permission denied, a read-only file system …).
#[derive(Debug)]
pub struct LockError {
    pub busy: bool,
    pub message: String,
}

impl OutputLock {
    pub fn acquire(out: &Path) -> Result<OutputLock, LockError> {
        let failed = |what: &str, p: &Path, e: std::io::Error| LockError {
            busy: false,
            message: format!(
                "cannot {what} `{}`: {}",
                p.display(),
                e.to_string().to_lowercase()
            ),
        };
        std::fs::create_dir_all(out).map_err(|e| failed("create", out, e))?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(out.join(LOCK_NAME))
            .map_err(|e| failed("write in", out, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(LockError {
                    busy: true,
                    message: format!("another quire is building into `{}`", out.display()),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(failed("lock", out, e)),
        }
        // No other quire writes here now: whatever temporaries exist are stale.
        for e in std::fs::read_dir(out).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with(TMP_PREFIX) && name.ends_with(TMP_SUFFIX) && e.path().is_file() {
                let _ = std::fs::remove_file(e.path());
            }
        }
        Ok(OutputLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_folder_is_refused_and_stale_temporaries_go() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".quire-abc.tmp"), b"half").unwrap();
        std::fs::write(dir.path().join("keep.pdf"), b"pdf").unwrap();
        let first = OutputLock::acquire(dir.path()).unwrap();
        assert!(!dir.path().join(".quire-abc.tmp").exists());
        assert!(dir.path().join("keep.pdf").exists());
        let second = OutputLock::acquire(dir.path()).err().unwrap();
        assert!(second.busy, "{second:?}");
        assert!(second.message.contains("another quire"), "{second:?}");
        drop(first);
        OutputLock::acquire(dir.path()).unwrap();
    }

    #[test]
    fn outputs_are_replaced_together_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.pdf"), dir.path().join("b.xlsx"));
        std::fs::write(&a, b"old a").unwrap();
        // b's destination is blocked by a folder: staging succeeds, but make
        // the failure happen while staging by pointing into a missing parent
        // that cannot be created (a file in the way).
        std::fs::write(dir.path().join("blocker"), b"file").unwrap();
        let c = dir.path().join("blocker/c.csv");
        let err = all(&[(a.clone(), b"new a".to_vec()), (c.clone(), b"c".to_vec())]).unwrap_err();
        assert_eq!(err.0, c);
        assert_eq!(std::fs::read(&a).unwrap(), b"old a");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        all(&[(a.clone(), b"new a".to_vec()), (b.clone(), b"b".to_vec())]).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"new a");
        assert_eq!(std::fs::read(&b).unwrap(), b"b");
    }

    #[cfg(unix)]
    #[test]
    fn a_file_already_holding_the_bytes_is_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.pdf"), dir.path().join("b.xlsx"));
        all(&[(a.clone(), b"a1".to_vec()), (b.clone(), b"b".to_vec())]).unwrap();
        // A hard link sees a rewrite (rename over `b`) as a different file.
        let link = dir.path().join("link");
        std::fs::hard_link(&b, &link).unwrap();
        all(&[(a.clone(), b"a2".to_vec()), (b.clone(), b"b".to_vec())]).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"a2");
        use std::os::unix::fs::MetadataExt;
        let ino = |p: &Path| std::fs::metadata(p).unwrap().ino();
        assert_eq!(ino(&b), ino(&link), "b.xlsx was rewritten");
        // Same length, other bytes: rewritten.
        all(&[(b.clone(), b"c".to_vec())]).unwrap();
        assert_eq!(std::fs::read(&b).unwrap(), b"c");
        assert_ne!(ino(&b), ino(&link));
    }
}
