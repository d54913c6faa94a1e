//! Inline suppression in the config files' own comments (shellcheck/hadolint style):
//!
//! ```conf
//! work_mem = 4MB   # pgconf: ignore=PG2003 -- set again in conf.d on purpose
//! # pgconf: ignore-next-line=hba-too-broad-source,PG4003 -- lab network
//! # pgconf: ignore-file=PG5002
//! ```
//!
//! Codes and names may be mixed; a reason follows `--`. There is no blanket ignore, syntax rules
//! (PG1xxx) cannot be silenced, malformed or unknown directives are PG9001, and codes that
//! silenced nothing are PG9002 with a safe fix that removes them. Everything here works on byte
//! spans: the comment spans come from the syntax layer of each file family.

use std::path::{Path, PathBuf};

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Label, SmallVec, smallvec};
use crate::rules::{RULES, RuleMeta, RuleSelection, did_you_mean, find_rule, rule_index};
use crate::source::{SourceFile, Span};
use crate::syntax::auth::AuthLine;
use crate::syntax::conf::{ConfFile, ConfLine};

/// What a directive covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `ignore=`: the line (or logical record) holding the comment.
    Line,
    /// `ignore-next-line=`: the next line that is not blank or only a comment (or the next
    /// logical record).
    NextLine,
    /// `ignore-file=`: the whole file.
    File,
}

/// One parsed `pgconf:` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub scope: Scope,
    /// The whole comment, `#` included.
    pub comment: Span,
    /// Every listed item, valid or not, in order (for fixes that remove one).
    pub items: Vec<Span>,
    /// The items that name a suppressible rule: (index into [`RULES`], span).
    pub codes: Vec<(usize, Span)>,
    pub reason: Option<String>,
}

/// What every directive starts with (after `#` and blanks).
const MARKER: &[u8] = b"pgconf:";

/// The blanks a directive's parts are separated by.
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r')
}

/// Where the marker starts in a comment that is a directive: after the `#`s and blanks that
/// begin it. `None` for any other comment.
fn marker_start(text: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < text.len() && text[i] == b'#' {
        i += 1;
    }
    while i < text.len() && is_blank(text[i]) {
        i += 1;
    }
    text[i..].starts_with(MARKER).then_some(i)
}

