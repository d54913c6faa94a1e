//! Diagnostics as text for people and machines, one file per format. Every renderer takes the
//! diagnostics, the [`Sources`] they point into and a writer; byte offsets become lines and
//! columns only here (1-based, columns in characters of the lossy UTF-8 text).

mod concise;
mod github;
mod human;
mod json;
pub mod json_text;
mod sarif;

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    let mut renderer = FindingRenderer::new(format, sources, color);
    let findings = diagnostics
        .iter()
        .map(|d| renderer.render(d))
        .collect::<io::Result<Vec<_>>>()?;
    write_document(format, &findings, out)
}

/// One finding rendered on its own: the bytes it adds to its format's document and what the
/// document's totals need. Rendering each finding while its server's files are loaded lets a
/// run over thousands of servers render in parallel and drop each server once it is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFinding {
    pub severity: Severity,
    /// The file as shown (the human summary counts files); the finding's own, shared.
    pub file: Arc<Path>,
    text: Vec<u8>,
}

/// Renders findings one at a time against one set of sources.
pub struct FindingRenderer<'a> {
    format: OutputFormat,
    sources: &'a dyn Sources,
    color: bool,
    /// The human format's files, each looked up once.
    human: human::Files<'a>,
    /// The JSON text of what the last finding's file and rule were.
    json: json::Repeated,
}

impl<'a> FindingRenderer<'a> {
    pub fn new(format: OutputFormat, sources: &'a dyn Sources, color: bool) -> Self {
        Self {
            format,
            sources,
            color,
            human: human::Files::new(sources),
            json: json::Repeated::default(),
        }
    }

    /// `d` as it appears in the document of this renderer's format (see [`write_document`]).
    pub fn render(&mut self, d: &Diagnostic) -> io::Result<RenderedFinding> {
        let mut text = Vec::new();
        self.render_into(d, &mut text)?;
        Ok(RenderedFinding {
            severity: d.severity,
            file: Arc::clone(&d.primary.file),
            text,
        })
    }

    /// The text of [`FindingRenderer::render`], appended to `text`: a run that writes each
    /// finding as it renders it reuses one buffer instead of allocating one per finding.
    pub fn render_into(&mut self, d: &Diagnostic, text: &mut Vec<u8>) -> io::Result<()> {
        let sources = self.sources;
        let rendered = match self.format {
            OutputFormat::Json => {
                json::write_finding(text, d, sources, &mut self.json);
                return Ok(());
            }
            OutputFormat::Human => self.human.finding(d, self.color)?,
            OutputFormat::Concise => concise::finding(d, sources),
            OutputFormat::Sarif => sarif::finding(d, sources)?,
            OutputFormat::Github => github::finding(d, sources),
        };
        if text.is_empty() {
            *text = rendered;
        } else {
            text.extend_from_slice(&rendered);
        }
        Ok(())
    }
}

/// Writes the document of `format` holding `findings` in order: the JSON object or SARIF log
/// around them, the human summary after them.
pub fn write_document<'f>(
    format: OutputFormat,
    findings: impl IntoIterator<Item = &'f RenderedFinding>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut document = DocumentWriter::start(format, out)?;
    for f in findings {
        document.add(f)?;
    }
    document.finish()
}

/// The document of a format written as its findings come: what goes before them when it
/// starts, each finding when added, what goes after them (the end of the JSON object or SARIF
/// log, the human summary) when finished. A run whose findings are already in order writes
/// them as it renders them and holds none.
pub struct DocumentWriter<'w> {
    out: &'w mut dyn Write,
    shape: Shape,
}

/// What a format writes around its findings.
enum Shape {
    /// The findings, then a summary of them.
    Summarized(Totals),
    /// The findings, nothing else.
    Lines,
    /// The findings as the items of a JSON document's last array.
    Json(JsonItems),
}

impl<'w> DocumentWriter<'w> {
    /// Writes what comes before the findings.
    pub fn start(format: OutputFormat, out: &'w mut dyn Write) -> io::Result<Self> {
        let shape = match format {
            OutputFormat::Human => Shape::Summarized(Totals::default()),
            OutputFormat::Concise | OutputFormat::Github => Shape::Lines,
            OutputFormat::Json => Shape::Json(JsonItems::start(json::EMPTY_DOCUMENT, out)?),
            OutputFormat::Sarif => Shape::Json(JsonItems::start(sarif::empty_document()?, out)?),
        };
        Ok(Self { out, shape })
    }

