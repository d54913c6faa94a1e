//! `file:line:col: CODE message`, one line per finding (gcc style), for editors and grep.

use std::io::{self, Write};

use super::{Regions, display_path};
use crate::diagnostic::{Diagnostic, Sources};

pub(super) fn render(
    diagnostics: &[Diagnostic],
    sources: &dyn Sources,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut regions = Regions::new(sources);
    for d in diagnostics {
        let path = display_path(&d.primary.file);
        let message = one_line(&d.message);
        match regions.of(&d.primary) {
            Some(r) => writeln!(out, "{path}:{}:{}: {} {message}", r.line, r.column, d.code)?,
            None => writeln!(out, "{path}: {} {message}", d.code)?,
        }
    }
    Ok(())
}

/// Messages are single lines here; a newline would start a bogus record for line-based tools.
fn one_line(message: &str) -> String {
    message.replace("\r\n", " ").replace(['\n', '\r'], " ")
}
