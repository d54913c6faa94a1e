//! PG5003 invalid-utf8: bytes that are not UTF-8, at their exact position (one finding per
//! line, the first bad sequence of it; after a few lines, a note counts the rest). The server
//! reads bytes and converts nothing, so this is about what the bytes become: in a comment
//! only editors and tools care; in a value the server stores them as they are, and clients
//! in UTF-8 see garbage. Usually the file was saved as Latin-1 or Windows-1252. UTF-16 files
//! are PG5004's single finding.

use crate::diagnostic::Diagnostic;
use crate::rules::Context;
use crate::source::Span;

use super::{MAX_LINES_REPORTED, looks_like_utf16, server_files};

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for file in server_files(ctx.server) {
        let bytes = file.source.bytes();
        // ASCII, what configuration files nearly always are, is told faster than UTF-8.
        if bytes.is_ascii() || looks_like_utf16(bytes) {
            continue;
        }
        let mut bad: Vec<Span> = Vec::new();
        let mut last_line = 0;
        let mut at = 0;
        while at < bytes.len() {
            match std::str::from_utf8(&bytes[at..]) {
                Ok(_) => break,
                Err(e) => {
                    let start = at + e.valid_up_to();
                    let len = e.error_len().unwrap_or(bytes.len() - start);
                    let line = file.source.line_of(start as u32);
                    if line != last_line {
                        bad.push(Span::new(start as u32, (start + len) as u32));
                        last_line = line;
                    }
                    at = start + len;
                }
            }
        }
        let path = file.path().to_path_buf();
        let total = bad.len();
        for (n, span) in bad.into_iter().take(MAX_LINES_REPORTED).enumerate() {
            let shown: Vec<String> = file
                .source
                .slice(span)
                .iter()
                .map(|b| format!("0x{b:02X}"))
                .collect();
            let line = file.source.line_of(span.start);
            let mut reporter = ctx.reporter("PG5003", &path, out);
            let d = reporter.report(
                span,
                format!(
                    "{} {} on line {line} {} not valid UTF-8",
                    if shown.len() == 1 { "byte" } else { "bytes" },
                    shown.join(" "),
                    if shown.len() == 1 { "is" } else { "are" },
                ),
            );
            d.notes.push(if file.in_comment(span.start) {
                "in a comment the server ignores it, but editors and tools that expect UTF-8 may \
                 show or rewrite it wrongly"
                    .to_string()
            } else {
                "the server keeps such bytes as they are; in a value they reach clients \
                 unconverted and show as garbage in UTF-8"
                    .to_string()
            });
            if n == 0 {
                d.notes.push(
                    "the file was probably saved as Latin-1 or Windows-1252: convert it to UTF-8"
                        .into(),
                );
            }
            if n + 1 == MAX_LINES_REPORTED && total > MAX_LINES_REPORTED {
                d.notes.push(format!(
                    "{} more lines have bytes that are not UTF-8",
                    total - MAX_LINES_REPORTED
                ));
            }
        }
    }
}
