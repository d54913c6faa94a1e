//! The default output: codespan-reporting snippets with labels, notes, the fix as `help:`, a
//! pointer to the rule's page, and a one-line summary.
//!
//! Files are shown as lossy UTF-8 with control characters replaced by their visible symbols,
//! so odd bytes never break a terminal or split a character; an offset map turns our byte
//! spans into offsets of that display text.

use std::io;
use std::path::{Path, PathBuf};

use codespan_reporting::diagnostic::{
    Diagnostic as CsDiagnostic, Label as CsLabel, Severity as CsSeverity,
};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::termcolor::Ansi;
use codespan_reporting::term::{self, Config};

#[cfg(test)]
use super::Totals;
use super::display_path;
use crate::diagnostic::{Applicability, Diagnostic, Label, Severity, Sources};
use crate::source::{SourceFile, Span};

/// The display text of one file and where each original byte landed in it.
struct DisplayText {
    text: String,
    /// `offsets[i]` = display offset of original byte `i`; one extra entry for the end. Empty
    /// when every byte is shown as itself (most files): eight bytes per byte of the file
    /// were most of the page faults of showing one Debian cluster's findings.
    offsets: Vec<usize>,
}

/// Whether a byte is shown as itself.
fn shown_as_itself(b: u8) -> bool {
    matches!(b, b' '..=b'~' | b'\n' | b'\t')
}

impl DisplayText {
    fn new(bytes: &[u8]) -> Self {
        if bytes.iter().all(|&b| shown_as_itself(b)) {
            return Self {
                text: String::from_utf8_lossy(bytes).into_owned(),
                offsets: Vec::new(),
            };
        }
        let mut text = String::with_capacity(bytes.len());
        let mut offsets = Vec::with_capacity(bytes.len() + 1);
        let push = |len: usize, shown: &str, text: &mut String, offsets: &mut Vec<usize>| {
            offsets.extend(std::iter::repeat_n(text.len(), len));
            text.push_str(shown);
        };
        for chunk in bytes.utf8_chunks() {
            let valid = chunk.valid();
            let mut at = 0;
            while let Some(c) = valid[at..].chars().next() {
                // Most of a config file is shown as itself: copy such runs whole.
                let run = valid.as_bytes()[at..]
                    .iter()
                    .take_while(|&&b| shown_as_itself(b))
                    .count();
                if run > 0 {
                    offsets.extend(text.len()..text.len() + run);
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
                push(c.len_utf8(), shown, &mut text, &mut offsets);
            }
            if !chunk.invalid().is_empty() {
                push(chunk.invalid().len(), "\u{fffd}", &mut text, &mut offsets);
            }
        }
        offsets.push(text.len());
        Self { text, offsets }
    }
}

/// Where each original byte of a file landed in its display text (which codespan keeps).
struct OffsetMap {
    /// [`DisplayText::offsets`].
    offsets: Vec<usize>,
    len: usize,
}

impl OffsetMap {
    fn range(&self, span: Span) -> std::ops::Range<usize> {
        let at = |o: u32| {
            if self.offsets.is_empty() {
                (o as usize).min(self.len)
            } else {
                self.offsets.get(o as usize).copied().unwrap_or(self.len)
            }
        };
        let start = at(span.start);
        start..at(span.end).max(start)
    }
}

/// Codespan's view of the files the diagnostics point into, each file's display text made
/// once.
#[derive(Default)]
pub(crate) struct Files {
    db: SimpleFiles<String, String>,
    files: Vec<(PathBuf, usize, OffsetMap)>,
}

impl Files {
    fn id(&mut self, sources: &dyn Sources, path: &Path) -> Option<usize> {
        if let Some((_, id, _)) = self.files.iter().find(|(p, _, _)| p == path) {
            return Some(*id);
        }
        let source: &SourceFile = sources.source(path)?;
        let DisplayText { text, offsets } = DisplayText::new(source.bytes());
        let map = OffsetMap {
            offsets,
            len: text.len(),
        };
        let id = self.db.add(display_path(path), text);
        self.files.push((path.to_path_buf(), id, map));
        Some(id)
    }

    fn label(
        &mut self,
        sources: &dyn Sources,
        label: &Label,
        primary: bool,
    ) -> Option<CsLabel<usize>> {
        let id = self.id(sources, &label.file)?;
        let (_, _, display) = self.files.iter().find(|(_, i, _)| *i == id)?;
        let range = display.range(label.span);
        let l = if primary {
            CsLabel::primary(id, range)
        } else {
            CsLabel::secondary(id, range)
        };
        Some(l.with_message(label.message.clone()))
    }

    /// One finding's snippet, labels, notes, fix and rule pointer; ANSI colours when `color`
    /// (the CLI passes its stream through `anstream`, which strips them when the output is not
    /// a terminal or `NO_COLOR` is set).
    pub(crate) fn finding(
        &mut self,
        d: &Diagnostic,
        sources: &dyn Sources,
        color: bool,
    ) -> io::Result<Vec<u8>> {
        let mut cs = CsDiagnostic::new(match d.severity {
            Severity::Error => CsSeverity::Error,
            Severity::Warning => CsSeverity::Warning,
            Severity::Info => CsSeverity::Note,
        })
        .with_code(d.code)
        .with_message(&d.message);
        let mut labels = Vec::new();
        let mut notes = Vec::new();
        match self.label(sources, &d.primary, true) {
            Some(l) => labels.push(l),
            None => notes.push(format!("in {}", display_path(&d.primary.file))),
        }
        for s in &d.secondary {
            match self.label(sources, s, false) {
                Some(l) => labels.push(l),
                None => notes.push(format!("{}: {}", display_path(&s.file), s.message)),
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
            term::emit_to_write_style(&mut Ansi::new(&mut out), &config, &self.db, &cs)
        } else {
            term::emit_to_io_write(&mut out, &config, &self.db, &cs)
        };
        result.map_err(|e| match e {
            codespan_reporting::files::Error::Io(e) => e,
            other => io::Error::other(other.to_string()),
        })?;
        Ok(out)
    }
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
