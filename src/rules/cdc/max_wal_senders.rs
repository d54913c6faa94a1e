//! PG6002 cdc-max-wal-senders: ClickPipes refuses a source with fewer than 2 WAL senders.

use super::setting::{effective, integer, is_phrase, report, set_value_fix};
use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::rules::Context;

/// What the ClickPipes guides and the server default use.
const ADVISED: i64 = 10;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(senders) = effective(ctx, "max_wal_senders") else {
        return;
    };
    let Some(value) = integer(&senders) else {
        return;
    };
    let minimum = i64::from(ctx.settings.clickpipes.min_wal_senders);
    if value >= minimum {
        return;
    }
    let target = ADVISED.max(minimum);
    let message = format!(
        "max_wal_senders {}; ClickPipes needs at least {minimum} and refuses to create a pipe \
         with fewer; {target} is advised",
        is_phrase(&senders, &value.to_string())
    );
    let fix = set_value_fix(
        ctx.server,
        &senders,
        &target.to_string(),
        false,
        format!("set max_wal_senders = {target}"),
        Applicability::Safe,
    );
    if let Some(d) = report(ctx, "PG6002", &senders, Severity::Error, message, out) {
        d.notes.push(
            "each replication connection holds a WAL sender: a pipe's, every standby's and \
             pg_basebackup's"
                .into(),
        );
        d.fix = fix;
    }
}
