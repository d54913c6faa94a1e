//! `{"diagnostics": [...]}`: our own documented shape, stable for scripts.

use std::io::{self, Write};

use serde::Serialize;

use super::{display_path, region};
use crate::diagnostic::{Diagnostic, Sources};

#[derive(Serialize)]
struct Output<'a> {
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    name: &'a str,
    severity: &'a str,
    message: &'a str,
    file: String,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    /// Byte offsets into the file, `[start, end)`, for tools that slice the original bytes.
    byte_range: [u32; 2],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    title: &'a str,
    applicability: &'a str,
}

pub(super) fn render(
    diagnostics: &[Diagnostic],
    sources: &dyn Sources,
    out: &mut dyn Write,
) -> io::Result<()> {
    let diagnostics = diagnostics
        .iter()
        .map(|d| {
            let r = region(sources, &d.primary);
            JsonDiagnostic {
                code: d.code,
                name: d.name,
                severity: d.severity.as_str(),
                message: &d.message,
                file: display_path(&d.primary.file),
                line: r.map(|r| r.line),
                column: r.map(|r| r.column),
                end_line: r.map(|r| r.end_line),
                end_column: r.map(|r| r.end_column),
                byte_range: [d.primary.span.start, d.primary.span.end],
                notes: &d.notes,
                fix: d.fix.as_ref().map(|f| JsonFix {
                    title: &f.title,
                    applicability: f.applicability.as_str(),
                }),
            }
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &Output { diagnostics }).map_err(io::Error::from)?;
    writeln!(out)
}
