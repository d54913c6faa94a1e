//! Lossless syntax of `pg_hba.conf` and `pg_ident.conf` (PostgreSQL's `hba.c`).
//!
//! Two layers:
//! * [`AuthFile`]: the physical layout, the same in every version. Each physical line is one
//!   content leaf plus one line-ending leaf (`\n`, `\r\n` or nothing on a last line without a
//!   newline), so [`AuthFile::print`] gives the input back byte for byte: BOM, NUL, lone CR and
//!   bytes that are not UTF-8 included.
//! * [`AuthLines`]: the logical records a server of one major version builds from those bytes
//!   (`tokenize_auth_file` 14+ / `tokenize_file` 12–13 in hba.c): backslash continuation
//!   (14+), the 12–13 line-length limit, the 12–15 token-length limit, and the tokens of
//!   `next_token`, each with its span in the file. `@file` expansion and `include` directives
//!   need the file system and live in `crate::model::hba`.

use crate::model::version::PgVersion;
use memchr::memchr;

use crate::source::Span;

/// One physical line: `content` excludes the line ending; `ending` is `\n`, `\r\n` or empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhysLine {
    pub content: Span,
    pub ending: Span,
}

/// The physical layout of an auth file: every byte belongs to exactly one leaf.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthFile {
    pub lines: Vec<PhysLine>,
}

impl AuthFile {
    /// Splits `bytes` at LF (the only line break PostgreSQL knows); a CR before the LF belongs
    /// to the ending. Never fails.
    pub fn parse(bytes: &[u8]) -> AuthFile {
        Self::from_line_starts(bytes, &crate::source::line_starts(bytes))
    }

    /// [`AuthFile::parse`] with the file's line index ([`SourceFile::line_starts`]), which
    /// has found every LF already: searching again was a `memchr` call per line.
    ///
    /// [`SourceFile::line_starts`]: crate::source::SourceFile::line_starts
    pub fn from_line_starts(bytes: &[u8], starts: &[u32]) -> AuthFile {
        let index = LineIndex { bytes, starts };
        AuthFile {
            lines: (0..index.len()).map(|i| index.line(i)).collect(),
        }
    }

    /// The file's bytes again, leaf by leaf.
    pub fn print(&self, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len());
        for line in &self.lines {
            out.extend_from_slice(&bytes[line.content.range()]);
            out.extend_from_slice(&bytes[line.ending.range()]);
        }
        out
    }
}

/// The physical lines a logical line is built from: held in an [`AuthFile`], or found on
/// demand from the file's line index ([`AuthLines::from_line_starts`]), which spares the load
/// a list of 16 bytes a line that it would drop right after.
trait PhysLines {
    fn len(&self) -> usize;
    fn line(&self, i: usize) -> PhysLine;
}

impl PhysLines for AuthFile {
    fn len(&self) -> usize {
        self.lines.len()
    }

    fn line(&self, i: usize) -> PhysLine {
        self.lines[i]
    }
}

/// The lines of a file from its LF index ([`crate::source::line_starts`]: 0, then each LF's
/// offset + 1).
struct LineIndex<'a> {
    bytes: &'a [u8],
    starts: &'a [u32],
}

impl PhysLines for LineIndex<'_> {
    fn len(&self) -> usize {
        // The last line has no LF, unless the file ends with one (its index's last start is
        // then the file's end).
        let last_open = self
            .starts
            .last()
            .is_some_and(|&last| (last as usize) < self.bytes.len());
        self.starts.len().saturating_sub(1) + usize::from(last_open)
    }

    fn line(&self, i: usize) -> PhysLine {
        let start = self.starts[i] as usize;
        let Some(&next) = self.starts.get(i + 1) else {
            let end = self.bytes.len();
            return PhysLine {
                content: span(start, end),
                ending: span(end, end),
            };
        };
        let lf = next as usize - 1;
        // A CR before the LF belongs to the ending.
        let content_end = if lf > start && self.bytes[lf - 1] == b'\r' {
            lf - 1
        } else {
            lf
        };
        PhysLine {
            content: span(start, content_end),
            ending: span(content_end, lf + 1),
        }
    }
}

/// How many physical lines a file of `bytes` with line index `starts` has.
pub fn physical_line_count(bytes: &[u8], starts: &[u32]) -> usize {
    LineIndex { bytes, starts }.len()
}

/// The version-dependent reading rules of the line reader and `next_token`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenizeRules {
    /// A `\` at the end of a line joins the next one (14+).
    pub continuation: bool,
    /// `fgets` buffer size `MAX_LINE` (12–13: 20480; a chunk of `MAX_LINE - 1` bytes is an
    /// error and the rest of the physical line is read as further lines).
    pub max_line: Option<usize>,
    /// `MAX_TOKEN` (12–15: 10240, so at most 10239 bytes after de-quoting).
    pub max_token: Option<usize>,
}

impl TokenizeRules {
    pub fn for_version(version: PgVersion) -> Self {
        TokenizeRules {
            continuation: version.at_least(14),
            max_line: (!version.at_least(14)).then_some(20480),
            max_token: (!version.at_least(16)).then_some(10240),
        }
    }
}

/// Errors of the line reader and tokenizer: the line becomes an error row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenizeError {
    /// "authentication file line too long" (12–13).
    LineTooLong,
    /// "authentication file token too long" (12–15).
    TokenTooLong,
}

