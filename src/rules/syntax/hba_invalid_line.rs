//! PG1002 hba-invalid-line: every pg_hba.conf line the server rejects (tokenizer errors,
//! `@file`/include failures, `parse_hba_line`), with the message the server logs, at the token
//! it is about. One such line makes the whole file fail to load.

use crate::diagnostic::Diagnostic;
use crate::model::hba::{LineError, TokLine};
use crate::model::version::PgVersion;
use crate::rules::Context;
use crate::rules::hba::{HBA_REJECTED_NOTE, rejected_line_label, rejection_location};

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(hba) = &ctx.server.hba else {
        return;
    };
    let sources = &hba.sources;
    for (line, error) in hba.failures() {
        let (file, span) = rejection_location(sources, &line, error.at);
        let mut reporter = ctx.reporter("PG1002", file, out);
        let d = reporter.report(span, error.message.clone());
        d.secondary
            .extend(rejected_line_label(ctx, sources, &line, file, span));
        if let Some(hint) = hint(ctx.server.version, &line, error, sources) {
            d.notes.push(hint);
        }
        if !error.in_view {
            d.notes.push(
                "pg_hba_file_rules shows this line without an error; the message is only in \
                 the server log"
                    .into(),
            );
        }
        d.notes.push(HBA_REJECTED_NOTE.into());
    }
}

/// What usually causes an error the server words tersely.
fn hint(
    version: PgVersion,
    line: &TokLine,
    error: &LineError,
    sources: &crate::model::hba::AuthSources,
) -> Option<String> {
    let m = error.message.as_str();
    let first = Some(sources.text(sources.first_token(line)?));
    if let Some(value) = m
        .strip_prefix("invalid value for clientcert: \"")
        .and_then(|v| v.strip_suffix('"'))
        && matches!(value, "1" | "0" | "no-verify")
        && version.at_least(14)
    {
        return Some(
            "PostgreSQL 14 removed clientcert=1, 0 and no-verify: write clientcert=verify-ca \
             for 1 (verify-full with the cert method), and leave the option out for 0 and \
             no-verify"
                .into(),
        );
    }
    if m.starts_with("invalid connection type")
        && matches!(
            first,
            Some(b"include" | b"include_if_exists" | b"include_dir")
        )
    {
        return Some(if version.at_least(16) {
            "an include directive has exactly two fields: the keyword and one file name".into()
        } else {
            format!(
                "include directives in pg_hba.conf need PostgreSQL 16; PostgreSQL {version} reads the line \
                 as a record"
            )
        });
    }
    if m == "invalid authentication method \"oauth\"" {
        return Some("the oauth method needs PostgreSQL 18".into());
    }
    if m == "authentication option not in name=value format: \\" && !version.at_least(14) {
        return Some(format!(
            "a `\\` at the end of a line continues it only from PostgreSQL 14; PostgreSQL {version} reads \
             it as a token"
        ));
    }
    if m.starts_with("invalid IP mask") {
        return Some(
            "an IP address without /length needs a netmask column; write ADDRESS/32 (or /128) \
             for one host"
                .into(),
        );
    }
    for prefix in [
        "invalid connection type \"",
        "invalid authentication method \"",
    ] {
        let Some(value) = m.strip_prefix(prefix).and_then(|v| v.strip_suffix('"')) else {
            continue;
        };
        let lower = value.to_ascii_lowercase();
        if lower != value && KEYWORDS.contains(&lower.as_str()) {
            return Some(format!(
                "connection types and methods are case-sensitive: write `{lower}`"
            ));
        }
    }
    None
}

const KEYWORDS: &[&str] = &[
    "local",
    "host",
    "hostssl",
    "hostnossl",
    "hostgssenc",
    "hostnogssenc",
    "trust",
    "reject",
    "ident",
    "peer",
    "password",
    "md5",
    "scram-sha-256",
    "gss",
    "pam",
    "ldap",
    "cert",
    "radius",
    "oauth",
];
