//! Families 2: the names and values of postgresql.conf settings, across the whole set of
//! files a server reads (main file, includes in reading order, postgresql.auto.conf last).

pub mod duplicate_setting;
pub mod invalid_value;
pub mod overridden_by_auto_conf;
pub mod read_only_parameter;
pub mod unknown_parameter;

use std::collections::HashSet;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::Arc;

use foldhash::fast::RandomState;

use crate::diagnostic::{Applicability, Edit, Fix};
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
    /// directly: PG2003 writes one place per finding, and the formatting machinery cost
    /// about 400 instructions each.
    pub fn push_to(&self, out: &mut String) {
        if !self.same_file() {
            // Writing to a String cannot fail.
            let _ = fmt::Write::write_fmt(out, format_args!("{self}"));
            return;
        }
        out.push_str("line ");
        let mut digits = [b'0'; 10];
        let mut start = digits.len();
        let mut n = self.entry.item.line;
        loop {
            start -= 1;
            digits[start] = b"0123456789"[(n % 10) as usize];
            n /= 10;
            if n == 0 {
                break;
            }
        }
        out.extend(digits[start..].iter().map(|&d| char::from(d)));
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
        edits: vec![Edit {
            file: Arc::clone(path),
            span: Span::empty(setting.name.span.start),
            replacement: b"# ".as_slice().into(),
        }],
    }
}

/// Primary locations already reported: a file included twice holds the same line twice.
///
/// Hashed with foldhash: a rule over 33,000 settings asks once per entry, and std's SipHash
/// of a span cost more than the rest of the question.
#[derive(Default)]
pub struct Reported<'a>(HashSet<Location<'a>, RandomState>);

impl<'a> Reported<'a> {
    /// `true` the first time `(path, span)` is seen.
    pub fn first(&mut self, path: &'a Path, span: Span) -> bool {
        self.0.insert(Location { path, span })
    }
}

/// A span in a file, hashed by its span alone: paths are compared when spans collide, but
/// never copied or hashed (a path hashes component by component).
struct Location<'a> {
    path: &'a Path,
    span: Span,
}

impl Hash for Location<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.span.hash(state);
    }
}

impl PartialEq for Location<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.span == other.span && self.path == other.path
    }
}

impl Eq for Location<'_> {}

/// The server's all-or-nothing rule, for findings that stop it.
pub const NOTHING_APPLIES: &str = "a server with this line does not start; on reload it applies \
     nothing from any of its config files";

#[cfg(test)]
mod tests;
