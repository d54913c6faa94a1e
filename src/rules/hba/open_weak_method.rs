//! PG4012 hba-open-weak-method: a record that admits every address (`all`, `0.0.0.0/0`,
//! `::/0`) with `trust`, `password` or `md5`: the whole internet, with no check, a cleartext
//! password or a hash scheme PostgreSQL 18 deprecates.

use std::net::IpAddr;

use crate::diagnostic::{Diagnostic, Label};
use crate::model::hba::{AuthMethod, HbaAddress};
use crate::rules::Context;
use crate::rules::hba::{address_location, address_text, token_location};

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(hba) = &ctx.server.hba else {
        return;
    };
    if !ctx
        .hba_uses()
        .any_method(&[AuthMethod::Trust, AuthMethod::Password, AuthMethod::Md5])
    {
        return;
    }
    for rec in hba.records() {
        if rec.warning.is_some()
            || !matches!(
                rec.method,
                AuthMethod::Trust | AuthMethod::Password | AuthMethod::Md5
            )
        {
            continue;
        }
        let open = match hba.address(rec) {
            Some(HbaAddress::All) => true,
            Some(HbaAddress::Ip { mask, .. }) => match mask {
                IpAddr::V4(m) => m.is_unspecified(),
                IpAddr::V6(m) => m.is_unspecified(),
            },
            _ => false,
        };
        if !open {
            continue;
        }
        let (mp, ms) = token_location(&hba.sources, rec.method_at);
        let address = address_text(&hba.sources, rec);
        let mut reporter = ctx.reporter("PG4012", mp, out);
        let d = reporter.report(
            ms,
            format!(
                "{} from {address}: every address on the network may try, with {}",
                rec.method.name(),
                match rec.method {
                    AuthMethod::Trust => "no password at all",
                    AuthMethod::Password => "a password sent in clear text",
                    _ => "md5, which PostgreSQL 18 deprecates",
                }
            ),
        );
        if let Some((ap, s)) = address_location(&hba.sources, rec) {
            d.secondary
                .push(Label::new(ctx.path(ap), s, "every address"));
        }
        d.notes.push(
            "narrow the source to the client networks and use scram-sha-256 (with hostssl)".into(),
        );
    }
}
