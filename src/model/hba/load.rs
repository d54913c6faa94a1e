//! Reading auth files with `@file` expansion and (16+) `include` directives: the part of
//! `tokenize_auth_file`, `next_field_expand`, `tokenize_expand_file` (16+; `tokenize_inc_file`
//! in 12–15), `tokenize_include_file` and `open_auth_file` (hba.c) that needs the file system.
//! Shared by pg_hba and pg_ident.

use std::collections::HashMap;
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::model::fs::{ExpansionBudget, FileSystem, os_message};
use crate::model::version::PgVersion;
use crate::source::{FileBytes, SourceFile};
use crate::syntax::auth::{AuthLines, Field, Fields, Token, TokenizeRules, physical_line_count};

/// `CONF_FILE_MAX_DEPTH` (16+). 12–15 have no limit for `@file`; a self-reference crashes
/// the server, so pgconf stops at [`UNLIMITED_DEPTH_CAP`] with a message of its own.
const CONF_FILE_MAX_DEPTH: u32 = 10;
const UNLIMITED_DEPTH_CAP: u32 = 64;

/// One file read while loading: main file, `@file`s and included files.
#[derive(Debug)]
pub struct LoadedSource {
    pub source: SourceFile,
    /// How many physical lines the file has (what [`ExpansionBudget`] counts).
    phys_lines: u64,
    pub lines: AuthLines,
    /// The path as the view shows it: relative to the main file's folder when below it.
    pub display: String,
}

impl LoadedSource {
    /// The fields of this file's tokens `tokens` (a line's: [`AuthLines::token_range`]),
    /// this file being file `id` of the load: [`AuthSources::fields`] of a line as written,
    /// without finding the file and the line's tokens again.
    #[inline(always)]
    pub(crate) fn fields_in(&self, id: u32, tokens: (u32, u32)) -> LineFieldIter<'_> {
        LineFieldIter::Own {
            file: id,
            source: self,
            fields: self.lines.fields_in(tokens),
            rest: &self.lines.tokens[tokens.0 as usize..tokens.1 as usize],
        }
    }
}

/// A token of a record, in whichever file it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokRef {
    pub file: u32,
    pub token: u32,
}

/// `TokenizedAuthLine`: one logical line after `@file` expansion. Its fields are read through
/// [`AuthSources::fields`].
#[derive(Debug, Clone)]
pub struct TokLine {
    pub file: u32,
    /// Index into that file's [`AuthLines::lines`].
    pub line: u32,
    pub line_number: u32,
    /// [`OWN_FIELDS`]: the fields of its `AuthLine`, as written (nearly every line); else
    /// the index of its range in [`AuthSources`]' list of expanded lines. The list holds a
    /// `TokLine` for every record: this makes it 24 bytes, not 32.
    fields: u32,
    /// Boxed: few lines have one, and the list holds a `TokLine` for every record (36 bytes
    /// in place were most of its 64).
    pub err: Option<Box<TokLineError>>,
}

/// [`TokLine::fields`] of a line whose fields are its `AuthLine`'s.
const OWN_FIELDS: u32 = u32::MAX;

impl TokLine {
    /// Line `line` of file `file` as written: its fields are its `AuthLine`'s.
    pub(crate) fn as_written(file: u32, line: u32, line_number: u32) -> TokLine {
        TokLine {
            file,
            line,
            line_number,
            fields: OWN_FIELDS,
            err: None,
        }
    }
}

#[cfg(target_pointer_width = "64")]
const _: () = assert!(size_of::<TokLine>() == 24);

/// Why a line could not be read (`TokenizedAuthLine.err_msg`).
#[derive(Debug, Clone)]
pub struct TokLineError {
    pub message: String,
    /// The token the message is about, when it has one: the `@file` or the include target
    /// that could not be read (lint labels point there).
    pub at: Option<TokRef>,
}

/// Where the fields of a [`TokLine`] are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineFields {
    /// As written: the fields of this range of its file's own [`AuthLines::tokens`]. Nearly
    /// every line is one, and pointing at them saves a copy of each token's reference (1.6 MB
    /// for a file of 20,000 records).
    Own(u32, u32),
    /// With `@file`s expanded (or cut short by an error): this range of the load's own field
    /// list ([`AuthSources::fields`]).
    Expanded(u32, u32),
}

impl LineFields {
    /// No fields: a line's own tokens are all in its fields, so no tokens is no fields.
    fn is_empty(self) -> bool {
        let (LineFields::Own(start, end) | LineFields::Expanded(start, end)) = self;
        start == end
    }
}

