//! PG5001 byte-order-mark: a UTF-8 byte order mark (EF BB BF) at the start of a file. No
//! PostgreSQL parser skips it: bytes 0x80–0xFF are letters to the postgresql.conf lexer, so
//! the mark becomes part of the first name (or a token of its own), and pg_hba/pg_ident read
//! it as part of the first field. Fix (safe): delete the three bytes.

use std::sync::Arc;

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, smallvec};
use crate::rules::Context;
use crate::source::Span;
use crate::syntax::conf::LineItem;

use super::{FileKind, server_files};

const BOM: &[u8] = b"\xEF\xBB\xBF";

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let conf_first_line = |path: &std::path::Path| {
        let set = ctx.server.conf.as_ref()?;
        let file = set.files.iter().find(|f| f.source.path() == path)?;
        file.tree.lines.first().map(|l| (l.item.clone(), file))
    };
    for file in server_files(ctx.server) {
        if !file.source.bytes().starts_with(BOM) {
            continue;
        }
        let span = Span::new(0, BOM.len() as u32);
        let effect = match file.kind {
            FileKind::Conf => match conf_first_line(file.path()) {
                Some((LineItem::Setting(setting), f)) if setting.name.span.start == 0 => {
                    let name = f.source.slice(setting.name.span);
                    format!(
                        "the server reads it as part of the first name, so `{}` is an unknown \
                         parameter and the server does not start",
                        String::from_utf8_lossy(&name[BOM.len()..])
                    )
                }
                _ => "the server reads it as a word of its own on the first line, a syntax \
                      error, and does not start"
                    .to_string(),
            },
            FileKind::Hba | FileKind::Ident => {
                "the server reads it as (part of) the first word of the first line".to_string()
            }
        };
        let mut reporter = ctx.reporter("PG5001", file.path(), out);
        let shared = Arc::clone(reporter.file());
        let d = reporter.report(span, "file starts with a UTF-8 byte order mark");
        d.notes.push(effect);
        d.notes.push(
            "PostgreSQL reads configuration files as plain bytes and does not skip a byte order \
             mark; save the file as UTF-8 without BOM"
                .into(),
        );
        d.fix = Some(Fix {
            title: "Remove the byte order mark".into(),
            applicability: Applicability::Safe,
            edits: smallvec![Edit {
                file: shared,
                span,
                replacement: Vec::new().into(),
            }],
        });
    }
}
