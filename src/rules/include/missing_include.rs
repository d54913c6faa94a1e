//! PG3001 missing-include: an `include` whose file cannot be opened, an `include_dir` whose
//! folder cannot be read, or an `include` of a folder. Each stops the server (nothing
//! applies on reload). `include_if_exists` skips what it cannot open, so it is never
//! reported.

use crate::diagnostic::Diagnostic;
use crate::rules::Context;
use crate::rules::conf::{NOTHING_APPLIES, Reported};

use super::include_errors;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(set) = &ctx.server.conf else {
        return;
    };
    let mut reported = Reported::default();
    for error in include_errors(set) {
        let (fallback, advice) = if error.error.starts_with("could not open file") {
            (
                "could not open an included file",
                "create the file, correct the path (relative paths start at the including \
                 file's folder), or use include_if_exists for a file that may be absent",
            )
        } else if error.error.starts_with("could not open directory") {
            (
                "could not open an included folder",
                "create the folder (an empty one is fine) or correct the path (relative paths \
                 start at the including file's folder)",
            )
        } else if error.error == "input in flex scanner failed" {
            (
                "include names a folder",
                "this names a folder, which the server cannot read as a file: use include_dir \
                 to read the .conf files in it",
            )
        } else {
            continue;
        };
        let path = error.path(set).to_path_buf();
        if !reported.first(error.path(set), error.span) {
            continue;
        }
        let mut reporter = ctx.reporter("PG3001", &path, out);
        let d = reporter.report(error.span, error.message.unwrap_or(fallback));
        d.notes.push(advice.into());
        d.notes.push(NOTHING_APPLIES.into());
    }
}
