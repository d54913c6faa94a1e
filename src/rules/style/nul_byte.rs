//! PG5004 nul-byte: a NUL byte (0x00) in a configuration file, at its exact position (the
//! first run of each line; after a few lines, a note counts the rest). Outside a comment the
//! postgresql.conf lexer rejects it (a syntax error near token ""); in a quoted value the
//! server cuts the value at the NUL, since values are C strings; pg_hba and pg_ident lines
//! are C strings too. A file in UTF-16 (NUL in every other byte) is one finding.

use crate::diagnostic::Diagnostic;
use crate::rules::Context;
use crate::source::Span;

use super::{FileKind, MAX_LINES_REPORTED, looks_like_utf16, server_files};

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for file in server_files(ctx.server) {
        let bytes = file.source.bytes();
        let path = file.path().to_path_buf();
        if looks_like_utf16(bytes) {
            let bom = bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF");
            let span = if bom {
                Span::new(0, 2)
            } else {
                let at = bytes.iter().position(|b| *b == 0).unwrap_or(0) as u32;
                Span::new(at, at + 1)
            };
            let mut reporter = ctx.reporter("PG5004", &path, out);
            let d = reporter.report(
                span,
                "the file is encoded in UTF-16: PostgreSQL reads it byte by byte and fails on \
                 the NUL bytes",
            );
            d.notes
                .push("save the file as UTF-8 (without byte order mark)".into());
            continue;
        }
        let mut runs: Vec<Span> = Vec::new();
        let mut last_line = 0;
        let mut i = 0;
        while let Some(offset) = memchr::memchr(0, &bytes[i..]) {
            let start = i + offset;
            let len = bytes[start..].iter().take_while(|b| **b == 0).count();
            let line = file.source.line_of(start as u32);
            if line != last_line {
                runs.push(Span::new(start as u32, (start + len) as u32));
                last_line = line;
            }
            i = start + len;
        }
        let total = runs.len();
        for (n, span) in runs.into_iter().take(MAX_LINES_REPORTED).enumerate() {
            let line = file.source.line_of(span.start);
            let count = span.len();
            let mut reporter = ctx.reporter("PG5004", &path, out);
            let d = reporter.report(
                span,
                if count == 1 {
                    format!("NUL byte on line {line}")
                } else {
                    format!("{count} NUL bytes on line {line}")
                },
            );
            d.notes
                .push(match (file.kind, file.in_comment(span.start)) {
                (FileKind::Conf, true) => {
                    "in a comment the server skips it, but many tools take the file for binary"
                        .to_string()
                }
                (FileKind::Conf, false) => {
                    "outside a comment the server rejects it (syntax error near token \"\"); in \
                     a quoted value it cuts the value short"
                        .to_string()
                }
                _ => "the server reads each line as a C string, which ends at the NUL".to_string(),
            });
            if n + 1 == MAX_LINES_REPORTED && total > MAX_LINES_REPORTED {
                d.notes.push(format!(
                    "{} more lines hold NUL bytes",
                    total - MAX_LINES_REPORTED
                ));
            }
        }
    }
}
