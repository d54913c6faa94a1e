//! `{"diagnostics": [...]}`: our own documented shape, stable for scripts.

use std::io::{self, Write};

use serde::Serialize;

use super::{display_path, json_item, region, write_json_with_items};
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

/// One finding, pretty-printed on its own.
pub(super) fn finding(d: &Diagnostic, sources: &dyn Sources) -> io::Result<Vec<u8>> {
    let r = region(sources, &d.primary);
    let item = JsonDiagnostic {
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
    };
    // `diagnostics` is an array at level 1.
    json_item(&item, 1)
}

/// `{"diagnostics": [...]}` around findings rendered by [`finding`], then a newline.
pub(super) fn write_document<'i>(
    findings: impl Iterator<Item = &'i [u8]>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let empty = serde_json::to_vec_pretty(&Output {
        diagnostics: Vec::new(),
    })?;
    write_json_with_items(&empty, findings, out)?;
    writeln!(out)
}
