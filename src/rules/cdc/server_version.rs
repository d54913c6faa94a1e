//! PG6009 cdc-server-version: ClickPipes needs PostgreSQL 12 or newer, and some minors have a
//! logical decoding bug that stops pipes.
//!
//! Below 12 cannot reach this check: pgconf models 12–18 and refuses `--pg-version 11` (and
//! `[postgres] version = 11`) with an error naming the supported range.

use super::setting::report_at;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::Context;
use crate::source::Span;

/// (major, minor with the bug): "invalid memory alloc request size" during logical decoding,
/// fixed in the next minor of each branch (ClickPipes FAQ; research notes §2.1).
const DECODING_BUG: &[(u8, u32)] = &[(17, 5), (16, 9), (15, 13), (14, 18), (13, 21)];

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let server = ctx.server;
    let Some(minor) = ctx.settings.postgres.minor else {
        return;
    };
    // The minor was given together with its major (`16.9`).
    let major = ctx
        .settings
        .postgres
        .version
        .unwrap_or(server.version)
        .major();
    if !DECODING_BUG.contains(&(major, minor)) {
        return;
    }
    // A version belongs to no line; point at the start of the main file.
    let path = match (&server.conf, &server.hba) {
        (Some(set), _) => set.files[set.main].source.path().to_path_buf(),
        (None, Some(hba)) => match hba.sources.files.first() {
            Some(file) => file.source.path().to_path_buf(),
            None => return,
        },
        (None, None) => return,
    };
    let Some(d) = report_at(
        ctx,
        "PG6009",
        &path,
        Span::empty(0),
        Severity::Warning,
        format!(
            "PostgreSQL {major}.{minor} can fail during logical decoding with \"invalid memory \
             alloc request size\", which stops the pipe; upgrade to {major}.{} or later",
            minor + 1
        ),
        out,
    ) else {
        return;
    };
    d.notes.push(
        "a minor upgrade is a package update and a restart; the data directory stays as it is"
            .into(),
    );
}
