//! PG3005 empty-include-name: `include ''` (or a name of only blanks), for files and folders
//! alike. The server refuses it as an error of the file: it does not start.

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
        if !error.error.starts_with("empty configuration") {
            continue;
        }
        let path = error.path(set).to_path_buf();
        if !reported.first(error.path(set), error.span) {
            continue;
        }
        let what = if error.error.contains("directory") {
            "folder"
        } else {
            "file"
        };
        let mut reporter = ctx.reporter("PG3005", &path, out);
        let d = reporter.report(
            error.span,
            error.message.map_or_else(
                || format!("empty configuration {what} name"),
                str::to_string,
            ),
        );
        d.notes.push(format!(
            "give the {what} to include, or remove the line (a name of only blanks counts as \
             empty)"
        ));
        d.notes.push(NOTHING_APPLIES.into());
    }
}
