//! PG2003 duplicate-setting: a parameter set more than once; the last entry in reading order
//! wins and every earlier one is dead text. The finding is on the dead line, with the winner
//! as a secondary label (in whatever file it is).
//!
//! Not reported here: the last postgresql.conf-side entry when postgresql.auto.conf wins
//! (PG2004), and a line that is its own winner (a file included twice). Names the version
//! does not know are PG2001's. The fix comments the dead line out; it is unsafe because an
//! earlier line spelled differently is still validated by the server, and because someone
//! may want the line kept where it is.

use std::sync::Arc;

use crate::diagnostic::{Applicability, Diagnostic, Label};
use crate::model::value::parse_value_named;
use crate::rules::Context;

use super::{Reported, SettingEntry, comment_out, place};

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let server = ctx.server;
    let (Some(set), Some(index)) = (&server.conf, ctx.setting_index()) else {
        return;
    };
    let version = server.version;
    let in_auto = |e: &SettingEntry<'_>| Some(e.item.file) == set.auto;
    let mut reported = Reported::default();
    for group in index.groups() {
        let Some((&winner, earlier)) = group.split_last() else {
            continue;
        };
        let winner = index.entry(winner);
        // The last entry before auto.conf, when auto.conf wins: PG2004 reports it.
        let overridden_by_auto = in_auto(winner)
            .then(|| earlier.iter().rposition(|&e| !in_auto(index.entry(e))))
            .flatten();
        for (i, &position) in earlier.iter().enumerate() {
            let entry = index.entry(position);
            if Some(i) == overridden_by_auto {
                continue;
            }
            if entry.path() == winner.path() && entry.item.line == winner.item.line {
                continue;
            }
            if !reported.first(entry.path(), entry.span()) {
                continue;
            }
            let path = entry.path();
            let mut reporter = ctx.reporter("PG2003", path, out);
            let file = Arc::clone(reporter.file());
            let d = reporter.report(
                entry.span(),
                format!(
                    "`{}` is set again at {}; this line has no effect",
                    entry.parameter_name(),
                    place(set, winner, path)
                ),
            );
            // One label: a Vec grown by push would hold four.
            d.secondary = vec![Label::new(
                ctx.path(winner.path()),
                winner.span(),
                "this setting takes effect",
            )];
            if let Some(param) = entry.param {
                let written = String::from_utf8_lossy(entry.name);
                // Only whether it parses: what `postgres -C` would print is not needed.
                if !param.is_internal()
                    && parse_value_named(param, &written, entry.value, version).is_err()
                {
                    d.notes.push(if entry.item.ignored {
                        "its value is invalid, but the server never checks it because a later \
                         line with the byte-identical name overrides it; removing that line \
                         would stop the server"
                            .to_string()
                    } else {
                        format!(
                            "its value is invalid and the server still checks it: it skips an \
                             earlier line only when the name is spelled byte-for-byte like the \
                             later one (`{}` here, `{}` there), so this dead line stops the \
                             server (PG2002)",
                            entry.shown_name(),
                            winner.shown_name()
                        )
                    });
                }
            }
            d.fix = Some(comment_out(&file, entry.setting, Applicability::Unsafe));
        }
    }
}
