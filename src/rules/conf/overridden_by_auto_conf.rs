//! PG2004 overridden-by-auto-conf: postgresql.auto.conf (written by ALTER SYSTEM) is read
//! after postgresql.conf and its includes, so a value it sets wins silently over the one a
//! person edits in postgresql.conf. Reported on the last postgresql.conf-side entry, with the
//! auto.conf entry that takes effect as a secondary label.

use crate::diagnostic::{Diagnostic, Label};
use crate::model::catalog::Catalog;
use crate::model::value::check_value;
use crate::rules::Context;
use crate::source::text::escape_bytes;

use std::collections::HashMap;

use super::{Reported, SettingEntry, parameter_key, settings};

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let server = ctx.server;
    let Some(set) = &server.conf else {
        return;
    };
    let Some(auto) = set.auto else {
        return;
    };
    let version = server.version;
    let catalog = Catalog::get(version);
    // Per parameter, in order of first appearance: the last entry outside auto.conf and
    // the last entry overall.
    let mut order: Vec<String> = Vec::new();
    let mut last: HashMap<String, (Option<SettingEntry<'_>>, SettingEntry<'_>)> = HashMap::new();
    for entry in settings(set) {
        let Some(key) = parameter_key(version, entry.name) else {
            continue;
        };
        let outside = (entry.item.file != auto).then_some(entry);
        match last.get_mut(&key) {
            Some(slot) => {
                if outside.is_some() {
                    slot.0 = outside;
                }
                slot.1 = entry;
            }
            None => {
                order.push(key.clone());
                last.insert(key, (outside, entry));
            }
        }
    }
    let mut reported = Reported::default();
    for key in &order {
        let Some((Some(entry), winner)) = last.get(key) else {
            continue;
        };
        if winner.item.file != auto || !reported.first(entry.path(), entry.span()) {
            continue;
        }
        let param = catalog.lookup(entry.name);
        let name = param.map_or_else(|| entry.shown_name(), |p| p.name().to_string());
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
        d.secondary.push(Label::new(
            winner.path(),
            winner.span(),
            "set by ALTER SYSTEM; this value takes effect",
        ));
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