/// The tokens of one field of a [`TokLine`], in order; never empty.
#[derive(Debug, Clone, Copy)]
pub enum FieldTokens<'a> {
    /// A run of a file's own tokens (nearly every field): the tokens themselves, so that
    /// a record's reading looks at them without finding each through its [`TokRef`] (the
    /// file, then the token, each bounds-checked). The first is token `first` of file
    /// `file`.
    Own {
        file: u32,
        first: u32,
        tokens: &'a [Token],
        source: &'a LoadedSource,
    },
    /// References to tokens in whichever files `@file`s brought them from.
    Expanded(&'a [TokRef]),
}

impl<'a> FieldTokens<'a> {
    #[inline]
    pub fn len(&self) -> usize {
        match *self {
            FieldTokens::Own { tokens, .. } => tokens.len(),
            FieldTokens::Expanded(refs) => refs.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> Option<TokRef> {
        (i < self.len()).then(|| self.at(i))
    }

    /// The `i`th token; `i` must be below [`Self::len`].
    #[inline]
    fn at(&self, i: usize) -> TokRef {
        match *self {
            FieldTokens::Own { file, first, .. } => TokRef {
                file,
                token: first + i as u32,
            },
            FieldTokens::Expanded(refs) => refs[i],
        }
    }

    /// The first token: a field is never empty.
    pub fn first(&self) -> TokRef {
        self.at(0)
    }

    pub fn iter(self) -> impl ExactSizeIterator<Item = TokRef> + DoubleEndedIterator + Clone + 'a {
        (0..self.len()).map(move |i| self.at(i))
    }

    /// The `i`th token with what is read of it, if there is one.
    #[inline(always)]
    pub fn token(&self, i: usize, src: &'a AuthSources) -> Option<TokenAt<'a>> {
        match *self {
            FieldTokens::Own {
                file,
                first,
                tokens,
                source,
            } => Some(TokenAt {
                at: TokRef {
                    file,
                    token: first + i as u32,
                },
                token: tokens.get(i)?,
                source,
            }),
            FieldTokens::Expanded(refs) => Some(src.token_at(*refs.get(i)?)),
        }
    }

    /// The token of a field that takes one value, or its second token (where the server's
    /// "multiple values specified" points).
    #[inline(always)]
    pub fn single(&self, src: &'a AuthSources) -> Result<TokenAt<'a>, TokRef> {
        if self.len() > 1 {
            return Err(self.at(1));
        }
        // A field is never empty.
        self.token(0, src).ok_or_else(|| self.at(0))
    }
}

/// A token of a field, with its file: what a record's reading asks of it, without looking
/// it up again.
#[derive(Debug, Clone, Copy)]
pub struct TokenAt<'a> {
    pub at: TokRef,
    token: &'a Token,
    source: &'a LoadedSource,
}

impl<'a> TokenAt<'a> {
    /// The de-quoted text ([`AuthSources::text`]).
    #[inline(always)]
    pub fn text(&self) -> &'a [u8] {
        self.source
            .lines
            .text(self.token, self.source.source.bytes())
    }

    /// Started with `"`.
    #[inline(always)]
    pub fn quoted(&self) -> bool {
        self.token.quoted
    }

    /// The token's bytes in the file, quotes and line joints included: its text when it has
    /// neither (which the caller must know from what the bytes are).
    #[inline(always)]
    pub fn written(&self) -> &'a [u8] {
        self.source
            .source
            .bytes()
            .get(self.token.span.range())
            .unwrap_or_default()
    }

    /// The first byte of the de-quoted text, told from the file when the token is not
    /// quoted (its text then starts with its first byte there, as `may_expand` relies on):
    /// a record's names are asked whether they start with `/`, and nearly none needs its
    /// text for more.
    #[inline(always)]
    pub fn first_byte(&self) -> Option<u8> {
        if self.token.quoted {
            return self.text().first().copied();
        }
        self.source
            .source
            .bytes()
            .get(self.token.span.start as usize)
            .copied()
    }
}

/// The fields of a [`TokLine`] ([`AuthSources::fields`]). A type of its own rather than a
/// `map` over the field indexes: that closure, which tested the kind per field, was not
/// inlined (+1 M instructions for 100,000 fields).
#[derive(Debug, Clone)]
pub(crate) enum LineFieldIter<'a> {
    /// The line's own fields, in its file's tokens: `rest` are the tokens of the fields not
    /// yet yielded, which a field is cut from (one bounds check, where slicing the file's
    /// tokens by the field's range was two and a multiplication).
    Own {
        file: u32,
        source: &'a LoadedSource,
        fields: Fields<'a>,
        rest: &'a [Token],
    },
    Expanded {
        fields: std::slice::Iter<'a, Field>,
        tokens: &'a [TokRef],
    },
}

impl<'a> Iterator for LineFieldIter<'a> {
    type Item = FieldTokens<'a>;