impl TokenizeError {
    pub fn message(self) -> &'static str {
        match self {
            TokenizeError::LineTooLong => "authentication file line too long",
            TokenizeError::TokenTooLong => "authentication file token too long",
        }
    }
}

/// One token of `next_token`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Raw bytes in the file, quotes (and any continuation joints) included.
    pub span: Span,
    /// `initial_quote`: the token starts with `"`, which turns off keywords and `@file`.
    pub quoted: bool,
    /// The de-quoted text differs from the bytes of `span` (quotes dropped, or lines joined):
    /// it is in [`AuthLines::arena`], found through [`AuthLines::dequoted`]. Few tokens are,
    /// and keeping their text's range out of every token makes a token 12 bytes, not 20.
    dequoted: bool,
    /// The token is its field's last: a field runs from the token after the previous
    /// field's last. In the token's padding, this spares a list of the fields, and the
    /// reader knows it when it pushes the token (no comma follows).
    ends_field: bool,
}

#[cfg(target_pointer_width = "64")]
const _: () = assert!(size_of::<Token>() == 12);

/// A field: comma-separated tokens (`db1,db2`); `tokens` is a range of
/// [`AuthLines::tokens`]. Made on demand by [`AuthLines::fields_of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub tokens: (u32, u32),
}

/// The fields of one line's tokens ([`AuthLines::fields_of`]), split after each token that
/// ends one.
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    /// The tokens not yet yielded; the first of them, if any, starts a field.
    tokens: &'a [Token],
    /// The index of `tokens[0]` in [`AuthLines::tokens`].
    at: u32,
}

impl<'a> Fields<'a> {
    /// The fields of `tokens`, a line's tokens from index `at` on.
    pub fn new(tokens: &'a [Token], at: u32) -> Fields<'a> {
        Fields { tokens, at }
    }
}

impl Iterator for Fields<'_> {
    type Item = Field;

    // Once per field of every record, through `AuthSources::fields`.
    #[inline(always)]
    fn next(&mut self) -> Option<Field> {
        if self.tokens.is_empty() {
            return None;
        }
        let len = self
            .tokens
            .iter()
            .position(|t| t.ends_field)
            .map_or(self.tokens.len(), |i| i + 1);
        let start = self.at;
        self.at += len as u32;
        self.tokens = &self.tokens[len..];
        Some(Field {
            tokens: (start, self.at),
        })
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.len();
        (n, Some(n))
    }
}

impl ExactSizeIterator for Fields<'_> {
    #[inline]
    fn len(&self) -> usize {
        self.tokens.iter().filter(|t| t.ends_field).count()
    }
}

impl DoubleEndedIterator for Fields<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<Field> {
        let (_, before) = self.tokens.split_last()?;
        let last = before
            .iter()
            .rposition(|t| t.ends_field)
            .map_or(0, |i| i + 1);
        let end = self.at + self.tokens.len() as u32;
        self.tokens = &self.tokens[..last];
        Some(Field {
            tokens: (self.at + last as u32, end),
        })
    }
}

/// One logical line: a record candidate. Blank lines and comment-only lines are kept too
/// (with no fields), so a lint rule can see every physical line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthLine {
    /// 1-based number of the physical line it starts on (the server's `line_num`).
    pub line_number: u32,
    /// From the start of the first physical line to the end of the last one's content.
    pub span: Span,
    /// Its first token in [`AuthLines::tokens`]; the next line's first token ends its tokens
    /// ([`AuthLines::token_range`]).
    tokens: u32,
    /// `#` to the end of the logical line, when outside quotes; empty when there is none (a
    /// comment holds its `#`): see [`AuthLine::comment`].
    comment: Span,
}

// One per line of the file: its error, which few lines have, is kept in [`AuthLines`]
// (in place it made a line 36 bytes), and neither its tokens' end nor its comment's
// `Option` tag is kept (32 bytes).
#[cfg(target_pointer_width = "64")]
const _: () = assert!(size_of::<AuthLine>() == 24);

impl AuthLine {
    /// `#` to the end of the logical line, when outside quotes.
    #[inline]
    pub fn comment(&self) -> Option<Span> {
        (!self.comment.is_empty()).then_some(self.comment)
    }
}

/// The logical lines of one file for one version.
#[derive(Debug, Clone, Default)]
pub struct AuthLines {
    pub lines: Vec<AuthLine>,
    /// The tokens of all lines, in order (a line's are consecutive, and so are the lines');
    /// each says whether it ends a field, which spares a list of the fields (it was 4 or 8
    /// bytes a field, and 20,000 records have 100,000).
    pub tokens: Vec<Token>,
    /// Each `\` + line ending that joined two physical lines (14+).
    pub joints: Vec<Span>,
    /// The lines the reader rejected (their index in `lines`, in order), which then have no
    /// fields: see [`AuthLines::error`].
    errors: Vec<(u32, TokenizeError)>,
    arena: Vec<u8>,
    /// For each de-quoted token, its `span.start` and its text's range of `arena`. Tokens
    /// start at strictly increasing offsets, so this is sorted by the first member.
    dequoted: Vec<(u32, Span)>,
}

