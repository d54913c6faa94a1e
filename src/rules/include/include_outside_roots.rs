//! PG3006 include-outside-roots: an include directive, in a file inside the paths the user
//! gave, whose target lies outside all of them (an absolute path elsewhere, `../..`). Such a
//! file is not part of what is reviewed and deployed with the configuration. pgconf does not
//! read it unless `--follow-outside-includes` is given; either way it is reported. Only runs
//! when the server was loaded for paths a user gave (`Server::include_scope`).

use crate::diagnostic::Diagnostic;
use crate::model::config_set::is_within;
use crate::model::paths;
use crate::rules::Context;
use crate::rules::conf::Reported;
use crate::source::text::escape_bytes;
use crate::syntax::conf::LineItem;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let server = ctx.server;
    let (Some(set), Some(scope)) = (&server.conf, &server.include_scope) else {
        return;
    };
    let roots: Vec<_> = scope
        .roots
        .iter()
        .map(|r| paths::canonicalize_path(r, crate::model::version::PgVersion::NEWEST))
        .collect();
    let mut reported = Reported::default();
    for file in &set.files {
        if !is_within(&file.path, &roots) {
            continue;
        }
        let dir = file
            .path
            .parent()
            .unwrap_or_else(|| std::path::Path::new("/"));
        for line in &file.tree.lines {
            let LineItem::Setting(setting) = &line.item else {
                continue;
            };
            // Compared folded in place: a lowercase copy of every name of every file cost an
            // allocation per line.
            let name = setting.name_bytes(file.source.bytes());
            let kind = if name.eq_ignore_ascii_case(b"include")
                || name.eq_ignore_ascii_case(b"include_if_exists")
            {
                "file"
            } else if name.eq_ignore_ascii_case(b"include_dir") {
                "folder"
            } else {
                continue;
            };
            let value = setting.value_bytes(file.source.bytes());
            if value.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            let target = paths::resolve(dir, &value, server.version);
            if is_within(&target, &roots) || !reported.first(&file.path, setting.value.span) {
                continue;
            }
            let mut reporter = ctx.reporter("PG3006", file.source.path(), out);
            let d = reporter.report(
                setting.value.span,
                format!(
                    "{} of `{}` leads outside the paths being checked",
                    if kind == "file" {
                        "include"
                    } else {
                        "include_dir"
                    },
                    escape_bytes(&value),
                ),
            );
            d.notes.push(if scope.follow_outside {
                "read anyway because of --follow-outside-includes".to_string()
            } else {
                "pgconf did not read it, so the values it sets are unknown here; pass \
                 --follow-outside-includes to read it, or lint the folder that holds it too"
                    .to_string()
            });
            d.notes.push(
                "a file outside the configuration's folders is not reviewed or deployed with it; \
                 on another host the include may be missing (PG3001)"
                    .into(),
            );
        }
    }
}
