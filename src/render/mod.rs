//! Diagnostics as text for people and machines, one file per format. Every renderer takes the
//! diagnostics, the [`Sources`] they point into and a writer; byte offsets become lines and
//! columns only here (1-based, columns in characters of the lossy UTF-8 text).

mod concise;
mod github;
mod human;
mod json;
pub mod json_text;
mod sarif;

pub use human::HumanOptions;

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Label, Severity, Sources};
use crate::source::SourceFile;

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    /// Source snippets with labels (codespan-reporting).
    #[default]
    Human,
    /// One line per finding: `file:line:col: CODE message`.
    Concise,
    /// `{"diagnostics": [...]}`.
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions workflow annotations.
    Github,
}

/// Writes `diagnostics` in `format`. `color` only affects `human`.
pub fn render(
    format: OutputFormat,
    diagnostics: &[Diagnostic],
    sources: &dyn Sources,
    out: &mut dyn Write,
    color: bool,
) -> io::Result<()> {
    match format {
        OutputFormat::Human => human::render(
            diagnostics,
            sources,
            out,
            &HumanOptions {
                color,
                summary: true,
            },
        ),
        OutputFormat::Concise => concise::render(diagnostics, sources, out),
        OutputFormat::Json => json::render(diagnostics, sources, out),
        OutputFormat::Sarif => sarif::render(diagnostics, sources, out),
        OutputFormat::Github => github::render(diagnostics, sources, out),
    }
}

/// Orders findings by file, position, then code: the order every format prints.
///
/// The order is worked out on indices and each finding then moves once: sorting the findings
/// themselves moved 200-byte values n log n times, and compared their paths component by
/// component. Paths are ranked once (most findings share a handful of files).
pub fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    let files = file_ranks(diagnostics);
    let mut order: Vec<usize> = (0..diagnostics.len()).collect();
    // Stable, as sorting the findings was: equal keys keep their order.
    order.sort_by(|&a, &b| {
        let (x, y) = (&diagnostics[a].primary, &diagnostics[b].primary);
        (files[a], x.span.start, diagnostics[a].code, x.span.end).cmp(&(
            files[b],
            y.span.start,
            diagnostics[b].code,
            y.span.end,
        ))
    });
    permute(diagnostics, &mut order);
}

/// Each finding's file as its rank in `Path` order (equal paths, equal ranks).
fn file_ranks(diagnostics: &[Diagnostic]) -> Vec<usize> {
    let mut distinct: Vec<&Path> = Vec::new();
    let mut seen: HashMap<&std::ffi::OsStr, usize> = HashMap::new();
    let mut ids = Vec::with_capacity(diagnostics.len());
    let mut last: Option<(&Path, usize)> = None;
    for d in diagnostics {
        let path = d.primary.file.as_path();
        let id = match last {
            Some((p, id)) if p.as_os_str() == path.as_os_str() => id,
            _ => *seen.entry(path.as_os_str()).or_insert_with(|| {
                distinct.push(path);
                distinct.len() - 1
            }),
        };
        last = Some((path, id));
        ids.push(id);
    }
    let mut by_path: Vec<usize> = (0..distinct.len()).collect();
    by_path.sort_by(|&a, &b| distinct[a].cmp(distinct[b]));
    let mut rank = vec![0; distinct.len()];
    for pair in by_path.windows(2) {
        let step = usize::from(distinct[pair[0]] != distinct[pair[1]]);
        rank[pair[1]] = rank[pair[0]] + step;
    }
    ids.into_iter().map(|id| rank[id]).collect()
}

/// Rearranges `items` so that position `k` holds what was at `order[k]`, following each
/// cycle of the permutation with swaps. `order` is left as the identity.
fn permute<T>(items: &mut [T], order: &mut [usize]) {
    for start in 0..order.len() {
        let mut k = start;
        while order[k] != start {
            let next = order[k];
            order[k] = k;
            items.swap(k, next);
            k = next;
        }
        order[k] = k;
    }
}

/// Source files held in memory; the simplest [`Sources`].
#[derive(Debug, Clone, Default)]
pub struct SourceList(pub Vec<SourceFile>);

impl Sources for SourceList {
    fn source(&self, path: &Path) -> Option<&SourceFile> {
        self.0.iter().find(|s| s.path() == path)
    }
}

/// 1-based start and end of a label (end column exclusive, as SARIF and GitHub expect).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Region {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// The regions of labels, looked up in [`Sources`] with the last file remembered: findings come
/// sorted by file, and finding a source by path (hashing its components) cost more than the
/// region itself.
pub(crate) struct Regions<'s, 'd> {
    sources: &'s dyn Sources,
    last: Option<(&'d Path, Option<&'s SourceFile>)>,
}

impl<'s, 'd> Regions<'s, 'd> {
    pub(crate) fn new(sources: &'s dyn Sources) -> Self {
        Self {
            sources,
            last: None,
        }
    }

    /// The region of `label`; `None` when its file is not among the sources.
    pub(crate) fn of(&mut self, label: &'d Label) -> Option<Region> {
        let source = match self.last {
            Some((path, source)) if path.as_os_str() == label.file.as_os_str() => source,
            _ => {
                let source = self.sources.source(&label.file);
                self.last = Some((&label.file, source));
                source
            }
        };
        region_in(source?, label)
    }
}

pub(crate) fn region_in(source: &SourceFile, label: &Label) -> Option<Region> {
    let start = label.span.start.min(source.len());
    let end = label.span.end.clamp(start, source.len());
    let (line, column) = source.line_col(start);
    let (end_line, end_column) = source.line_col(end);
    Some(Region {
        line,
        column,
        end_line,
        end_column,
    })
}

/// How a path is shown: as given (relative stays relative).
pub(crate) fn display_path(path: &Path) -> String {
    path.display().to_string()
}

/// Severity counts and the number of files with findings, for summaries.
pub(crate) fn counts(diagnostics: &[Diagnostic]) -> (usize, usize, usize, usize) {
    let of = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
    let mut files: Vec<&PathBuf> = diagnostics.iter().map(|d| &d.primary.file).collect();
    files.sort();
    files.dedup();
    (
        of(Severity::Error),
        of(Severity::Warning),
        of(Severity::Info),
        files.len(),
    )
}

#[cfg(test)]
mod tests;
