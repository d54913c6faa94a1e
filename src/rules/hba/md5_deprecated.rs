//! PG4009 hba-md5-deprecated: PostgreSQL 18 deprecates MD5 passwords (and warns on every md5
//! login with `md5_password_warnings`); records using `md5` should move to `scram-sha-256`.

use crate::diagnostic::Diagnostic;
use crate::model::hba::AuthMethod;
use crate::rules::Context;
use crate::rules::hba::token_location;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(hba) = &ctx.server.hba else {
        return;
    };
    if !ctx.server.version.at_least(18) {
        return;
    }
    if !ctx.hba_uses().any_method(&[AuthMethod::Md5]) {
        return;
    }
    for rec in hba.records().iter().filter(|r| r.method == AuthMethod::Md5) {
        let (path, span) = token_location(&hba.sources, rec.method_at);
        let mut reporter = ctx.reporter("PG4009", path, out);
        let d = reporter.report(
            span,
            "md5 is deprecated in PostgreSQL 18 and will be removed; use scram-sha-256",
        );
        d.notes.push(
            "an md5 record also accepts scram-sha-256 passwords, so switch password_encryption \
             to scram-sha-256, have users set their passwords again, then change the method"
                .into(),
        );
    }
}
