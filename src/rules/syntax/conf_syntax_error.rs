//! PG1001 conf-syntax-error: every line of every conf file that the server's lexer rejects
//! (all of them, as a server start reports them, not only the first of each file).

use crate::diagnostic::Diagnostic;
use crate::rules::Context;
use crate::syntax::conf::LineItem;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(set) = &ctx.server.conf else {
        return;
    };
    for file in &set.files {
        for line in &file.tree.lines {
            let LineItem::Invalid(invalid) = &line.item else {
                continue;
            };
            let near = match invalid.error.near {
                crate::syntax::conf::Near::EndOfLine => "near end of line".to_string(),
                crate::syntax::conf::Near::Token => format!(
                    "near \"{}\"",
                    crate::source::text::escape_bytes(file.source.slice(invalid.error.at))
                ),
            };
            let mut reporter = ctx.reporter("PG1001", file.source.path(), out);
            let shared = std::sync::Arc::clone(reporter.file());
            let d = reporter.report(invalid.error.at, format!("syntax error {near}"));
            d.secondary.push(crate::diagnostic::Label::new(
                shared,
                invalid.span,
                "the server rejects this line",
            ));
            d.notes.push(
                "a server with a syntax error in any config file does not start; on reload it \
                 applies nothing"
                    .into(),
            );
            if let Some(hint) = quoting_hint(file.source.slice(invalid.error.at)) {
                d.notes.push(hint.into());
            }
        }
    }
}

/// The usual cause of a token the lexer refuses.
fn quoting_hint(token: &[u8]) -> Option<&'static str> {
    match token.first()? {
        b'*' | b'/' | b'-' | b'"' | b'$' | b'~' => {
            Some("values that are not a single word or number must be in single quotes")
        }
        _ if token.contains(&b'.') => {
            Some("a value with one dot (`a.b`) must be quoted: the lexer reads it as a name")
        }
        _ => None,
    }
}
