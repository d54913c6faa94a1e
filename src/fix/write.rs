//! Writing a fixed file so that nothing is ever half-written or lost: a temporary file in the
//! same folder, fsynced, with the original's mode and owner, renamed over the target (through
//! symlinks: the link's target is replaced, the link stays). The write is refused when the
//! file changed on disk since it was read.

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// Why a file was not written. The file is left exactly as it was.
#[derive(Debug)]
pub enum WriteError {
    /// Its bytes on disk are no longer those that were linted.
    Changed(PathBuf),
    Io {
        path: PathBuf,
        error: io::Error,
    },
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Changed(p) => write!(
                f,
                "{} changed on disk while pgconf was working; nothing was written to it (run again)",
                p.display()
            ),
            WriteError::Io { path, error } => write!(
                f,
                "could not write {}: {}; the file is unchanged",
                path.display(),
                crate::model::fs::os_message(error)
            ),
        }
    }
}

impl std::error::Error for WriteError {}

/// Replaces the contents of `path` with `new`, provided it still holds `expected`.
pub fn write_atomic(path: &Path, expected: &[u8], new: &[u8]) -> Result<(), WriteError> {
    let io_err = |error: io::Error| WriteError::Io {
        path: path.to_path_buf(),
        error,
    };
    // Symlinks (Debian's layouts use them): edit the file the link points at.
    let target = std::fs::canonicalize(path).map_err(io_err)?;
    if std::fs::read(&target).map_err(io_err)? != expected {
        return Err(WriteError::Changed(path.to_path_buf()));
    }
    let meta = std::fs::metadata(&target).map_err(io_err)?;
    let dir = target.parent().unwrap_or_else(|| Path::new("/"));
    let tmp = write_temp(dir, new, &meta).map_err(io_err)?;
    failpoint("after-temp-write").map_err(io_err)?;
    // Checked again just before the rename, to narrow the window for a concurrent editor.
    if std::fs::read(&target).map_err(io_err)? != expected {
        return Err(WriteError::Changed(path.to_path_buf()));
    }
    failpoint("rename").map_err(io_err)?;
    tmp.persist(&target).map_err(|e| io_err(e.error))?;
    sync_dir(dir);
    Ok(())
}

/// Creates `path` (and its folder) with `bytes`, atomically, with the mode and owner of
/// `template` (the file that includes it), so the server can read it as it reads that one.
/// Refuses to replace a file that appeared meanwhile.
pub fn create_file(path: &Path, bytes: &[u8], template: &Path) -> Result<(), WriteError> {
    let io_err = |error: io::Error| WriteError::Io {
        path: path.to_path_buf(),
        error,
    };
    let dir = path.parent().unwrap_or_else(|| Path::new("/"));
    std::fs::create_dir_all(dir).map_err(io_err)?;
    let meta = std::fs::metadata(template).map_err(io_err)?;
    let tmp = write_temp(dir, bytes, &meta).map_err(io_err)?;
    failpoint("rename").map_err(io_err)?;
    tmp.persist_noclobber(path).map_err(|e| {
        if e.error.kind() == io::ErrorKind::AlreadyExists {
            WriteError::Changed(path.to_path_buf())
        } else {
            io_err(e.error)
        }
    })?;
    sync_dir(dir);
    Ok(())
}

/// A temporary file `.pgconf-*.tmp` in `dir` holding `bytes`, on disk (fsynced), with the mode
/// and owner of `like`: everything but the rename. On any error the temporary file is removed
/// (dropping a `NamedTempFile` deletes it), so a full disk or a read-only folder leaves nothing
/// behind.
fn write_temp(dir: &Path, bytes: &[u8], like: &std::fs::Metadata) -> io::Result<NamedTempFile> {
    failpoint("create")?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".pgconf-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    failpoint("write")?;
    tmp.write_all(bytes)?;
    failpoint("fsync")?;
    tmp.as_file().sync_all()?;
    std::fs::set_permissions(tmp.path(), like.permissions())?;
    keep_owner(tmp.path(), like)?;
    Ok(tmp)
}

/// Makes a rename durable by syncing its folder. Best effort: the rename has happened, and a
/// folder that cannot be opened or synced loses nothing that was not already at risk.
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(unix)]
fn keep_owner(tmp: &Path, original: &std::fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let now = std::fs::metadata(tmp)?;
    if now.uid() != original.uid() || now.gid() != original.gid() {
        std::os::unix::fs::chown(tmp, Some(original.uid()), Some(original.gid()))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn keep_owner(_: &Path, _: &std::fs::Metadata) -> io::Result<()> {
    Ok(())
}

/// Test hook, so tests can prove what a crash, a full disk or a read-only folder does to a
/// write without needing one. The steps of a write are `create` (the temporary file), `write`,
/// `fsync`, `after-temp-write` and `rename`. `PGCONF_FAILPOINT=<step>` kills the process
/// there, as a crash or `kill -9` would; `PGCONF_FAILPOINT=<step>:<ERRNO>` makes the step fail
/// with that operating-system error (`ENOSPC`, `EDQUOT`, `EFBIG`, `EIO`, `EROFS`, `EACCES`).
fn failpoint(step: &str) -> io::Result<()> {
    let Some(value) = std::env::var_os("PGCONF_FAILPOINT") else {
        return Ok(());
    };
    let value = value.to_string_lossy();
    if value == step {
        std::process::abort();
    }
    match value.split_once(':') {
        Some((at, name)) if at == step => match injected_error(name) {
            Some(errno) => Err(io::Error::from_raw_os_error(errno)),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

/// The errno a failpoint names.
#[cfg(unix)]
fn injected_error(name: &str) -> Option<i32> {
    Some(match name {
        "ENOSPC" => libc::ENOSPC,
        "EDQUOT" => libc::EDQUOT,
        "EFBIG" => libc::EFBIG,
        "EIO" => libc::EIO,
        "EROFS" => libc::EROFS,
        "EACCES" => libc::EACCES,
        _ => return None,
    })
}

#[cfg(not(unix))]
fn injected_error(_: &str) -> Option<i32> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_contents_and_keeps_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("postgresql.conf");
        std::fs::write(&path, b"a = 1\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        }
        write_atomic(&path, b"a = 1\n", b"a = 2\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"a = 2\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o640);
        }
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn refuses_when_the_file_changed_since_it_was_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pg_hba.conf");
        std::fs::write(&path, b"edited by someone else\n").unwrap();
        let err = write_atomic(&path, b"what we read\n", b"ours\n").unwrap_err();
        assert!(matches!(err, WriteError::Changed(_)));
        assert_eq!(std::fs::read(&path).unwrap(), b"edited by someone else\n");
    }

    #[cfg(unix)]
    #[test]
    fn edits_the_target_of_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.conf");
        let link = dir.path().join("postgresql.conf");
        std::fs::write(&real, b"x = 1\n").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, b"x = 1\n", b"x = 2\n").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&real).unwrap(), b"x = 2\n");
    }
}