    // Called once per field of every record: out of line it was ~13 instructions a call.
    #[inline(always)]
    fn next(&mut self) -> Option<FieldTokens<'a>> {
        self.step(false)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.len();
        (n, Some(n))
    }
}

impl ExactSizeIterator for LineFieldIter<'_> {
    #[inline]
    fn len(&self) -> usize {
        match self {
            LineFieldIter::Own { fields, .. } => fields.len(),
            LineFieldIter::Expanded { fields, .. } => fields.len(),
        }
    }
}

impl DoubleEndedIterator for LineFieldIter<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        self.step(true)
    }
}

impl<'a> LineFieldIter<'a> {
    /// The next field from the front, or from the back when `back`.
    #[inline(always)]
    fn step(&mut self, back: bool) -> Option<FieldTokens<'a>> {
        match self {
            LineFieldIter::Own {
                file,
                source,
                fields,
                rest,
            } => {
                let f = if back {
                    fields.next_back()
                } else {
                    fields.next()
                }?;
                let (first, end) = f.tokens;
                let len = (end - first) as usize;
                let tokens = if back {
                    let (before, field) = rest.split_at(rest.len() - len);
                    *rest = before;
                    field
                } else {
                    let (field, after) = rest.split_at(len);
                    *rest = after;
                    field
                };
                Some(FieldTokens::Own {
                    file: *file,
                    first,
                    tokens,
                    source,
                })
            }
            LineFieldIter::Expanded { fields, tokens } => {
                let f = if back {
                    fields.next_back()
                } else {
                    fields.next()
                }?;
                Some(FieldTokens::Expanded(
                    &tokens[f.tokens.0 as usize..f.tokens.1 as usize],
                ))
            }
        }
    }
}

/// All files of one load, and the fields of its tokenized lines that `@file`s changed.
///
/// Those fields live in two flat lists (each [`Field`] a range of `tokens`, as a file's own
/// fields are ranges of its tokens) rather than a `Vec<Vec<TokRef>>` per line: a line's
/// fields were one allocation each plus one for the list.
#[derive(Debug, Default)]
pub struct AuthSources {
    pub files: Vec<LoadedSource>,
    fields: Vec<Field>,
    tokens: Vec<TokRef>,
    /// The field ranges (of `fields`) of the tokenized lines that `@file`s changed.
    expanded: Vec<(u32, u32)>,
}

