//! PG6007 cdc-password-encryption: new passwords should be stored as SCRAM, which the
//! `scram-sha-256` record ClickPipes' guide uses needs.

use super::setting::{effective, is_phrase, report, set_value_fix};
use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::model::value::TypedValue;
use crate::rules::Context;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(encryption) = effective(ctx, "password_encryption") else {
        return;
    };
    let TypedValue::Enum(value) = encryption.value else {
        return;
    };
    if value == "scram-sha-256" {
        return;
    }
    let shown = if encryption.is_set() && !encryption.written.eq_ignore_ascii_case(value) {
        format!("{} (meaning {value})", encryption.written)
    } else {
        value.to_string()
    };
    let message = format!(
        "password_encryption {}; a password set now is stored as {value} and cannot log in \
         through a scram-sha-256 record",
        is_phrase(&encryption, &shown)
    );
    let fix = set_value_fix(
        ctx.server,
        &encryption,
        "scram-sha-256",
        true,
        "set password_encryption = 'scram-sha-256'".into(),
        Applicability::Safe,
    );
    if let Some(d) = report(ctx, "PG6007", &encryption, Severity::Warning, message, out) {
        if !encryption.is_set() {
            d.notes.push(format!(
                "the default is md5 before PostgreSQL 14; this server is read as {}",
                ctx.server.version
            ));
        }
        d.notes.push(format!(
            "existing hashes do not change: after the change set the ClickPipes user's password \
             again (\\password {})",
            ctx.settings.clickpipes.user
        ));
        d.fix = fix;
    }
}
