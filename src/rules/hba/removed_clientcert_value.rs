//! PG4006 hba-removed-clientcert-value: `clientcert=1`, `0` or `no-verify`, which 12–13
//! accept and 14 removed. Only reported when linting for 12–13 (a warning: the file loads
//! today, an upgrade breaks it); from 14 the line fails to load and PG1002 reports it.

use std::path::Path;
use std::sync::Arc;

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, smallvec};
use crate::model::hba::{AuthMethod, HbaFile, HbaRecord, TokRef};
use crate::rules::Context;
use crate::rules::hba::{option_parts, token_location};
use crate::source::Span;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(hba) = &ctx.server.hba else {
        return;
    };
    if hba.version.at_least(14) {
        return;
    }
    for rec in hba.records() {
        let clientcerts: Vec<(TokRef, &[u8])> = hba
            .option_tokens(rec)
            .iter()
            .filter_map(|&t| match option_parts(hba.sources.text(t)) {
                Some((b"clientcert", value)) => Some((t, value)),
                _ => None,
            })
            .collect();
        for (k, &(tok, value)) in clientcerts.iter().enumerate() {
            let meaning = match value {
                b"1" => "verify-ca",
                b"0" | b"no-verify" => "no client certificate check",
                _ => continue,
            };
            let value = String::from_utf8_lossy(value);
            let (path, span) = token_location(&hba.sources, tok);
            let mut reporter = ctx.reporter("PG4006", path, out);
            let file = Arc::clone(reporter.file());
            let d = reporter.report(
                span,
                format!(
                    "clientcert={value} ({meaning}) was removed in PostgreSQL 14: after an \
                     upgrade the server rejects this line, and with it the whole pg_hba.conf"
                ),
            );
            d.notes.push(format!(
                "PostgreSQL 14+ logs `invalid value for clientcert: \"{value}\"` and does not \
                 start (\"could not load pg_hba.conf\")"
            ));
            let later_clientcert = clientcerts.len() > k + 1;
            let earlier_clientcert = k > 0;
            d.fix = if value == "1" {
                // cert always checks the full certificate, and 14+ allow it only verify-full.
                Some(if rec.method == AuthMethod::Cert {
                    replace(&file, span, "verify-full", "cert checks the name anyway")
                } else {
                    replace(&file, span, "verify-ca", "what 1 means")
                })
            } else if later_clientcert || !earlier_clientcert {
                // Removing it keeps the meaning: a later clientcert overrides it anyway, and
                // without any clientcert no certificate is checked (the same as 0).
                remove(hba, rec, tok).map(|edit| Fix {
                    title: format!("remove clientcert={value} (no check is the default)").into(),
                    applicability: Applicability::Safe,
                    edits: smallvec![edit],
                })
            } else {
                None
            };
        }
    }
}

fn replace(path: &Arc<Path>, span: Span, value: &str, why: &str) -> Fix {
    Fix {
        title: format!("write clientcert={value} ({why})").into(),
        applicability: Applicability::Safe,
        edits: smallvec![Edit {
            file: Arc::clone(path),
            span,
            replacement: format!("clientcert={value}").into_bytes().into(),
        }],
    }
}

/// Deletes option token `tok` of `rec` with the separator before it (or, inside a
/// comma list, the comma and blanks after it), so the other fields stay as they were.
fn remove(hba: &HbaFile, rec: &HbaRecord, tok: TokRef) -> Option<Edit> {
    let line = hba.line(rec.line)?;
    if tok.file != line.file || rec.method_at.file != line.file {
        return None;
    }
    let file = hba.sources.files.get(tok.file as usize)?;
    let auth = line.line as usize;
    if auth >= file.lines.lines.len() {
        return None;
    }
    let this = hba.sources.token(tok).span;
    for field in file.lines.fields_of(auth) {
        let (t0, t1) = field.tokens;
        if !(t0..t1).contains(&tok.token) {
            continue;
        }
        // Inside a comma list with a token after it: drop `clientcert=0,`.
        if tok.token + 1 < t1 {
            let next = file.lines.tokens.get(tok.token as usize + 1)?.span;
            return Some(Edit {
                file: file.source.path().into(),
                span: Span::new(this.start, next.start),
                replacement: Vec::new().into(),
            });
        }
        // Otherwise drop it with what separates it from the token before (a blank, or a
        // comma when it ends a list).
        let prev_index = tok.token.checked_sub(1)?;
        let prev = if prev_index >= auth_first_token(file, auth)? {
            file.lines.tokens.get(prev_index as usize)?.span
        } else {
            return None;
        };
        return Some(Edit {
            file: file.source.path().into(),
            span: Span::new(prev.end, this.end),
            replacement: Vec::new().into(),
        });
    }
    None
}

fn auth_first_token(file: &crate::model::hba::load::LoadedSource, auth: usize) -> Option<u32> {
    file.lines.fields_of(auth).next().map(|f| f.tokens.0)
}
