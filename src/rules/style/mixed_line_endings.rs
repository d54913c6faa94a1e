//! PG5002 mixed-line-endings: a file whose lines end partly in LF and partly in CRLF. The
//! finding points at the first line ending that differs from the file's majority (LF on a
//! tie, the server's own ending); the safe fix rewrites every minority ending, which the
//! server reads the same (a CR before LF is a blank to it).
//!
//! A second branch: a CR inside a line (not before its LF) is no line break to the server,
//! so `a = 1<CR>b = 2` is one line. The first such CR outside a comment is reported without a
//! fix, since the intended line structure is a guess.

use std::sync::Arc;

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::rules::Context;
use crate::source::Span;

use super::{ServerFile, server_files};

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for file in server_files(ctx.server) {
        let bytes = file.source.bytes();
        // Without a CR every line ends in LF and no line holds a CR: nothing to count.
        if memchr::memchr(b'\r', bytes).is_none() {
            continue;
        }
        report_mixed_endings(ctx, &file, out);
        report_lone_cr(ctx, &file, out);
    }
}

/// Line endings of a file, counted.
struct Endings {
    lf: usize,
    crlf: usize,
}

impl Endings {
    fn count(bytes: &[u8]) -> Self {
        let mut endings = Endings { lf: 0, crlf: 0 };
        for i in memchr::memchr_iter(b'\n', bytes) {
            if i > 0 && bytes[i - 1] == b'\r' {
                endings.crlf += 1;
            } else {
                endings.lf += 1;
            }
        }
        endings
    }
}

/// The line endings of the minority kind (`crlf`: CRLF, else LF), in order. A CRLF ending
/// spans every CR before the LF: removing only the last would leave the line ending in CRLF
/// still (the fixer took one pass per CR of `\r\r\n`).
fn minority_endings(bytes: &[u8], crlf: bool) -> impl Iterator<Item = Span> + '_ {
    memchr::memchr_iter(b'\n', bytes).filter_map(move |i| {
        let at = i as u32;
        let after_cr = i > 0 && bytes[i - 1] == b'\r';
        match (crlf, after_cr) {
            (true, true) => {
                let crs = bytes[..i].iter().rev().take_while(|&&c| c == b'\r').count();
                Some(Span::new(at - crs as u32, at + 1))
            }
            (false, false) => Some(Span::new(at, at + 1)),
            _ => None,
        }
    })
}

fn report_mixed_endings(ctx: &Context<'_>, file: &ServerFile<'_>, out: &mut Vec<Diagnostic>) {
    let bytes = file.source.bytes();
    let Endings { lf, crlf } = Endings::count(bytes);
    if lf == 0 || crlf == 0 {
        return;
    }
    let crlf_wins = crlf > lf;
    let (minority_count, majority_name, minority_name) = if crlf_wins {
        (lf, "CRLF", "LF")
    } else {
        (crlf, "LF", "CRLF")
    };
    let minority: Vec<Span> = minority_endings(bytes, !crlf_wins).collect();
    let Some(&first) = minority.first() else {
        return;
    };
    let line = file.source.line_of(first.start);
    let mut reporter = ctx.reporter("PG5002", file.path(), out);
    // One edit per minority line ending, all in this file.
    let shared = Arc::clone(reporter.file());
    let d = reporter.report(
        first,
        format!(
            "line {line} ends in {minority_name}, while {} of {} lines end in {majority_name}",
            lf.max(crlf),
            lf + crlf
        ),
    );
    if minority_count > 1 {
        d.notes.push(format!(
            "{minority_count} lines end in {minority_name} in all"
        ));
    }
    d.notes.push(
        "the server reads both, but mixed endings come from editing on two systems or from \
         tools splicing files, and they make diffs noisy"
            .into(),
    );
    let edits = minority
        .iter()
        .map(|span| Edit {
            file: Arc::clone(&shared),
            span: if crlf_wins {
                Span::empty(span.start)
            } else {
                Span::new(span.start, span.end - 1)
            },
            replacement: if crlf_wins {
                b"\r".as_slice().into()
            } else {
                Vec::new().into()
            },
        })
        .collect();
    d.fix = Some(Fix {
        title: format!("End every line in {majority_name}").into(),
        applicability: Applicability::Safe,
        edits,
    });
}

/// The first CR inside a line outside comments, when there is one. Trailing blanks (CRs
/// included) before the LF or the end are harmless.
fn report_lone_cr(ctx: &Context<'_>, file: &ServerFile<'_>, out: &mut Vec<Diagnostic>) {
    let bytes = file.source.bytes();
    let lone = memchr::memchr_iter(b'\r', bytes).find(|&i| {
        let trailing = bytes[i..]
            .iter()
            .take_while(|&&c| c != b'\n')
            .all(|c| matches!(c, b'\r' | b' ' | b'\t'));
        !trailing && !file.in_comment(i as u32)
    });
    let Some(at) = lone else {
        return;
    };
    let line_start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |lf| lf + 1);
    let line = file.source.line_of(line_start as u32);
    let mut reporter = ctx.reporter("PG5002", file.path(), out);
    let d = reporter.report(
        Span::new(at as u32, at as u32 + 1),
        format!(
            "carriage return (CR) inside line {line}: the server does not break lines at CR, \
             so what follows it is part of the same line"
        ),
    );
    d.notes.push(
        "old Mac line endings (CR alone) make the whole file one line; end lines in LF".into(),
    );
}
