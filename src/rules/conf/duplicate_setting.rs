//! PG2003 duplicate-setting: a parameter set more than once; the last entry in reading order
//! wins and every earlier one is dead text. The finding is on the dead line, with the winner
//! as a secondary label (in whatever file it is).
//!
//! Not reported here: the last postgresql.conf-side entry when postgresql.auto.conf wins
//! (PG2004), and a line that is its own winner (a file included twice). Names the version
//! does not know are PG2001's. The fix comments the dead line out; it is unsafe because an
//! earlier line spelled differently is still validated by the server, and because someone
//! may want the line kept where it is.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use crate::diagnostic::{Applicability, Diagnostic, Label};
use crate::lint::Reporter;
use crate::model::value::parse_value_named;
use crate::rules::{Context, RULES, find_rule};

use super::{Reported, SettingEntry, comment_out, place};

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let server = ctx.server;
    let (Some(set), Some(index)) = (&server.conf, ctx.setting_index()) else {
        return;
    };
    let version = server.version;
    let in_auto = |e: &SettingEntry<'_>| Some(e.item.file) == set.auto;
    // Every entry can be a finding (big_active.conf: 32,472 of 33,100): sized once.
    let mut reported = Reported::default();
    // Looked up once, not per finding: the rule, and each file's shared path by file id.
    let rule = find_rule("PG2003").unwrap_or(&RULES[0]);
    let files: Vec<Arc<Path>> = set
        .files
        .iter()
        .map(|f| ctx.path(f.source.path()))
        .collect();
    let mut scratch = String::with_capacity(128);
    for group in index.groups() {
        let Some((&winner, earlier)) = group.split_last() else {
            continue;
        };
        let winner = index.entry(winner);
        // The last entry before auto.conf, when auto.conf wins: PG2004 reports it.
        let overridden_by_auto = in_auto(&winner)
            .then(|| earlier.iter().rposition(|&e| !in_auto(&index.entry(e))))
            .flatten();
        for (i, &position) in earlier.iter().enumerate() {
            let entry = index.entry(position);
            if Some(i) == overridden_by_auto {
                continue;
            }
            // Lines first: they rarely match, and comparing paths goes component by component.
            if entry.item.line == winner.item.line && entry.path() == winner.path() {
                continue;
            }
            if !reported.first(entry.path(), entry.span()) {
                continue;
            }
            let path = entry.path();
            let file = &files[entry.item.file];
            scratch.clear();
            scratch.push('`');
            scratch.push_str(&entry.parameter_name());
            scratch.push_str("` is set again at ");
            place(set, &winner, path).push_to(&mut scratch);
            scratch.push_str("; this line has no effect");
            let mut reporter = Reporter::new(rule, Arc::clone(file), out);
            // Copied at its length: every finding keeps its message until the output is
            // sorted, and a buffer sized for the longest one cost 1 MB over 32,000 findings.
            let d = reporter.report(entry.span(), scratch.as_str());
            // One label: a Vec grown by push would hold four.
            d.secondary = vec![Label::new(
                Arc::clone(&files[winner.item.file]),
                winner.span(),
                "this setting takes effect",
            )];
            if let Some(param) = entry.param {
                // Names are nearly always UTF-8, and `from_utf8` checks that at a fraction
                // of the cost of `from_utf8_lossy`'s chunking; the text is the same.
                let written = std::str::from_utf8(entry.name)
                    .map_or_else(|_| String::from_utf8_lossy(entry.name), Cow::Borrowed);
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
            d.fix = Some(comment_out(file, entry.setting, Applicability::Unsafe));
        }
    }
}