impl AuthLines {
    /// The fields of line `line` (an index of [`Self::lines`]), in order.
    #[inline]
    pub fn fields_of(&self, line: usize) -> Fields<'_> {
        self.fields_in(self.token_range(line))
    }

    /// The fields of `tokens`, a range of [`Self::tokens`] that starts a field (a line's
    /// tokens: [`Self::token_range`]).
    #[inline]
    pub fn fields_in(&self, (start, end): (u32, u32)) -> Fields<'_> {
        Fields::new(&self.tokens[start as usize..end as usize], start)
    }

    /// The range of [`Self::tokens`] that holds line `line`'s tokens (an index of
    /// [`Self::lines`]); empty when the line has no fields.
    #[inline]
    pub fn token_range(&self, line: usize) -> (u32, u32) {
        let end = match self.lines.get(line + 1) {
            Some(next) => next.tokens,
            None => self.tokens.len() as u32,
        };
        (self.lines[line].tokens, end)
    }

    /// How many lines have at least one field.
    pub fn lines_with_fields(&self) -> usize {
        (0..self.lines.len())
            .filter(|&line| {
                let (start, end) = self.token_range(line);
                start != end
            })
            .count()
    }

    pub fn tokens_of(&self, field: &Field) -> &[Token] {
        &self.tokens[field.tokens.0 as usize..field.tokens.1 as usize]
    }

    /// Why the reader rejected line `index` of [`Self::lines`], if it did.
    #[inline]
    pub fn error(&self, index: usize) -> Option<TokenizeError> {
        if self.errors.is_empty() {
            return None;
        }
        let i = self
            .errors
            .binary_search_by_key(&(index as u32), |&(line, _)| line)
            .ok()?;
        Some(self.errors[i].1)
    }

    /// How many lines the reader rejected.
    pub fn error_count(&self) -> usize {
        self.errors.len()
    }

    /// The de-quoted text of a token (continuation joints removed).
    #[inline]
    pub fn text<'a>(&'a self, token: &Token, source: &'a [u8]) -> &'a [u8] {
        if !token.dequoted {
            return &source[token.span.range()];
        }
        match self
            .dequoted
            .binary_search_by_key(&token.span.start, |&(start, _)| start)
        {
            Ok(i) => &self.arena[self.dequoted[i].1.range()],
            // Every de-quoted token of these lines has its entry.
            Err(_) => &[],
        }
    }

    /// Reads `file` (whose bytes are `source`) as a server with `rules` does.
    pub fn build(file: &AuthFile, source: &[u8], rules: TokenizeRules) -> AuthLines {
        read(file, source, rules, true)
    }

    /// [`AuthLines::from_line_starts`] and the line index of `source` it reads the lines by
    /// ([`crate::source::line_starts`], for [`SourceFile::with_line_starts`]), found as the
    /// lines are read.
    ///
    /// [`SourceFile::with_line_starts`]: crate::source::SourceFile::with_line_starts
    pub fn read_indexing(source: &[u8], rules: TokenizeRules) -> (AuthLines, Vec<u32>) {
        read_indexing(source, rules)
    }

    /// [`AuthLines::build`] from the file's line index ([`SourceFile::line_starts`]), without
    /// a list of its physical lines.
    ///
    /// [`SourceFile::line_starts`]: crate::source::SourceFile::line_starts
    pub fn from_line_starts(source: &[u8], starts: &[u32], rules: TokenizeRules) -> AuthLines {
        read(
            &LineIndex {
                bytes: source,
                starts,
            },
            source,
            rules,
            true,
        )
    }
}

/// `plain_lines`: whether lines without `"` take [`plain_tokens`] (always, but for the test
/// that holds it to the byte loop).
fn read(
    file: &impl PhysLines,
    source: &[u8],
    rules: TokenizeRules,
    plain_lines: bool,
) -> AuthLines {
    let mut reader = Reader::new(source, rules, file.len(), plain_lines);
    let has_nul = memchr(0, source).is_some();
    match rules.max_line {
        Some(max_line) => reader.build_fgets(file, max_line, has_nul, 0),
        None => reader.build_unlimited(file, has_nul, 0),
    }
    reader.out
}

/// [`AuthLines::from_line_starts`] of `source` and its line index
/// ([`crate::source::line_starts`]), in one pass over the lines when it can: a line's
/// tokens are read up to its LF, so finding the LF first was a second read of the line (and a
/// `memchr` call for each).
fn read_indexing(source: &[u8], rules: TokenizeRules) -> (AuthLines, Vec<u32>) {
    let has_nul = memchr(0, source).is_some();
    if has_nul {
        // A NUL ends what the server reads of a line before its LF.
        let starts = crate::source::line_starts(source);
        let lines = read(
            &LineIndex {
                bytes: source,
                starts: &starts,
            },
            source,
            rules,
            true,
        );
        return (lines, starts);
    }
    // Counting the LFs is one vector loop; it sizes the index and the lists exactly.
    let lfs = memchr::memchr_iter(b'\n', source).count();
    // The line list first: in a big file it is the program's first big block, after which
    // the allocator carves blocks like the index from huge pages (`alloc`), where it was 20
    // faults of the system heap's small pages for 22,000 lines. The token list last, which
    // then gives back what it did not use (below) to the records that follow.
    let lines = Vec::with_capacity(lfs + 1);
    let mut starts = Vec::with_capacity(lfs + 1);
    starts.push(0);
    let mut reader = Reader::with_lines(source, rules, lines, true);
    if !reader.build_indexing(&mut starts) {
        // From the first line continued (14+) or too long (12–13) on, the lines are found
        // first.
        let from = starts.len() - 1;
        let at = starts[from] as usize;
        starts.extend(memchr::memchr_iter(b'\n', &source[at..]).map(|i| (at + i + 1) as u32));
        let index = LineIndex {
            bytes: source,
            starts: &starts,
        };
        match rules.max_line {
            Some(max_line) => reader.build_fgets(&index, max_line, false, from),
            None => reader.build_unlimited(&index, false, from),
        }
    }
    // Room was reserved for six tokens a line; a big pg_hba.conf uses about four. At the top
    // of its allocator's chunk, the rest is given back in place (`alloc`).
    reader.out.tokens.shrink_to_fit();
    (reader.out, starts)
}