    /// Writes the next finding.
    pub fn add(&mut self, finding: &RenderedFinding) -> io::Result<()> {
        self.add_text(finding.severity, &finding.file, &finding.text)
    }

    /// Writes the next finding from its parts: `text` as [`FindingRenderer::render_into`]
    /// wrote it for a finding of `severity` in `file`.
    pub fn add_text(&mut self, severity: Severity, file: &Path, text: &[u8]) -> io::Result<()> {
        match &mut self.shape {
            Shape::Summarized(totals) => {
                self.out.write_all(text)?;
                totals.add(severity, file);
                Ok(())
            }
            Shape::Lines => self.out.write_all(text),
            Shape::Json(items) => items.add(text, self.out),
        }
    }

    /// Writes what comes after the findings.
    pub fn finish(self) -> io::Result<()> {
        match self.shape {
            Shape::Summarized(totals) => writeln!(self.out, "{}", totals.summary()),
            Shape::Lines => Ok(()),
            Shape::Json(items) => {
                items.finish(self.out)?;
                writeln!(self.out)
            }
        }
    }
}

/// A pretty-printed JSON document whose last array is empty, written with items in that array:
/// byte for byte what serde_json's pretty printer writes for the whole document, which puts
/// each item on a new line, separated by commas, and the closing bracket on a line indented as
/// the array's. Items come indented by [`json_item`].
struct JsonItems {
    empty: std::borrow::Cow<'static, [u8]>,
    /// Where the empty array's `[` is.
    at: usize,
    /// Where the line holding it starts, and how far that line is indented.
    line_start: usize,
    indent: usize,
    any: bool,
}

impl JsonItems {
    /// Writes the document up to its last array's `[`.
    fn start(
        empty: impl Into<std::borrow::Cow<'static, [u8]>>,
        out: &mut dyn Write,
    ) -> io::Result<Self> {
        let empty = empty.into();
        let at = memchr::memmem::rfind(&empty, b"[]")
            .ok_or_else(|| io::Error::other("the document has no empty array"))?;
        let line_start = memchr::memrchr(b'\n', &empty[..at]).map_or(0, |nl| nl + 1);
        let indent = empty[line_start..]
            .iter()
            .take_while(|&&b| b == b' ')
            .count();
        out.write_all(&empty[..=at])?;
        Ok(Self {
            empty,
            at,
            line_start,
            indent,
            any: false,
        })
    }

    fn add(&mut self, item: &[u8], out: &mut dyn Write) -> io::Result<()> {
        out.write_all(if self.any { b",\n" } else { b"\n" })?;
        self.any = true;
        out.write_all(item)
    }

    /// Writes the rest of the document.
    fn finish(self, out: &mut dyn Write) -> io::Result<()> {
        let Self {
            empty,
            at,
            line_start,
            indent,
            any,
        } = self;
        if any {
            out.write_all(b"\n")?;
            out.write_all(&empty[line_start..line_start + indent])?;
        }
        out.write_all(&empty[at + 1..])
    }
}

/// `value` pretty-printed as an item of an array at nesting level `depth` (the document's top
/// level is 0): serde_json's pretty printer at level 0, every line indented two spaces per
/// level below the array. JSON strings never hold a raw newline, so every newline starts a
/// line of the item.
fn json_item(value: &impl serde::Serialize, depth: usize) -> io::Result<Vec<u8>> {
    let flat = serde_json::to_vec_pretty(value)?;
    let indent = 2 * (depth + 1);
    let lines = memchr::memchr_iter(b'\n', &flat).count() + 1;
    let mut item = Vec::with_capacity(flat.len() + lines * indent);
    for line in flat.split(|&b| b == b'\n') {
        if !item.is_empty() {
            item.push(b'\n');
        }
        item.resize(item.len() + indent, b' ');
        item.extend_from_slice(line);
    }
    Ok(item)
}

