//! PG6001 cdc-wal-level: logical decoding needs `wal_level = logical`.

use crate::diagnostic::{Diagnostic, Label};
use crate::model::catalog::Catalog;
use crate::model::value::{TypedValue, parse_value};
use crate::rules::Context;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let server = ctx.server;
    if server.conf.is_none() {
        return;
    }
    let Some(param) = Catalog::get(server.version).lookup(b"wal_level") else {
        return;
    };
    let effective = server.effective("wal_level");
    let value = match effective.and_then(|_| server.effective_value("wal_level")) {
        Some(raw) => match parse_value(param, raw, server.version) {
            Ok(TypedValue::Enum(v)) => v.to_string(),
            // An invalid value is PG2002's finding; the server would not start at all.
            _ => return,
        },
        None => param.boot_value().unwrap_or("replica").to_string(),
    };
    if value == "logical" {
        return;
    }
    let (path, span) = match effective.and_then(|item| server.item_location(item)) {
        Some(location) => location,
        None => match server.absent_setting_location("wal_level") {
            Some(location) => location,
            None => return,
        },
    };
    let path = path.to_path_buf();
    let mut reporter = ctx.reporter("PG6001", &path, out);
    let message = if effective.is_some() {
        format!("wal_level is {value}; ClickPipes CDC needs logical")
    } else {
        format!(
            "wal_level is not set, so it is {value} (the default); ClickPipes CDC needs logical"
        )
    };
    let d = reporter.report(span, message);
    for earlier in server.assignments("wal_level") {
        if std::ptr::eq(earlier, effective.unwrap_or(earlier)) {
            continue;
        }
        if let Some((p, s)) = server.item_location(earlier) {
            d.secondary
                .push(Label::new(p, s, "overridden by the line that takes effect"));
        }
    }
    d.notes
        .push("changing wal_level needs a server restart".into());
}
