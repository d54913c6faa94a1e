//! PG6003 cdc-max-replication-slots: each pipe holds a logical replication slot.

use super::setting::{effective, integer, is_phrase, report, set_value_fix};
use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::rules::Context;

/// What the ClickPipes guides and the server default use.
const ADVISED: i64 = 10;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(slots) = effective(ctx, "max_replication_slots") else {
        return;
    };
    let Some(value) = integer(&slots) else {
        return;
    };
    let cp = &ctx.settings.clickpipes;
    let minimum = i64::from(cp.min_replication_slots);
    let recommended = i64::from(cp.recommended_replication_slots);
    let is = is_phrase(&slots, &value.to_string());
    let (severity, message) = if value < minimum {
        (
            Severity::Error,
            if value == 0 {
                format!(
                    "max_replication_slots {is}: no replication slot can be created, so \
                     ClickPipes cannot start a pipe; {ADVISED} is advised"
                )
            } else {
                format!(
                    "max_replication_slots {is}; at least {minimum} are needed for ClickPipes; \
                     {ADVISED} is advised"
                )
            },
        )
    } else if value < recommended {
        (
            Severity::Warning,
            format!(
                "max_replication_slots {is}; ClickPipes documents at least {recommended}; \
                 {ADVISED} is advised"
            ),
        )
    } else {
        return;
    };
    let target = ADVISED.max(minimum).max(recommended);
    let fix = set_value_fix(
        ctx.server,
        &slots,
        &target.to_string(),
        false,
        format!("set max_replication_slots = {target}"),
        Applicability::Safe,
    );
    if let Some(d) = report(ctx, "PG6003", &slots, severity, message, out) {
        d.notes.push(
            "each pipe holds one logical slot (peerflow_slot_<pipe>); standbys and other \
             consumers hold theirs"
                .into(),
        );
        d.fix = fix;
    }
}
