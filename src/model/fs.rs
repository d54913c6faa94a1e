//! All file-system access of the model goes through [`FileSystem`], so include resolution and
//! hba `@file` expansion are pure functions that tests run over an in-memory tree ([`MemFs`]).

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::source::FileBytes;

/// Files larger than this are refused with an error rather than read: a config file of more
/// than 1 GiB is a mistake (or `/dev/zero`), and the bound keeps memory linear and finite.
pub const MAX_FILE_SIZE: u64 = 1 << 30;

/// How far one load may expand includes. Every file read once is input, and costs what
/// its size costs. But the server reads a file again each time it is included, so includes
/// that fan out (ten lines that include a file that includes back, ten levels deep) ask for
/// 10^10 reads, and the server itself never finishes. Reading a file again is therefore
/// charged (its bytes plus 64 per line), and a load whose repeats add up to more than
/// [`ExpansionBudget::MAX_REPEAT_COST`] stops with a diagnostic of pgconf's own.
///
/// Legitimate repeats stay far below it: an `@admins` file of one 100-byte line named on
/// each of 70 000 pg_hba.conf lines costs about 11 MiB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpansionBudget {
    repeat_cost: u64,
}

impl ExpansionBudget {
    /// What a load may spend on reading files again.
    pub const MAX_REPEAT_COST: u64 = 16 << 20;

    pub fn new() -> Self {
        Self::default()
    }

    /// Accounts for one more reading of a file of `len` bytes and `lines` lines; a first
    /// reading is free. `Err` with the reason once the budget is spent (and on every later
    /// call).
    pub fn charge(&mut self, again: bool, len: u64, lines: u64) -> Result<(), String> {
        if again {
            self.repeat_cost = self
                .repeat_cost
                .saturating_add(len.saturating_add(64 * (lines + 1)));
        }
        if self.exhausted() {
            Err(format!(
                "pgconf stopped expanding includes: files read again and again add up to more \
                 than {} MiB (includes that fan out; a server would not finish)",
                Self::MAX_REPEAT_COST >> 20
            ))
        } else {
            Ok(())
        }
    }

    /// Whether the budget is spent.
    pub fn exhausted(&self) -> bool {
        self.repeat_cost > Self::MAX_REPEAT_COST
    }
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    pub name: OsString,
    /// Whether the entry is a directory, following symlinks (PostgreSQL uses `stat`).
    pub is_dir: bool,
}

/// The three questions the model asks of a file system.
pub trait FileSystem: Sync {
    /// The whole contents of a regular file. Directories, FIFOs and devices are refused with
    /// an error of kind [`io::ErrorKind::InvalidInput`] instead of being opened, so that a
    /// FIFO cannot block and `/dev/zero` cannot exhaust memory.
    fn read(&self, path: &Path) -> io::Result<FileBytes>;
    /// The entries of a directory, in no particular order.
    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>>;
    /// Whether `path` names a directory (following symlinks).
    fn is_dir(&self, path: &Path) -> bool;
    /// Whether anything exists at `path` (following symlinks).
    fn exists(&self, path: &Path) -> bool;
    /// Every regular file below `root`, sorted, not following symlinked folders, entering
    /// only the folders whose name `enter` accepts.
    fn files_below(&self, root: &Path, enter: &dyn Fn(&OsStr) -> bool) -> Vec<PathBuf>;
    /// The size of the file at `path`, if it can be read: an estimate of the work ahead,
    /// which file systems that do not read from disk answer by reading.
    fn len(&self, path: &Path) -> Option<u64> {
        self.read(path).ok().map(|bytes| bytes.len() as u64)
    }
}

/// The real file system.
#[derive(Debug, Default, Clone, Copy)]
pub struct RealFs;

impl FileSystem for RealFs {
    fn read(&self, path: &Path) -> io::Result<FileBytes> {
        read_path(path, false)
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(path)? {
            let entry = entry?;
            let is_dir = std::fs::metadata(entry.path())
                .map(|m| m.is_dir())
                .unwrap_or(false);
            out.push(DirEntry {
                name: entry.file_name(),
                is_dir,
            });
        }
        Ok(out)
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn len(&self, path: &Path) -> Option<u64> {
        std::fs::metadata(path).ok().map(|m| m.len())
    }

    fn files_below(&self, root: &Path, enter: &dyn Fn(&OsStr) -> bool) -> Vec<PathBuf> {
        walkdir::WalkDir::new(root)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_type().is_dir() || enter(e.file_name()))
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(walkdir::DirEntry::into_path)
            .collect()
    }
}

