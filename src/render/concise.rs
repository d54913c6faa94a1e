//! `file:line:col: CODE message`, one line per finding (gcc style), for editors and grep.

use super::{display_path, region};
use crate::diagnostic::{Diagnostic, Sources};

/// One finding's line.
pub(super) fn finding(d: &Diagnostic, sources: &dyn Sources) -> Vec<u8> {
    let path = display_path(&d.primary.file);
    let message = one_line(&d.message);
    match region(sources, &d.primary) {
        Some(r) => format!("{path}:{}:{}: {} {message}\n", r.line, r.column, d.code),
        None => format!("{path}: {} {message}\n", d.code),
    }
    .into_bytes()
}

/// Messages are single lines here; a newline would start a bogus record for line-based tools.
fn one_line(message: &str) -> String {
    message.replace("\r\n", " ").replace(['\n', '\r'], " ")
}
