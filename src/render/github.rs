//! GitHub Actions workflow commands: `::error file=…,line=…,col=…,endLine=…,endColumn=…,
//! title=pgconf (CODE)::message`. GitHub shows only 10 of each kind per step, so CI should also
//! upload SARIF.

use super::{display_path, region};
use crate::diagnostic::{Diagnostic, Severity, Sources};

/// One finding's workflow command line.
pub(super) fn finding(d: &Diagnostic, sources: &dyn Sources) -> Vec<u8> {
    let command = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let mut line = format!(
        "::{command} file={}",
        escape_property(&display_path(&d.primary.file))
    );
    if let Some(r) = region(sources, &d.primary) {
        line.push_str(&format!(
            ",line={},col={},endLine={},endColumn={}",
            r.line, r.column, r.end_line, r.end_column
        ));
    }
    let title = format!("pgconf ({})", d.code);
    line.push_str(&format!(
        ",title={}::{}\n",
        escape_property(&title),
        escape_data(&d.message)
    ));
    line.into_bytes()
}

/// The message part: `%`, CR and LF are encoded (actions/toolkit `escapeData`).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Property values: additionally `:` and `,` (actions/toolkit `escapeProperty`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50% a:b,c\r\nx"), "50%25 a:b,c%0D%0Ax");
        assert_eq!(escape_property("C:\\a,b%"), "C%3A\\a%2Cb%25");
    }
}
