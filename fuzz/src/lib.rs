//! Shared checks of the fuzz targets. Each target turns the fuzzer's bytes into one or more
//! files and asserts the properties of issue 7: no panic, printing a parsed file gives its bytes
//! back exactly, and whatever the model reports points inside the files it read.

use std::path::Path;

use pgconf::model::fs::MemFs;
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
        for line in &lines.lines {
            assert!(line.span.end as usize <= bytes.len());
            assert!(line.line_number as usize <= file.lines.len().max(1));
            for field in lines.fields_of(line) {
                for token in lines.tokens_of(field) {
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