impl AuthSources {
    /// The fields of `line`, each its tokens, in order.
    #[inline(always)]
    pub fn fields<'a>(
        &'a self,
        line: &TokLine,
    ) -> impl ExactSizeIterator<Item = FieldTokens<'a>> + DoubleEndedIterator + Clone + 'a {
        self.fields_at(line.file, self.line_fields(line))
    }

    /// [`Self::fields`], as the iterator's own type (`load_hba` reads lines as written
    /// and listed lines in one loop).
    #[inline(always)]
    pub(crate) fn line_field_iter<'a>(&'a self, line: &TokLine) -> LineFieldIter<'a> {
        self.fields_at(line.file, self.line_fields(line))
    }

    #[inline(always)]
    fn line_fields(&self, line: &TokLine) -> LineFields {
        if line.fields == OWN_FIELDS {
            let (start, end) = self.files[line.file as usize]
                .lines
                .token_range(line.line as usize);
            LineFields::Own(start, end)
        } else {
            let (start, end) = self.expanded[line.fields as usize];
            LineFields::Expanded(start, end)
        }
    }

    /// [`TokLine::fields`] for `fields`, which for [`LineFields::Own`] are the line's own.
    fn store_fields(&mut self, fields: LineFields) -> u32 {
        match fields {
            LineFields::Own(..) => OWN_FIELDS,
            LineFields::Expanded(start, end) => {
                self.expanded.push((start, end));
                (self.expanded.len() - 1) as u32
            }
        }
    }

    #[inline(always)]
    fn fields_at(&self, file: u32, fields: LineFields) -> LineFieldIter<'_> {
        match fields {
            LineFields::Own(start, end) => self.files[file as usize].fields_in(file, (start, end)),
            LineFields::Expanded(start, end) => LineFieldIter::Expanded {
                fields: self.fields[start as usize..end as usize].iter(),
                tokens: &self.tokens,
            },
        }
    }

    /// The first token of the line's first field: what says what kind of line it is.
    pub fn first_token(&self, line: &TokLine) -> Option<TokRef> {
        self.fields(line).next().map(|field| field.first())
    }

    /// Where the field and token lists end, to roll them back to.
    fn mark(&self) -> (usize, usize) {
        (self.fields.len(), self.tokens.len())
    }

    fn truncate(&mut self, (fields, tokens): (usize, usize)) {
        self.fields.truncate(fields);
        self.tokens.truncate(tokens);
    }

    /// Ends the field whose tokens start at `start` (the list's end), unless it is empty.
    fn close_field(&mut self, start: usize) {
        if self.tokens.len() > start {
            self.fields.push(Field {
                tokens: (start as u32, self.tokens.len() as u32),
            });
        }
    }

    /// Takes the fields from `mark` on off the lists (with token ranges relative to them).
    fn detach(&mut self, mark: (usize, usize)) -> Detached {
        let base = mark.1 as u32;
        let fields = self.fields[mark.0..]
            .iter()
            .map(|f| (f.tokens.0 - base, f.tokens.1 - base))
            .collect();
        let tokens = self.tokens[mark.1..].to_vec();
        self.truncate(mark);
        Detached { fields, tokens }
    }

    /// Appends detached fields again; returns their range.
    fn reattach(&mut self, detached: Detached) -> (u32, u32) {
        let first = self.fields.len() as u32;
        let base = self.tokens.len() as u32;
        self.tokens.extend(detached.tokens);
        self.fields
            .extend(detached.fields.into_iter().map(|(start, end)| Field {
                tokens: (start + base, end + base),
            }));
        (first, self.fields.len() as u32)
    }

    /// Token `r` with its file ([`TokenAt`]).
    #[inline(always)]
    pub fn token_at(&self, r: TokRef) -> TokenAt<'_> {
        let source = &self.files[r.file as usize];
        TokenAt {
            at: r,
            token: &source.lines.tokens[r.token as usize],
            source,
        }
    }

    pub fn token(&self, r: TokRef) -> &Token {
        &self.files[r.file as usize].lines.tokens[r.token as usize]
    }

    #[inline(always)]
    pub fn text(&self, r: TokRef) -> &[u8] {
        let f = &self.files[r.file as usize];
        f.lines
            .text(&f.lines.tokens[r.token as usize], f.source.bytes())
    }

    /// [`Self::text`] and [`Self::quoted`] with one lookup of the token: a record's names and
    /// address need both.
    #[inline(always)]
    pub fn text_and_quoted(&self, r: TokRef) -> (&[u8], bool) {
        let f = &self.files[r.file as usize];
        let token = &f.lines.tokens[r.token as usize];
        (f.lines.text(token, f.source.bytes()), token.quoted)
    }

    pub fn quoted(&self, r: TokRef) -> bool {
        self.token(r).quoted
    }

    /// Whether any of the tokens `tokens` of file `file` may be an `@file` reference.
    /// Nearly no line has one: asking [`Self::may_expand`] of each token was most of the
    /// cost of a load's token lists, when every line's tokens were copied to them.
    fn may_expand_any(&self, file: u32, tokens: (u32, u32)) -> bool {
        let f = &self.files[file as usize];
        // A quoted token starts with `"`: see `may_expand`.
        let bytes = f.source.bytes();
        f.lines.tokens[tokens.0 as usize..tokens.1 as usize]
            .iter()
            .any(|t| bytes.get(t.span.start as usize) == Some(&b'@'))
    }

    /// Whether a line with fields `fields` may start with `include`, `include_if_exists` or
    /// `include_dir`: for a line as written, whether its first token's first byte is `i`
    /// (or `"`, as a quoted token's text may still be one).
    fn may_be_directive(&self, file: u32, fields: LineFields) -> bool {
        let LineFields::Own(first, _) = fields else {
            return true;
        };
        let f = &self.files[file as usize];
        let start = f.lines.tokens[first as usize].span.start;
        matches!(f.source.bytes().get(start as usize), Some(b'i' | b'"'))
    }

    /// Whether a line with fields `fields` is an include directive: two fields, the first
    /// of them `include`, `include_if_exists` or `include_dir` (unquoted or not: as the server
    /// compares the token's text).
    fn is_directive(&self, file: u32, fields: LineFields) -> bool {
        let mut fields = self.fields_at(file, fields);
        fields.len() == 2
            && fields
                .next()
                .is_some_and(|keyword| Include::of(self.text(keyword.first())).is_some())
    }

    /// Whether `r` may be an `@file` reference, told without its de-quoted text (which
    /// nearly no token has: this is asked of every token): an unquoted token's text starts
    /// with the token's first byte in the file, and a quoted token's first byte is `"`.
    fn may_expand(&self, r: TokRef) -> bool {
        let f = &self.files[r.file as usize];
        let token = &f.lines.tokens[r.token as usize];
        f.source.bytes().get(token.span.start as usize) == Some(&b'@')
    }

    /// The first byte of a token's de-quoted text ([`TokenAt::first_byte`]).
    #[inline(always)]
    pub fn first_byte(&self, r: TokRef) -> Option<u8> {
        self.token_at(r).first_byte()
    }
}

