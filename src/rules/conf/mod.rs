//! Families 2: the names and values of postgresql.conf settings, across the whole set of
//! files a server reads (main file, includes in reading order, postgresql.auto.conf last).

pub mod duplicate_setting;
pub mod invalid_value;
pub mod overridden_by_auto_conf;
pub mod read_only_parameter;
pub mod unknown_parameter;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use foldhash::fast::RandomState;

use crate::diagnostic::{Applicability, Edit, Fix, smallvec};
use crate::model::config_set::ConfigSet;
use crate::source::Span;
use crate::syntax::conf::Setting;

pub use crate::rules::SettingEntry;

/// "line 7" in the same file, "conf.d/10.conf line 7" in another, for messages.
pub struct Place<'a> {
    set: &'a ConfigSet,
    entry: &'a SettingEntry<'a>,
    from: &'a Path,
}

/// Where `entry` is, said from a finding in `from`.
pub fn place<'a>(set: &'a ConfigSet, entry: &'a SettingEntry<'a>, from: &'a Path) -> Place<'a> {
    Place { set, entry, from }
}

impl Place<'_> {
    /// Whether the entry is in the file the finding is about.
    fn same_file(&self) -> bool {
        // Equal bytes are equal paths; only different bytes need `Path`'s comparison by
        // components (which PG2003 paid for on every finding).
        let here = self.entry.path();
        here.as_os_str() == self.from.as_os_str() || here == self.from
    }

    /// Appends what `Display` writes. In the usual case (same file) the digits are pushed
    /// directly (`itoa`, as the JSON output writes numbers): PG2003 writes one place per
    /// finding, and the formatting machinery cost about 400 instructions each.
    pub fn push_to(&self, out: &mut String) {
        if !self.same_file() {
            // Writing to a String cannot fail.
            let _ = fmt::Write::write_fmt(out, format_args!("{self}"));
            return;
        }
        out.push_str("line ");
        out.push_str(itoa::Buffer::new().format(self.entry.item.line));
    }
}

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = self.entry.item.line;
        if self.same_file() {
            write!(f, "line {line}")
        } else {
            let shown = self.set.display_path(self.entry.item.file);
            write!(f, "{shown} line {line}")
        }
    }
}

/// Comments a setting out by inserting `# ` before its name; the rest of the line keeps its
/// bytes, so the old value stays readable. `path` is shared (see `Context::path`): PG2003
/// comments out thousands of lines of one file.
pub fn comment_out(path: &Arc<Path>, setting: &Setting, applicability: Applicability) -> Fix {
    Fix {
        title: "Comment out this line".into(),
        applicability,
        edits: smallvec![Edit {
            file: Arc::clone(path),
            span: Span::empty(setting.name.span.start),
            replacement: b"# ".as_slice().into(),
        }],
    }
}

/// Primary locations already reported: a file included twice holds the same line twice.
///
/// Keyed by the file's path and where the span starts: every caller reports one kind of span
/// per setting (its name, its value or the whole setting), and no two settings of a file
/// start at the same byte. A bit per byte offset, per path: a rule over 33,000 settings of a
/// 3 MB file asks once per entry, and a hash set of the spans (3.3 MB at its peak, 16 M
/// instructions) cost more than this set's 380 KB and a shift.
#[derive(Default)]
pub struct Reported<'a> {
    /// Paths in the order first seen, each with its offsets; `by_path` finds one that is
    /// not the same `&Path` as the last one asked about (another file of the same path).
    files: Vec<(&'a Path, Vec<u64>)>,
    by_path: HashMap<&'a Path, usize, RandomState>,
    last: usize,
}

impl<'a> Reported<'a> {
    /// `true` the first time `(path, span)` is seen.
    pub fn first(&mut self, path: &'a Path, span: Span) -> bool {
        let file = self.file(path);
        let bits = &mut self.files[file].1;
        let start = span.start as usize;
        let (word, bit) = (start / 64, 1u64 << (start % 64));
        if word >= bits.len() {
            bits.resize(word + 1, 0);
        }
        let first = bits[word] & bit == 0;
        bits[word] |= bit;
        first
    }

    /// The position of `path` in `files`: the same `&Path` as last time is the common case
    /// (one file's settings in order), and is answered without comparing paths.
    fn file(&mut self, path: &'a Path) -> usize {
        if let Some(&(last, _)) = self.files.get(self.last)
            && std::ptr::eq(last, path)
        {
            return self.last;
        }
        let next = self.files.len();
        let at = *self.by_path.entry(path).or_insert(next);
        if at == next {
            self.files.push((path, Vec::new()));
        }
        self.last = at;
        at
    }
}

/// The server's all-or-nothing rule, for findings that stop it.
pub const NOTHING_APPLIES: &str = "a server with this line does not start; on reload it applies \
     nothing from any of its config files";

#[cfg(test)]
mod tests;
