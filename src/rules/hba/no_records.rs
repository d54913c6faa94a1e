//! PG4008 hba-no-records: a pg_hba.conf (includes expanded) without a single record. The
//! server refuses it (`load_hba`: "configuration file … contains no entries") — but only when
//! no line failed, so a file with errors is PG1002's alone.

use crate::diagnostic::{Diagnostic, Label};
use crate::rules::Context;
use crate::source::Span;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(hba) = &ctx.server.hba else {
        return;
    };
    if !hba.records().is_empty() || hba.failures().next().is_some() {
        return;
    }
    let Some(main) = hba.sources.files.first() else {
        return;
    };
    let path = main.source.path();
    let mut reporter = ctx.reporter("PG4008", path, out);
    let d = reporter.report(
        Span::empty(0),
        format!(
            "configuration file \"{}\" contains no entries",
            main.display
        ),
    );
    // Include directives that brought nothing in (16+): an empty folder or file, or a
    // missing include_if_exists target.
    if hba.version.at_least(16) {
        for (index, line) in main.lines.lines.iter().enumerate() {
            let mut fields = main.lines.fields_of(index);
            if fields.len() != 2 {
                continue;
            }
            let Some(first) = fields
                .next()
                .and_then(|field| main.lines.tokens_of(&field).first())
            else {
                continue;
            };
            let keyword = main.lines.text(first, main.source.bytes());
            if matches!(keyword, b"include" | b"include_if_exists" | b"include_dir") {
                d.secondary.push(Label::new(
                    path,
                    line.span,
                    "this include brings in no records",
                ));
            }
        }
    }
    d.notes.push(
        "the server refuses a pg_hba.conf without records: it does not start, and a reload \
         keeps the previous rules; add at least one record (e.g. `local all all peer`)"
            .into(),
    );
}
