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
use crate::model::config_set::ConfigSet;
use crate::source::Span;
use crate::syntax::conf::Setting;

pub use crate::rules::SettingEntry;

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
