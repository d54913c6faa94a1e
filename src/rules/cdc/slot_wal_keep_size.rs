//! PG6004 cdc-slot-wal-keep-size: bound the WAL a slot keeps, but high enough (100 GB) that a
//! paused pipe is not invalidated.

use super::setting::{effective, integer, report, report_at, set_value_fix};
use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::rules::Context;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let server = ctx.server;
    if server.conf.is_none() {
        return;
    }
    let minimum_mb = ctx.settings.clickpipes.min_slot_wal_keep_size_mb;
    let advised = size_text(minimum_mb);
    if !server.version.at_least(13) {
        report_version_12(ctx, &advised, out);
        return;
    }
    let Some(keep) = effective(ctx, "max_slot_wal_keep_size") else {
        return;
    };
    let Some(mb) = integer(&keep) else {
        return;
    };
    let written = if keep.is_set() {
        if mb < 0 {
            mb.to_string()
        } else if keep.written.trim() == mb.to_string() {
            format!("{mb} MB")
        } else {
            format!("{} ({mb} MB)", keep.written.trim())
        }
    } else {
        format!("not set, so it is {mb} (the default)")
    };
    let minimum = i64::try_from(minimum_mb).unwrap_or(i64::MAX);
    let (message, applicability) = if mb < 0 {
        (
            format!(
                "max_slot_wal_keep_size is {written}: a slot keeps WAL without limit, so a \
                 paused or failing pipe can fill the disk; ClickPipes advises {advised}"
            ),
            // A person who wrote -1 chose "never invalidate the slot"; bounding it is theirs
            // to decide. The default was nobody's choice.
            if keep.is_set() {
                Applicability::Unsafe
            } else {
                Applicability::Safe
            },
        )
    } else if mb < minimum {
        (
            format!(
                "max_slot_wal_keep_size is {written}, below the {advised} ClickPipes advises: \
                 past it the server invalidates the slot and the pipe needs a full resync"
            ),
            Applicability::Safe,
        )
    } else {
        return;
    };
    let fix = set_value_fix(
        server,
        &keep,
        &advised,
        false,
        format!("set max_slot_wal_keep_size = {advised}"),
        applicability,
    );
    if let Some(d) = report(ctx, "PG6004", &keep, Severity::Warning, message, out) {
        d.notes.push(
            "ClickPipes' FAQ: keep at least two days of peak WAL, ideally 200GB; check the \
             volume has room"
                .into(),
        );
        d.fix = fix;
    }
}

/// 12 has no `max_slot_wal_keep_size`: slot WAL is unbounded and cannot be bounded.
fn report_version_12(ctx: &Context<'_>, advised: &str, out: &mut Vec<Diagnostic>) {
    let server = ctx.server;
    let Some((path, span)) = server.absent_setting_location("max_slot_wal_keep_size") else {
        return;
    };
    let path = path.to_path_buf();
    let Some(d) = report_at(
        ctx,
        "PG6004",
        &path,
        span,
        Severity::Warning,
        format!(
            "PostgreSQL {} keeps WAL for a replication slot without limit, so a paused or \
             failing pipe can fill the disk",
            server.version
        ),
        out,
    ) else {
        return;
    };
    d.notes.push(format!(
        "max_slot_wal_keep_size, which bounds it ({advised} advised), exists from PostgreSQL 13; \
         on 12, watch pg_replication_slots and the disk, or upgrade"
    ));
}

/// `100GB` for whole gigabytes, else `N MB`, as a postgresql.conf value.
fn size_text(mb: u64) -> String {
    if mb > 0 && mb.is_multiple_of(1024) {
        format!("{}GB", mb / 1024)
    } else {
        format!("{mb}MB")
    }
}
