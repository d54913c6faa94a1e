//! What the postgresql.conf rules of family 6 share: the effective value of a parameter (the
//! last assignment across includes and auto.conf, else the version's boot value), where to
//! point (that line, or the commented default / end of file when absent), the lines it
//! overrides, whether a change needs a restart, and fixes that replace only the value.

use std::path::Path;
use std::sync::Arc;

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Label, Severity};
use crate::edits::placement::{CommentedSetting, append_line, commented_default};
use crate::lint::server::Server;
use crate::model::catalog::{Catalog, Context as ParamContext, Param};
use crate::model::config_set::{Item, ItemKind};
use crate::model::value::{TypedValue, parse_value};
use crate::rules::Context;
use crate::source::Span;

/// A parameter's value as a fresh server would have it.
pub struct Effective<'a> {
    pub name: &'static str,
    pub param: &'static Param,
    /// The assignment that takes effect; `None` when no file sets the parameter.
    pub item: Option<&'a Item>,
    /// The value, typed; the boot value when absent.
    pub value: TypedValue,
    /// The value as written (de-quoted), or the boot value.
    pub written: String,
}

impl Effective<'_> {
    pub fn is_set(&self) -> bool {
        self.item.is_some()
    }
}

/// The effective value of `name`, or `None` when there is no postgresql.conf, the version has
/// no such parameter, or the value is invalid (PG2002's finding: the server would not start).
pub fn effective<'a>(ctx: &Context<'a>, name: &'static str) -> Option<Effective<'a>> {
    let index = ctx.setting_index()?;
    let version = ctx.server.version;
    let param = Catalog::get(version).lookup(name.as_bytes())?;
    let last = index.assignments(param).last();
    let (value, written) = match last {
        Some(entry) => (
            parse_value(param, entry.value, version).ok()?,
            String::from_utf8_lossy(entry.value).into_owned(),
        ),
        None => {
            let boot = param.boot_value()?;
            (
                parse_value(param, boot.as_bytes(), version).ok()?,
                boot.to_string(),
            )
        }
    };
    Some(Effective {
        name,
        param,
        item: last.map(|entry| entry.item),
        value,
        written,
    })
}

/// Reports a finding of rule `code` at the effective line (or where the absent setting would
/// go), with the overridden assignments as secondary labels and the restart/reload note.
pub fn report<'o>(
    ctx: &Context<'_>,
    code: &'static str,
    effective: &Effective<'_>,
    severity: Severity,
    message: String,
    out: &'o mut Vec<Diagnostic>,
) -> Option<&'o mut Diagnostic> {
    let server = ctx.server;
    let (path, span) = match effective.item.and_then(|item| server.item_location(item)) {
        Some(location) => location,
        None => server.absent_setting_location(effective.name)?,
    };
    // A parameter set a hundred times has 99 overridden lines, each labelled.
    let overridden: Vec<Label> = ctx
        .setting_index()
        .into_iter()
        .flat_map(|index| index.assignments(effective.param))
        .filter(|entry| !effective.item.is_some_and(|e| std::ptr::eq(entry.item, e)))
        .map(|entry| {
            Label::new(
                ctx.path(entry.path()),
                entry.span(),
                "overridden by the line that takes effect",
            )
        })
        .collect();
    let d = report_at(ctx, code, path, span, severity, message, out)?;
    d.secondary.extend(overridden);
    d.notes.push(change_note(effective.name, effective.param));
    Some(d)
}

/// Reports a finding of rule `code` at `span` of `path` with `severity`.
pub fn report_at<'o>(
    ctx: &Context<'_>,
    code: &'static str,
    path: &std::path::Path,
    span: Span,
    severity: Severity,
    message: String,
    out: &'o mut Vec<Diagnostic>,
) -> Option<&'o mut Diagnostic> {
    let start = out.len();
    ctx.reporter(code, path, out).report(span, message);
    let d = out.get_mut(start)?;
    d.severity = severity;
    Some(d)
}

/// Whether changing the parameter needs a restart or a reload.
pub fn change_note(name: &str, param: &Param) -> String {
    match param.context() {
        ParamContext::Postmaster => format!("changing {name} needs a server restart"),
        _ => format!(
            "a reload applies a change of {name} (pg_ctl reload, or SELECT pg_reload_conf())"
        ),
    }
}

