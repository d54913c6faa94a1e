//! PG6008 cdc-ssl: ClickPipes connects with TLS (and verifies the certificate) by default.

use super::setting::{effective, is_phrase, report, set_value_fix};
use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::model::value::TypedValue;
use crate::rules::Context;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(ssl) = effective(ctx, "ssl") else {
        return;
    };
    if ssl.value != TypedValue::Bool(false) {
        return;
    }
    let message = format!(
        "ssl {}; a ClickPipe connects with TLS and certificate verification by default, so \
         it fails unless TLS is disabled in the pipe",
        is_phrase(&ssl, "off")
    );
    // Unsafe: with ssl on and no certificate/key the server does not start.
    let fix = set_value_fix(
        ctx.server,
        &ssl,
        "on",
        false,
        "set ssl = on (needs a certificate and key)".into(),
        Applicability::Unsafe,
    );
    if let Some(d) = report(ctx, "PG6008", &ssl, Severity::Warning, message, out) {
        d.notes.push(
            "ssl = on needs ssl_cert_file and ssl_key_file (server.crt, server.key in the data \
             directory by default), valid for the host name ClickPipes connects to; upload a \
             private CA in the pipe's settings"
                .into(),
        );
        d.notes.push(
            "without TLS the password and every replicated row cross the network in clear text"
                .into(),
        );
        d.fix = fix;
    }
}
