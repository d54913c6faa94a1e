//! PG3003 include-too-deep: includes nested more than 10 levels below the main file
//! (`CONF_FILE_MAX_DEPTH`), without a loop (loops are PG3002). The server stops with
//! `maximum nesting depth exceeded` and does not start.

use crate::diagnostic::Diagnostic;
use crate::model::config_set::MAX_INCLUDE_DEPTH;
use crate::rules::Context;
use crate::rules::conf::{NOTHING_APPLIES, Reported};

use super::{chain, chain_text, cycle, include_errors};

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(set) = &ctx.server.conf else {
        return;
    };
    let mut reported = Reported::default();
    for error in include_errors(set) {
        if error.error != "nesting depth exceeded" || cycle(set, error.file).is_some() {
            continue;
        }
        let path = error.path(set).to_path_buf();
        if !reported.first(error.path(set), error.span) {
            continue;
        }
        let mut reporter = ctx.reporter("PG3003", &path, out);
        let d = reporter.report(
            error.span,
            error
                .message
                .unwrap_or("maximum nesting depth exceeded")
                .to_string(),
        );
        d.notes.push(format!(
            "includes may nest {MAX_INCLUDE_DEPTH} levels below the main file; this one would \
             be level {}: {}",
            MAX_INCLUDE_DEPTH + 1,
            chain_text(set, &chain(set, error.file))
        ));
        d.notes.push(NOTHING_APPLIES.into());
    }
}
