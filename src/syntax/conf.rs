//! `postgresql.conf`, its included files and `postgresql.auto.conf`: the lexer of
//! `guc-file.l` and the line grammar of `ParseConfigFp`, identical in PostgreSQL 12–18.
//!
//! The tree has one [`ConfLine`] per physical line (split on LF only). Each line is tiled by
//! its pieces (indent, name, separator, value, trailing blanks, comment, newline), so
//! [`ConfFile::print`] gives back the input byte for byte. A line the server rejects becomes
//! [`LineItem::Invalid`] with the [`SyntaxError`] the server reports, and the next line parses
//! on. `include` directives are ordinary settings here, as in the server's parser; the model
//! recognises them by name.

use std::borrow::Cow;
use std::num::NonZeroU32;

use crate::source::{SourceFile, Span};

/// A parsed configuration file: one entry per physical line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfFile {
    pub lines: Vec<ConfLine>,
}

/// One physical line.
///
/// A file has a line per LF, so a line's size is the tree's size per line: 44 bytes (it was
/// 64 while the LF and the comment had a span each, though the LF always follows the line
/// and the comment always ends it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfLine {
    /// The line without its LF. A CR before the LF belongs here: the server treats CR as a
    /// blank, and keeping it makes CRLF files round-trip.
    pub span: Span,
    pub item: LineItem,
    /// Where the comment starts, or [`NO_COMMENT`]; see [`ConfLine::comment`].
    comment_start: u32,
    /// Whether an LF ends the line (every line but perhaps the last).
    has_newline: bool,
}

/// `ConfLine::comment_start` of a line without a comment (no offset of a file can be it).
const NO_COMMENT: u32 = u32::MAX;

/// What a line holds, besides its comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineItem {
    /// Only blanks and perhaps a comment.
    Blank,
    /// `name [=] value`. Include directives are settings named `include`, `include_dir` or
    /// `include_if_exists` (any case).
    Setting(Setting),
    /// Tokens the server rejects with "syntax error".
    Invalid(Invalid),
}

/// `NAME [=] VALUE` (`ParseConfigFp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// An ID or QUALIFIED_ID token.
    pub name: Token,
    /// An ID, STRING, UNQUOTED_STRING, INTEGER or REAL token, quotes included.
    pub value: Token,
    /// Where the optional `=` is; never 0, since the name comes first. See
    /// [`Setting::equals`].
    equals_at: Option<NonZeroU32>,
}

/// A rejected line: the tokens before the comment, and what the server said about them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid {
    /// From the first to the last token of the line (comment excluded).
    pub span: Span,
    pub error: SyntaxError,
}

/// The server's `syntax error in file "F" line N, near …`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntaxError {
    /// The offending token, or an empty span where the line ended too early.
    pub at: Span,
    pub near: Near,
}

/// Where the server says the syntax error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Near {
    /// `near end of line`: a name or value is missing. The server reports the line the
    /// setting started on.
    EndOfLine,
    /// `near token "T"`, T being the raw bytes of `SyntaxError::at`.
    Token,
}

/// A token of `guc-file.l` with its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub span: Span,
    pub kind: TokenKind,
}

/// The token kinds of `guc-file.l`, in the order flex prefers them on a tie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    Id,
    QualifiedId,
    String,
    UnquotedString,
    Integer,
    Real,
    Equals,
    /// Any other single byte (`.` in the flex rules).
    Error,
}

impl TokenKind {
    /// Whether the token may stand as a setting's value.
    fn is_value(self) -> bool {
        matches!(
            self,
            TokenKind::Id
                | TokenKind::String
                | TokenKind::UnquotedString
                | TokenKind::Integer
                | TokenKind::Real
        )
    }
}

/// What a byte span of a line is, for printing and for tools that walk the leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceKind {
    Blank,
    Name,
    Equals,
    Value,
    Invalid,
    Comment,
    Newline,
}

impl ConfFile {
    /// Parses a whole file. Never fails.
    pub fn parse(source: &SourceFile) -> ConfFile {
        parse_lines(source.bytes(), source.line_starts())
    }

    /// The input bytes, rebuilt from the pieces of every line.
    pub fn print(&self, source: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(source.len());
        for line in &self.lines {
            for (_, span) in line.pieces() {
                out.extend_from_slice(&source[span.range()]);
            }
        }
        out
    }