/// Fields taken off [`AuthSources`]' lists, to be put back elsewhere.
struct Detached {
    fields: Vec<(u32, u32)>,
    tokens: Vec<TokRef>,
}

/// Why the main file could not be read (the CLI reports it; the server would not start).
#[derive(Debug)]
pub struct AuthLoadError {
    pub path: PathBuf,
    pub error: io::Error,
}

impl std::fmt::Display for AuthLoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "could not open file \"{}\": {}",
            self.path.display(),
            os_message(&self.error)
        )
    }
}

impl std::error::Error for AuthLoadError {}

pub(crate) struct Loader<'a> {
    fs: &'a dyn FileSystem,
    version: PgVersion,
    rules: TokenizeRules,
    root: PathBuf,
    pub sources: AuthSources,
    cache: HashMap<PathBuf, u32>,
    /// A cached file is tokenized again for every reference: includes and `@file`s that fan
    /// out are bounded here (a 16+ server's own loop would not end).
    budget: ExpansionBudget,
}

impl<'a> Loader<'a> {
    /// Reads the main file; `Err` when it cannot be read.
    pub fn start(
        fs: &'a dyn FileSystem,
        path: &Path,
        version: PgVersion,
    ) -> Result<(Loader<'a>, u32), AuthLoadError> {
        let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut loader = Loader {
            fs,
            version,
            rules: TokenizeRules::for_version(version),
            root,
            sources: AuthSources::default(),
            cache: HashMap::new(),
            budget: ExpansionBudget::new(),
        };
        let bytes = fs.read(path).map_err(|error| AuthLoadError {
            path: path.to_path_buf(),
            error,
        })?;
        let display = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let id = loader.add(path.to_path_buf(), bytes, display);
        Ok((loader, id))
    }

    fn add(&mut self, path: PathBuf, bytes: FileBytes, display: String) -> u32 {
        // The reader finds the line index as it reads the logical lines (no list of the
        // physical lines, which would be dropped right after).
        let (lines, line_starts) = AuthLines::read_indexing(&bytes, self.rules);
        let source = SourceFile::with_line_starts(path.clone(), bytes, line_starts);
        let phys_lines = physical_line_count(source.bytes(), source.line_starts());
        let id = self.sources.files.len() as u32;
        self.sources.files.push(LoadedSource {
            source,
            phys_lines: phys_lines as u64,
            lines,
            display,
        });
        self.cache.insert(path, id);
        id
    }

    /// How a path appears in messages and `file_name`: relative to the main file's folder.
    pub fn display(&self, path: &Path) -> String {
        match path.strip_prefix(&self.root) {
            Ok(rel) if !self.root.as_os_str().is_empty() => rel.display().to_string(),
            _ => path.display().to_string(),
        }
    }

    /// `AbsoluteConfigLocation` + `canonicalize_path`: relative to the referring file's folder,
    /// `.` and `x/..` removed lexically.
    fn resolve(&self, name: &[u8], outer: u32) -> PathBuf {
        let name = Path::new(bytes_to_os(name));
        let joined = if name.is_absolute() {
            name.to_path_buf()
        } else {
            let outer_path = self.sources.files[outer as usize].source.path();
            outer_path
                .parent()
                .map(|p| p.join(name))
                .unwrap_or_else(|| name.to_path_buf())
        };
        canonicalize(&joined)
    }

    /// `open_auth_file`: the file id, or the error message and whether it was ENOENT.
    fn open(&mut self, path: &Path, depth: u32) -> Result<u32, (String, bool)> {
        let shown = self.display(path);
        if self.version.at_least(16) && depth > CONF_FILE_MAX_DEPTH {
            return Err((
                format!("could not open file \"{shown}\": maximum nesting depth exceeded"),
                false,
            ));
        }
        if depth > UNLIMITED_DEPTH_CAP {
            return Err((
                format!(
                    "could not open file \"{shown}\": pgconf stopped a self-referencing @file (the server runs out of stack)"
                ),
                false,
            ));
        }
        if let Some(&id) = self.cache.get(path) {
            // Read before: tokenized again for this reference.
            let file = &self.sources.files[id as usize];
            let (len, lines) = (u64::from(file.source.len()), file.phys_lines);
            return match self.budget.charge(true, len, lines) {
                Ok(()) => Ok(id),
                Err(reason) => Err((format!("could not open file \"{shown}\": {reason}"), false)),
            };
        }
        match self.fs.read(path) {
            Ok(bytes) => Ok(self.add(path.to_path_buf(), bytes, shown)),
            // fopen() of a directory succeeds and reading it fails: 14+ read no lines.
            Err(e) if e.kind() == io::ErrorKind::IsADirectory && self.version.at_least(14) => {
                Ok(self.add(path.to_path_buf(), FileBytes::default(), shown))
            }
            Err(e) if e.kind() == io::ErrorKind::IsADirectory => Err((
                format!("could not read file \"{shown}\": Is a directory"),
                false,
            )),
            Err(e) => Err((
                format!("could not open file \"{shown}\": {}", os_message(&e)),
                e.kind() == io::ErrorKind::NotFound,
            )),
        }
    }