/// [`RealFs`] for a command that drops what it read when it ends (`lint`, `fix`, `show`): a
/// big file is mapped under a read lease rather than copied ([`FileBytes::map`]). The lease
/// makes a writer wait until the bytes are dropped, so `watch`, which holds what it read
/// while it waits for the next change, reads with [`RealFs`].
#[derive(Debug, Default, Clone, Copy)]
pub struct LeasingFs;

impl FileSystem for LeasingFs {
    fn read(&self, path: &Path) -> io::Result<FileBytes> {
        read_path(path, true)
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        RealFs.read_dir(path)
    }

    fn is_dir(&self, path: &Path) -> bool {
        RealFs.is_dir(path)
    }

    fn exists(&self, path: &Path) -> bool {
        RealFs.exists(path)
    }

    fn len(&self, path: &Path) -> Option<u64> {
        RealFs.len(path)
    }

    fn files_below(&self, root: &Path, enter: &dyn Fn(&OsStr) -> bool) -> Vec<PathBuf> {
        RealFs.files_below(root, enter)
    }
}

/// The length of a file that [`FileSystem::read`] may read; the error it reports otherwise.
fn regular_file_len(meta: &std::fs::Metadata) -> io::Result<u64> {
    if meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a directory",
        ));
    }
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    if meta.len() > MAX_FILE_SIZE {
        return Err(too_large());
    }
    Ok(meta.len())
}

fn too_large() -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!("file is larger than {} MiB", MAX_FILE_SIZE >> 20),
    )
}

/// [`read_regular_file`] of what is not plainly something else: what `stat` says is not a
/// regular file is refused without being opened, since opening some devices has effects of
/// its own (a tape rewinds).
fn read_path(path: &Path, lease: bool) -> io::Result<FileBytes> {
    regular_file_len(&std::fs::metadata(path)?)?;
    read_regular_file(path, lease)
}

/// Reads `path` if what it opens is a regular file of at most [`MAX_FILE_SIZE`]; maps it
/// instead when `lease` and [`FileBytes::map`] can. The check is made on the open handle
/// (`fstat`), not on the path, so a FIFO or device swapped in after an earlier `stat` is
/// refused too; and the open does not block, so such a FIFO cannot hang it.
fn read_regular_file(path: &Path, lease: bool) -> io::Result<FileBytes> {
    let file = open_nonblocking(path)?;
    let len = regular_file_len(&file.metadata()?)?;
    let file = if lease {
        match FileBytes::map(file, len) {
            Ok(mapped) => return Ok(mapped),
            Err(file) => file,
        }
    } else {
        file
    };
    let mut bytes = Vec::with_capacity(len as usize);
    // `take` bounds the read even if the file grows while we read it.
    file.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(too_large());
    }
    Ok(bytes.into())
}

/// Opens `path` for reading without waiting: a FIFO opens at once (with no writer) instead of
/// blocking until one comes, and a terminal does not become the controlling one. For a regular
/// file `O_NONBLOCK` changes nothing.
#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// An in-memory file tree for tests: absolute paths to contents; directories are implied by
/// the files below them.
#[derive(Debug, Default, Clone)]
pub struct MemFs {
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl MemFs {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file.
    pub fn with(mut self, path: impl Into<PathBuf>, contents: impl AsRef<[u8]>) -> Self {
        self.insert(path, contents);
        self
    }

    pub fn insert(&mut self, path: impl Into<PathBuf>, contents: impl AsRef<[u8]>) {
        self.files.insert(path.into(), contents.as_ref().to_vec());
    }
}

impl FileSystem for MemFs {
    fn read(&self, path: &Path) -> io::Result<FileBytes> {
        if let Some(bytes) = self.files.get(path) {
            return Ok(bytes.clone().into());
        }
        if self.is_dir(path) {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory",
            ));
        }
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            "No such file or directory",
        ))
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        if !self.is_dir(path) {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "No such file or directory",
            ));
        }
        let mut out: Vec<DirEntry> = Vec::new();
        for file in self.files.keys() {
            if let Ok(rest) = file.strip_prefix(path) {
                let mut parts = rest.components();
                if let Some(first) = parts.next() {
                    let name = first.as_os_str().to_os_string();
                    let is_dir = parts.next().is_some();
                    if !out.iter().any(|e| e.name == name) {
                        out.push(DirEntry { name, is_dir });
                    }
                }
            }
        }
        Ok(out)
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.files.keys().any(|f| f != path && f.starts_with(path))
    }

    fn exists(&self, path: &Path) -> bool {
        self.files.contains_key(path) || self.is_dir(path)
    }

    fn files_below(&self, root: &Path, enter: &dyn Fn(&OsStr) -> bool) -> Vec<PathBuf> {
        self.files
            .keys()
            .filter(|f| {
                f.strip_prefix(root).is_ok_and(|rest| {
                    let dirs: Vec<_> = rest.components().collect();
                    dirs[..dirs.len().saturating_sub(1)]
                        .iter()
                        .all(|c| enter(c.as_os_str()))
                })
            })
            .cloned()
            .collect()
    }
}

