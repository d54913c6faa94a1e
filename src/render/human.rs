//! The default output: codespan-reporting snippets with labels, notes, the fix as `help:`, a
//! pointer to the rule's page, and a one-line summary.
//!
//! Files are shown as lossy UTF-8 with control characters replaced by their visible symbols,
//! so odd bytes never break a terminal or split a character. Codespan gets only the lines a
//! finding shows, with their real line numbers (our own `codespan_reporting::files::Files`), and
//! an offset map per odd line turns our byte spans into offsets of that display text.

use std::io;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use codespan_reporting::diagnostic::{
    Diagnostic as CsDiagnostic, Label as CsLabel, Severity as CsSeverity,
};
use codespan_reporting::files;
use codespan_reporting::term::termcolor::Ansi;
use codespan_reporting::term::{self, Config};

#[cfg(test)]
use super::Totals;
use super::display_path;
use crate::diagnostic::{Applicability, Diagnostic, Severity, SmallVec, Sources};
use crate::source::{SourceFile, Span};

/// Whether a byte is shown as itself.
fn shown_as_itself(b: u8) -> bool {
    matches!(b, b' '..=b'~' | b'\n' | b'\t')
}

/// Appends the display text of `bytes` (whole lines of a file) to `text`. Returns where each
/// byte landed, relative to where the text was before, with one extra entry for the end; or
/// `None` when every byte is shown as itself (nearly every line), each byte at its own offset.
fn push_display(bytes: &[u8], text: &mut String) -> Option<Vec<usize>> {
    let base = text.len();
    if bytes.iter().all(|&b| shown_as_itself(b)) {
        // Only printable ASCII, tab and LF: valid UTF-8.
        text.push_str(std::str::from_utf8(bytes).unwrap_or_default());
        return None;
    }
    let mut offsets = Vec::with_capacity(bytes.len() + 1);
    let push = |len: usize, shown: &str, text: &mut String, offsets: &mut Vec<usize>| {
        offsets.extend(std::iter::repeat_n(text.len() - base, len));
        text.push_str(shown);
    };
    for chunk in bytes.utf8_chunks() {
        let valid = chunk.valid();
        let mut at = 0;
        while let Some(c) = valid[at..].chars().next() {
            let run = valid.as_bytes()[at..]
                .iter()
                .take_while(|&&b| shown_as_itself(b))
                .count();
            if run > 0 {
                offsets.extend(text.len() - base..text.len() - base + run);
                text.push_str(&valid[at..at + run]);
                at += run;
                continue;
            }
            at += c.len_utf8();
            let next_is_lf = valid.as_bytes().get(at) == Some(&b'\n');
            let mut buf = [0u8; 4];
            let shown: &str = match c {
                '\n' | '\t' => c.encode_utf8(&mut buf),
                '\r' if next_is_lf => "",
                // Control pictures keep the terminal intact and count as one character, as
                // in `SourceFile::line_col`.
                '\0'..='\x1f' => char::from_u32(0x2400 + c as u32)
                    .unwrap_or('\u{fffd}')
                    .encode_utf8(&mut buf),
                '\x7f' => "\u{2421}",
                _ => c.encode_utf8(&mut buf),
            };
            push(c.len_utf8(), shown, text, &mut offsets);
        }
        if !chunk.invalid().is_empty() {
            push(chunk.invalid().len(), "\u{fffd}", text, &mut offsets);
        }
    }
    offsets.push(text.len() - base);
    Some(offsets)
}

/// One line of a file in a snippet's display text.
struct ShownLine {
    /// Its 0-based index in the file (codespan's line index).
    index: usize,
    /// Where it starts in the file.
    file_start: u32,
    /// Its range in [`Shown::text`].
    start: usize,
    end: usize,
    /// Where each of its bytes landed, relative to `start` ([`push_display`]).
    offsets: Option<Vec<usize>>,
}