/// The state of reading one file's logical lines.
struct Reader<'a> {
    out: AuthLines,
    source: &'a [u8],
    rules: TokenizeRules,
    /// The current logical line, when it is joined from several pieces.
    scratch: LogicalBuf,
    plain_lines: bool,
}

/// The bytes of one logical line, with the file offset of each piece.
#[derive(Default)]
struct LogicalBuf {
    bytes: Vec<u8>,
    /// (logical offset, file offset) of each piece's start.
    pieces: Vec<(u32, u32)>,
}

impl LogicalBuf {
    fn clear(&mut self) {
        self.bytes.clear();
        self.pieces.clear();
    }

    fn push(&mut self, source: &[u8], piece: Span) {
        self.pieces.push((self.bytes.len() as u32, piece.start));
        self.bytes.extend_from_slice(&source[piece.range()]);
    }

    /// File offset of logical offset `at`; `end` picks the piece a boundary offset ends.
    fn file_offset(&self, at: u32, end: bool) -> u32 {
        let idx = match self.pieces.binary_search_by(|p| p.0.cmp(&at)) {
            Ok(i) if end && i > 0 => i - 1,
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let (l, f) = self.pieces.get(idx).copied().unwrap_or((0, 0));
        f + (at - l)
    }
}

/// Trailing `\n`/`\r` are stripped before the continuation check (`pg_strip_crlf`); returns
/// the length of `content` without trailing CRs.
fn strip_cr(source: &[u8], content: Span) -> u32 {
    let mut end = content.end;
    while end > content.start && source[end as usize - 1] == b'\r' {
        end -= 1;
    }
    end
}

impl<'a> Reader<'a> {
    /// A reader of a file of `lines` physical lines.
    fn new(source: &'a [u8], rules: TokenizeRules, lines: usize, plain_lines: bool) -> Self {
        Self::with_lines(source, rules, Vec::with_capacity(lines), plain_lines)
    }

    /// A reader whose line list is `lines`, empty, with room for every physical line.
    fn with_lines(
        source: &'a [u8],
        rules: TokenizeRules,
        lines: Vec<AuthLine>,
        plain_lines: bool,
    ) -> Self {
        let capacity = lines.capacity();
        Reader {
            out: AuthLines {
                lines,
                tokens: Vec::with_capacity(capacity * 6),
                joints: Vec::new(),
                errors: Vec::new(),
                arena: Vec::new(),
                dequoted: Vec::new(),
            },
            source,
            rules,
            scratch: LogicalBuf::default(),
            plain_lines,
        }
    }

    /// [`Reader::build_unlimited`] or [`Reader::build_fgets`] of a file without NUL, that
    /// finds each line's end as it reads the line's tokens ([`plain_tokens`] stops at an LF)
    /// and pushes the next line's start to `starts`. It stops (false) at the first line that
    /// is not a logical line of its own, whose start is then the last of `starts`: one a
    /// backslash continues (14+), or one `fgets` reads in more than one chunk (12–13).
    fn build_indexing(&mut self, starts: &mut Vec<u32>) -> bool {
        // The version's rules are the same for every line of the file: a loop made for them
        // has no tests of the rules that cannot apply (16+: neither limit; 14–15: no line
        // limit), nor the registers those held (~34 instructions a line of big_hba.conf).
        match self.rules {
            TokenizeRules {
                max_line: None,
                max_token: None,
                ..
            } => self.build_indexing_as::<false, false>(starts),
            TokenizeRules { max_line: None, .. } => self.build_indexing_as::<false, true>(starts),
            _ => self.build_indexing_as::<true, true>(starts),
        }
    }

