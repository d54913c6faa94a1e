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

use crate::diagnostic::{Applicability, Diagnostic, Label, smallvec};
use crate::lint::Reporter;
use crate::model::config_set::FileId;
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
    // Every entry but the last of each group can be a finding: reserved at once, the vector
    // is not grown by doubling (under glibc, each growth of a block this size was a copy).
    out.reserve(index.groups().map(|g| g.len().saturating_sub(1)).sum());
    let mut message = Message::default();
    for group in index.groups() {
        let Some((&winner, earlier)) = group.split_last() else {
            continue;
        };
        let winner = index.entry(winner);
        // The last entry before auto.conf, when auto.conf wins: PG2004 reports it.
        let overridden_by_auto = in_auto(&winner)
            .then(|| earlier.iter().rposition(|&e| !in_auto(&index.entry(e))))
            .flatten();
        // Whether the last value checked was invalid, with the name and value it was
        // written with: the entries of a group often repeat one line (big_active.conf sets
        // each parameter 100 times), and the answer depends on nothing else.
        let mut checked: Option<(&[u8], &[u8], bool)> = None;
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
            let text = message.of(&entry, &winner, || {
                let mut text = String::with_capacity(128);
                text.push('`');
                text.push_str(&entry.parameter_name());
                text.push_str("` is set again at ");
                place(set, &winner, path).push_to(&mut text);
                text.push_str("; this line has no effect");
                text
            });
            let mut reporter = Reporter::new(rule, Arc::clone(file), out);
            let d = reporter.report(entry.span(), text);
            d.secondary = smallvec![Label::new(
                Arc::clone(&files[winner.item.file]),
                winner.span(),
                "this setting takes effect",
            )];
            if let Some(param) = entry.param {
                let invalid = match checked {
                    Some((name, value, invalid)) if name == entry.name && value == entry.value => {
                        invalid
                    }
                    _ => {
                        // Names are nearly always UTF-8, and `from_utf8` checks that at a
                        // fraction of the cost of `from_utf8_lossy`'s chunking; the text is
                        // the same.
                        let written = std::str::from_utf8(entry.name)
                            .map_or_else(|_| String::from_utf8_lossy(entry.name), Cow::Borrowed);
                        // Only whether it parses: what `postgres -C` would print is not
                        // needed.
                        let invalid = !param.is_internal()
                            && parse_value_named(param, &written, entry.value, version).is_err();
                        checked = Some((entry.name, entry.value, invalid));
                        invalid
                    }
                };
                if invalid {
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

/// The message of the last finding, with what it was written from: the entries of a group
/// share their winner, so the message changes only with the parameter's spelling (for
/// placeholders) and the file the finding is in. Findings with the same message share its
/// text: every finding keeps it until the output is sorted (32,000 copies were 2.9 MB).
#[derive(Default)]
struct Message<'a> {
    last: Option<(MessageKey<'a>, Arc<str>)>,
}

/// What a message is written from: the parameter's name, or the name as written when the
/// version does not know it; the finding's file; the winner's position in the set.
type MessageKey<'a> = (Option<&'static str>, &'a [u8], FileId, usize);

impl<'a> Message<'a> {
    /// The message of a finding about `entry` (whose winner is `winner`), written by `write`
    /// unless the last one was written from the same parameter, file and winner.
    fn of(
        &mut self,
        entry: &SettingEntry<'a>,
        winner: &SettingEntry<'a>,
        write: impl FnOnce() -> String,
    ) -> Arc<str> {
        let key = match entry.param {
            Some(param) => (Some(param.name()), &[][..], entry.item.file, winner.index),
            None => (None, entry.name, entry.item.file, winner.index),
        };
        match &self.last {
            Some((last, text)) if *last == key => Arc::clone(text),
            _ => {
                let text: Arc<str> = write().into();
                self.last = Some((key, Arc::clone(&text)));
                text
            }
        }
    }
}
