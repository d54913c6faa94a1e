//! PG2005 read-only-parameter: an internal parameter (`block_size`, `server_version`, …)
//! named in a file. The server knows the name but refuses to set it (`parameter "X" cannot
//! be changed`), so it does not start. Entries the server never validates (an earlier one
//! with a byte-identical name) are left to PG2003.
//!
//! Fix (safe): comment the line out. The value can never take effect, so the only change is
//! that the server starts.

use std::sync::Arc;

use crate::diagnostic::{Applicability, Diagnostic};
use crate::rules::Context;

use super::{Reported, comment_out};

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let server = ctx.server;
    let Some(index) = ctx.setting_index() else {
        return;
    };
    let version = server.version;
    let mut reported = Reported::default();
    for (entry, param) in index.checked() {
        if !param.is_internal() || !reported.first(entry.path(), entry.span()) {
            continue;
        }
        let shown = if version.at_least(18) {
            param.name().to_string()
        } else {
            entry.shown_name()
        };
        let mut reporter = ctx.reporter("PG2005", entry.path(), out);
        let file = Arc::clone(reporter.file());
        let d = reporter.report(
            entry.span(),
            format!(
                "parameter \"{shown}\" cannot be changed: it is fixed when PostgreSQL is built \
                 or the cluster is created; remove this line"
            ),
        );
        if let Some(value) = param
            .boot_value()
            .filter(|_| !param.name().starts_with("server_"))
        {
            d.notes.push(format!(
                "`SHOW {}` gives the real value ({value} on a standard build)",
                param.name()
            ));
        }
        d.notes
            .push("the server does not start with this line; a reload skips it".into());
        d.fix = Some(comment_out(&file, entry.setting, Applicability::Safe));
    }
}