    /// [`Reader::build_indexing`] for rules whose line limit (12–13) is `None` unless
    /// `LINE_LIMIT`, and whose token limit (12–15) is `None` unless `TOKEN_LIMIT`.
    fn build_indexing_as<const LINE_LIMIT: bool, const TOKEN_LIMIT: bool>(
        &mut self,
        starts: &mut Vec<u32>,
    ) -> bool {
        let source = self.source;
        let len = source.len();
        let mut start = 0usize;
        let mut line_number = 1u32;
        while start < len {
            let tokens = self.out.tokens.len();
            let stop = plain_tokens::<true>(&mut self.out, source, start, len);
            // The line's LF, or the file's end after a last line without one (an offset, not
            // an `Option`: its tag was kept on the stack through the line).
            let lf = match stop {
                PlainEnd::Line(p) => p,
                PlainEnd::Comment(p) => memchr(b'\n', &source[p..]).map_or(len, |i| p + i),
                PlainEnd::Quote => memchr(b'\n', &source[start..]).map_or(len, |i| start + i),
            };
            let has_lf = lf < len;
            // A CR before the LF belongs to the ending; `pg_strip_crlf` strips the CRs before
            // the LF, so a line without one needs no second look.
            let (content, end) = if has_lf && lf > start && source[lf - 1] == b'\r' {
                let content = span(start, lf - 1);
                (content, strip_cr(source, content) as usize)
            } else if has_lf {
                (span(start, lf), lf)
            } else {
                let content = span(start, len);
                (content, strip_cr(source, content) as usize)
            };
            let continued = self.rules.continuation && end > start && source[end - 1] == b'\\';
            // `fgets` reads a line of `MAX_LINE - 1` bytes or more (its LF included) in chunks.
            let whole = lf + usize::from(has_lf) - start;
            let chunked = LINE_LIMIT && self.rules.max_line.is_some_and(|m| whole >= m - 1);
            if continued || chunked {
                self.out.tokens.truncate(tokens);
                return false;
            }
            let long = TOKEN_LIMIT && self.rules.max_token.is_some_and(|m| end - start >= m - 1);
            if stop == PlainEnd::Quote || long {
                self.out.tokens.truncate(tokens);
                let logical = Logical::Direct(span(start, end));
                self.tokenize_line(logical, line_number, content, None);
            } else {
                let comment = match stop {
                    PlainEnd::Comment(p) => span(p, end),
                    _ => Span::default(),
                };
                self.out.lines.push(AuthLine {
                    line_number,
                    span: content,
                    tokens: tokens as u32,
                    comment,
                });
            }
            if !has_lf {
                break;
            }
            start = lf + 1;
            starts.push(start as u32);
            line_number += 1;
        }
        true
    }

    /// 14+: `pg_get_line_append` + continuation handling of `tokenize_auth_file`. A NUL ends
    /// what the tokenizer sees of a physical line and (as `fgets` + `strlen` do) the next
    /// physical line is appended to it without counting a line.
    ///
    /// `from`: the first line to read; the lines before it were logical lines of their own.
    fn build_unlimited(&mut self, file: &impl PhysLines, has_nul: bool, from: usize) {
        let source = self.source;
        let n = file.len();
        let mut i = from;
        let mut line_number = from as u32 + 1;
        while i < n {
            let mut line = file.line(i);
            let first_start = line.content.start;
            // Nearly every line is a logical line of its own: no NUL, no continuation.
            let end = strip_cr(source, line.content);
            let continued = self.rules.continuation
                && end > line.content.start
                && source[end as usize - 1] == b'\\';
            if !has_nul && !continued {
                let logical = Logical::Direct(Span::new(line.content.start, end));
                self.tokenize_line(logical, line_number, line.content, None);
                i += 1;
                line_number += 1;
                continue;
            }
            let mut continuations = 0u32;
            let mut single: Option<Span> = None;
            self.scratch.clear();
            let mut pieces: u32 = 0;
            let mut last_backslash_len: usize = 0;
            let mut logical_len: usize = 0;
            loop {
                let mut piece_end = strip_cr(source, line.content);
                let nul = if has_nul {
                    memchr(0, &source[line.content.range()])
                } else {
                    None
                };
                if let Some(z) = nul {
                    piece_end = line.content.start + z as u32;
                }
                let mut piece = Span::new(line.content.start, piece_end);
                i += 1;
                if nul.is_some() && i < n {
                    push_piece(&mut single, &mut self.scratch, source, &mut pieces, piece);
                    logical_len += piece.len() as usize;
                    line = file.line(i);
                    continue;
                }
                let len_after = logical_len + piece.len() as usize;
                if self.rules.continuation
                    && nul.is_none()
                    && len_after > last_backslash_len
                    && !piece.is_empty()
                    && source[piece.end as usize - 1] == b'\\'
                {
                    self.out.joints.push(Span::new(
                        piece.end - 1,
                        line.ending.end.max(line.content.end),
                    ));
                    piece.end -= 1;
                    push_piece(&mut single, &mut self.scratch, source, &mut pieces, piece);
                    logical_len += piece.len() as usize;
                    last_backslash_len = logical_len;
                    continuations += 1;
                    if i < n {
                        line = file.line(i);
                        continue;
                    }
                } else {
                    push_piece(&mut single, &mut self.scratch, source, &mut pieces, piece);
                }
                break;
            }
            let span = Span::new(first_start, line.content.end);
            let logical: Logical = match single {
                Some(s) if pieces == 1 => Logical::Direct(s),
                _ => Logical::Joined,
            };
            self.tokenize_line(logical, line_number, span, None);
            line_number += continuations + 1;
        }
    }