    /// The settings of the file with their 1-based line numbers.
    pub fn settings(&self) -> impl Iterator<Item = (usize, &Setting)> {
        self.lines
            .iter()
            .enumerate()
            .filter_map(|(i, line)| match &line.item {
                LineItem::Setting(s) => Some((i + 1, s)),
                _ => None,
            })
    }
}

impl ConfLine {
    /// The LF that ends the line; empty on a last line without one.
    pub fn newline(&self) -> Span {
        Span::new(self.span.end, self.span.end + u32::from(self.has_newline))
    }

    /// `#` to the end of the line, outside quotes.
    pub fn comment(&self) -> Option<Span> {
        (self.comment_start != NO_COMMENT).then(|| Span::new(self.comment_start, self.span.end))
    }

    /// The spans that tile the line, in order, empty ones left out.
    pub fn pieces(&self) -> Vec<(PieceKind, Span)> {
        let mut pieces = Vec::with_capacity(9);
        let mut at = self.span.start;
        let mut push = |kind: PieceKind, span: Span, pieces: &mut Vec<(PieceKind, Span)>| {
            if span.start > at {
                pieces.push((PieceKind::Blank, Span::new(at, span.start)));
            }
            if !span.is_empty() {
                pieces.push((kind, span));
            }
            at = span.end;
        };
        match &self.item {
            LineItem::Blank => {}
            LineItem::Setting(s) => {
                push(PieceKind::Name, s.name.span, &mut pieces);
                if let Some(eq) = s.equals() {
                    push(PieceKind::Equals, eq, &mut pieces);
                }
                push(PieceKind::Value, s.value.span, &mut pieces);
            }
            LineItem::Invalid(inv) => push(PieceKind::Invalid, inv.span, &mut pieces),
        }
        if let Some(comment) = self.comment() {
            push(PieceKind::Comment, comment, &mut pieces);
        }
        push(PieceKind::Blank, Span::empty(self.span.end), &mut pieces);
        push(PieceKind::Newline, self.newline(), &mut pieces);
        pieces
    }
}

impl Setting {
    /// The `=` between name and value, if written.
    pub fn equals(&self) -> Option<Span> {
        self.equals_at.map(|at| Span::new(at.get(), at.get() + 1))
    }

    /// The value as the server stores it: quotes removed and escapes decoded for a STRING
    /// token, the raw token otherwise.
    pub fn value_bytes<'a>(&self, source: &'a [u8]) -> Cow<'a, [u8]> {
        let raw = &source[self.value.span.range()];
        match self.value.kind {
            TokenKind::String => Cow::Owned(deescape_quoted_string(raw)),
            _ => Cow::Borrowed(raw),
        }
    }

    /// The name as written.
    pub fn name_bytes<'a>(&self, source: &'a [u8]) -> &'a [u8] {
        &source[self.name.span.range()]
    }
}

/// Parses bytes; see [`ConfFile::parse`].
pub fn parse_bytes(bytes: &[u8]) -> ConfFile {
    parse_lines(bytes, &crate::source::line_starts(bytes))
}

/// Parses bytes whose lines start at `line_starts` (as [`SourceFile::line_starts`] gives
/// them): the tree is allocated once, at its exact size (a line costs
/// `size_of::<ConfLine>()` bytes; growing the vector would copy them and, for a while, hold
/// them twice).
fn parse_lines(bytes: &[u8], line_starts: &[u32]) -> ConfFile {
    let len = bytes.len();
    // A file that ends in LF has no line after it.
    let count = match line_starts.last() {
        Some(&last) if last as usize == len => line_starts.len() - 1,
        _ => line_starts.len(),
    };
    let mut lines = Vec::with_capacity(count);
    for (i, &start) in line_starts[..count].iter().enumerate() {
        let (end, next) = match line_starts.get(i + 1) {
            Some(&next) => (next as usize - 1, next as usize),
            None => (len, len),
        };
        lines.push(parse_line(bytes, start as usize, end, next));
    }
    ConfFile { lines }
}