/// Parses one comment (`text` = the bytes of `span`, starting at `#`). Returns the directive if
/// the comment is one with at least one valid code, and PG9001 diagnostics for what is wrong.
/// Comments that do not start with `pgconf:` give `(None, [])`.
pub fn parse_comment(file: &Path, text: &[u8], span: Span) -> (Option<Directive>, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let at = |from: usize, to: usize| Span::new(span.start + from as u32, span.start + to as u32);
    let Some(mut i) = marker_start(text) else {
        return (None, problems);
    };
    let marker = at(i, i + MARKER.len());
    i += MARKER.len();
    while i < text.len() && is_blank(text[i]) {
        i += 1;
    }
    let word_start = i;
    while i < text.len() && (text[i].is_ascii_alphanumeric() || text[i] == b'-' || text[i] == b'_')
    {
        i += 1;
    }
    let word = &text[word_start..i];
    let scope = match word {
        b"ignore" => Scope::Line,
        b"ignore-next-line" => Scope::NextLine,
        b"ignore-file" => Scope::File,
        _ => {
            let (label, shown) = if word.is_empty() {
                (marker, String::new())
            } else {
                (
                    at(word_start, i),
                    format!(" `{}`", String::from_utf8_lossy(word)),
                )
            };
            problems.push(unknown(file, label, format!(
                "unknown pgconf directive{shown}: expected `ignore=`, `ignore-next-line=` or `ignore-file=`"
            )));
            return (None, problems);
        }
    };
    while i < text.len() && is_blank(text[i]) {
        i += 1;
    }
    if text.get(i) != Some(&b'=') {
        problems.push(unknown(
            file,
            at(word_start, i),
            format!(
                "`{}` needs the rules to ignore: `{}=CODE`",
                String::from_utf8_lossy(word),
                String::from_utf8_lossy(word)
            ),
        ));
        return (None, problems);
    }
    i += 1;
    let rest = &text[i..];
    let (list_len, reason) = match rest.windows(2).position(|w| w == b"--") {
        Some(p) => {
            let r = String::from_utf8_lossy(&rest[p + 2..]).trim().to_string();
            (p, (!r.is_empty()).then_some(r))
        }
        None => (rest.len(), None),
    };
    let mut items = Vec::new();
    let mut j = 0;
    while j < list_len {
        if is_blank(rest[j]) || rest[j] == b',' {
            j += 1;
            continue;
        }
        let start = j;
        while j < list_len && !is_blank(rest[j]) && rest[j] != b',' {
            j += 1;
        }
        items.push((start + i, j + i));
    }
    if items.is_empty() {
        problems.push(unknown(
            file,
            at(word_start, i),
            "no rule named: give codes or names, e.g. `ignore=PG2003`".into(),
        ));
        return (None, problems);
    }
    let mut codes = Vec::new();
    for &(from, to) in &items {
        let item = String::from_utf8_lossy(&text[from..to]);
        match rule_index(&item) {
            Some(r) if RULES[r].suppressible() => codes.push((r, at(from, to))),
            Some(r) => problems.push(unknown(
                file,
                at(from, to),
                format!(
                    "{} ({}) cannot be suppressed: the server refuses files with syntax errors",
                    RULES[r].code, RULES[r].name
                ),
            )),
            None => {
                let mut msg = format!("unknown rule `{item}` in pgconf directive");
                if let Some(s) = did_you_mean(&item) {
                    msg.push_str(&format!(" (did you mean `{s}`?)"));
                }
                problems.push(unknown(file, at(from, to), msg));
            }
        }
    }
    let directive = (!codes.is_empty()).then(|| Directive {
        scope,
        comment: span,
        items: items.iter().map(|&(f, t)| at(f, t)).collect(),
        codes,
        reason,
    });
    (directive, problems)
}

fn unknown(file: &Path, span: Span, message: String) -> Diagnostic {
    rule_diagnostic("PG9001", file, span, message)
}

fn rule_diagnostic(code: &str, file: &Path, span: Span, message: String) -> Diagnostic {
    let rule: &'static RuleMeta = find_rule(code).unwrap_or(&RULES[RULES.len() - 1]);
    Diagnostic {
        code: rule.code,
        name: rule.name,
        severity: rule.severity,
        message: message.into(),
        primary: Label::new(file, span, ""),
        secondary: SmallVec::new(),
        notes: Vec::new(),
        fix: None,
    }
}

/// The directives of one file, each with the byte range it covers.
#[derive(Debug, Clone)]
pub struct FileSuppressions {
    pub file: PathBuf,
    /// Directive and covered range (inclusive of its end); `None` when nothing follows an
    /// `ignore-next-line`.
    pub directives: Vec<(Directive, Option<Span>)>,
    /// PG9001 findings from parsing.
    pub problems: Vec<Diagnostic>,
}

impl FileSuppressions {
    /// Collects the directives in `comments` of `source`. `records` are the file's logical
    /// units when they are not physical lines (pg_hba records with `\` continuations); pass
    /// an empty slice to use physical lines.
    pub fn new(
        source: &SourceFile,
        comments: impl IntoIterator<Item = Span>,
        records: &[Span],
    ) -> Self {
        if !has_marker(source) {
            return Self::none(source);
        }
        Self::collect(source, comments, records)
    }

    /// Directives of a pg_hba/pg_ident file, from its logical lines (the records).
    pub fn for_auth(source: &SourceFile, lines: &[AuthLine]) -> Self {
        // The lines know their comments, and a directive starts its comment: that is
        // looked at instead of searching the whole file for the marker. The records' spans
        // are listed only for a file that has directives: for 20,000 records they were 40
        // pages.
        let bytes = source.bytes();
        let directives = lines
            .iter()
            .filter_map(|l| bytes.get(l.comment()?.range()))
            .any(|comment| marker_start(comment).is_some());
        if !directives {
            return Self::none(source);
        }
        let records: Vec<Span> = lines.iter().map(|l| l.span).collect();
        Self::collect(source, lines.iter().filter_map(AuthLine::comment), &records)
    }

