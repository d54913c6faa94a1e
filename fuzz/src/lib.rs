//! Shared checks of the fuzz targets. Each target turns the fuzzer's bytes into one or more
//! files and asserts the properties of issue 7: no panic, printing a parsed file gives its bytes
//! back exactly, and whatever the model reports points inside the files it read.

use std::path::Path;

use pgconf::model::fs::MemFs;
use pgconf::model::hba::AuthSources;
use pgconf::model::version::PgVersion;
use pgconf::source::SourceFile;
use pgconf::syntax::auth::{AuthFile, AuthLines, TokenizeRules};
use pgconf::syntax::conf::{ConfFile, LineItem};

/// Separates the files of one input (ASCII "record separator"): a byte real configs never hold,
/// so a single-file input is the whole input.
pub const FILE_SEPARATOR: u8 = 0x1e;

/// Splits `data` into at most `n` files at [`FILE_SEPARATOR`]; the last one keeps any further
/// separators.
pub fn split_files(data: &[u8], n: usize) -> Vec<&[u8]> {
    data.splitn(n, |&b| b == FILE_SEPARATOR).collect()
}

/// An in-memory tree with `files[i]` at `paths[i]`.
pub fn mem_fs(paths: &[&str], files: &[&[u8]]) -> MemFs {
    let mut fs = MemFs::new();
    for (path, bytes) in paths.iter().zip(files) {
        fs.insert(*path, bytes);
    }
    fs
}

/// The files of an auth input at `paths` (split at [`FILE_SEPARATOR`]), each first checked
/// by [`check_auth_bytes`].
pub fn auth_fs(data: &[u8], paths: &[&str]) -> MemFs {
    let files = split_files(data, paths.len());
    for f in &files {
        check_auth_bytes(f);
    }
    mem_fs(paths, &files)
}

/// The highest line number (see [`line_limit`]) of each file an auth load read, by file index.
pub fn auth_line_limits(sources: &AuthSources) -> Vec<usize> {
    sources
        .files
        .iter()
        .map(|f| line_limit(f.source.bytes()))
        .collect()
}

/// postgresql.conf: the lossless tree, its tiling and the accessors on every setting.
pub fn check_conf_bytes(bytes: &[u8]) {
    let source = SourceFile::new("/fuzz/postgresql.conf", bytes.to_vec());
    let tree = ConfFile::parse(&source);
    assert_eq!(tree.print(bytes), bytes, "conf round trip");
    assert_eq!(tree.lines.len(), source.line_count(), "one node per line");
    let mut at = 0u32;
    for line in &tree.lines {
        for (_, span) in line.pieces() {
            assert_eq!(span.start, at, "pieces tile the file");
            assert!(span.end > span.start, "no empty pieces");
            at = span.end;
        }
        if let LineItem::Invalid(inv) = &line.item {
            assert!(inv.error.at.end as usize <= bytes.len());
        }
    }
    assert_eq!(at as usize, bytes.len());
    for (line_no, setting) in tree.settings() {
        assert!(line_no >= 1 && line_no <= tree.lines.len());
        let _ = setting.name_bytes(bytes);
        let _ = setting.value_bytes(bytes);
    }
}

/// The physical layout of an auth file, and the logical lines of every version.
pub fn check_auth_bytes(bytes: &[u8]) {
    let file = AuthFile::parse(bytes);
    assert_eq!(file.print(bytes), bytes, "auth round trip");
    for version in PgVersion::ALL {
        let lines = AuthLines::build(&file, bytes, TokenizeRules::for_version(version));
        for (index, line) in lines.lines.iter().enumerate() {
            assert!(line.span.end as usize <= bytes.len());
            assert!(line.line_number as usize <= file.lines.len().max(1));
            for field in lines.fields_of(index) {
                for token in lines.tokens_of(&field) {
                    assert!(token.span.end as usize <= bytes.len());
                    let _ = lines.text(token, bytes);
                }
            }
        }
    }
}

/// A line number a view or message may name in a file of `bytes`: the server counts lines
/// from 1 and at most one past the last line ("near end of line" at end of file can name 0).
pub fn line_in_range(line: u32, bytes: &[u8]) -> bool {
    line as usize <= line_limit(bytes)
}

/// The highest line number [`line_in_range`] accepts; callers with many rows compute it once.
pub fn line_limit(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count() + 1
}

pub fn exists(fs: &MemFs, path: &str) -> bool {
    pgconf::model::fs::FileSystem::exists(fs, Path::new(path))
}

/// 0-based lines of `bytes` that the spans `[start, end)` cover; an insertion (an empty span)
/// counts for the line it lands in.
pub fn lines_touched(bytes: &[u8], spans: impl IntoIterator<Item = (usize, usize)>) -> Vec<bool> {
    let line_of = |offset: usize| {
        bytes[..offset.min(bytes.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
    };
    let mut touched = vec![false; line_limit(bytes) + 1];
    for (start, end) in spans {
        let last = if end > start { end - 1 } else { start };
        touched[line_of(start)..=line_of(last)].fill(true);
    }
    touched
}

/// Checks that the lines of `old` no edit touched survive in `new` byte for byte: each maximal
/// run of untouched lines appears in `new` whole, at a line start, and the runs keep their
/// order. (A line diff would do too, but it may pair repeated lines either way; this check
/// has no false alarms.) `Err` names the first run that is missing.
pub fn untouched_lines_kept(old: &[u8], new: &[u8], touched: &[bool]) -> Result<(), String> {
    let old_lines: Vec<&[u8]> = old.split_inclusive(|&b| b == b'\n').collect();
    let new_lines: Vec<&[u8]> = new.split_inclusive(|&b| b == b'\n').collect();
    let mut from = 0;
    let mut i = 0;
    while i < old_lines.len() {
        if touched.get(i).copied().unwrap_or(false) {
            i += 1;
            continue;
        }
        let run_end = (i..old_lines.len())
            .find(|&j| touched.get(j).copied().unwrap_or(false))
            .unwrap_or(old_lines.len());
        let run = &old_lines[i..run_end];
        let at = (from..=new_lines.len().saturating_sub(run.len()))
            .find(|&k| new_lines.get(k..k + run.len()) == Some(run))
            .ok_or_else(|| {
                format!(
                    "untouched lines {}..={} are not in the output as they were: {:?}",
                    i + 1,
                    run_end,
                    String::from_utf8_lossy(&run.concat())
                )
            })?;
        from = at + run.len();
        i = run_end;
    }
    Ok(())
}