/// `ParseConfigFp` for one line: `[NAME [=] VALUE] [# comment]`.
fn parse_line(bytes: &[u8], start: usize, end: usize, next: usize) -> ConfLine {
    let line_span = to_span(start, end);
    let has_newline = next > end;
    let content = &bytes[start..end];

    // Fast path: most lines of a real postgresql.conf are blank or comments.
    let first = content
        .iter()
        .position(|&b| !is_blank(b))
        .unwrap_or(content.len());
    if first == content.len() || content[first] == b'#' {
        let comment_start = if first < content.len() {
            (start + first) as u32
        } else {
            NO_COMMENT
        };
        return ConfLine {
            span: line_span,
            item: LineItem::Blank,
            comment_start,
            has_newline,
        };
    }

    let mut tokens = [Token {
        span: Span::default(),
        kind: TokenKind::Error,
    }; 4];
    let mut count = 0;
    let mut last_end = 0;
    let mut comment_start = NO_COMMENT;
    let mut pos = first;
    let mut no_string_ahead = false;
    while pos < content.len() {
        let b = content[pos];
        if is_blank(b) {
            pos += 1;
            continue;
        }
        if b == b'#' {
            comment_start = (start + pos) as u32;
            break;
        }
        let (kind, len) = lex_token_in_line(&content[pos..], &mut no_string_ahead);
        let token = Token {
            span: to_span(start + pos, start + pos + len),
            kind,
        };
        // Four tokens decide the line (name, `=`, value, the first extra one); later ones only
        // extend an invalid line's span.
        if count < tokens.len() {
            tokens[count] = token;
            count += 1;
        }
        last_end = token.span.end;
        pos += len;
    }

    let item = line_item(&tokens[..count], last_end);
    ConfLine {
        span: line_span,
        item,
        comment_start,
        has_newline,
    }
}

/// Applies the line grammar to the first (up to four) tokens of a line whose last token ends
/// at `last_end`.
fn line_item(tokens: &[Token], last_end: u32) -> LineItem {
    let extent = match tokens.first() {
        Some(first) => Span::new(first.span.start, last_end),
        None => return LineItem::Blank,
    };
    let invalid = |at: Option<&Token>| {
        LineItem::Invalid(Invalid {
            span: extent,
            error: match at {
                Some(t) => SyntaxError {
                    at: t.span,
                    near: Near::Token,
                },
                None => SyntaxError {
                    at: Span::empty(extent.end),
                    near: Near::EndOfLine,
                },
            },
        })
    };

    let name = tokens[0];
    if !matches!(name.kind, TokenKind::Id | TokenKind::QualifiedId) {
        return invalid(Some(&name));
    }
    let mut rest = &tokens[1..];
    let equals_at = match rest.first() {
        Some(t) if t.kind == TokenKind::Equals => {
            rest = &rest[1..];
            NonZeroU32::new(t.span.start)
        }
        _ => None,
    };
    let value = match rest.first() {
        Some(t) if t.kind.is_value() => *t,
        other => return invalid(other),
    };
    if let Some(extra) = rest.get(1) {
        return invalid(Some(extra));
    }
    LineItem::Setting(Setting {
        name,
        value,
        equals_at,
    })
}

/// The longest token at the start of `input` (which is neither blank, `#` nor LF), with
/// flex's tie-break: the rule listed first wins.
///
/// Hand-written over a byte-class table: it runs for every token of every active line, and
/// the parser combinators it replaces scanned each name three times. The rules are those of
/// `guc-file.l`; `tests::lexer_matches_reference` checks this function against them written
/// out one by one.
#[cfg(test)]
fn lex_token(input: &[u8]) -> (TokenKind, usize) {
    lex_token_in_line(input, &mut false)
}