    /// `tokenize_auth_file` for the main file: its tokenized lines, in server order. The list
    /// is sized once for the main file's own lines (includes may add more): grown from empty
    /// it was copied 13 times on a file of 20,000 records.
    pub fn tokenize_main(&mut self, main: u32) -> Vec<TokLine> {
        let own = &self.sources.files[main as usize].lines;
        // A rejected line has no fields.
        let count = own.lines_with_fields() + own.error_count();
        let mut out = Vec::with_capacity(count);
        self.tokenize_file(main, 0, &mut out);
        out
    }

    /// [`Self::tokenize_main`], unless its lines would be the main file's lines as written:
    /// no `@file` and no include directive, which is nearly always so. Such a line is
    /// [`TokLine::as_written`] of its `AuthLine`, and those with fields or an error are the
    /// tokenized lines, in order: a list of them is not needed (it was 24 bytes a line and
    /// ~150 instructions a line to build for a file of 20,000 records).
    pub fn tokenize_main_if_changed(&mut self, main: u32) -> MainLines {
        match self.as_written(main) {
            Some(with_fields) => MainLines::AsWritten { with_fields },
            None => MainLines::Listed(self.tokenize_main(main)),
        }
    }

    /// Whether [`Self::tokenize_file`] would make file `file`'s lines as written: no token
    /// may be an `@file` reference, and (16+) no line is an include directive. If so, how
    /// many lines have fields.
    fn as_written(&self, file: u32) -> Option<usize> {
        let f = &self.sources.files[file as usize];
        let bytes = f.source.bytes();
        // A token that may be an `@file` starts with `@` in the file (`may_expand`); tokens
        // start at increasing offsets. Few `@`s are at a token (comments have some): a search
        // of the bytes costs less than a look at every token's first byte.
        let tokens = &f.lines.tokens;
        let at_token = memchr::memchr_iter(b'@', bytes).any(|at| {
            tokens
                .binary_search_by_key(&(at as u32), |t| t.span.start)
                .is_ok()
        });
        if at_token {
            return None;
        }
        let directives = self.version.at_least(16);
        let mut with_fields = 0;
        for line in 0..f.lines.lines.len() {
            let (start, end) = f.lines.token_range(line);
            if start == end {
                continue;
            }
            with_fields += 1;
            // As in `tokenize_file`, a line's fields are read only if its first byte may
            // start a keyword.
            let fields = LineFields::Own(start, end);
            if directives
                && self.sources.may_be_directive(file, fields)
                && self.sources.is_directive(file, fields)
            {
                return None;
            }
        }
        Some(with_fields)
    }

    /// `tokenize_auth_file` for file `file` at include depth `depth`, appending to `out`.
    fn tokenize_file(&mut self, file: u32, depth: u32, out: &mut Vec<TokLine>) {
        let nlines = self.sources.files[file as usize].lines.lines.len();
        for li in 0..nlines {
            if self.budget.exhausted() {
                break;
            }
            let (line_number, error, tokens) = {
                let lines = &self.sources.files[file as usize].lines;
                (
                    lines.lines[li].line_number,
                    lines.error(li),
                    lines.token_range(li),
                )
            };
            let mark = self.sources.mark();
            let (mut fields, mut err, mut err_at) = match error {
                Some(e) => (
                    LineFields::Expanded(mark.0 as u32, mark.0 as u32),
                    Some(e.message().to_string()),
                    None,
                ),
                None => self.push_fields(file, tokens, depth),
            };
            if fields.is_empty() && err.is_none() {
                continue;
            }
            // Counting a line's fields takes a look at each of its tokens: only 16+ asks, and
            // only of a line that may start with a keyword.
            if self.version.at_least(16)
                && err.is_none()
                && self.sources.may_be_directive(file, fields)
                && self.sources.fields_at(file, fields).len() == 2
            {
                match self.include_directive(file, depth, fields, mark, out) {
                    Directive::NotOne => {}
                    Directive::Read => continue,
                    Directive::Failed(e, at, kept) => {
                        (err, err_at, fields) = (Some(e), Some(at), kept)
                    }
                }
            }
            let fields = self.sources.store_fields(fields);
            out.push(TokLine {
                file,
                line: li as u32,
                line_number,
                fields,
                err: err.map(|message| {
                    Box::new(TokLineError {
                        message,
                        at: err_at,
                    })
                }),
            });
        }
    }

