//! The fixer: lint, apply the fixes that fit, lint again, until nothing is left to fix (a
//! fixpoint) or `MAX_PASSES`. Fixes are edits on the original bytes ([`apply`]); every pass
//! works on an in-memory copy of the files, so nothing touches the disk until the end, and
//! then each changed file is replaced atomically ([`write`]).

pub mod apply;
pub mod diff;
pub mod write;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};

use crate::cli::lint::{LintRun, lint_paths};
use crate::diagnostic::{Applicability, Diagnostic, Sources};
use crate::model::fs::{DirEntry, FileSystem};
use crate::model::paths;
use crate::model::version::PgVersion;
use crate::settings::CliOverrides;
use crate::source::FileBytes;

/// Passes before the fixer gives up; real configurations converge in two or three.
pub const MAX_PASSES: usize = 10;

/// A fix that was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedFix {
    pub code: &'static str,
    pub title: String,
    pub file: PathBuf,
}

/// What a fix run did, before anything is written.
pub struct FixRun {
    /// Original and fixed bytes of every file that changed.
    pub changes: BTreeMap<PathBuf, (Vec<u8>, Vec<u8>)>,
    pub applied: Vec<AppliedFix>,
    /// The lint of the fixed files: what is left.
    pub after: LintRun,
    /// The lint of the files as they were.
    pub before: LintRun,
    /// Whether the loop stopped because nothing was left to fix.
    pub converged: bool,
    /// Files whose fixes were undone because they made the file fail to parse (a bug).
    pub reverted: Vec<PathBuf>,
}

/// Lints `paths`, applies fixes of at least `min` applicability to a fixpoint, and returns
/// the result without writing anything.
pub fn fix_paths(
    fs: &dyn FileSystem,
    paths: &[PathBuf],
    cli: &CliOverrides,
    min: Applicability,
) -> Result<FixRun, String> {
    let mut current: BTreeMap<PathBuf, Vec<u8>> = BTreeMap::new();
    let mut originals: BTreeMap<PathBuf, Vec<u8>> = BTreeMap::new();
    let mut applied = Vec::new();
    let mut reverted: Vec<PathBuf> = Vec::new();
    let before = lint_paths(fs, paths, cli)?;
    let syntax_before = syntax_errors(&before);
    let mut last = None;
    let mut converged = false;
    for _ in 0..MAX_PASSES {
        let overlay = EditedFs {
            base: fs,
            files: &current,
        };
        // Until a fix is kept, the files are as they were: their lint is `before`.
        let fresh = match last.take() {
            Some(run) => Some(run),
            None if current.is_empty() => None,
            None => Some(lint_paths(&overlay, paths, cli)?),
        };
        let run = fresh.as_ref().unwrap_or(&before);
        let fixes: Vec<(&Diagnostic, &crate::diagnostic::Fix)> = run
            .diagnostics
            .iter()
            .filter_map(|d| d.fix.as_ref().map(|f| (d, f)))
            .filter(|(_, f)| f.applicability >= min)
            .filter(|(_, f)| {
                !f.edits
                    .iter()
                    .any(|e| reverted.contains(&absolute(&e.file)))
            })
            .collect();
        if fixes.is_empty() {
            converged = true;
            last = fresh;
            break;
        }
        let contents = |path: &Path| -> Option<&[u8]> {
            let abs = absolute(path);
            current
                .get(&abs)
                .map(Vec::as_slice)
                .or_else(|| {
                    run.servers
                        .iter()
                        .find_map(|s| s.source(path))
                        .map(|s| s.bytes())
                })
                // A file a fix creates (a drop-in) starts empty.
                .or_else(|| (!fs.exists(path)).then_some(&[][..]))
        };
        let only: Vec<&crate::diagnostic::Fix> = fixes.iter().map(|(_, f)| *f).collect();
        let pass = apply::apply_fixes(&only, &contents);
        if pass.applied.is_empty() {
            converged = true;
            last = fresh;
            break;
        }
        for &i in &pass.applied {
            let (d, f) = fixes[i];
            applied.push(AppliedFix {
                code: d.code,
                title: f.title.to_string(),
                file: d.primary.file.to_path_buf(),
            });
        }
        let mut next = current.clone();
        for (path, bytes) in pass.files {
            let abs = absolute(&path);
            if !originals.contains_key(&abs)
                && let Some(orig) = contents(&path)
            {
                originals.insert(abs.clone(), orig.to_vec());
            }
            next.insert(abs, bytes);
        }
        // A pass must never make a file fail to parse: undo it for that file.
        let overlay = EditedFs {
            base: fs,
            files: &next,
        };
        let checked = lint_paths(&overlay, paths, cli)?;
        let syntax_now = syntax_errors(&checked);
        let mut undone = false;
        for (file, count) in &syntax_now {
            if *count > syntax_before.get(file).copied().unwrap_or(0) {
                match current.get(file) {
                    Some(previous) => next.insert(file.clone(), previous.clone()),
                    None => next.remove(file),
                };
                reverted.push(file.clone());
                undone = true;
            }
        }
        current = next;
        if !undone {
            last = Some(checked);
        }
    }
    let after = match last {
        Some(run) => run,
        None => lint_paths(
            &EditedFs {
                base: fs,
                files: &current,
            },
            paths,
            cli,
        )?,
    };
    let changes = current
        .into_iter()
        .filter_map(|(path, new)| {
            let old = originals.remove(&path)?;
            (old != new).then_some((path, (old, new)))
        })
        .collect();
    Ok(FixRun {
        changes,
        applied,
        after,
        before,
        converged,
        reverted,
    })
}

/// Syntax errors (family 1) per file.
fn syntax_errors(run: &LintRun) -> BTreeMap<PathBuf, usize> {
    let mut out = BTreeMap::new();
    for d in &run.diagnostics {
        if d.code.starts_with("PG1") {
            *out.entry(absolute(&d.primary.file)).or_insert(0) += 1;
        }
    }
    out
}

fn absolute(path: &Path) -> PathBuf {
    paths::absolute(path, PgVersion::NEWEST)
}

/// A file system whose files are those of `base` except the ones already fixed in memory.
pub struct EditedFs<'a> {
    pub base: &'a dyn FileSystem,
    pub files: &'a BTreeMap<PathBuf, Vec<u8>>,
}

impl FileSystem for EditedFs<'_> {
    fn read(&self, path: &Path) -> io::Result<FileBytes> {
        match self.files.get(&absolute(path)) {
            Some(bytes) => Ok(bytes.clone().into()),
            None => self.base.read(path),
        }
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        self.base.read_dir(path)
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.base.is_dir(path)
    }

    fn exists(&self, path: &Path) -> bool {
        self.files.contains_key(&absolute(path)) || self.base.exists(path)
    }

    fn files_below(&self, root: &Path, enter: &dyn Fn(&OsStr) -> bool) -> Vec<PathBuf> {
        self.base.files_below(root, enter)
    }
}
