//! Family 5: bytes, encodings and line endings, for every file a server reads (postgresql.conf
//! and its includes, postgresql.auto.conf, pg_hba.conf and pg_ident.conf with theirs).

pub mod byte_order_mark;
pub mod invalid_utf8;
pub mod mixed_line_endings;
pub mod nul_byte;

use std::collections::HashSet;
use std::path::Path;

use crate::lint::server::Server;
use crate::source::{SourceFile, Span};
use crate::syntax::auth::AuthLine;
use crate::syntax::conf::ConfLine;

/// Which grammar reads a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Conf,
    Hba,
    Ident,
}

/// One file of the server, read once even when included twice.
pub struct ServerFile<'a> {
    pub source: &'a SourceFile,
    pub kind: FileKind,
    lines: Lines<'a>,
}

/// A file's lines, which know its comments. Kept rather than the comment spans themselves,
/// which only a finding asks about: collecting them for every file, for every style rule,
/// cost more than the rules' own work.
#[derive(Clone, Copy)]
enum Lines<'a> {
    Conf(&'a [ConfLine]),
    Auth(&'a [AuthLine]),
}

impl ServerFile<'_> {
    pub fn path(&self) -> &Path {
        self.source.path()
    }

    /// Whether `offset` lies in a comment (`#` to the end of the line, outside quotes).
    pub fn in_comment(&self, offset: u32) -> bool {
        let comment = match self.lines {
            Lines::Conf(lines) => comment_holding(lines, offset, |l| (l.span, l.comment())),
            Lines::Auth(lines) => comment_holding(lines, offset, |l| (l.span, l.comment())),
        };
        comment.is_some_and(|c| c.start <= offset && offset < c.end)
    }
}

/// The comment of the line that holds `offset`, given each line's span and comment. Lines and
/// their comments are in order and do not overlap, so only the first line that ends after
/// `offset` can hold it.
fn comment_holding<L>(
    lines: &[L],
    offset: u32,
    parts: impl Fn(&L) -> (Span, Option<Span>),
) -> Option<Span> {
    let end = |line: &L| {
        let (span, comment) = parts(line);
        comment.map_or(span.end, |c| c.end.max(span.end))
    };
    let line = lines.get(lines.partition_point(|l| end(l) <= offset))?;
    parts(line).1
}

/// Every file of the server, in reading order, each once.
pub fn server_files(server: &Server) -> Vec<ServerFile<'_>> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    if let Some(set) = &server.conf {
        for file in &set.files {
            if seen.insert(file.source.path()) {
                out.push(ServerFile {
                    source: &file.source,
                    kind: FileKind::Conf,
                    lines: Lines::Conf(&file.tree.lines),
                });
            }
        }
    }
    let auth = server
        .hba
        .iter()
        .flat_map(|h| h.sources.files.iter().map(|f| (f, FileKind::Hba)))
        .chain(
            server
                .ident
                .iter()
                .flat_map(|i| i.sources.files.iter().map(|f| (f, FileKind::Ident))),
        );
    for (file, kind) in auth {
        if seen.insert(file.source.path()) {
            out.push(ServerFile {
                source: &file.source,
                kind,
                lines: Lines::Auth(&file.lines.lines),
            });
        }
    }
    out
}

/// Whether the bytes look like UTF-16 (a UTF-16 byte order mark, or a NUL in every other
/// byte of the first line): such a file is one finding (PG5004), not one per byte.
pub fn looks_like_utf16(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return true;
    }
    let head = &bytes[..bytes.len().min(64)];
    head.len() >= 4 && {
        let even = head.iter().step_by(2).filter(|b| **b == 0).count();
        let odd = head.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
        let half = head.len() / 2;
        even * 4 >= half * 3 || odd * 4 >= half * 3
    }
}

/// Findings per file for a rule that reports each line: after this many, one note says how
/// many more lines there are.
pub const MAX_LINES_REPORTED: usize = 5;
