//! Family 3: includes and the set of files a server reads. The loader records each include
//! problem as an item of its own (a `pg_file_settings` row with an `error`); these rules turn
//! them into findings at the directive, with the server's own message.

pub mod empty_include_name;
pub mod include_cycle;
pub mod include_outside_roots;
pub mod include_too_deep;
pub mod missing_include;
pub mod skipped_include_dir_file;

use std::path::Path;

use crate::diagnostic::Label;
use crate::model::config_set::{ConfigSet, FileId, ItemKind};
use crate::source::Span;
use crate::syntax::conf::{LineItem, Setting};

/// An include problem recorded by the loader.
pub struct IncludeError<'a> {
    /// The file holding the directive.
    pub file: FileId,
    /// The directive's value, where findings point.
    pub span: Span,
    /// The item's `error` column.
    pub error: &'a str,
    /// What the server logs for it, when it logs something.
    pub message: Option<&'a str>,
}

impl IncludeError<'_> {
    pub fn path<'s>(&self, set: &'s ConfigSet) -> &'s Path {
        set.files[self.file].source.path()
    }
}

/// The loader's include errors (syntax errors excluded), located at their directive.
pub fn include_errors(set: &ConfigSet) -> impl Iterator<Item = IncludeError<'_>> {
    set.items.iter().filter_map(move |item| {
        let ItemKind::FileError { span } = &item.kind else {
            return None;
        };
        let error = item.error.as_deref()?;
        if error == "syntax error" {
            return None;
        }
        let message = set
            .startup
            .errors
            .iter()
            .find(|m| m.file == item.file && m.line == item.line && m.span == *span)
            .map(|m| m.message.as_str());
        let (file, span) = match span {
            Some(span) => (item.file, *span),
            // An error inside the included "file" itself (a directory read as a file): the
            // directive that included it.
            None => {
                let (calling, line) = set.files[item.file].included_from?;
                (calling, directive(set, calling, line)?.value.span)
            }
        };
        Some(IncludeError {
            file,
            span,
            error,
            message,
        })
    })
}

/// The setting on 1-based `line` of `file`.
pub fn directive(set: &ConfigSet, file: FileId, line: u32) -> Option<&Setting> {
    let line = set.files[file]
        .tree
        .lines
        .get(line.checked_sub(1)? as usize)?;
    match &line.item {
        LineItem::Setting(setting) => Some(setting),
        _ => None,
    }
}

/// `file` and the files that included it, innermost first.
pub fn chain(set: &ConfigSet, file: FileId) -> Vec<FileId> {
    let mut out = vec![file];
    let mut at = file;
    while let Some((parent, _)) = set.files[at].included_from {
        if out.len() > set.files.len() {
            break;
        }
        out.push(parent);
        at = parent;
    }
    out
}

/// A label on the directive that included `file`, if it was included.
pub fn included_here(set: &ConfigSet, file: FileId, message: &'static str) -> Option<Label> {
    let (parent, line) = set.files[file].included_from?;
    let setting = directive(set, parent, line)?;
    Some(Label::new(
        set.files[parent].source.path(),
        setting.value.span,
        message,
    ))
}

/// The file names of a chain, outermost first: `postgresql.conf → a.conf → b.conf`.
pub fn chain_text(set: &ConfigSet, files: &[FileId]) -> String {
    files
        .iter()
        .rev()
        .map(|f| set.display_path(*f))
        .collect::<Vec<_>>()
        .join(" → ")
}

/// The loop `file` is part of, if a file of the same path includes it further up: the files
/// of one turn, innermost first (`file` itself first).
pub fn cycle(set: &ConfigSet, file: FileId) -> Option<Vec<FileId>> {
    let up = chain(set, file);
    let path = set.files[file].source.path();
    let turn = up
        .iter()
        .skip(1)
        .position(|f| set.files[*f].source.path() == path)?;
    Some(up[..=turn].to_vec())
}
