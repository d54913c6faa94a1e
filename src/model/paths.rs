//! Paths as the server builds them: `AbsoluteConfigLocation` and `canonicalize_path`
//! (src/port/path.c). The recursion check compares these strings, and the views print them,
//! so the version's own canonicalisation matters.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::model::version::PgVersion;

/// The bytes of an OS string (file names need not be UTF-8).
pub fn os_bytes(s: &OsStr) -> Cow<'_, [u8]> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Cow::Borrowed(s.as_bytes())
    }
    #[cfg(not(unix))]
    {
        Cow::Owned(s.to_string_lossy().into_owned().into_bytes())
    }
}

fn from_bytes(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(OsStr::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// `make_absolute_path`: relative paths are taken from the working directory, then
/// canonicalised.
pub fn absolute(path: &Path, version: PgVersion) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|cwd| cwd.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    canonicalize_path(&joined, version)
}

/// `AbsoluteConfigLocation`: an absolute target is used as written; a relative one is joined
/// to the including file's folder and canonicalised. The value is a C string, so it ends at
/// its first NUL.
pub fn resolve(dir: &Path, target: &[u8], version: PgVersion) -> PathBuf {
    let target = match memchr::memchr(0, target) {
        Some(nul) => &target[..nul],
        None => target,
    };
    if target.first() == Some(&b'/') {
        return from_bytes(target);
    }
    let mut joined = os_bytes(dir.as_os_str()).into_owned();
    if !joined.ends_with(b"/") {
        joined.push(b'/');
    }
    joined.extend_from_slice(target);
    canonicalize_path(&from_bytes(&joined), version)
}

/// `canonicalize_path`. Both forms collapse repeated slashes and drop a trailing one.
/// 15 and later resolve `.` and `..` everywhere; 12–14 resolve them only at the end of the
/// path, so `a/b/../../top.conf` stays as written there.
pub fn canonicalize_path(path: &Path, version: PgVersion) -> PathBuf {
    from_bytes(&canonicalize_path_bytes(
        &os_bytes(path.as_os_str()),
        version,
    ))
}

/// [`canonicalize_path`] on a byte string (a parameter value).
pub fn canonicalize_path_bytes(bytes: &[u8], version: PgVersion) -> Vec<u8> {
    let absolute = bytes.first() == Some(&b'/');
    let parts: Vec<&[u8]> = bytes
        .split(|&b| b == b'/')
        .filter(|p| !p.is_empty())
        .collect();
    let parts = if version.at_least(15) {
        resolve_dots_everywhere(&parts, absolute)
    } else {
        resolve_trailing_dots(&parts, absolute)
    };
    let mut out = Vec::with_capacity(bytes.len());
    if absolute {
        out.push(b'/');
    }
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        out.extend_from_slice(part);
    }
    // `foo/..` becomes `.`; an empty value stays empty.
    if out.is_empty() && !bytes.is_empty() {
        out.push(b'.');
    }
    out
}

/// `make_absolute_path` as a server started from `/` does it (a service manager's working
/// directory): what `postgres -C` prints for `data_directory`, `hba_file`, `ident_file` and
/// `config_file`.
pub fn make_absolute_from_root(value: &[u8], version: PgVersion) -> Vec<u8> {
    let mut joined = Vec::with_capacity(value.len() + 2);
    if value.first() != Some(&b'/') {
        joined.extend_from_slice(b"//");
    }
    joined.extend_from_slice(value);
    canonicalize_path_bytes(&joined, version)
}

fn resolve_dots_everywhere<'a>(parts: &[&'a [u8]], absolute: bool) -> Vec<&'a [u8]> {
    let mut out: Vec<&[u8]> = Vec::with_capacity(parts.len());
    for &part in parts {
        match part {
            b"." => {}
            b".." => match out.last() {
                Some(&last) if last != b".." => {
                    out.pop();
                }
                // `/..` is `/`; a relative path keeps its leading `..`.
                _ if absolute => {}
                _ => out.push(part),
            },
            _ => out.push(part),
        }
    }
    out
}

fn resolve_trailing_dots<'a>(parts: &[&'a [u8]], absolute: bool) -> Vec<&'a [u8]> {
    let mut out = parts.to_vec();
    let mut pending = 0usize;
    while let Some(&last) = out.last() {
        match last {
            b"." => {
                out.pop();
            }
            b".." => {
                out.pop();
                pending += 1;
            }
            _ if pending > 0 => {
                out.pop();
                pending -= 1;
            }
            _ => break,
        }
    }
    if !absolute {
        out.extend(std::iter::repeat_n(&b".."[..], pending));
    }
    out
}

/// `path` relative to `base` when it lies below it, else the whole path.
pub fn display_relative(path: &Path, base: &Path) -> String {
    match path.strip_prefix(base) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_string_lossy().into_owned(),
        _ => path.to_string_lossy().into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(p: &str, v: u8) -> String {
        canonicalize_path(Path::new(p), PgVersion::new(v).unwrap())
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn fifteen_resolves_dots_everywhere() {
        assert_eq!(canon("/s/a/b/../../top.conf", 15), "/s/top.conf");
        assert_eq!(canon("/s/./x//y/", 16), "/s/x/y");
        assert_eq!(canon("/../x", 18), "/x");
        assert_eq!(canon("a/..", 18), ".");
        assert_eq!(
            canonicalize_path_bytes(b"", PgVersion::new(16).unwrap()),
            b""
        );
    }

    #[test]
    fn before_fifteen_only_trailing_dots_resolve() {
        assert_eq!(canon("/s/a/b/../../top.conf", 14), "/s/a/b/../../top.conf");
        assert_eq!(canon("/s/a/b/..", 12), "/s/a");
        assert_eq!(canon("/s/a/.", 13), "/s/a");
        assert_eq!(canon("/s//a/", 12), "/s/a");
    }

    #[test]
    fn absolute_targets_are_used_as_written() {
        let v = PgVersion::new(16).unwrap();
        assert_eq!(
            resolve(Path::new("/etc/pg"), b"/x/../y.conf", v),
            PathBuf::from("/x/../y.conf")
        );
        assert_eq!(
            resolve(Path::new("/etc/pg"), b"conf.d/../a.conf", v),
            PathBuf::from("/etc/pg/a.conf")
        );
    }

    #[test]
    fn absolute_paths_are_made_from_the_root_as_the_server_prints_them() {
        let abs = |p: &str, v: u8| {
            String::from_utf8(make_absolute_from_root(
                p.as_bytes(),
                PgVersion::new(v).unwrap(),
            ))
            .unwrap()
        };
        // As postgres -C prints hba_file and data_directory (oracle, 12 and 16).
        assert_eq!(abs("./pg_hba.conf", 12), "/./pg_hba.conf");
        assert_eq!(abs("./pg_hba.conf", 16), "/pg_hba.conf");
        assert_eq!(abs("conf/pg_hba.conf", 13), "/conf/pg_hba.conf");
        assert_eq!(abs("a/../b/", 12), "/a/../b");
        assert_eq!(abs("a/../b/", 16), "/b");
    }

    #[test]
    fn display_is_relative_below_the_main_folder() {
        assert_eq!(
            display_relative(Path::new("/d/conf.d/a.conf"), Path::new("/d")),
            "conf.d/a.conf"
        );
        assert_eq!(
            display_relative(Path::new("/e/x.conf"), Path::new("/d")),
            "/e/x.conf"
        );
    }
}
