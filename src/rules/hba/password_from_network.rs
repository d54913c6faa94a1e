//! PG4003 hba-password-from-network: the `password` method (the password itself is sent to
//! the server, in clear text unless the connection is encrypted) on a host* record whose
//! address admits more than the server itself.

use crate::diagnostic::{Diagnostic, Label};
use crate::model::hba::{AuthMethod, ConnType};
use crate::rules::Context;
use crate::rules::hba::trust_from_network::method_fix;
use crate::rules::hba::{address_location, address_text, network_records, token_location};

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(hba) = &ctx.server.hba else {
        return;
    };
    if !ctx.hba_uses().any_method(&[AuthMethod::Password]) {
        return;
    }
    for rec in network_records(hba, |r| r.method == AuthMethod::Password) {
        let (path, span) = token_location(&hba.sources, rec.method_at);
        let encrypted = matches!(rec.conn_type, ConnType::HostSsl | ConnType::HostGssEnc);
        let mut reporter = ctx.reporter("PG4003", path, out);
        let how = if encrypted {
            "inside the encrypted connection, but the server (and anything in front of it that \
             ends TLS) sees the password itself"
        } else {
            "in clear text: anyone on the network path can read it"
        };
        let d = reporter.report(
            span,
            format!(
                "password authentication from {} sends the password {how}",
                address_text(&hba.sources, rec)
            ),
        );
        if let Some((p, s)) = address_location(&hba.sources, rec) {
            d.secondary
                .push(Label::new(ctx.path(p), s, "connections from here"));
        }
        d.notes.push(
            "scram-sha-256 proves the password without sending it; roles whose password is \
             stored as an md5 hash must set it again (password_encryption = scram-sha-256) \
             before they can use it"
                .into(),
        );
        d.fix = method_fix(
            ctx,
            hba,
            rec,
            "scram-sha-256",
            "use scram-sha-256 instead of password",
        );
    }
}
