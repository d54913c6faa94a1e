//! PG4002 hba-trust-from-network: `trust` on a host* record whose address admits more than
//! the server itself. A `hostssl` record that requires a client certificate
//! (`clientcert=verify-ca|verify-full`) is certificate authentication in effect and is left
//! alone.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Label, smallvec};
use crate::model::hba::{AuthMethod, HbaFile, HbaRecord};
use crate::rules::Context;
use crate::rules::hba::{address_location, address_text, network_records, token_location};

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(hba) = &ctx.server.hba else {
        return;
    };
    if !ctx.hba_uses().any_method(&[AuthMethod::Trust]) {
        return;
    }
    for rec in network_records(hba, |r| r.method == AuthMethod::Trust) {
        if requires_client_certificate(hba, rec) {
            continue;
        }
        let (path, span) = token_location(&hba.sources, rec.method_at);
        let mut reporter = ctx.reporter("PG4002", path, out);
        let d = reporter.report(
            span,
            format!(
                "trust from {}: anyone who can reach the port logs in as any role the record \
                 names, without a password",
                address_text(&hba.sources, rec)
            ),
        );
        if let Some((p, s)) = address_location(&hba.sources, rec) {
            d.secondary.push(Label::new(
                ctx.path(p),
                s,
                "admits more than the server itself",
            ));
        }
        d.notes.push(
            "use scram-sha-256 (or cert) for network records; keep trust for local sockets or \
             127.0.0.1/32 and ::1/128 at most"
                .into(),
        );
        d.fix = method_fix(
            ctx,
            hba,
            rec,
            "scram-sha-256",
            "use scram-sha-256 instead of trust",
        );
    }
}

/// `clientcert=verify-ca|verify-full` (the options column, so the last value wins).
fn requires_client_certificate(hba: &HbaFile, rec: &HbaRecord) -> bool {
    hba.options(rec)
        .iter()
        .any(|o| o.starts_with("clientcert="))
}

/// Replaces the method token. Unsafe: roles without a SCRAM password can no longer log in.
pub(crate) fn method_fix(
    ctx: &Context<'_>,
    hba: &HbaFile,
    rec: &HbaRecord,
    method: &str,
    title: &'static str,
) -> Option<Fix> {
    // A method supplied by an @file may be shared with other lines; leave that to a person.
    let line = hba.line(rec.line)?;
    if rec.method_at.file != line.file {
        return None;
    }
    let (path, span) = token_location(&hba.sources, rec.method_at);
    Some(Fix {
        title: title.into(),
        applicability: Applicability::Unsafe,
        edits: smallvec![Edit {
            file: ctx.path(path),
            span,
            replacement: method.as_bytes().to_vec().into(),
        }],
    })
}