    /// `next_field_expand` for each field of one line: the line's own fields when no token
    /// may be an `@file`; otherwise its fields pushed on the lists, `@file`s expanded in
    /// place. An error stops the line (keeping what was read) and is returned with the token
    /// it is about.
    fn push_fields(
        &mut self,
        file: u32,
        tokens: (u32, u32),
        depth: u32,
    ) -> (LineFields, Option<String>, Option<TokRef>) {
        if !self.sources.may_expand_any(file, tokens) {
            return (LineFields::Own(tokens.0, tokens.1), None, None);
        }
        // Few lines come here: their fields are listed before the load's lists grow.
        let own: Vec<Field> = self.sources.files[file as usize]
            .lines
            .fields_in(tokens)
            .collect();
        let first = self.sources.fields.len() as u32;
        for Field { tokens: (t0, t1) } in own {
            let start = self.sources.tokens.len();
            for token in t0..t1 {
                let r = TokRef { file, token };
                if !self.sources.may_expand(r) {
                    self.sources.tokens.push(r);
                    continue;
                }
                let text = self.sources.text(r);
                if self.sources.quoted(r) || text.len() < 2 || text[0] != b'@' {
                    self.sources.tokens.push(r);
                    continue;
                }
                let name = text[1..].to_vec();
                if let Some(e) = self.expand_file(&name, file, depth + 1) {
                    self.sources.close_field(start);
                    let pushed = LineFields::Expanded(first, self.sources.fields.len() as u32);
                    return (pushed, Some(e), Some(r));
                }
            }
            self.sources.close_field(start);
        }
        let pushed = LineFields::Expanded(first, self.sources.fields.len() as u32);
        (pushed, None, None)
    }

    /// A 16+ `include`, `include_if_exists` or `include_dir` line (two fields; if on the
    /// lists, from `mark` on): the included lines are appended to `out`. The line's fields
    /// on the lists are taken off them first, so that the included lines' tokens follow the
    /// tokens before them (see [`Loader::expand_file`]), and put back when the line stays as
    /// an error.
    fn include_directive(
        &mut self,
        file: u32,
        depth: u32,
        fields: LineFields,
        mark: (usize, usize),
        out: &mut Vec<TokLine>,
    ) -> Directive {
        let (keyword, target) = {
            let mut fields = self.sources.fields_at(file, fields).map(|f| f.first());
            match (fields.next(), fields.next()) {
                (Some(keyword), Some(target)) => (keyword, target),
                _ => return Directive::NotOne,
            }
        };
        let Some(keyword) = Include::of(self.sources.text(keyword)) else {
            return Directive::NotOne;
        };
        let name = self.sources.text(target).to_vec();
        let own = match fields {
            LineFields::Own(..) => None,
            LineFields::Expanded(..) => Some(self.sources.detach(mark)),
        };
        let error = match keyword {
            Include::File { missing_ok } => {
                let path = self.resolve(&name, file);
                self.include_file(&path, depth + 1, missing_ok, out)
            }
            Include::Dir => self.include_dir(&name, file, depth, out),
        };
        match error {
            None => Directive::Read,
            Some(e) => {
                let fields = match own {
                    None => fields,
                    Some(own) => {
                        let (first, end) = self.sources.reattach(own);
                        LineFields::Expanded(first, end)
                    }
                };
                Directive::Failed(e, target, fields)
            }
        }
    }

    /// `tokenize_include_file`: `None` when the file was read (or skipped as missing).
    fn include_file(
        &mut self,
        path: &Path,
        depth: u32,
        missing_ok: bool,
        out: &mut Vec<TokLine>,
    ) -> Option<String> {
        match self.open(path, depth) {
            Ok(id) => {
                self.tokenize_file(id, depth, out);
                None
            }
            Err((_, true)) if missing_ok => None,
            Err((msg, _)) => Some(msg),
        }
    }

