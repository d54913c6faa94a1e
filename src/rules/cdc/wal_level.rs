//! PG6001 cdc-wal-level: logical decoding needs `wal_level = logical`.

use super::setting::{effective, is_phrase, report, set_value_fix};
use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::model::value::TypedValue;
use crate::rules::Context;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(wal_level) = effective(ctx, "wal_level") else {
        return;
    };
    let TypedValue::Enum(value) = wal_level.value else {
        return;
    };
    if value == "logical" {
        return;
    }
    let message = format!(
        "wal_level {}; ClickPipes CDC needs logical",
        is_phrase(&wal_level, value)
    );
    // Raising the level only adds information to the WAL; nothing that worked stops working.
    let fix = set_value_fix(
        ctx.server,
        &wal_level,
        "logical",
        false,
        "set wal_level = logical".into(),
        Applicability::Safe,
    );
    if let Some(d) = report(ctx, "PG6001", &wal_level, Severity::Error, message, out) {
        d.fix = fix;
    }
}