/// The operating system's message for an I/O error, without the " (os error N)" suffix, as
/// PostgreSQL's `%m` prints it: "No such file or directory", "Permission denied".
pub fn os_message(err: &io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memfs_lists_files_and_implied_dirs() {
        let fs = MemFs::new()
            .with("/etc/pg/postgresql.conf", "a = 1")
            .with("/etc/pg/conf.d/x.conf", "b = 2");
        let mut names: Vec<_> = fs
            .read_dir(Path::new("/etc/pg"))
            .unwrap()
            .into_iter()
            .map(|e| (e.name.into_string().unwrap(), e.is_dir))
            .collect();
        names.sort();
        assert_eq!(
            names,
            vec![("conf.d".into(), true), ("postgresql.conf".into(), false)]
        );
        assert!(fs.is_dir(Path::new("/etc/pg/conf.d")));
        assert_eq!(
            fs.read(Path::new("/nope")).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }

    #[test]
    fn os_message_drops_the_errno_suffix() {
        let err = std::fs::read("/definitely/not/here").unwrap_err();
        assert_eq!(os_message(&err), "No such file or directory");
    }

    /// The race: a FIFO where a file was when it was `stat`ed. Opening it must neither block
    /// nor read it. (Run on a thread so a regression fails the test instead of hanging it.)
    #[cfg(unix)]
    #[test]
    fn a_fifo_behind_the_stat_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("swapped.conf");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo {}", fifo.display());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || tx.send(read_regular_file(&fifo, true)));
        let result = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("opening a FIFO blocked");
        let err = result.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(err.to_string(), "not a regular file");
    }

    /// A file of `len` bytes, none of them alike in a row of 251, in a new folder.
    fn big_file(len: usize) -> (tempfile::TempDir, PathBuf, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pg_hba.conf");
        let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        (dir, path, bytes)
    }

    /// Opening for writing without waiting: `WouldBlock` while a lease is held.
    #[cfg(unix)]
    fn open_to_write(path: &Path) -> io::Result<std::fs::File> {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
    }

    /// Leases are granted to the file's owner (who made it here) on local file systems,
    /// unless the administrator turned them off.
    #[cfg(target_os = "linux")]
    #[allow(clippy::print_stderr)] // a test says why it proves nothing here
    fn leases_enabled() -> bool {
        let enabled =
            std::fs::read_to_string("/proc/sys/fs/leases-enable").is_ok_and(|s| s.trim() != "0");
        if !enabled {
            eprintln!("skipped: file leases are disabled (/proc/sys/fs/leases-enable)");
        }
        enabled
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_big_file_is_mapped_and_writers_wait_until_it_is_dropped() {
        if !leases_enabled() {
            return;
        }
        let (_dir, path, bytes) = big_file(FileBytes::MAP_FROM as usize + 4099);
        let read = LeasingFs.read(&path).unwrap();
        assert!(read.is_mapped());
        assert_eq!(*read, *bytes);
        let err = open_to_write(&path).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        drop(read);
        assert!(open_to_write(&path).is_ok());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_big_file_open_for_writing_is_read_not_mapped() {
        if !leases_enabled() {
            return;
        }
        let (_dir, path, bytes) = big_file(FileBytes::MAP_FROM as usize);
        let writer = open_to_write(&path).unwrap();
        let read = LeasingFs.read(&path).unwrap();
        assert!(!read.is_mapped());
        assert_eq!(*read, *bytes);
        drop(writer);
        assert!(LeasingFs.read(&path).unwrap().is_mapped());
    }

    #[test]
    fn small_files_and_real_fs_read() {
        let (_dir, path, bytes) = big_file(FileBytes::MAP_FROM as usize - 1);
        let read = LeasingFs.read(&path).unwrap();
        assert!(!read.is_mapped());
        assert_eq!(*read, *bytes);
        let (_dir, path, bytes) = big_file(FileBytes::MAP_FROM as usize);
        let read = RealFs.read(&path).unwrap();
        assert!(!read.is_mapped());
        assert_eq!(*read, *bytes);
    }

    #[test]
    fn real_fs_refuses_directories() {
        let err = RealFs.read(Path::new("/")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::IsADirectory);
    }
}
