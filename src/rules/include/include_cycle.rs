//! PG3002 include-cycle: a file that includes itself. Directly, the server stops with
//! `configuration file recursion`; through other files it follows the loop until the
//! nesting limit (`maximum nesting depth exceeded`). Either way it does not start. One finding
//! per loop, at the directive that closes it, with the other directives of the loop as
//! secondary labels.

use std::collections::HashSet;
use std::path::PathBuf;

use crate::diagnostic::Diagnostic;
use crate::rules::Context;
use crate::rules::conf::{NOTHING_APPLIES, Reported};

use super::{cycle, include_errors, included_here};

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(set) = &ctx.server.conf else {
        return;
    };
    let mut reported = Reported::default();
    let mut loops: HashSet<Vec<PathBuf>> = HashSet::new();
    for error in include_errors(set) {
        let path = error.path(set).to_path_buf();
        if error.error == "configuration file recursion" {
            if !reported.first(error.path(set), error.span) {
                continue;
            }
            let mut reporter = ctx.reporter("PG3002", &path, out);
            let d = reporter.report(
                error.span,
                error.message.map_or_else(
                    || "the file includes itself".to_string(),
                    |m| format!("{m}: the file includes itself"),
                ),
            );
            d.notes.push("remove the directive".into());
            d.notes.push(NOTHING_APPLIES.into());
            continue;
        }
        if error.error != "nesting depth exceeded" {
            continue;
        }
        let Some(turn) = cycle(set, error.file) else {
            continue;
        };
        let mut key: Vec<PathBuf> = turn
            .iter()
            .map(|f| set.files[*f].source.path().to_path_buf())
            .collect();
        key.sort();
        if !loops.insert(key) {
            continue;
        }
        // Outermost first, back to the start: a.conf → b.conf → a.conf.
        let mut names: Vec<String> = turn.iter().rev().map(|f| set.display_path(*f)).collect();
        names.extend(names.first().cloned());
        let mut reporter = ctx.reporter("PG3002", &path, out);
        let d = reporter.report(
            error.span,
            format!(
                "include cycle: {}; the server follows it until \"maximum nesting depth \
                 exceeded\"",
                names.join(" → ")
            ),
        );
        for file in &turn {
            if let Some(label) = included_here(set, *file, "part of the cycle")
                && (*label.file != *path || label.span != error.span)
            {
                d.secondary.push(label);
            }
        }
        d.notes
            .push("break the loop: a file must not include a file that includes it".into());
        d.notes.push(NOTHING_APPLIES.into());
    }
}