/// Sets the parameter to `value`: replaces only the value of the line that takes effect
/// (keeping its quoting), or uncomments the commented default of the main file with the new
/// value, or appends `name = value` to the main file with the file's own line ending.
/// `quote` says whether `value` must be quoted where it is written anew.
pub fn set_value_fix(
    server: &Server,
    effective: &Effective<'_>,
    value: &str,
    quote: bool,
    title: String,
    applicability: Applicability,
) -> Option<Fix> {
    let set = server.conf.as_ref()?;
    let quoted = format!("'{value}'");
    let fresh = if quote { quoted.as_str() } else { value };
    let mut applicability = applicability;
    let edits = match effective.item {
        Some(item) => {
            let ItemKind::Setting { setting, .. } = &item.kind else {
                return None;
            };
            // postgresql.auto.conf belongs to ALTER SYSTEM: someone chose that value on the
            // running server, and the next ALTER SYSTEM rewrites the file, so editing it is
            // theirs to allow (the placement rule in edits::placement says the same).
            if Some(item.file) == set.auto {
                applicability = Applicability::Unsafe;
            }
            let file = set.files.get(item.file)?;
            let was_quoted = file.source.slice(setting.value.span).first() == Some(&b'\'');
            let replacement = if was_quoted { quoted.as_str() } else { fresh };
            vec![Edit {
                file: file.source.path().into(),
                span: setting.value.span,
                replacement: replacement.as_bytes().to_vec().into(),
            }]
        }
        None => {
            let main = set.files.get(set.main)?;
            let path: Arc<Path> = main.source.path().into();
            match commented_default(set, set.main, effective.name) {
                Some(CommentedSetting {
                    hash,
                    value: old_value,
                    quoted: was_quoted,
                    ..
                }) => {
                    let replacement = if was_quoted { quoted.as_str() } else { fresh };
                    vec![
                        Edit {
                            file: Arc::clone(&path),
                            span: hash,
                            replacement: Vec::new().into(),
                        },
                        Edit {
                            file: path,
                            span: old_value,
                            replacement: replacement.as_bytes().to_vec().into(),
                        },
                    ]
                }
                None => {
                    // The file's own (majority) line ending, as PG5002 counts them: a CRLF
                    // line appended to a file that mostly ends in LF made PG5002 flip the
                    // whole file to CRLF on the next pass.
                    let line = format!("{} = {fresh}", effective.name);
                    vec![append_line(main.source.bytes(), &path, line.as_bytes())]
                }
            }
        }
    };
    Some(Fix {
        title: title.into(),
        applicability,
        edits: edits.into(),
    })
}

/// An integer parameter's effective value.
pub fn integer(effective: &Effective<'_>) -> Option<i64> {
    match effective.value {
        TypedValue::Integer(v) => Some(i64::from(v)),
        _ => None,
    }
}

/// "is N" or "is not set, so it is N (the default)", for messages.
pub fn is_phrase(effective: &Effective<'_>, shown: &str) -> String {
    if effective.is_set() {
        format!("is {shown}")
    } else {
        format!("is not set, so it is {shown} (the default)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::server::ServerFiles;
    use crate::model::fs::MemFs;
    use crate::model::version::PgVersion;

    /// The main file after applying the fix that sets `name` to `value`.
    fn fixed(text: &str, name: &'static str, value: &str, quote: bool) -> String {
        let fs = MemFs::new().with("/d/postgresql.conf", text);
        let files = ServerFiles {
            conf: Some("/d/postgresql.conf".into()),
            ..ServerFiles::default()
        };
        let server = Server::load(&fs, files, PgVersion::NEWEST, true);
        let settings = crate::settings::Settings::default();
        let eff = effective(&Context::new(&server, &settings), name).expect("known parameter");
        let fix = set_value_fix(
            &server,
            &eff,
            value,
            quote,
            String::new(),
            Applicability::Safe,
        )
        .expect("fix");
        let mut bytes = text.as_bytes().to_vec();
        let mut edits = fix.edits.clone();
        edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
        for edit in edits {
            assert_eq!(*edit.file, *Path::new("/d/postgresql.conf"));
            bytes.splice(edit.span.range(), edit.replacement.iter().copied());
        }
        String::from_utf8(bytes).expect("utf-8")
    }

    #[test]
    fn fixes_replace_the_value_uncomment_or_append() {
        assert_eq!(
            fixed("wal_level = replica  # x\n", "wal_level", "logical", false),
            "wal_level = logical  # x\n"
        );
        assert_eq!(
            fixed(
                "listen_addresses = 'localhost'\n",
                "listen_addresses",
                "*",
                true
            ),
            "listen_addresses = '*'\n"
        );
        assert_eq!(
            fixed("max_wal_senders = '1'\n", "max_wal_senders", "10", false),
            "max_wal_senders = '10'\n"
        );
        assert_eq!(
            fixed(
                "#listen_addresses = 'localhost'\t\t# what\n",
                "listen_addresses",
                "*",
                true
            ),
            "listen_addresses = '*'\t\t# what\n"
        );
        assert_eq!(
            fixed(
                "#wal_level = replica\t# minimal\n",
                "wal_level",
                "logical",
                false
            ),
            "wal_level = logical\t# minimal\n"
        );
        assert_eq!(
            fixed("port = 5432\r\nmax_connections = 9", "ssl", "on", false),
            "port = 5432\r\nmax_connections = 9\r\nssl = on\r\n"
        );
        assert_eq!(
            fixed("", "password_encryption", "scram-sha-256", true),
            "password_encryption = 'scram-sha-256'\n"
        );
    }

    #[test]
    fn a_value_in_auto_conf_is_only_changed_by_an_unsafe_fix() {
        let fs = MemFs::new()
            .with("/d/postgresql.conf", "wal_level = logical\n")
            .with("/d/postgresql.auto.conf", "wal_level = 'replica'\n");
        let files = ServerFiles {
            conf: Some("/d/postgresql.conf".into()),
            ..ServerFiles::default()
        };
        let server = Server::load(&fs, files, PgVersion::NEWEST, true);
        let settings = crate::settings::Settings::default();
        let eff =
            effective(&Context::new(&server, &settings), "wal_level").expect("known parameter");
        let fix = set_value_fix(
            &server,
            &eff,
            "logical",
            false,
            String::new(),
            Applicability::Safe,
        )
        .expect("fix");
        assert_eq!(fix.applicability, Applicability::Unsafe);
        assert_eq!(fix.edits.len(), 1);
        assert_eq!(*fix.edits[0].file, *Path::new("/d/postgresql.auto.conf"));
        assert_eq!(*fix.edits[0].replacement, *b"'logical'");
    }
}
