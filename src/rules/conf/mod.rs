//! Families 2: the names and values of postgresql.conf settings, across the whole set of
//! files a server reads (main file, includes in reading order, postgresql.auto.conf last).

pub mod duplicate_setting;
pub mod invalid_value;
pub mod overridden_by_auto_conf;
pub mod read_only_parameter;
pub mod unknown_parameter;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Applicability, Edit, Fix};
use crate::model::catalog::Catalog;
use crate::model::config_set::{ConfSource, ConfigSet, Item, ItemKind};
use crate::model::version::PgVersion;
use crate::source::Span;
use crate::source::text::escape_bytes;
use crate::syntax::conf::Setting;

/// One `name = value` entry of the server's list, with the file it is in.
#[derive(Clone, Copy)]
pub struct SettingEntry<'a> {
    /// Position in [`ConfigSet::items`] (server order).
    pub index: usize,
    pub item: &'a Item,
    pub file: &'a ConfSource,
    pub name: &'a [u8],
    /// De-quoted.
    pub value: &'a [u8],
    pub setting: &'a Setting,
}

impl SettingEntry<'_> {
    pub fn path(&self) -> &Path {
        self.file.source.path()
    }

    /// The name as written, for messages.
    pub fn shown_name(&self) -> String {
        escape_bytes(self.name)
    }

    /// `name = value`, the span labels point at.
    pub fn span(&self) -> Span {
        self.setting.name.span.cover(self.setting.value.span)
    }
}

/// Every setting of the set (include directives are not settings), in server order.
pub fn settings(set: &ConfigSet) -> impl Iterator<Item = SettingEntry<'_>> {
    set.items
        .iter()
        .enumerate()
        .filter_map(move |(index, item)| match &item.kind {
            ItemKind::Setting {
                name,
                value,
                setting,
            } => Some(SettingEntry {
                index,
                item,
                file: &set.files[item.file],
                name,
                value,
                setting,
            }),
            ItemKind::FileError { .. } => None,
        })
}

/// The key entries of the same parameter share: the canonical name for built-in parameters
/// (aliases included), the lowercase name for extension placeholders, `None` for names the
/// version does not know (PG2001 reports those).
pub fn parameter_key(version: PgVersion, name: &[u8]) -> Option<String> {
    match Catalog::get(version).lookup(name) {
        Some(param) => Some(param.name().to_ascii_lowercase()),
        None if name.contains(&b'.') => Some(escape_bytes(&name.to_ascii_lowercase())),
        None => None,
    }
}

/// "line 7" in the same file, "conf.d/10.conf line 7" in another.
pub fn place(set: &ConfigSet, entry: &SettingEntry<'_>, from: &Path) -> String {
    if entry.path() == from {
        format!("line {}", entry.item.line)
    } else {
        format!(
            "{} line {}",
            set.display_path(entry.item.file),
            entry.item.line
        )
    }
}

/// Comments a setting out by inserting `# ` before its name; the rest of the line keeps its
/// bytes, so the old value stays readable.
pub fn comment_out(path: &Path, setting: &Setting, applicability: Applicability) -> Fix {
    Fix {
        title: "Comment out this line".into(),
        applicability,
        edits: vec![Edit {
            file: path.to_path_buf(),
            span: Span::empty(setting.name.span.start),
            replacement: b"# ".to_vec(),
        }],
    }
}

/// Primary locations already reported: a file included twice holds the same line twice.
#[derive(Default)]
pub struct Reported(HashSet<(PathBuf, Span)>);

impl Reported {
    /// `true` the first time `(path, span)` is seen.
    pub fn first(&mut self, path: &Path, span: Span) -> bool {
        self.0.insert((path.to_path_buf(), span))
    }
}

/// The server's all-or-nothing rule, for findings that stop it.
pub const NOTHING_APPLIES: &str = "a server with this line does not start; on reload it applies \
     nothing from any of its config files";

#[cfg(test)]
mod tests;