/// The lines of one file that a finding's labels need, as display text: only those, so a
/// finding in a big file costs its own lines, not a copy of the whole file (a lint of a
/// 1.6 MB pg_hba.conf spent a third of its time making that copy for one finding).
struct Shown<'s> {
    /// Its index in [`Files::known`].
    known: usize,
    source: &'s SourceFile,
    name: &'s str,
    /// Ranges of 0-based line indexes the labels need, first collected, then merged.
    wanted: Vec<(usize, usize)>,
    text: String,
    /// The shown lines in file order; their text follows the same order.
    lines: Vec<ShownLine>,
}

impl Shown<'_> {
    /// The 0-based index of the line holding byte `offset` of the file.
    fn line_of(&self, offset: u32) -> usize {
        self.source.line_of(offset.min(self.source.len())) - 1
    }

    /// Asks for the lines a label over `span` shows: those it covers, and the one after its
    /// last (codespan shows a single line between two labelled ones instead of a break).
    fn want(&mut self, span: Span) {
        let starts = self.source.line_starts();
        let first = self.line_of(span.start);
        // Most spans end on the line they start on.
        let end = match starts.get(first + 1) {
            Some(&next) if span.end < next => first,
            _ => self.line_of(span.end.max(span.start)),
        };
        self.wanted.push((first, (end + 1).min(starts.len() - 1)));
    }

    /// Makes the display text of the wanted lines.
    fn build(&mut self) {
        self.wanted.sort_unstable();
        let starts = self.source.line_starts();
        let bytes = self.source.bytes();
        let mut next = 0;
        for &(first, last) in &self.wanted {
            for index in first.max(next)..=last {
                let file_start = starts[index];
                let file_end = starts.get(index + 1).map_or(bytes.len(), |&s| s as usize);
                let start = self.text.len();
                let offsets = push_display(&bytes[file_start as usize..file_end], &mut self.text);
                self.lines.push(ShownLine {
                    index,
                    file_start,
                    start,
                    end: self.text.len(),
                    offsets,
                });
            }
            next = next.max(last + 1);
        }
    }

    /// The display range of a span whose lines are shown.
    fn range(&self, span: Span) -> Range<usize> {
        let at = |offset: u32| {
            let offset = offset.min(self.source.len());
            // The shown line holding the offset: the last one starting at or before it (an
            // empty last line starts where the line before it ends).
            let i = self.lines.partition_point(|l| l.file_start <= offset);
            let Some(line) = i.checked_sub(1).map(|i| &self.lines[i]) else {
                return self.text.len();
            };
            let within = (offset - line.file_start) as usize;
            line.start
                + match &line.offsets {
                    Some(offsets) => offsets
                        .get(within)
                        .copied()
                        .unwrap_or(line.end - line.start),
                    None => within,
                }
        };
        let start = at(span.start);
        start..at(span.end).max(start)
    }
}

/// Codespan's view of one finding's files: the lines it shows of each, with their real line
/// numbers.
#[derive(Default)]
struct Snippet<'s> {
    files: Vec<Shown<'s>>,
}

impl<'s> Snippet<'s> {
    /// The id of the known file `known`, added to the snippet when new.
    fn id(&mut self, files: &'s Files<'_>, known: usize) -> usize {
        if let Some(id) = self.files.iter().position(|f| f.known == known) {
            return id;
        }
        let (_, source, name) = &files.known[known];
        self.files.push(Shown {
            known,
            source: source.expect("only files among the sources are shown"),
            name,
            wanted: Vec::new(),
            text: String::new(),
            lines: Vec::new(),
        });
        self.files.len() - 1
    }

    fn file(&self, id: usize) -> Result<&Shown<'s>, files::Error> {
        self.files.get(id).ok_or(files::Error::FileMissing)
    }
}