    /// `include_dir` via `GetConfFilesInDir` (conffiles.c): non-hidden `*.conf` entries that
    /// are not directories, sorted byte-wise. Errors of several files are joined by `\n`; as in
    /// the server, once one file failed its message is repeated for each later file.
    fn include_dir(
        &mut self,
        name: &[u8],
        outer: u32,
        depth: u32,
        out: &mut Vec<TokLine>,
    ) -> Option<String> {
        if name.is_empty() {
            return Some("empty configuration directory name".to_string());
        }
        let dir = self.resolve(name, outer);
        let entries = match self.fs.read_dir(&dir) {
            Ok(e) => e,
            Err(_) => {
                return Some(format!(
                    "could not open directory \"{}\"",
                    self.display(&dir)
                ));
            }
        };
        let mut names: Vec<Vec<u8>> = entries
            .into_iter()
            .filter(|e| !e.is_dir)
            .map(|e| os_to_bytes(&e.name))
            .filter(|n| !n.starts_with(b".") && n.len() >= 6 && n.ends_with(b".conf"))
            .collect();
        names.sort();
        let mut err: Option<String> = None;
        let mut acc = String::new();
        for n in names {
            let path = dir.join(bytes_to_os(&n));
            if let Some(e) = self.include_file(&path, depth + 1, false, out) {
                err = Some(e);
            }
            if let Some(e) = &err {
                if !acc.is_empty() {
                    acc.push('\n');
                }
                acc.push_str(e);
            }
        }
        (!acc.is_empty()).then_some(acc)
    }

    /// `tokenize_expand_file` (16+) / `tokenize_inc_file` (12–15): all tokens of all lines of
    /// the file, flattened into the current field (the last one on the lists); the first error
    /// line's message wins, and the tokens before it stay.
    fn expand_file(&mut self, name: &[u8], outer: u32, depth: u32) -> Option<String> {
        let path = self.resolve(name, outer);
        let id = match self.open(&path, depth) {
            Ok(id) => id,
            Err((msg, _)) => {
                return Some(if self.version.at_least(16) {
                    msg
                } else {
                    old_secondary_message(&msg, name, &self.display(&path))
                });
            }
        };
        let mark = self.sources.mark();
        let expanded = self.sources.expanded.len();
        let mut lines = Vec::new();
        self.tokenize_file(id, depth, &mut lines);
        // Flattening the file's lines into the current field is dropping their field
        // boundaries. Those with an `@file` pushed their tokens on the lists, after the
        // current field's; the others' are in their files.
        let mut flat = Vec::new();
        let mut error = None;
        for line in lines {
            if let Some(e) = line.err {
                error = Some(e.message);
                break;
            }
            flat.extend(self.sources.fields(&line).flat_map(FieldTokens::iter));
        }
        self.sources.truncate(mark);
        self.sources.expanded.truncate(expanded);
        self.sources.tokens.extend(flat);
        error
    }
}

/// The main file's tokenized lines ([`Loader::tokenize_main_if_changed`]).
pub(crate) enum MainLines {
    /// Its lines as written; `with_fields` of them have fields.
    AsWritten { with_fields: usize },
    /// After `@file`s and includes.
    Listed(Vec<TokLine>),
}

/// What a line of two fields is to [`Loader::include_directive`].
enum Directive {
    /// Not an include directive: an ordinary line.
    NotOne,
    /// Included (or skipped as missing): the line itself is not a record.
    Read,
    /// The error, the target's token, and the line's fields, put back.
    Failed(String, TokRef, LineFields),
}

enum Include {
    File { missing_ok: bool },
    Dir,
}

impl Include {
    /// The directive a line's first token names (compared as the server compares the
    /// token's text: quoted or not).
    fn of(keyword: &[u8]) -> Option<Include> {
        match keyword {
            b"include" => Some(Include::File { missing_ok: false }),
            b"include_if_exists" => Some(Include::File { missing_ok: true }),
            b"include_dir" => Some(Include::Dir),
            _ => None,
        }
    }
}

/// 12–15 word the open failure of an `@file` differently.
fn old_secondary_message(msg: &str, name: &[u8], shown: &str) -> String {
    if let Some(rest) = msg.strip_prefix("could not open file \"")
        && let Some(i) = rest.find("\": ")
    {
        return format!(
            "could not open secondary authentication file \"@{}\" as \"{}\": {}",
            crate::source::text::escape_bytes(name),
            shown,
            &rest[i + 3..]
        );
    }
    msg.to_string()
}

/// `canonicalize_path`, lexically: drop `.` components, fold `x/..`.
pub(crate) fn canonicalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) => {}
                _ => out.push(c),
            },
            _ => out.push(c),
        }
    }
    out.iter().collect()
}

#[cfg(unix)]
fn bytes_to_os(b: &[u8]) -> &std::ffi::OsStr {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(b)
}

#[cfg(unix)]
fn os_to_bytes(s: &std::ffi::OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    s.as_bytes().to_vec()
}

#[cfg(not(unix))]
fn bytes_to_os(b: &[u8]) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(std::str::from_utf8(b).unwrap_or(""))
}

#[cfg(not(unix))]
fn os_to_bytes(s: &std::ffi::OsStr) -> Vec<u8> {
    s.to_string_lossy().as_bytes().to_vec()
}
