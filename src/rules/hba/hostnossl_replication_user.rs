//! PG4011 hba-hostnossl-replication-user: a `hostnossl` record that the replication user
//! (ClickPipes' user) can match: it admits that user only without TLS, which the pipe uses by
//! default, and invites sending replication data in clear.

use crate::diagnostic::Diagnostic;
use crate::model::hba::{AuthMethod, ConnType, HbaRecord};
use crate::rules::Context;
use crate::rules::hba::{network_records, record_location};

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(hba) = &ctx.server.hba else {
        return;
    };
    if !ctx.hba_uses().conn_type(ConnType::HostNoSsl) {
        return;
    }
    let user = ctx.settings.clickpipes.user.as_bytes();
    let hostnossl =
        |r: &HbaRecord| r.conn_type == ConnType::HostNoSsl && r.method != AuthMethod::Reject;
    for rec in network_records(hba, hostnossl) {
        let names_user = hba
            .users(rec)
            .any(|u| u.is_keyword("all") || (!u.regex && u.text == user));
        if !names_user {
            continue;
        }
        let (path, span) = record_location(hba, rec);
        let mut reporter = ctx.reporter("PG4011", path, out);
        let d = reporter.report(
            span,
            format!(
                "hostnossl admits the replication user {} only without TLS",
                ctx.settings.clickpipes.user
            ),
        );
        d.notes.push(
            "a ClickPipe connects with TLS by default; use host or hostssl for the replication \
             user so replication data is encrypted"
                .into(),
        );
    }
}
