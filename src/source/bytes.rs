//! A file's bytes as read: owned, or mapped from the page cache for a big file that nobody can
//! change while it is mapped.
//!
//! Reading a file copies it from the page cache into a buffer whose pages the kernel must
//! zero first; for the 1.6 MB pg_hba.conf of the benchmarks the two were ~0.45 ms of a 5 ms
//! lint (see bench/PROFILE.md, twenty-second pass). A mapping shares the page cache's pages
//! instead. Its danger is a file changed while it is mapped: a truncation makes a later read
//! of the lost pages kill the process (`SIGBUS`), and a write changes bytes that a parser has
//! already checked. So a file is mapped only under a read lease (`F_SETLEASE`, Linux): while
//! it is held the kernel makes a process that opens the file for writing, or truncates it,
//! wait until the lease is given up, which here is when the bytes are dropped. A file whose
//! lease cannot be had (another user's file, a file open for writing, a file system without
//! leases) is read as before.

use std::fmt;
use std::fs::File;
use std::ops::Deref;

/// The contents of a file.
pub struct FileBytes(Repr);

enum Repr {
    Owned(Vec<u8>),
    #[cfg(target_os = "linux")]
    Mapped(mapped::Mapping),
}

impl FileBytes {
    /// Files at least this big are mapped when they can be. Below it a read costs little more
    /// than the calls a mapping takes (map, lease, unmap), and real configuration files are
    /// far smaller: the files this size are generated ones, linted by the thousand lines.
    pub const MAP_FROM: u64 = 1 << 20;

    /// The `len` bytes of `file`, an open regular file: mapped when `len` is at least
    /// [`FileBytes::MAP_FROM`] and the lease is granted; otherwise `file` comes back, for the
    /// caller to read.
    pub fn map(file: File, len: u64) -> Result<FileBytes, File> {
        #[cfg(target_os = "linux")]
        if len >= Self::MAP_FROM
            && let Ok(len) = usize::try_from(len)
        {
            return mapped::Mapping::new(file, len).map(|m| FileBytes(Repr::Mapped(m)));
        }
        let _ = len;
        Err(file)
    }

    /// Whether the bytes are the page cache's, mapped (for tests and benchmarks).
    pub fn is_mapped(&self) -> bool {
        match self.0 {
            Repr::Owned(_) => false,
            #[cfg(target_os = "linux")]
            Repr::Mapped(_) => true,
        }
    }

    /// The bytes as an owned vector (a copy when they are mapped).
    pub fn into_vec(self) -> Vec<u8> {
        match self.0 {
            Repr::Owned(bytes) => bytes,
            #[cfg(target_os = "linux")]
            Repr::Mapped(m) => m.bytes().to_vec(),
        }
    }
}

impl Deref for FileBytes {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        match &self.0 {
            Repr::Owned(bytes) => bytes,
            #[cfg(target_os = "linux")]
            Repr::Mapped(m) => m.bytes(),
        }
    }
}

impl AsRef<[u8]> for FileBytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl From<Vec<u8>> for FileBytes {
    fn from(bytes: Vec<u8>) -> Self {
        FileBytes(Repr::Owned(bytes))
    }
}

impl Default for FileBytes {
    fn default() -> Self {
        Vec::new().into()
    }
}

/// A copy is owned: the lease stays with the original.
impl Clone for FileBytes {
    fn clone(&self) -> Self {
        self.to_vec().into()
    }
}