/// [`lex_token`] for successive tokens of one line. `no_string_ahead` remembers that a STRING
/// scan failed earlier in the line: that scan passed every later `'` either as an escaped one
/// or inside a run of doubled quotes, so a scan from a later quote fails too or ends within
/// that run of quotes (no other byte, no `#`, is ever inside it). Without the memo a line like
/// `'\'\'\'…` costs a scan to the end of the line per quote: quadratic.
fn lex_token_in_line(input: &[u8], no_string_ahead: &mut bool) -> (TokenKind, usize) {
    let b = input[0];
    let class = CLASS[b as usize];
    if class & LETTER != 0 {
        // ID is a prefix of UNQUOTED_STRING, and so is QUALIFIED_ID (`ID.ID`) when it
        // matches. Only a strictly longer match wins, so on a tie ID beats QUALIFIED_ID
        // beats UNQUOTED_STRING.
        let id = 1 + run(&input[1..], LETTER | DIGIT);
        let unquoted = id + run(&input[id..], LETTER | DIGIT | UNQUOTED_EXTRA);
        if unquoted == id {
            return (TokenKind::Id, id);
        }
        if input[id] == b'.' && input.get(id + 1).is_some_and(|&c| is_letter(c)) {
            let qualified = id + 2 + run(&input[id + 2..], LETTER | DIGIT);
            if qualified == unquoted {
                return (TokenKind::QualifiedId, qualified);
            }
        }
        (TokenKind::UnquotedString, unquoted)
    } else if b == b'\'' {
        if *no_string_ahead {
            return (TokenKind::Error, 1);
        }
        match quoted_string_len(input) {
            Some(len) => (TokenKind::String, len),
            None => {
                *no_string_ahead = true;
                (TokenKind::Error, 1)
            }
        }
    } else if class & NUMBER_START != 0 {
        // The one-byte `Error` is beaten by an INTEGER of any length, then by a strictly
        // longer REAL — or by a one-byte REAL (`.`) when there is no INTEGER.
        let integer = integer_len(input);
        let real = real_len(input);
        if integer > 0 && integer >= real {
            (TokenKind::Integer, integer)
        } else if real > 0 {
            (TokenKind::Real, real)
        } else {
            (TokenKind::Error, 1)
        }
    } else if b == b'=' {
        (TokenKind::Equals, 1)
    } else {
        (TokenKind::Error, 1)
    }
}

/// `[ \t\r]`: the blanks the lexer eats. FF, VT and NUL are not among them.
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r')
}

/// `LETTER [A-Za-z_\200-\377]`
fn is_letter(b: u8) -> bool {
    CLASS[b as usize] & LETTER != 0
}

// Byte classes of the lexer.
const LETTER: u8 = 1;
const DIGIT: u8 = 2;
const UNQUOTED_EXTRA: u8 = 4;
const HEX_DIGIT: u8 = 8;
const UNIT_LETTER: u8 = 16;
const NUMBER_START: u8 = 32;

/// `LETTER [A-Za-z_\200-\377]`, `DIGIT`, the other bytes of UNQUOTED_STRING (`[-._:/]`),
/// hex digits, `UNIT_LETTER [a-zA-Z]`, and the bytes a number can start with.
static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let mut class = 0;
        if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            class |= LETTER;
        }
        if c.is_ascii_digit() {
            class |= DIGIT | NUMBER_START;
        }
        if matches!(c, b'-' | b'.' | b'_' | b':' | b'/') {
            class |= UNQUOTED_EXTRA;
        }
        if c.is_ascii_hexdigit() {
            class |= HEX_DIGIT;
        }
        if c.is_ascii_alphabetic() {
            class |= UNIT_LETTER;
        }
        if matches!(c, b'.' | b'+' | b'-') {
            class |= NUMBER_START;
        }
        table[i] = class;
        i += 1;
    }
    table
};

/// Length of the run of bytes of `class` at the start of `input`.
#[inline]
fn run(input: &[u8], class: u8) -> usize {
    input
        .iter()
        .position(|&c| CLASS[c as usize] & class == 0)
        .unwrap_or(input.len())
}

/// `SIGN ("-"|"+")`: its length, 0 or 1.
#[inline]
fn sign_len(input: &[u8]) -> usize {
    usize::from(matches!(input.first(), Some(b'-' | b'+')))
}

/// `INTEGER {SIGN}?({DIGIT}+|0x{HEXDIGIT}+){UNIT_LETTER}*`: its length, 0 when it does not
/// match.
///
/// Whenever the hex branch matches it is at least as long as the decimal one (`0` followed
/// by unit letters), which is what flex's longest match picks.
fn integer_len(input: &[u8]) -> usize {
    let mut at = sign_len(input);
    let hex = if input[at..].starts_with(b"0x") {
        run(&input[at + 2..], HEX_DIGIT)
    } else {
        0
    };
    if hex > 0 {
        at += 2 + hex;
    } else {
        let digits = run(&input[at..], DIGIT);
        if digits == 0 {
            return 0;
        }
        at += digits;
    }
    at + run(&input[at..], UNIT_LETTER)
}

