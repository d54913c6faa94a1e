//! Findings about a user's files, independent of how they are shown. Renderers (`render`)
//! turn them into text, JSON, SARIF or workflow annotations; the fixer applies their edits.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

pub use smallvec::{SmallVec, smallvec};

use crate::source::{SourceFile, Span};

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A place in a file, with what to say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Shared, not owned: a big file's thousands of findings each hold two or three paths to
    /// the same handful of files (see `rules::Context::path`).
    pub file: Arc<Path>,
    pub span: Span,
    /// Most label texts are fixed; those are borrowed, not copied into every finding.
    pub message: Cow<'static, str>,
}

impl Label {
    pub fn new(
        file: impl Into<Arc<Path>>,
        span: Span,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            file: file.into(),
            span,
            message: message.into(),
        }
    }
}

/// How safe it is to apply a fix without a person looking (ruff's model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applicability {
    /// Shown only; never applied (e.g. "did you mean …").
    DisplayOnly,
    /// Changes behaviour in ways a person should approve (exposure, certificates): applied
    /// with `--unsafe-fixes`.
    Unsafe,
    /// Applied by `pgconf fix`.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::DisplayOnly => "display-only",
            Applicability::Unsafe => "unsafe",
            Applicability::Safe => "safe",
        }
    }
}

/// Replace the bytes of `span` in `file` with `replacement` (empty span: insert).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Shared like [`Label::file`].
    pub file: Arc<Path>,
    pub span: Span,
    /// Fixed texts (`# `, an empty deletion) are borrowed rather than allocated per edit.
    pub replacement: Cow<'static, [u8]>,
}

/// A set of edits that together fix one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// Borrowed when fixed, as most titles are.
    pub title: Cow<'static, str>,
    pub applicability: Applicability,
    /// Nearly always one: held in place (see [`Labels`]).
    pub edits: Edits,
}

/// A finding's secondary labels. Most findings have none or one, and one held in place
/// instead of in an allocation of its own saves that allocation (64 bytes with its header)
/// for 32 bytes more in every finding: big_active.conf's 32,472 findings each have one label
/// and one edit.
pub type Labels = SmallVec<[Label; 1]>;

/// A fix's edits; see [`Labels`].
pub type Edits = SmallVec<[Edit; 1]>;

/// One finding of one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable rule code, `PG` + four digits.
    pub code: &'static str,
    /// The rule's kebab-case name.
    pub name: &'static str,
    pub severity: Severity,
    /// Shared, not owned: a rule that reports one line many times (PG2003 over a file that
    /// sets each parameter 100 times) gives its findings one text while it repeats.
    pub message: Arc<str>,
    pub primary: Label,
    pub secondary: Labels,
    pub notes: Vec<String>,
    pub fix: Option<Fix>,
}

/// Where renderers find the text of the files that diagnostics point into.
pub trait Sources {
    fn source(&self, path: &Path) -> Option<&SourceFile>;
}