    /// 12–13: `fgets(rawline, MAX_LINE)`: each read takes up to `MAX_LINE - 1` bytes; a full
    /// buffer is "line too long" and the rest of the physical line comes as further lines;
    /// `strlen` stops at a NUL.
    ///
    /// `from`: the first line to read; the lines before it were read in one chunk each.
    fn build_fgets(&mut self, file: &impl PhysLines, max_line: usize, has_nul: bool, from: usize) {
        let source = self.source;
        let chunk = max_line - 1;
        let mut line_number = from as u32 + 1;
        for idx in from..file.len() {
            let line = file.line(idx);
            let whole = Span::new(line.content.start, line.ending.end);
            let mut pos = whole.start as usize;
            loop {
                let end = (pos + chunk).min(whole.end as usize);
                let piece_bytes = &source[pos..end];
                let nul = if has_nul {
                    memchr(0, piece_bytes)
                } else {
                    None
                };
                let (mut text_end, error) = match nul {
                    Some(z) => (pos + z, None),
                    None if end - pos == chunk => (end, Some(TokenizeError::LineTooLong)),
                    None => (end, None),
                };
                while text_end > pos && matches!(source[text_end - 1], b'\n' | b'\r') {
                    text_end -= 1;
                }
                let span_end = end.min(line.content.end as usize).max(pos);
                self.tokenize_line(
                    Logical::Direct(Span::new(pos as u32, text_end as u32)),
                    line_number,
                    Span::new(pos as u32, span_end as u32),
                    error,
                );
                line_number += 1;
                pos = end;
                if pos >= whole.end as usize {
                    break;
                }
            }
        }
    }

    /// `next_token` / `next_field_expand` without `@` expansion, over one logical line.
    fn tokenize_line(
        &mut self,
        logical: Logical,
        line_number: u32,
        span: Span,
        error: Option<TokenizeError>,
    ) {
        let (bytes, base): (&[u8], Option<u32>) = match logical {
            Logical::Direct(s) => (&self.source[s.range()], Some(s.start)),
            Logical::Joined => (&self.scratch.bytes[..], None),
        };
        let out = &mut self.out;
        let tokens_start = out.tokens.len();
        let mut comment = None;
        let mut error = error;
        if error.is_none() {
            // A line of the file itself without `"`, too short for a token to reach the
            // 12–15 limit (nearly every line) needs none of the byte loop's state.
            let plain = match base {
                Some(at)
                    if self.plain_lines
                        && self.rules.max_token.is_none_or(|m| bytes.len() < m - 1) =>
                {
                    let (start, end) = (at as usize, at as usize + bytes.len());
                    match plain_tokens::<false>(out, self.source, start, end) {
                        PlainEnd::Line(_) => Some(None),
                        PlainEnd::Comment(p) => Some(Some(Span::new(p as u32, end as u32))),
                        PlainEnd::Quote => None,
                    }
                }
                _ => None,
            };
            match plain {
                Some(c) => comment = c,
                None => {
                    let to_file = |at: usize, end: bool| -> u32 {
                        match base {
                            Some(b) => b + at as u32,
                            None => self.scratch.file_offset(at as u32, end),
                        }
                    };
                    (comment, error) = next_tokens(out, bytes, base.is_none(), self.rules, to_file);
                }
            }
        }
        if let Some(e) = error {
            // Its tokens go: the next line's first token ends a line's tokens.
            out.tokens.truncate(tokens_start);
            out.errors.push((out.lines.len() as u32, e));
        }
        out.lines.push(AuthLine {
            line_number,
            span,
            tokens: tokens_start as u32,
            comment: comment.unwrap_or_default(),
        });
    }
}

fn push_piece(
    single: &mut Option<Span>,
    scratch: &mut LogicalBuf,
    source: &[u8],
    pieces: &mut u32,
    piece: Span,
) {
    if *pieces == 0 {
        *single = Some(piece);
    } else {
        if *pieces == 1
            && let Some(s) = single.take()
        {
            scratch.push(source, s);
        }
        scratch.push(source, piece);
    }
    *pieces += 1;
}

enum Logical {
    /// The logical line is one slice of the file.
    Direct(Span),
    /// The logical line is in the scratch buffer.
    Joined,
}

/// Where [`plain_tokens`] stopped reading a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PlainEnd {
    /// At the line's end: `end`, or an LF before it.
    Line(usize),
    /// At a `#` outside quotes: the comment runs from here to the line's end.
    Comment(usize),
    /// At a `"`: nothing was pushed, and the line is for [`next_tokens`].
    Quote,
}

