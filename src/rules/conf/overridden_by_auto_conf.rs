//! PG2004 overridden-by-auto-conf: postgresql.auto.conf (written by ALTER SYSTEM) is read
//! after postgresql.conf and its includes, so a value it sets wins silently over the one a
//! person edits in postgresql.conf. Reported on the last postgresql.conf-side entry, with the
//! auto.conf entry that takes effect as a secondary label.

use crate::diagnostic::{Diagnostic, Label, smallvec};
use crate::model::value::check_value;
use crate::rules::Context;
use crate::source::text::escape_bytes;

use super::Reported;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let server = ctx.server;
    let Some(set) = &server.conf else {
        return;
    };
    let Some(auto) = set.auto else {
        return;
    };
    let Some(index) = ctx.setting_index() else {
        return;
    };
    let version = server.version;
    let mut reported = Reported::default();
    for group in index.groups() {
        let Some(&last) = group.last() else {
            continue;
        };
        let winner = index.entry(last);
        // The last entry outside auto.conf.
        let Some(entry) = group
            .iter()
            .map(|&e| index.entry(e))
            .rfind(|e| e.item.file != auto)
        else {
            continue;
        };
        if winner.item.file != auto || !reported.first(entry.path(), entry.span()) {
            continue;
        }
        let param = entry.param;
        let name = entry.parameter_name();
        let same_value = match param {
            Some(p) => match (
                check_value(p, entry.value, version),
                check_value(p, winner.value, version),
            ) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            },
            None => entry.value == winner.value,
        };
        let auto_value = escape_bytes(winner.value);
        let path = entry.path().to_path_buf();
        let mut reporter = ctx.reporter("PG2004", &path, out);
        let message = if same_value {
            format!(
                "`{name}` is overridden by postgresql.auto.conf line {} (ALTER SYSTEM), which \
                 sets the same value; a change made here will not take effect",
                winner.item.line
            )
        } else {
            format!(
                "`{name}` is overridden by postgresql.auto.conf line {} (ALTER SYSTEM): the \
                 server runs with '{auto_value}', not this value",
                winner.item.line
            )
        };
        let d = reporter.report(entry.span(), message);
        d.secondary = smallvec![Label::new(
            winner.path(),
            winner.span(),
            "set by ALTER SYSTEM; this value takes effect",
        )];
        d.notes.push(
            "postgresql.auto.conf is read after postgresql.conf and everything it includes, so \
             its values win"
                .into(),
        );
        d.notes.push(format!(
            "to let this line count, run `ALTER SYSTEM RESET {name};` and reload (or remove the \
             line from postgresql.auto.conf)"
        ));
    }
}