/// `REAL {SIGN}?{DIGIT}*"."{DIGIT}*{EXPONENT}?` with `EXPONENT [Ee]{SIGN}?{DIGIT}+`: its
/// length, 0 when it does not match. A lone `.` is a REAL.
fn real_len(input: &[u8]) -> usize {
    let mut at = sign_len(input);
    at += run(&input[at..], DIGIT);
    if input.get(at) != Some(&b'.') {
        return 0;
    }
    at += 1;
    at += run(&input[at..], DIGIT);
    if matches!(input.get(at), Some(b'e' | b'E')) {
        let sign = sign_len(&input[at + 1..]);
        let digits = run(&input[at + 1 + sign..], DIGIT);
        if digits > 0 {
            at += 1 + sign + digits;
        }
    }
    at
}

/// `STRING \'([^'\\\n]|\\.|\'\')*\'`: the token's length, `None` when it does not match.
///
/// Flex takes the longest match, so `'a''b'` is one string and `'a'''` ends after the third
/// quote; a quote that is not doubled ends the scan. A string never spans lines.
fn quoted_string_len(i: &[u8]) -> Option<usize> {
    if i.first() != Some(&b'\'') {
        return None;
    }
    let mut pos = 1;
    let mut last_end = None;
    while let Some(&b) = i.get(pos) {
        match b {
            b'\n' => break,
            b'\\' => match i.get(pos + 1) {
                Some(&c) if c != b'\n' => pos += 2,
                _ => break,
            },
            b'\'' => {
                last_end = Some(pos + 1);
                if i.get(pos + 1) == Some(&b'\'') {
                    pos += 2;
                } else {
                    break;
                }
            }
            _ => pos += 1,
        }
    }
    last_end
}

/// The value of a STRING token as the server stores it (`DeescapeQuotedString` in 14+,
/// `GUC_scanstr` in 12–13; the same logic).
///
/// The server works on a C string, so the token is cut at its first NUL byte before
/// decoding; decoding skips the opening quote and drops the last decoded byte (normally the
/// closing quote); the result is cut again at the first NUL (`'\0'` ends it). Escapes:
/// `\b \f \n \r \t`, one to three octal digits, any other byte stands for itself (no `\x`);
/// `''` is a quote.
pub fn deescape_quoted_string(token: &[u8]) -> Vec<u8> {
    let s = match memchr::memchr(0, token) {
        Some(nul) => &token[..nul],
        None => token,
    };
    if s.is_empty() {
        return Vec::new();
    }
    let s = &s[1..];
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c == b'\\' {
            i += 1;
            let e = at(i);
            match e {
                b'b' => out.push(0x08),
                b'f' => out.push(0x0c),
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b't' => out.push(b'\t'),
                b'0'..=b'7' => {
                    let mut value: u32 = 0;
                    let mut k = 0;
                    while k < 3 && matches!(at(i + k), b'0'..=b'7') {
                        value = (value << 3) + u32::from(at(i + k) - b'0');
                        k += 1;
                    }
                    i += k - 1;
                    out.push(value as u8);
                }
                other => out.push(other),
            }
        } else if c == b'\'' && at(i + 1) == b'\'' {
            i += 1;
            out.push(b'\'');
        } else {
            out.push(c);
        }
        i += 1;
    }
    out.pop();
    if let Some(nul) = memchr::memchr(0, &out) {
        out.truncate(nul);
    }
    out
}

/// Quotes a value the way `ALTER SYSTEM` writes it into `postgresql.auto.conf`: always in
/// single quotes, with every `'` and `\` doubled (`escape_single_quotes_ascii`).
pub fn quote_value(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 2);
    out.push(b'\'');
    for &b in value {
        if b == b'\'' || b == b'\\' {
            out.push(b);
        }
        out.push(b);
    }
    out.push(b'\'');
    out
}

fn to_span(start: usize, end: usize) -> Span {
    Span::new(start as u32, end as u32)
}

#[cfg(test)]
mod tests;