/// The fields of a line without `"`, `source[start..end]` (or up to an LF before `end`, which
/// lets a reader that has not found the line's end yet find it here: see
/// [`Reader::build_indexing`]), and where its comment starts. Without quotes no token is
/// de-quoted or empty: a token is a run of bytes other than blanks, `,` and `#`, the same
/// field goes on after a comma that ends a token, and a `#` starts the comment wherever it
/// is. At a `"` nothing is pushed: the line is then read by [`next_tokens`], which this must
/// agree with (a test holds it to it). The caller makes sure no token can reach the 12–15
/// length limit.
// Inlined into the reader's loop (and the one of `tokenize_line`): called once a line, its
// call and setup were ~40 instructions of the ~500 of a line of big_hba.conf.
#[inline(always)]
fn plain_tokens<const TO_FILE_END: bool>(
    out: &mut AuthLines,
    source: &[u8],
    start: usize,
    end: usize,
) -> PlainEnd {
    debug_assert!(!TO_FILE_END || end == source.len());
    let tokens_mark = out.tokens.len();
    // The word scans may read on past the line's end (its CR or LF stops them), and what
    // they find there is cut off: the line's last word is then not read byte by byte. A
    // reader that stops at the LF itself (`TO_FILE_END`: `end` is the file's end) has
    // nothing to cut off: the scans stop at the file's end.
    let cut = |p: usize| if TO_FILE_END { p } else { p.min(end) };
    let token_end = |p: usize| cut(ordinary_end(source, p));
    let skip = |p: usize| cut(skip_separators(source, p));
    // Most lines start with their first token.
    let mut p = match source.get(start) {
        Some(&c) if start < end && !is_blank(c) && c != b',' => start,
        _ => skip(start),
    };
    // The last token was followed by a comma: its field is still open.
    let mut open = false;
    loop {
        // Here `p` is at the end, or at a byte that is neither a blank nor a comma.
        let c = if p < end { source[p] } else { b'\n' };
        if matches!(c, b'\n' | b'#' | b'"') {
            // A comma with nothing after it ends its field with the token before it.
            if open && let Some(t) = out.tokens.last_mut() {
                t.ends_field = true;
            }
            return match c {
                b'\n' => PlainEnd::Line(p),
                b'#' => PlainEnd::Comment(p),
                _ => {
                    out.tokens.truncate(tokens_mark);
                    PlainEnd::Quote
                }
            };
        }
        let e = token_end(p);
        // A comma right after a token keeps the field open.
        open = e < end && source[e] == b',';
        out.tokens.push(Token {
            span: span(p, e),
            quoted: false,
            dequoted: false,
            ends_field: !open,
        });
        p = skip(e);
    }
}

/// `next_token` / `next_field_expand` byte by byte: quotes, de-quoting, the 12–15 token limit,
/// lines joined by continuations (`joined`: their text is not the file's, and `to_file` maps
/// a logical offset back; `end` picks the piece a boundary offset ends). Returns the comment
/// and the error, if any (the caller drops the line's fields then). Out of line: few lines
/// need it, and inlined it made [`plain_tokens`] spill its registers.
#[inline(never)]
fn next_tokens(
    out: &mut AuthLines,
    bytes: &[u8],
    joined: bool,
    rules: TokenizeRules,
    to_file: impl Fn(usize, bool) -> u32,
) -> (Option<Span>, Option<TokenizeError>) {
    let mut comment = None;
    let mut p = 0usize;
    let n = bytes.len();
    // One field per iteration: tokens joined by terminating commas.
    while p < n {
        let tokens_start = out.tokens.len() as u32;
        let dequoted_start = out.dequoted.len();
        loop {
            // Skip blanks and commas before the token.
            p = skip_separators(bytes, p);
            let tok_start = p;
            let mut in_quote = false;
            let mut was_quote = false;
            let mut saw_quote = false;
            let mut initial_quote = false;
            let mut terminating_comma = false;
            let mut decoded_len = 0usize;
            let mut needs_arena = joined;
            let arena_start = out.arena.len();
            let mut tok_end: Option<usize> = None;
            while p < n && (!is_blank(bytes[p]) || in_quote) {
                // Fast path: a run of ordinary bytes outside quotes is copied as is.
                if !in_quote && !needs_arena {
                    let run = ordinary_end(bytes, p) - p;
                    // Up to the token limit: the byte after a full token is the error.
                    // (Taking nothing when the run reached the limit made every later byte
                    // rescan the run: 10239 scans of the line for a long 12–15 token.)
                    let room = rules.max_token.map_or(usize::MAX, |m| m - 1 - decoded_len);
                    let take = run.min(room);
                    if take > 0 {
                        decoded_len += take;
                        was_quote = false;
                        p += take;
                        continue;
                    }
                }
                let c = bytes[p];
                if c == b'#' && !in_quote {
                    comment = Some(Span::new(to_file(p, false), to_file(n, true)));
                    tok_end = Some(p);
                    p = n;
                    break;
                }
                if let Some(max) = rules.max_token
                    && decoded_len >= max - 1
                {
                    out.arena.truncate(arena_start);
                    out.tokens.truncate(tokens_start as usize);
                    out.dequoted.truncate(dequoted_start);
                    return (comment, Some(TokenizeError::TokenTooLong));
                }
                if c == b',' && !in_quote {
                    terminating_comma = true;
                    break;
                }
                if c != b'"' || was_quote {
                    if needs_arena {
                        out.arena.push(c);
                    }
                    decoded_len += 1;
                } else if !needs_arena {
                    // First dropped quote: from here on the text differs from the raw bytes.
                    needs_arena = true;
                    out.arena.extend_from_slice(&bytes[tok_start..p]);
                }
                if in_quote && c == b'"' {
                    was_quote = !was_quote;
                } else {
                    was_quote = false;
                }
                if c == b'"' {
                    in_quote = !in_quote;
                    saw_quote = true;
                    if decoded_len == 0 {
                        initial_quote = true;
                    }
                }
                p += 1;
            }
            if !(saw_quote || decoded_len > 0) {
                out.arena.truncate(arena_start);
                break;
            }
            let raw = Span::new(
                to_file(tok_start, false),
                to_file(tok_end.unwrap_or(p), true),
            );
            if needs_arena {
                debug_assert!(out.dequoted.last().is_none_or(|&(s, _)| s < raw.start));
                let text = Span::new(arena_start as u32, out.arena.len() as u32);
                out.dequoted.push((raw.start, text));
            }
            out.tokens.push(Token {
                span: raw,
                quoted: initial_quote,
                dequoted: needs_arena,
                ends_field: !terminating_comma,
            });
            if !terminating_comma {
                break;
            }
        }
        // A comma with no token after it ended the field too.
        if out.tokens.len() > tokens_start as usize
            && let Some(t) = out.tokens.last_mut()
        {
            t.ends_field = true;
        }
    }
    (comment, None)
}

