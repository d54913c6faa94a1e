//! `{"diagnostics": [...]}`: our own documented shape, stable for scripts.
//!
//! Written by hand rather than through `serde_json::to_writer_pretty`: a lint of a big file can
//! produce 30,000 findings (16 MB of JSON), and serde's pretty printer made several small
//! writes through `dyn Write` per token, about 55 instructions per output byte. Each finding
//! is now formatted into one buffer and written once. The bytes are exactly what serde_json
//! printed; the serde version stays in the tests as the reference.

use std::path::Path;
use std::sync::Arc;

use super::{Region, display_path, region};
use crate::diagnostic::{Diagnostic, Sources};

/// One finding, as an element of the `diagnostics` array (see [`write_document`]), appended
/// to `buf`.
pub(super) fn write_finding(
    buf: &mut Vec<u8>,
    d: &Diagnostic,
    sources: &dyn Sources,
    repeated: &mut Repeated,
) {
    buf.reserve(512 + d.message.len());
    write_diagnostic(buf, d, region(sources, &d.primary), repeated);
}

/// What consecutive findings repeat, kept escaped: most of a run's findings share a file and
/// many a rule (big_active.conf: 32,472 PG2003 findings in one file), and escaping the same
/// path, code and name again was a third of the escaping.
#[derive(Debug, Default)]
pub(super) struct Repeated {
    /// The last file, and its display text escaped.
    file: Option<(Arc<Path>, Vec<u8>)>,
    /// The last code and name, and their escaped texts.
    rule: Option<(&'static str, &'static str, Vec<u8>, Vec<u8>)>,
}

impl Repeated {
    fn file(&mut self, path: &Arc<Path>) -> &[u8] {
        let same = self
            .file
            .as_ref()
            .is_some_and(|(last, _)| Arc::ptr_eq(last, path));
        if !same {
            let mut text = Vec::new();
            path_escaped(&mut text, path);
            self.file = Some((Arc::clone(path), text));
        }
        self.file.as_ref().map_or(&[], |(_, text)| text)
    }

    fn rule(&mut self, code: &'static str, name: &'static str) -> (&[u8], &[u8]) {
        let same = self
            .rule
            .as_ref()
            .is_some_and(|(c, n, _, _)| std::ptr::eq(*c, code) && std::ptr::eq(*n, name));
        if !same {
            let (mut c, mut n) = (Vec::new(), Vec::new());
            escaped(&mut c, code);
            escaped(&mut n, name);
            self.rule = Some((code, name, c, n));
        }
        self.rule
            .as_ref()
            .map_or((&[], &[]), |(_, _, c, n)| (c.as_slice(), n.as_slice()))
    }
}

/// The document with no findings: `{"diagnostics": [...]}` holds the findings rendered by
/// [`write_finding`] (then a newline ends the output).
pub(super) const EMPTY_DOCUMENT: &[u8] = b"{\n  \"diagnostics\": []\n}";

/// One element of the `diagnostics` array, indented as serde_json's `PrettyFormatter` does
/// at depth 2. What lies between two values (a closing quote, a comma, the next key) is
/// written as one literal: a write per token was most of the cost of a finding.
fn write_diagnostic(buf: &mut Vec<u8>, d: &Diagnostic, r: Option<Region>, repeated: &mut Repeated) {
    let (code, name) = repeated.rule(d.code, d.name);
    buf.extend_from_slice(b"    {\n      \"code\": \"");
    buf.extend_from_slice(code);
    buf.extend_from_slice(b"\",\n      \"name\": \"");
    buf.extend_from_slice(name);
    buf.extend_from_slice(b"\",\n      \"severity\": \"");
    // Words of this crate that need no escaping (a test checks each).
    buf.extend_from_slice(d.severity.as_str().as_bytes());
    buf.extend_from_slice(b"\",\n      \"message\": \"");
    escaped(buf, &d.message);
    buf.extend_from_slice(b"\",\n      \"file\": \"");
    buf.extend_from_slice(repeated.file(&d.primary.file));
    buf.extend_from_slice(b"\",\n      \"line\": ");
    number_or_null(buf, r.map(|r| r.line));
    buf.extend_from_slice(b",\n      \"column\": ");
    number_or_null(buf, r.map(|r| r.column));
    buf.extend_from_slice(b",\n      \"end_line\": ");
    number_or_null(buf, r.map(|r| r.end_line));
    buf.extend_from_slice(b",\n      \"end_column\": ");
    number_or_null(buf, r.map(|r| r.end_column));
    buf.extend_from_slice(b",\n      \"byte_range\": [\n        ");
    number(buf, d.primary.span.start);
    buf.extend_from_slice(b",\n        ");
    number(buf, d.primary.span.end);
    buf.extend_from_slice(b"\n      ]");
    if !d.notes.is_empty() {
        buf.extend_from_slice(b",\n      \"notes\": [");
        for (i, note) in d.notes.iter().enumerate() {
            buf.extend_from_slice(if i == 0 {
                b"\n        \""
            } else {
                b",\n        \""
            });
            escaped(buf, note);
            buf.push(b'"');
        }
        buf.extend_from_slice(b"\n      ]");
    }
    if let Some(fix) = &d.fix {
        buf.extend_from_slice(b",\n      \"fix\": {\n        \"title\": \"");
        escaped(buf, &fix.title);
        buf.extend_from_slice(b"\",\n        \"applicability\": \"");
        buf.extend_from_slice(fix.applicability.as_str().as_bytes());
        buf.extend_from_slice(b"\"\n      }");
    }
    buf.extend_from_slice(b"\n    }");
}