    fn none(source: &SourceFile) -> Self {
        Self {
            file: source.path().to_path_buf(),
            directives: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn collect(
        source: &SourceFile,
        comments: impl IntoIterator<Item = Span>,
        records: &[Span],
    ) -> Self {
        let file = source.path().to_path_buf();
        let bytes = source.bytes();
        let mut directives = Vec::new();
        let mut problems = Vec::new();
        for comment in comments {
            let Some(text) = bytes.get(comment.range()) else {
                continue;
            };
            let (directive, mut found) = parse_comment(&file, text, comment);
            problems.append(&mut found);
            let Some(directive) = directive else {
                continue;
            };
            let target = match directive.scope {
                Scope::File => Some(Span::new(0, source.len())),
                Scope::Line => Some(
                    records
                        .iter()
                        .find(|r| r.start <= comment.start && comment.start <= r.end)
                        .copied()
                        .unwrap_or_else(|| physical_line(bytes, comment.start)),
                ),
                Scope::NextLine if !records.is_empty() => {
                    records.iter().find(|r| r.start >= comment.end).copied()
                }
                Scope::NextLine => next_content_line(bytes, comment.end),
            };
            directives.push((directive, target));
        }
        Self {
            file,
            directives,
            problems,
        }
    }

    /// Directives of a postgresql.conf-family file, from its lossless tree.
    pub fn for_conf(source: &SourceFile, tree: &ConfFile) -> Self {
        Self::new(source, tree.lines.iter().filter_map(ConfLine::comment), &[])
    }
}

/// Every directive (and every PG9001 problem) starts with the marker: a file without it has
/// none, and big files are mostly comments that would be parsed for nothing.
fn has_marker(source: &SourceFile) -> bool {
    memchr::memmem::find(source.bytes(), MARKER).is_some()
}

/// The line (without its LF) that holds `offset`.
fn physical_line(bytes: &[u8], offset: u32) -> Span {
    let at = (offset as usize).min(bytes.len());
    let start = bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let end = bytes[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| at + p);
    Span::new(start as u32, end as u32)
}

/// The first line after the one holding `offset` with something other than blanks and a
/// comment.
fn next_content_line(bytes: &[u8], offset: u32) -> Option<Span> {
    let mut line = physical_line(bytes, offset);
    while (line.end as usize) < bytes.len() {
        line = physical_line(bytes, line.end + 1);
        let content = bytes[line.range()]
            .iter()
            .find(|b| !matches!(b, b' ' | b'\t' | b'\r'));
        if content.is_some_and(|&b| b != b'#') {
            return Some(line);
        }
    }
    None
}

/// Removes the diagnostics that directives silence and adds PG9001 (bad directives) and
/// PG9002 (codes that silenced nothing). Run it after [`RuleSelection::apply`]: a code whose
/// rule did not run is not "unused". Syntax diagnostics are never removed.
pub fn apply(
    diagnostics: Vec<Diagnostic>,
    files: &[FileSuppressions],
    selection: &RuleSelection,
    sources: &dyn crate::diagnostic::Sources,
) -> Vec<Diagnostic> {
    let mut used: Vec<Vec<Vec<bool>>> = files
        .iter()
        .map(|f| {
            f.directives
                .iter()
                .map(|(d, _)| vec![false; d.codes.len()])
                .collect()
        })
        .collect();
    let problems = selection.apply(
        files
            .iter()
            .flat_map(|f| f.problems.iter().cloned())
            .collect(),
    );
    // Filtered where they are: a copy would hold every finding twice at the peak of a lint.
    let mut kept = diagnostics;
    kept.extend(problems);
    if files.iter().all(|f| f.directives.is_empty()) {
        // Nothing can be silenced and no directive can be unused (the usual case).
        return kept;
    }
    kept.retain(|d| !silence(d, files, &mut used));
    let unused_code = rule_index("PG9002");
    let mut unused = Vec::new();
    for (fi, f) in files.iter().enumerate() {
        for (di, (directive, _)) in f.directives.iter().enumerate() {
            let all_unused = used[fi][di].iter().all(|u| !u);
            for (ci, &(rule, span)) in directive.codes.iter().enumerate() {
                let meta = &RULES[rule];
                if used[fi][di][ci]
                    || Some(rule) == unused_code
                    || !selection.is_enabled_for(meta.code, &f.file)
                {
                    continue;
                }
                let mut d = rule_diagnostic(
                    "PG9002",
                    &f.file,
                    span,
                    format!(
                        "unused suppression: {} ({}) reported nothing here",
                        meta.code, meta.name
                    ),
                );
                let source = sources.source(&f.file);
                d.fix = source.map(|s| unused_fix(s, directive, span, all_unused));
                unused.push(d);
            }
        }
    }
    for d in selection.apply(unused) {
        if !silence(&d, files, &mut used) {
            kept.push(d);
        }
    }
    kept
}

/// Whether a directive silences `d`; marks the directive's code as used.
fn silence(d: &Diagnostic, files: &[FileSuppressions], used: &mut [Vec<Vec<bool>>]) -> bool {
    let Some(rule) = rule_index(d.code) else {
        return false;
    };
    if !RULES[rule].suppressible() {
        return false;
    }
    let at = d.primary.span.start;
    let mut silenced = false;
    for (fi, f) in files.iter().enumerate() {
        if *f.file != *d.primary.file {
            continue;
        }
        for (di, (directive, target)) in f.directives.iter().enumerate() {
            let Some(target) = target else { continue };
            if at < target.start || at > target.end {
                continue;
            }
            for (ci, &(r, _)) in directive.codes.iter().enumerate() {
                if r == rule {
                    used[fi][di][ci] = true;
                    silenced = true;
                }
            }
        }
    }
    silenced
}

/// Removes one item from the directive, or the whole comment when nothing would be left (and
/// the whole line when the comment was alone on it).
fn unused_fix(source: &SourceFile, directive: &Directive, item: Span, remove_all: bool) -> Fix {
    let bytes = source.bytes();
    let whole = remove_all || directive.items.len() == 1;
    let span = if whole {
        let mut end = directive.comment.end;
        if end > directive.comment.start && bytes.get(end as usize - 1) == Some(&b'\r') {
            end -= 1;
        }
        let line = physical_line(bytes, directive.comment.start);
        let before = &bytes[line.start as usize..directive.comment.start as usize];
        let blanks = before
            .iter()
            .rev()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count() as u32;
        let after = bytes
            .get(end as usize..line.end as usize)
            .unwrap_or_default();
        let rest_blank = after.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r'));
        if blanks as usize == before.len() && rest_blank {
            // Alone on its line: the line goes, LF included.
            let stop = if (line.end as usize) < bytes.len() {
                line.end + 1
            } else {
                line.end
            };
            Span::new(line.start, stop)
        } else {
            Span::new(directive.comment.start - blanks, end)
        }
    } else {
        let pos = directive.items.iter().position(|s| *s == item).unwrap_or(0);
        match (
            directive.items.get(pos + 1),
            pos.checked_sub(1).and_then(|p| directive.items.get(p)),
        ) {
            (Some(next), _) => Span::new(item.start, next.start),
            (None, Some(prev)) => Span::new(prev.end, item.end),
            (None, None) => item,
        }
    };
    Fix {
        title: if whole {
            "Remove the suppression comment".into()
        } else {
            "Remove the unused code".into()
        },
        applicability: Applicability::Safe,
        edits: smallvec![Edit {
            file: source.path().into(),
            span,
            replacement: Vec::new().into(),
        }],
    }
}

#[cfg(test)]
mod tests;