/// Orders findings by file, position, then code: the order every format prints.
///
/// The order is worked out on indices and each finding then moves once: sorting the findings
/// themselves moved 200-byte values n log n times, and compared their paths component by
/// component. Paths are ranked once (most findings share a handful of files).
pub fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    let files = file_ranks(diagnostics);
    let codes = code_ranks(diagnostics);
    // The keys are sorted beside their positions: comparing through positions read two
    // findings of some 270 bytes, scattered over memory, per comparison. The position comes last, so
    // equal keys keep their order, as the stable sort of the findings did. File rank and
    // start, then code rank and end, each pair packed in a `u64`: 24 bytes a finding (the
    // keys of 32,000 findings are alive with them, at the run's peak of memory), and two
    // integer comparisons decide nearly every order.
    let mut last_code: Option<(&str, u64)> = None;
    let mut keys: Vec<(u64, u64, u32)> = diagnostics
        .iter()
        .zip(files)
        .enumerate()
        .map(|(i, (d, file))| {
            let code = match last_code {
                Some((c, rank)) if std::ptr::eq(c, d.code) => rank,
                _ => {
                    let rank = codes.binary_search(&d.code).unwrap_or_default() as u64;
                    last_code = Some((d.code, rank));
                    rank
                }
            };
            (
                u64::from(file) << 32 | u64::from(d.primary.span.start),
                code << 32 | u64::from(d.primary.span.end),
                rank_u32(i),
            )
        })
        .collect();
    keys.sort_unstable();
    let mut order: Vec<usize> = keys.into_iter().map(|key| key.2 as usize).collect();
    permute(diagnostics, &mut order);
}

/// A position among findings as a sort key: no run holds 4 billion of them.
fn rank_u32(position: usize) -> u32 {
    u32::try_from(position).expect("fewer than 2^32 findings")
}

/// The distinct codes of the findings, sorted: a code's position is its rank.
fn code_ranks(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = Vec::new();
    let mut last = None;
    for d in diagnostics {
        if last != Some(d.code) && !codes.contains(&d.code) {
            codes.push(d.code);
        }
        last = Some(d.code);
    }
    codes.sort_unstable();
    codes
}

/// Each finding's file as its rank in `Path` order (equal paths, equal ranks).
fn file_ranks(diagnostics: &[Diagnostic]) -> Vec<u32> {
    let mut distinct: Vec<&Path> = Vec::new();
    let mut seen: HashMap<&std::ffi::OsStr, usize> = HashMap::new();
    let mut ids = Vec::with_capacity(diagnostics.len());
    let mut last: Option<(&Path, usize)> = None;
    for d in diagnostics {
        let path: &Path = &d.primary.file;
        let id = match last {
            Some((p, id)) if p.as_os_str() == path.as_os_str() => id,
            _ => *seen.entry(path.as_os_str()).or_insert_with(|| {
                distinct.push(path);
                distinct.len() - 1
            }),
        };
        last = Some((path, id));
        ids.push(rank_u32(id));
    }
    let mut by_path: Vec<usize> = (0..distinct.len()).collect();
    by_path.sort_by(|&a, &b| distinct[a].cmp(distinct[b]));
    let mut rank = vec![0; distinct.len()];
    for pair in by_path.windows(2) {
        let step = u32::from(distinct[pair[0]] != distinct[pair[1]]);
        rank[pair[1]] = rank[pair[0]] + step;
    }
    for id in &mut ids {
        *id = rank[*id as usize];
    }
    ids
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

/// What [`sort_diagnostics`] orders findings by: file, start, code, end.
pub fn finding_order(d: &Diagnostic) -> (&Arc<Path>, u32, &'static str, u32) {
    (
        &d.primary.file,
        d.primary.span.start,
        d.code,
        d.primary.span.end,
    )
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

pub(crate) fn region(sources: &dyn Sources, label: &Label) -> Option<Region> {
    let source = sources.source(&label.file)?;
    let start = label.span.start.min(source.len());
    let end = label.span.end.clamp(start, source.len());
    let ((line, column), (end_line, end_column)) = source.line_cols(start, end);
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

/// Severity counts and the files with findings, for summaries.
#[derive(Debug, Default)]
pub(crate) struct Totals {
    errors: usize,
    warnings: usize,
    infos: usize,
    files: HashSet<PathBuf>,
}

impl Totals {
    pub(crate) fn add(&mut self, severity: Severity, file: &Path) {
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
        if !self.files.contains(file) {
            self.files.insert(file.to_path_buf());
        }
    }

    /// `2 errors, 1 warning in 2 files`, or `No problems found`.
    pub(crate) fn summary(&self) -> String {
        if self.errors + self.warnings + self.infos == 0 {
            return "No problems found".into();
        }
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let mut s = format!(
            "{}, {}",
            plural(self.errors, "error"),
            plural(self.warnings, "warning")
        );
        if self.infos > 0 {
            s.push_str(&format!(", {}", plural(self.infos, "info")));
        }
        format!("{s} in {}", plural(self.files.len(), "file"))
    }
}

#[cfg(test)]
mod tests;