/// A number, or `null` when absent.
fn number_or_null(buf: &mut Vec<u8>, value: Option<usize>) {
    match value {
        Some(n) => number(buf, n),
        None => buf.extend_from_slice(b"null"),
    }
}

/// Decimal digits, as serde_json writes them (with the same crate).
fn number(buf: &mut Vec<u8>, n: impl TryInto<u64>) {
    let n: u64 = n.try_into().unwrap_or(u64::MAX);
    buf.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// A path's display text ([`display_path`]) escaped for a JSON string. Paths are UTF-8 but
/// for rare exceptions: those are escaped where they are, with no `String` made per finding.
fn path_escaped(buf: &mut Vec<u8>, path: &Path) {
    match path.to_str() {
        Some(text) => escaped(buf, text),
        None => escaped(buf, &display_path(path)),
    }
}

/// Bytes a JSON string cannot hold as they are: `"`, `\` and the control characters.
const NEEDS_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// The inside of a JSON string as serde_json escapes it: `"` and `\`, and control
/// characters as `\b`, `\t`, `\n`, `\f`, `\r` or `\u00XX`; everything else as its UTF-8
/// bytes.
fn escaped(buf: &mut Vec<u8>, s: &str) {
    let mut rest = s.as_bytes();
    while let Some(at) = first_to_escape(rest) {
        buf.extend_from_slice(&rest[..at]);
        escape(buf, rest[at]);
        rest = &rest[at + 1..];
    }
    buf.extend_from_slice(rest);
}

/// The position of the first byte of `bytes` that needs escaping. Sixteen bytes are tested
/// at a time (most strings need no escape at all; a `u128` costs about what a `u64` does);
/// the table decides within a block that has one.
fn first_to_escape(bytes: &[u8]) -> Option<usize> {
    const ONES: u128 = u128::from_le_bytes([1; 16]);
    const HIGH: u128 = ONES * 0x80;
    // A high bit is set for some byte exactly when a zero byte exists (the borrow can mark
    // bytes after the first zero too: the table finds the exact one).
    let zero_byte = |w: u128| w.wrapping_sub(ONES) & !w & HIGH;
    let mut blocks = bytes.chunks_exact(16);
    let mut offset = 0;
    for block in &mut blocks {
        let w = u128::from_le_bytes(block.try_into().unwrap_or_default());
        // Likewise, some byte below 0x20.
        let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
        if control
            | zero_byte(w ^ (ONES * u128::from(b'"')))
            | zero_byte(w ^ (ONES * u128::from(b'\\')))
            != 0
        {
            break;
        }
        offset += 16;
    }
    bytes[offset..]
        .iter()
        .position(|b| NEEDS_ESCAPE[usize::from(*b)])
        .map(|at| offset + at)
}

fn escape(buf: &mut Vec<u8>, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match b {
        b'"' => buf.extend_from_slice(b"\\\""),
        b'\\' => buf.extend_from_slice(b"\\\\"),
        b'\n' => buf.extend_from_slice(b"\\n"),
        b'\r' => buf.extend_from_slice(b"\\r"),
        b'\t' => buf.extend_from_slice(b"\\t"),
        0x08 => buf.extend_from_slice(b"\\b"),
        0x0c => buf.extend_from_slice(b"\\f"),
        _ => buf.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[usize::from(b >> 4)],
            HEX[usize::from(b & 0xf)],
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Applicability, Fix, Label, Severity};
    use crate::render::SourceList;
    use crate::source::{SourceFile, Span};
    use serde::Serialize;

    /// The serde shape this renderer must reproduce byte for byte.
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

    fn reference(diagnostics: &[Diagnostic], sources: &dyn Sources) -> Vec<u8> {
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
        let mut out = Vec::new();
        serde_json::to_writer_pretty(&mut out, &Output { diagnostics }).unwrap_or_default();
        out.push(b'\n');
        out
    }

    fn diagnostic(file: &str, message: &str, notes: &[&str], fix: Option<&str>) -> Diagnostic {
        Diagnostic {
            code: "PG2003",
            name: "duplicate-setting",
            severity: Severity::Warning,
            message: message.into(),
            primary: Label::new(Path::new(file), Span::new(3, 9), ""),
            secondary: smallvec::smallvec![],
            notes: notes.iter().map(|n| n.to_string()).collect(),
            fix: fix.map(|title| Fix {
                title: title.to_string().into(),
                applicability: Applicability::Unsafe,
                edits: smallvec::smallvec![],
            }),
        }
    }

    #[test]
    fn writes_what_serde_json_writes() {
        let every_byte: String = (0u8..0x80).map(char::from).collect();
        let sources = SourceList(vec![SourceFile::new("a.conf", b"x = 1\ny = 2\n".to_vec())]);
        let cases = [
            vec![],
            vec![diagnostic("a.conf", "plain", &[], None)],
            vec![
                diagnostic(
                    "a.conf",
                    &every_byte,
                    &["one", "t\u{e9}\u{20ac} \"q\""],
                    Some("\\"),
                ),
                diagnostic("missing \u{1}.conf", "no region", &["n"], None),
                diagnostic("a.conf", "", &[], Some(&every_byte)),
            ],
            // Consecutive findings of other rules, one of them spelled with escapes.
            vec![
                diagnostic("a.conf", "one", &[], None),
                Diagnostic {
                    code: "PG\"1",
                    name: "back\\slash",
                    ..diagnostic("a.conf", "two", &[], None)
                },
                Diagnostic {
                    code: "PG0001",
                    ..diagnostic("a.conf", "three", &[], None)
                },
                diagnostic("a.conf", "four", &[], None),
            ],
        ];
        for diagnostics in cases {
            assert_same_as_serde(&diagnostics, &sources);
        }
    }

    fn assert_same_as_serde(diagnostics: &[Diagnostic], sources: &dyn Sources) {
        let mut out = Vec::new();
        crate::render::render(
            super::super::OutputFormat::Json,
            diagnostics,
            sources,
            &mut out,
            false,
        )
        .unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&reference(diagnostics, sources))
        );
    }

    #[test]
    fn escapes_are_found_at_every_offset_of_a_word() {
        for special in ['"', '\\', '\n', '\u{1f}', '\u{0}'] {
            for at in 0..40 {
                let text = format!("{}{special}{}\u{e9}", "a".repeat(at), "b".repeat(at % 17));
                let mut out = vec![b'"'];
                escaped(&mut out, &text);
                out.push(b'"');
                assert_eq!(
                    out,
                    serde_json::to_vec(&text).unwrap_or_default(),
                    "{text:?}"
                );
            }
        }
    }

    #[test]
    fn severities_and_applicabilities_need_no_escaping() {
        use crate::diagnostic::Severity::{Error, Info, Warning};
        use Applicability::{DisplayOnly, Safe, Unsafe};
        let words = [Info, Warning, Error]
            .map(Severity::as_str)
            .into_iter()
            .chain([DisplayOnly, Unsafe, Safe].map(Applicability::as_str));
        for word in words {
            assert_eq!(first_to_escape(word.as_bytes()), None, "{word}");
        }
    }

    #[test]
    fn numbers_are_what_display_gives() {
        for n in [0, 7, 9, 10, 99, 100, 12_345, u64::from(u32::MAX), u64::MAX] {
            let mut out = b"x".to_vec();
            number(&mut out, n);
            assert_eq!(out, format!("x{n}").into_bytes());
        }
    }

    #[cfg(unix)]
    #[test]
    fn paths_that_are_not_utf8_are_shown_as_display_shows_them() {
        use std::os::unix::ffi::OsStrExt;
        let mut d = diagnostic("a.conf", "m", &[], None);
        d.primary.file = Path::new(std::ffi::OsStr::from_bytes(b"b\xffd\xe2\x82.conf")).into();
        assert_same_as_serde(&[d], &SourceList::default());
    }
}