impl fmt::Debug for FileBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl PartialEq for FileBytes {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for FileBytes {}

// The crate's other `unsafe` (with `alloc`): mmap, munmap and fcntl have no safe wrapper in
// the standard library.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
mod mapped {
    use std::fs::File;
    use std::os::fd::AsRawFd;
    use std::ptr::NonNull;
    use std::sync::Once;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Each mapping keeps its file open (the lease is the open file's), so their number is
    /// bounded well below the usual limit of 1,024 open files; the files past it are read.
    const MOST_AT_ONCE: usize = 64;
    static HELD: AtomicUsize = AtomicUsize::new(0);

    /// A read-only private mapping of a whole file, and the file itself, open with a read
    /// lease on it, which keeps writers out until both are dropped.
    pub(super) struct Mapping {
        ptr: NonNull<u8>,
        len: usize,
        /// Closing it gives the lease up, so it is dropped after the mapping is unmapped.
        _file: File,
    }

    // SAFETY: the mapping is read-only, and nobody may write the file while the lease is
    // held, so the bytes do not change while a `Mapping` can be reached from any thread.
    unsafe impl Send for Mapping {}
    unsafe impl Sync for Mapping {}

    impl Mapping {
        /// Maps the `len` bytes (`len > 0`) of `file`, open read-only; gives `file` back when
        /// the lease or the mapping is refused, or when the file's length is no longer `len`.
        pub(super) fn new(file: File, len: usize) -> Result<Mapping, File> {
            if HELD.fetch_add(1, Ordering::Relaxed) >= MOST_AT_ONCE {
                HELD.fetch_sub(1, Ordering::Relaxed);
                return Err(file);
            }
            Self::lease_and_map(file, len).inspect_err(|_| {
                HELD.fetch_sub(1, Ordering::Relaxed);
            })
        }

        fn lease_and_map(file: File, len: usize) -> Result<Mapping, File> {
            ignore_lease_breaks();
            let fd = file.as_raw_fd();
            // SAFETY: fcntl on an open descriptor; no memory is passed.
            if unsafe { libc::fcntl(fd, libc::F_SETLEASE, libc::F_RDLCK) } != 0 {
                return Err(file);
            }
            // The file may have changed between the caller's `fstat` and the lease; from here
            // on it cannot.
            if file.metadata().map(|m| m.len()).ok() != Some(len as u64) {
                return Err(release(file));
            }
            // SAFETY: a new mapping chosen by the kernel; `len > 0` and the descriptor is open
            // for reading. Not MAP_POPULATE: it maps the pages one at a time
            // (`__get_user_pages`, 0.17 ms for 1.6 MB), where a fault maps the 16 around it
            // at once.
            let ptr = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE,
                    fd,
                    0,
                )
            };
            match NonNull::new(ptr.cast::<u8>()) {
                Some(ptr) if ptr.as_ptr() != libc::MAP_FAILED.cast() => Ok(Mapping {
                    ptr,
                    len,
                    _file: file,
                }),
                _ => Err(release(file)),
            }
        }

        #[inline]
        pub(super) fn bytes(&self) -> &[u8] {
            // SAFETY: `ptr` maps `len` readable bytes until `self` is dropped, and the lease
            // keeps the file (and so the mapped pages) from changing or shrinking meanwhile.
            unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
        }
    }

    impl Drop for Mapping {
        fn drop(&mut self) {
            // SAFETY: the mapping made in `new`, unmapped once; no reference to its bytes
            // outlives `self`.
            unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
            HELD.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Gives the lease up early, so a file read instead does not keep writers waiting.
    fn release(file: File) -> File {
        // SAFETY: fcntl on an open descriptor; no memory is passed.
        unsafe { libc::fcntl(file.as_raw_fd(), libc::F_SETLEASE, libc::F_UNLCK) };
        file
    }

    /// The kernel tells a lease holder that a writer waits with `SIGIO`, whose default action
    /// ends the process. The writer waits anyway (for at most `/proc/sys/fs/lease-break-time`
    /// seconds, 45 by default) until the bytes are dropped, which is all the notice needed:
    /// the signal is ignored, unless something set a handler for it.
    fn ignore_lease_breaks() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            // SAFETY: sigaction with valid pointers: the current action is read, then set to
            // SIG_IGN only if it is the default.
            unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(libc::SIGIO, std::ptr::null(), &mut old) == 0
                    && old.sa_sigaction == libc::SIG_DFL
                {
                    let mut ignore: libc::sigaction = std::mem::zeroed();
                    ignore.sa_sigaction = libc::SIG_IGN;
                    libc::sigaction(libc::SIGIO, &ignore, std::ptr::null_mut());
                }
            }
        });
    }
}