impl<'a> files::Files<'a> for Snippet<'_> {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, files::Error> {
        Ok(self.file(id)?.name)
    }

    fn source(&'a self, id: usize) -> Result<&'a str, files::Error> {
        Ok(&self.file(id)?.text)
    }

    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, files::Error> {
        let lines = &self.file(id)?.lines;
        let i = lines.partition_point(|l| l.start <= byte_index);
        lines
            .get(i.saturating_sub(1))
            .map(|l| l.index)
            .ok_or(files::Error::IndexTooLarge {
                given: byte_index,
                max: 0,
            })
    }

    fn line_range(&'a self, id: usize, line_index: usize) -> Result<Range<usize>, files::Error> {
        let lines = &self.file(id)?.lines;
        lines
            .binary_search_by_key(&line_index, |l| l.index)
            .map(|i| lines[i].start..lines[i].end)
            .map_err(|_| files::Error::LineTooLarge {
                given: line_index,
                max: lines.last().map_or(0, |l| l.index),
            })
    }
}

/// The files findings point into, each looked up among the sources and named once: a run
/// renders many findings in few files.
pub(crate) struct Files<'a> {
    sources: &'a dyn Sources,
    /// Each file's path as labels name it, its source when it is among the sources, and its
    /// name as shown.
    known: Vec<(Arc<Path>, Option<&'a SourceFile>, String)>,
}

impl<'a> Files<'a> {
    pub(crate) fn new(sources: &'a dyn Sources) -> Self {
        Self {
            sources,
            known: Vec::new(),
        }
    }

    /// The index in [`Files::known`] of the file at `path`.
    fn known(&mut self, path: &Arc<Path>) -> usize {
        // Findings in one file share its path (comparing paths is by components).
        let same = |p: &Arc<Path>| Arc::ptr_eq(p, path) || p == path;
        if let Some(i) = self.known.iter().position(|(p, _, _)| same(p)) {
            return i;
        }
        let source = self.sources.source(path);
        self.known
            .push((Arc::clone(path), source, display_path(path)));
        self.known.len() - 1
    }

    /// One finding's snippet, labels, notes, fix and rule pointer; ANSI colours when `color`
    /// (the CLI passes its stream through `anstream`, which strips them when the output is not
    /// a terminal or `NO_COLOR` is set).
    pub(crate) fn finding(&mut self, d: &Diagnostic, color: bool) -> io::Result<Vec<u8>> {
        let known: SmallVec<[usize; 2]> = std::iter::once(&d.primary)
            .chain(&d.secondary)
            .map(|label| self.known(&label.file))
            .collect();
        finding(d, self, &known, color)
    }
}

/// [`Files::finding`], with the file of each label (primary first) in `known`.
fn finding(d: &Diagnostic, files: &Files<'_>, known: &[usize], color: bool) -> io::Result<Vec<u8>> {
    let mut cs = CsDiagnostic::new(match d.severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
        Severity::Info => CsSeverity::Note,
    })
    .with_code(d.code)
    .with_message(&d.message);
    // The lines each label needs of its file (`None`: not among the sources, shown as a note).
    let mut snippet = Snippet::default();
    let all = std::iter::once(&d.primary).chain(&d.secondary);
    let ids: SmallVec<[Option<usize>; 2]> = all
        .clone()
        .zip(known)
        .map(|(label, &known)| {
            files.known[known].1?;
            let id = snippet.id(files, known);
            snippet.files[id].want(label.span);
            Some(id)
        })
        .collect();
    for file in &mut snippet.files {
        file.build();
    }
    let mut labels = Vec::new();
    let mut notes = Vec::new();
    for (i, ((label, &known), id)) in all.zip(known).zip(ids).enumerate() {
        let primary = i == 0;
        let name = &files.known[known].2;
        match id {
            Some(id) => {
                let range = snippet.files[id].range(label.span);
                let l = if primary {
                    CsLabel::primary(id, range)
                } else {
                    CsLabel::secondary(id, range)
                };
                labels.push(l.with_message(label.message.clone()));
            }
            None if primary => notes.push(format!("in {name}")),
            None => notes.push(format!("{name}: {}", label.message)),
        }
    }
    notes.extend(d.notes.iter().cloned());
    if let Some(fix) = &d.fix {
        notes.push(match fix.applicability {
            Applicability::DisplayOnly => format!("help: {}", fix.title),
            other => format!("help: {} ({} fix)", fix.title, other.as_str()),
        });
    }
    notes.push(format!("see: pgconf explain {}", d.code));
    cs = cs.with_labels(labels).with_notes(notes);
    let config = config();
    let mut out = Vec::new();
    let result = if color {
        term::emit_to_write_style(&mut Ansi::new(&mut out), &config, &snippet, &cs)
    } else {
        term::emit_to_io_write(&mut out, &config, &snippet, &cs)
    };
    result.map_err(|e| match e {
        files::Error::Io(e) => e,
        other => io::Error::other(other.to_string()),
    })?;
    Ok(out)
}