/// Bytes that end or change a token: blanks, `,`, `#`, `"`; and LF, which is never in a line
/// but ends the scans of [`plain_tokens`] that run on past a line's end.
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'\n' as usize] = true;
    t[b' ' as usize] = true;
    t[b'\t' as usize] = true;
    t[b'\r' as usize] = true;
    t[b',' as usize] = true;
    t[b'#' as usize] = true;
    t[b'"' as usize] = true;
    t
};

/// Where the blanks and commas from `p` on end. Columns are aligned with runs of spaces,
/// which are skipped a word at a time.
fn skip_separators(bytes: &[u8], mut p: usize) -> usize {
    loop {
        p = spaces_end(bytes, p);
        match bytes.get(p) {
            Some(&c) if is_blank(c) || c == b',' => p += 1,
            _ => return p,
        }
    }
}

/// `b` in every byte of a word.
const fn splat(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// The 8 bytes from `p` on as a word, the first byte lowest, if `bytes` has them. The scans
/// below take their words by offset in the whole file: a sub-slice from `p` on was a bounds
/// check and a length computed again for each scan.
#[inline(always)]
fn word_at(bytes: &[u8], p: usize) -> Option<u64> {
    let word: [u8; 8] = bytes.get(p..p + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(word))
}

/// The 16 bytes from `p` on as two words, if `bytes` has them.
#[inline(always)]
fn words_at(bytes: &[u8], p: usize) -> Option<[u64; 2]> {
    let (first, second) = bytes.get(p..p + 16)?.split_at(8);
    Some([
        u64::from_le_bytes(first.try_into().ok()?),
        u64::from_le_bytes(second.try_into().ok()?),
    ])
}

/// Where the run of spaces from `p` on ends.
fn spaces_end(bytes: &[u8], mut p: usize) -> usize {
    // A column's run of spaces is 10–20 bytes in a file aligned with them: two words at a
    // time find its end at one bounds check, mostly without going round the loop.
    while let Some([first, second]) = words_at(bytes, p) {
        let diff = first ^ splat(b' ');
        if diff != 0 {
            return p + (diff.trailing_zeros() / 8) as usize;
        }
        let diff = second ^ splat(b' ');
        if diff != 0 {
            return p + 8 + (diff.trailing_zeros() / 8) as usize;
        }
        p += 16;
    }
    while let Some(word) = word_at(bytes, p) {
        // Little-endian: the first byte that is not a space is the lowest non-zero one.
        let diff = word ^ splat(b' ');
        if diff != 0 {
            return p + (diff.trailing_zeros() / 8) as usize;
        }
        p += 8;
    }
    while bytes.get(p) == Some(&b' ') {
        p += 1;
    }
    p
}

/// Where the run of bytes that are not [`SPECIAL`] from `p` on ends. Every special byte is
/// below `-`, which names, addresses and methods rarely use: a word with no byte below it is
/// skipped whole, and only a byte that is below it is looked up.
fn ordinary_end(bytes: &[u8], mut p: usize) -> usize {
    const _: () = {
        let mut c = b'-' as usize;
        while c < 256 {
            assert!(!SPECIAL[c], "a special byte at or above '-'");
            c += 1;
        }
    };
    // "Determine if a word has a byte less than n" (Bit Twiddling Hacks): exact for the
    // lowest such byte, which is the first one (a borrow only runs towards higher bytes).
    let below_dash = |x: u64| x.wrapping_sub(splat(b'-')) & !x & splat(0x80);
    // Addresses and methods run past a word (`10.13.0.0/24`, `scram-sha-256`): two words at
    // one bounds check, as `spaces_end` does.
    while let Some([first, second]) = words_at(bytes, p) {
        let mut base = p;
        let mut below = below_dash(first);
        if below == 0 {
            base = p + 8;
            below = below_dash(second);
            if below == 0 {
                p += 16;
                continue;
            }
        }
        let at = base + (below.trailing_zeros() / 8) as usize;
        if SPECIAL[bytes[at] as usize] {
            return at;
        }
        p = at + 1;
    }
    while let Some(x) = word_at(bytes, p) {
        let below = below_dash(x);
        if below == 0 {
            p += 8;
            continue;
        }
        let at = p + (below.trailing_zeros() / 8) as usize;
        if SPECIAL[bytes[at] as usize] {
            return at;
        }
        p = at + 1;
    }
    while bytes.get(p).is_some_and(|&c| !SPECIAL[c as usize]) {
        p += 1;
    }
    p
}

/// `pg_isblank`: space, TAB, CR.
#[inline]
fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t' || c == b'\r'
}

#[inline]
fn span(start: usize, end: usize) -> Span {
    Span::new(start as u32, end as u32)
}

#[cfg(test)]
mod tests;
