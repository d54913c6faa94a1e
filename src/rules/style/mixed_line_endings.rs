//! PG5002 mixed-line-endings: a file whose lines end partly in LF and partly in CRLF. The
//! finding points at the first line ending that differs from the file's majority (LF on a
//! tie, the server's own ending); the safe fix rewrites every minority ending, which the
//! server reads the same (a CR before LF is a blank to it).
//!
//! A second branch: a CR inside a line (not before its LF) is no line break to the server,
//! so `a = 1<CR>b = 2` is one line. The first such CR outside a comment is reported without a
//! fix, since the intended line structure is a guess.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::rules::Context;
use crate::source::Span;

use super::server_files;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for file in server_files(ctx.server) {
        let bytes = file.source.bytes();
        let mut lf = Vec::new();
        let mut crlf = Vec::new();
        let mut lone_cr = None;
        let mut line_start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                b'\n' if i > 0 && bytes[i - 1] == b'\r' => {
                    // Every CR before the LF: removing only the last leaves the line ending
                    // in CRLF still (the fixer found `\r\r\n` taking one pass per CR).
                    let crs = bytes[line_start..i]
                        .iter()
                        .rev()
                        .take_while(|&&c| c == b'\r')
                        .count();
                    crlf.push(Span::new((i - crs) as u32, i as u32 + 1));
                    line_start = i + 1;
                }
                b'\n' => {
                    lf.push(Span::new(i as u32, i as u32 + 1));
                    line_start = i + 1;
                }
                b'\r' if lone_cr.is_none() => {
                    // Trailing blanks (CRs included) before the LF or the end are harmless.
                    let rest = &bytes[i..];
                    let end = rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
                    let trailing = rest[..end]
                        .iter()
                        .all(|c| matches!(c, b'\r' | b' ' | b'\t'));
                    if !trailing && !file.in_comment(i as u32) {
                        lone_cr = Some((i, line_start));
                    }
                }
                _ => {}
            }
        }
        let path = file.path().to_path_buf();
        if !lf.is_empty() && !crlf.is_empty() {
            let crlf_wins = crlf.len() > lf.len();
            let (minority, majority_name, minority_name) = if crlf_wins {
                (&lf, "CRLF", "LF")
            } else {
                (&crlf, "LF", "CRLF")
            };
            let first = minority[0];
            let line = file.source.line_of(first.start);
            let mut reporter = ctx.reporter("PG5002", &path, out);
            let d = reporter.report(
                first,
                format!(
                    "line {line} ends in {minority_name}, while {} of {} lines end in \
                     {majority_name}",
                    lf.len().max(crlf.len()),
                    lf.len() + crlf.len()
                ),
            );
            if minority.len() > 1 {
                d.notes.push(format!(
                    "{} lines end in {minority_name} in all",
                    minority.len()
                ));
            }
            d.notes.push(
                "the server reads both, but mixed endings come from editing on two systems or \
                 from tools splicing files, and they make diffs noisy"
                    .into(),
            );
            let edits = minority
                .iter()
                .map(|span| Edit {
                    file: path.clone(),
                    span: if crlf_wins {
                        Span::empty(span.start)
                    } else {
                        Span::new(span.start, span.end - 1)
                    },
                    replacement: if crlf_wins {
                        b"\r".to_vec()
                    } else {
                        Vec::new()
                    },
                })
                .collect();
            d.fix = Some(Fix {
                title: format!("End every line in {majority_name}"),
                applicability: Applicability::Safe,
                edits,
            });
        }
        if let Some((at, line_start)) = lone_cr {
            let line = file.source.line_of(line_start as u32);
            let mut reporter = ctx.reporter("PG5002", &path, out);
            let d = reporter.report(
                Span::new(at as u32, at as u32 + 1),
                format!(
                    "carriage return (CR) inside line {line}: the server does not break lines \
                     at CR, so what follows it is part of the same line"
                ),
            );
            d.notes.push(
                "old Mac line endings (CR alone) make the whole file one line; end lines in LF"
                    .into(),
            );
        }
    }
}