/// `2 errors, 1 warning in 2 files`, or `No problems found`.
#[cfg(test)]
pub(crate) fn summary(diagnostics: &[Diagnostic]) -> String {
    let mut totals = Totals::default();
    for d in diagnostics {
        totals.add(d.severity, &d.primary.file);
    }
    totals.summary()
}

/// The one codespan configuration, shared by the CLI and the snapshots.
fn config() -> Config {
    Config::default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Label;
    use crate::render::SourceList;
    use codespan_reporting::files::SimpleFiles;

    /// What a finding looked like when codespan was handed the display text of the whole
    /// file: the definition the shown lines are held to.
    fn whole_file(d: &Diagnostic, source: &SourceFile) -> String {
        let mut text = String::new();
        let offsets = push_display(source.bytes(), &mut text);
        let at = |o: u32| match &offsets {
            Some(offsets) => offsets.get(o as usize).copied().unwrap_or(text.len()),
            None => (o as usize).min(text.len()),
        };
        let range = |span: Span| at(span.start)..at(span.end).max(at(span.start));
        let mut db = SimpleFiles::new();
        let id = db.add(display_path(source.path()), text.clone());
        let mut labels = vec![CsLabel::primary(id, range(d.primary.span))];
        labels.extend(
            d.secondary
                .iter()
                .map(|l| CsLabel::secondary(id, range(l.span))),
        );
        let cs = CsDiagnostic::warning()
            .with_code(d.code)
            .with_message(&d.message)
            .with_labels(labels)
            .with_notes(vec![format!("see: pgconf explain {}", d.code)]);
        let mut out = Vec::new();
        term::emit_to_io_write(&mut out, &config(), &db, &cs).expect("render");
        String::from_utf8(out).expect("utf8")
    }

    #[test]
    fn shown_lines_render_as_the_whole_file_would() {
        // Short lines, CRLF, a lone CR, controls, invalid UTF-8, an empty line, no final LF.
        let bytes = b"a = 1\r\n\n# caf\xc3\xa9\nb\x00c\xff\rd\n\n\tx y\ne\nf = 2\ng\nh";
        let source = SourceFile::new("x.conf", bytes.to_vec());
        let sources = SourceList(vec![source.clone()]);
        let len = bytes.len() as u64;
        let mut next = crate::testing::xorshift64(0x5eed);
        let mut span = || {
            let a = (next() % (len + 1)) as u32;
            let b = (next() % (len + 1)) as u32;
            Span::new(a.min(b), a.max(b))
        };
        for case in 0..3000 {
            let mut d = Diagnostic {
                code: "PG5003",
                name: "x",
                severity: Severity::Warning,
                message: "m".into(),
                primary: Label::new(Path::new("x.conf"), span(), ""),
                secondary: smallvec::smallvec![],
                notes: vec![],
                fix: None,
            };
            for _ in 0..case % 3 {
                d.secondary
                    .push(Label::new(Path::new("x.conf"), span(), ""));
            }
            let shown = Files::new(&sources).finding(&d, false).expect("render");
            let shown = String::from_utf8(shown).expect("utf8");
            assert_eq!(shown, whole_file(&d, &source), "{:?}", d.primary.span);
        }
    }
}
