//! PG1003 ident-invalid-line: every pg_ident.conf line the server rejects, with the message it
//! logs, at the field it is about. One such line makes the whole file fail to load.

use crate::diagnostic::Diagnostic;
use crate::model::hba::{AuthSources, TokLine, TokRef};
use crate::model::ident::IdentFile;
use crate::rules::Context;
use crate::rules::hba::{rejected_line_label, rejection_location};

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(ident) = &ctx.server.ident else {
        return;
    };
    let sources = &ident.sources;
    for (line, row) in ident.lines.iter().zip(ident.view_rows()) {
        let Some(message) = &row.error else {
            continue;
        };
        let (file, span) = rejection_location(sources, line, location(ident, line, message));
        // 12–14 log the missing field with the file and line in the message itself.
        let message = if message == "missing entry at end of line" && !ident.version.at_least(15) {
            format!(
                "missing entry in file \"{}\" at end of line {}",
                sources.files[line.file as usize].display, line.line_number
            )
        } else {
            message.clone()
        };
        let mut reporter = ctx.reporter("PG1003", file, out);
        let d = reporter.report(span, message);
        d.secondary
            .extend(rejected_line_label(ctx, sources, line, file, span));
        if row.error.as_deref() == Some("multiple values in ident field") {
            d.notes.push(
                "each field holds one name; write one line per system user and database user"
                    .into(),
            );
        }
        d.notes.push(
            "one rejected line rejects the whole file: a reload keeps the previous maps \
             (\"pg_ident.conf was not reloaded\"); at startup the server runs with no usable \
             maps, so every map= option in pg_hba.conf fails"
                .into(),
        );
    }
}

/// The token the server's error is about, as `parse_ident_line` checks the fields: the map
/// name, system user and database user must each be one token; then the regexes compile.
fn location(ident: &IdentFile, line: &TokLine, message: &str) -> Option<TokRef> {
    if let Some(e) = &line.err {
        return e.at;
    }
    let fields = ident.sources.fields(line).take(3);
    if message == "multiple values in ident field" {
        return fields.filter_map(|f| f.get(1)).next();
    }
    if message.starts_with("invalid regular expression") {
        let sources: &AuthSources = &ident.sources;
        let bad = |t: &TokRef| {
            let text = sources.text(*t);
            text.first() == Some(&b'/') && crate::model::hba::regex_check(&text[1..]).is_err()
        };
        return sources
            .fields(line)
            .skip(1)
            .take(2)
            .map(|f| f.first())
            .find(bad);
    }
    None
}
