//! Source files: one copy of a file's bytes (owned, or the page cache's, mapped), byte spans
//! into it, and the line index that turns a byte offset into a line and column when (and only
//! when) something is shown to a person.

mod bytes;
mod span;
pub mod text;

pub use bytes::FileBytes;
pub use span::Span;

use std::path::{Path, PathBuf};

/// A configuration file as read from disk: its path and its exact bytes.
///
/// Syntax trees hold [`Span`]s into `bytes`; nothing else keeps a copy of the text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    path: PathBuf,
    bytes: FileBytes,
    /// Byte offset of the start of every physical line (split on LF only, as PostgreSQL does).
    line_starts: Vec<u32>,
}

impl SourceFile {
    /// Wraps `bytes` read from `path`. Files larger than `u32::MAX` bytes are refused by the
    /// loader before they get here (see [`crate::model::fs`]).
    pub fn new(path: impl Into<PathBuf>, bytes: impl Into<FileBytes>) -> Self {
        let bytes = bytes.into();
        let line_starts = line_starts(&bytes);
        Self::with_line_starts(path, bytes, line_starts)
    }

    /// [`SourceFile::new`] with the line index already made (what [`line_starts`] gives for
    /// `bytes`): the auth file reader finds each line's end as it reads the line's tokens.
    pub fn with_line_starts(
        path: impl Into<PathBuf>,
        bytes: impl Into<FileBytes>,
        line_starts: Vec<u32>,
    ) -> Self {
        let bytes = bytes.into();
        assert!(
            u32::try_from(bytes.len()).is_ok(),
            "source files are limited to 4 GiB"
        );
        debug_assert_eq!(line_starts, self::line_starts(&bytes));
        Self {
            path: path.into(),
            bytes,
            line_starts,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn len(&self) -> u32 {
        self.bytes.len() as u32
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The bytes a span covers.
    pub fn slice(&self, span: Span) -> &[u8] {
        &self.bytes[span.start as usize..span.end as usize]
    }

    /// Number of physical lines; a file that ends in LF has no extra empty last line.
    pub fn line_count(&self) -> usize {
        match self.line_starts.last() {
            Some(&last) if last as usize == self.bytes.len() && last != 0 => {
                self.line_starts.len() - 1
            }
            _ if self.bytes.is_empty() => 0,
            _ => self.line_starts.len(),
        }
    }

    /// 1-based line number of the line that holds `offset`.
    pub fn line_of(&self, offset: u32) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    /// The byte offset where each physical line starts; the first is 0, and a file that ends
    /// in LF has one more, equal to its length (see [`SourceFile::line_count`]).
    pub fn line_starts(&self) -> &[u32] {
        &self.line_starts
    }

    /// Byte offset where 1-based `line` starts.
    pub fn line_start(&self, line: usize) -> u32 {
        self.line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.len())
    }

    /// 1-based line and 1-based column (in characters of the lossy UTF-8 display text).
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let line = self.line_of(offset);
        let start = self.line_start(line) as usize;
        let end = (offset as usize).min(self.bytes.len());
        (line, lossy_char_count(&self.bytes[start..end]) + 1)
    }

    /// [`SourceFile::line_col`] of `start` and of `end` (`start <= end`). Renderers ask for
    /// both ends of every finding, and most spans end on the line they start on: the end is
    /// then counted on from the start instead of searching the line index again.
    pub fn line_cols(&self, start: u32, end: u32) -> ((usize, usize), (usize, usize)) {
        let (line, column) = self.line_col(start);
        let next_line = self.line_starts.get(line).map_or(u32::MAX, |&s| s);
        // A span that ends before the next line starts ends on this one.
        if start <= end && end < next_line {
            let from = (start as usize).min(self.bytes.len());
            let to = (end as usize).min(self.bytes.len());
            let bytes = &self.bytes[from..to];
            // An ASCII byte never continues a UTF-8 sequence, valid or not, so ASCII after
            // the start adds one character per byte to the lossy text of the line so far.
            if bytes.is_ascii() {
                return ((line, column), (line, column + bytes.len()));
            }
        }
        ((line, column), self.line_col(end))
    }
}

/// The number of characters of `String::from_utf8_lossy(bytes)`, without making it: the
/// valid characters, and one U+FFFD for each invalid sequence (which is what
/// `from_utf8_lossy` puts for each invalid chunk). Configuration text is nearly always
/// ASCII, where it is the length.
fn lossy_char_count(bytes: &[u8]) -> usize {
    if bytes.is_ascii() {
        return bytes.len();
    }
    bytes
        .utf8_chunks()
        .map(|chunk| chunk.valid().chars().count() + usize::from(!chunk.invalid().is_empty()))
        .sum()
}

/// The start of every line: 0 and the offset after each LF. Counted first so the index is
/// allocated once, at its exact size.
pub(crate) fn line_starts(bytes: &[u8]) -> Vec<u32> {
    let mut starts = Vec::with_capacity(memchr::memchr_iter(b'\n', bytes).count() + 1);
    starts.push(0);
    starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| (i + 1) as u32));
    starts
}

#[cfg(test)]
mod tests;
