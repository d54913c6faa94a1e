//! The configuration one server reads: `postgresql.conf` with its includes expanded in
//! place, then `postgresql.auto.conf`, evaluated the way `ProcessConfigFileInternal` (guc.c,
//! guc-file.l before 16) does on a fresh start.
//!
//! [`ConfigSet::items`] is the server's list of name/value pairs in order — the rows of
//! `pg_file_settings` — with file-level errors (syntax errors, missing includes, recursion)
//! as items of their own. [`ConfigSet::startup`] says whether a server would start with
//! these files and, if so, what `postgres -C` prints for every parameter named in them.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::model::catalog::{Catalog, Param};
use crate::model::fs::{ExpansionBudget, FileSystem, os_message};
use crate::model::paths;
use crate::model::value::check_value;
use crate::model::version::PgVersion;
use crate::source::text::escape_bytes;
use crate::source::{FileBytes, SourceFile, Span};
use crate::syntax::conf::{ConfFile, LineItem, Near, Setting, TokenKind, deescape_quoted_string};

/// The hasher of the maps keyed by setting names that [`ConfigSet`] builds once per load (a
/// file of 33,000 entries hashed each name twice with SipHash). The names come from a file
/// the user lints; flooding these maps could only slow that user's own lint.
type FastHash = foldhash::fast::RandomState;

/// Index of a file in [`ConfigSet::files`].
pub type FileId = usize;

/// `CONF_FILE_MAX_DEPTH`: the main file is depth 0; an include deeper than this fails.
pub const MAX_INCLUDE_DEPTH: u32 = 10;

/// The server gives up on a file after this many syntax errors.
const MAX_SYNTAX_ERRORS_PER_FILE: u32 = 100;

/// Where `postgresql.auto.conf` comes from.
#[derive(Debug, Clone, Default)]
pub enum AutoConf {
    /// `postgresql.auto.conf` in the data directory, if it exists there.
    #[default]
    Discover,
    /// This file (a missing file is an error of the tool, reported by the caller).
    File(PathBuf),
    /// No auto file.
    None,
}

/// How to load a configuration set.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub version: PgVersion,
    pub auto: AutoConf,
    /// Folders includes may lead into (absolute). An include whose target lies outside all of
    /// them is recorded as an item with the error [`NOT_READ_OUTSIDE_ROOTS`] instead of being
    /// opened, so linting a repository does not wander into the machine's other files.
    /// `None`: every include is followed, as the server does.
    pub roots: Option<Vec<PathBuf>>,
}

/// The item error of an include that [`LoadOptions::roots`] kept from being read. Not a
/// server error: the startup verdict does not count it.
pub const NOT_READ_OUTSIDE_ROOTS: &str = "not read: outside the checked paths";

/// A directory entry that `include_dir` passes over (wrong suffix, dotfile, too short).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedDirEntry {
    /// The file holding the `include_dir` directive, and its 1-based line.
    pub file: FileId,
    pub line: u32,
    /// The directive's value.
    pub span: Span,
    /// The entry's full path.
    pub path: PathBuf,
}

/// A configuration file that was read.
#[derive(Debug, Clone)]
pub struct ConfSource {
    /// The path as the server resolves it (absolute; canonical as the version does it).
    pub path: PathBuf,
    pub source: SourceFile,
    pub tree: ConfFile,
    /// Include depth: the main file and the auto file are 0.
    pub depth: u32,
    /// The directive that included this file: (file, 1-based line).
    pub included_from: Option<(FileId, u32)>,
}

/// One entry of the server's list: a setting, or an error that is recorded as a row of its
/// own.
#[derive(Debug, Clone)]
pub struct Item {
    pub file: FileId,
    /// 1-based line the server reports.
    pub line: u32,
    pub kind: ItemKind,
    /// Whether `pg_file_settings` lists it: the view stops reading a file at its first syntax
    /// error, a server start reads on.
    pub in_view: bool,
    /// An earlier entry of a byte-identical name that a later one overrides; never validated.
    pub ignored: bool,
    /// Whether a fresh server applies it.
    pub applied: bool,
    /// The parameter a setting names in the set's version, looked up once when the set is
    /// evaluated; `None` for names the version does not know and for file errors.
    pub param: Option<&'static Param>,
    /// The view's `error` column: almost always one of a few fixed words, which are not
    /// copied (a file of a million unknown names held a million copies).
    pub error: Option<Cow<'static, str>>,
}

/// What an [`Item`] is.
#[derive(Debug, Clone)]
pub enum ItemKind {
    /// `name = value`: its tokens in `file`. [`ConfigSet::setting`] gives the name and the
    /// de-quoted value, borrowed from the file's text.
    Setting {
        setting: Setting,
        /// The de-quoted value, only when de-quoting does more than take the quotes off
        /// (an escape, a doubled quote, a NUL): other values are a slice of the file, and an
        /// item owns no bytes (big_active.conf: 2 MB of names and values, 66,000 allocations).
        dequoted: Option<Box<[u8]>>,
    },
    /// A file-level error: `name` and `setting` are NULL in the view.
    FileError { span: Option<Span> },
}

/// A directive that reads other files, by its (case-insensitive) name.
enum Include {
    /// `include_dir`.
    Dir,
    /// `include` (strict: a missing file is an error) or `include_if_exists`.
    File { strict: bool },
}

impl Include {
    fn named(name: &[u8]) -> Option<Include> {
        if name.eq_ignore_ascii_case(b"include_dir") {
            Some(Include::Dir)
        } else if name.eq_ignore_ascii_case(b"include_if_exists") {
            Some(Include::File { strict: false })
        } else if name.eq_ignore_ascii_case(b"include") {
            Some(Include::File { strict: true })
        } else {
            None
        }
    }
}

/// A setting item's name and value, borrowed from its set (see [`ConfigSet::setting`]).
#[derive(Debug, Clone, Copy)]
pub struct SettingRef<'a> {
    /// As written.
    pub name: &'a [u8],
    /// De-quoted.
    pub value: &'a [u8],
    /// The tokens, in the item's file.
    pub setting: &'a Setting,
}

/// The name and value of a setting item of `files`; `None` for a file error.
fn setting_in<'a>(files: &'a [ConfSource], item: &'a Item) -> Option<SettingRef<'a>> {
    let ItemKind::Setting { setting, dequoted } = &item.kind else {
        return None;
    };
    let bytes = files[item.file].source.bytes();
    let value = match dequoted {
        Some(value) => value,
        None => {
            let raw = &bytes[setting.value.span.range()];
            match setting.value.kind {
                TokenKind::String => &raw[1..raw.len() - 1],
                _ => raw,
            }
        }
    };
    Some(SettingRef {
        name: setting.name_bytes(bytes),
        value,
        setting,
    })
}

/// The value of the last setting item named `name` (case-insensitive, no alias), de-quoted.
fn last_value_in<'a>(files: &'a [ConfSource], items: &'a [Item], name: &[u8]) -> Option<&'a [u8]> {
    items.iter().rev().find_map(|item| {
        let setting = setting_in(files, item)?;
        setting
            .name
            .eq_ignore_ascii_case(name)
            .then_some(setting.value)
    })
}

/// What [`ItemKind::Setting::dequoted`] holds for `setting` of `bytes`: nothing unless the
/// value is a quoted string whose de-quoting is more than taking the quotes off.
fn dequoted(setting: &Setting, bytes: &[u8]) -> Option<Box<[u8]>> {
    if setting.value.kind != TokenKind::String {
        return None;
    }
    let raw = &bytes[setting.value.span.range()];
    let plain = raw.len() >= 2
        && raw.last() == Some(&b'\'')
        && memchr::memchr3(b'\\', b'\'', 0, &raw[1..raw.len() - 1]).is_none();
    (!plain).then(|| deescape_quoted_string(raw).into_boxed_slice())
}

/// A message the server logs while loading, with the place it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadMessage {
    pub file: FileId,
    pub line: u32,
    /// Where in `file` the problem is, when known.
    pub span: Option<Span>,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
}

/// Whether a fresh server starts with these files.
#[derive(Debug, Clone, Default)]
pub struct Startup {
    pub ok: bool,
    /// `postgres -C NAME` for every name in the files (as written), when `ok`.
    pub values: BTreeMap<String, String>,
    /// Every error a server start would log, in order (all syntax errors, not just the
    /// first of each file).
    pub errors: Vec<LoadMessage>,
}

/// A loaded and evaluated configuration.
#[derive(Debug, Clone)]
pub struct ConfigSet {
    pub version: PgVersion,
    pub files: Vec<ConfSource>,
    pub main: FileId,
    pub auto: Option<FileId>,
    /// The data directory used to find `postgresql.auto.conf`.
    pub data_dir: PathBuf,
    pub items: Vec<Item>,
    pub startup: Startup,
    /// Files (not folders) in `include_dir` folders that the server skips.
    pub skipped_dir_entries: Vec<SkippedDirEntry>,
    /// Every include target (file or folder) checked against [`LoadOptions::roots`], read or
    /// not: see [`ConfigSet::includes_within`].
    include_targets: Vec<PathBuf>,
}

/// A failure of the tool (the main file cannot be read), as opposed to problems in the files,
/// which are items and messages.
#[derive(Debug)]
pub struct LoadError {
    pub path: PathBuf,
    pub error: std::io::Error,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "could not read {}: {}",
            self.path.display(),
            os_message(&self.error)
        )
    }
}

impl std::error::Error for LoadError {}

impl ConfigSet {
    /// Reads `main` and everything it includes, then the auto file, and evaluates them.
    pub fn load(
        fs: &dyn FileSystem,
        main: &Path,
        options: &LoadOptions,
    ) -> Result<ConfigSet, LoadError> {
        let version = options.version;
        let main_path = paths::absolute(main, version);
        let bytes = fs.read(&main_path).map_err(|error| LoadError {
            path: main.to_path_buf(),
            error,
        })?;
        let mut loader = Loader {
            fs,
            version,
            roots: options.roots.as_ref().map(|roots| {
                roots
                    .iter()
                    .map(|r| paths::canonicalize_path(r, PgVersion::NEWEST))
                    .collect()
            }),
            files: Vec::new(),
            items: Vec::new(),
            errors: Vec::new(),
            skipped: Vec::new(),
            budget: ExpansionBudget::new(),
            read: HashSet::new(),
            include_targets: Vec::new(),
        };
        loader.read.insert(main_path.clone());
        let main_id = loader.add_file(main_path.clone(), bytes, 0, None);
        loader.parse_file(main_id, true);

        let main_dir = main_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("/"));
        let data_dir = last_value_in(&loader.files, &loader.items, b"data_directory")
            .map(|v| paths::resolve(&main_dir, v, version))
            .filter(|dir| fs.is_dir(dir))
            .unwrap_or_else(|| main_dir.clone());

        // The server reads the auto file only when the main file parsed cleanly.
        let main_ok = loader.errors.is_empty();
        let auto_path = match &options.auto {
            AutoConf::Discover => Some(data_dir.join("postgresql.auto.conf")),
            AutoConf::File(path) => Some(paths::absolute(path, version)),
            AutoConf::None => None,
        };
        let mut auto = None;
        if let (true, Some(path)) = (main_ok, auto_path) {
            match fs.read(&path) {
                Ok(bytes) => {
                    let id = loader.add_file(path, bytes, 0, None);
                    loader.parse_file(id, true);
                    auto = Some(id);
                }
                Err(error) if matches!(options.auto, AutoConf::File(_)) => {
                    return Err(LoadError { path, error });
                }
                Err(_) => {}
            }
        }

        let mut set = ConfigSet {
            version,
            files: loader.files,
            main: main_id,
            auto,
            data_dir,
            items: loader.items,
            startup: Startup {
                ok: false,
                values: BTreeMap::new(),
                errors: loader.errors,
            },
            skipped_dir_entries: loader.skipped,
            include_targets: loader.include_targets,
        };
        set.evaluate();
        Ok(set)
    }

    /// Whether a load with [`LoadOptions::roots`] = `roots` (and otherwise the same options)
    /// reads exactly what this one read: every include target lies within them. Lint uses it
    /// to keep the set discovery loaded instead of reading and evaluating the files twice.
    pub fn includes_within(&self, roots: &[PathBuf]) -> bool {
        let roots: Vec<PathBuf> = roots
            .iter()
            .map(|r| paths::canonicalize_path(r, PgVersion::NEWEST))
            .collect();
        self.include_targets
            .iter()
            .all(|target| is_within(target, &roots))
    }

    /// The rows of `pg_file_settings`.
    pub fn view_rows(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|item| item.in_view)
    }

    /// The folder of the main file: paths are shown relative to it.
    pub fn main_dir(&self) -> &Path {
        self.files[self.main]
            .path
            .parent()
            .unwrap_or_else(|| Path::new("/"))
    }

    /// A file's path for people: relative to the main file's folder when below it.
    pub fn display_path(&self, file: FileId) -> String {
        paths::display_relative(&self.files[file].path, self.main_dir())
    }

    /// The name and de-quoted value of a setting item of this set; `None` for a file error.
    pub fn setting<'a>(&'a self, item: &'a Item) -> Option<SettingRef<'a>> {
        setting_in(&self.files, item)
    }

    /// The value of the last entry named `name`, compared case-insensitively as written
    /// (aliases are other names), de-quoted.
    pub fn last_value(&self, name: &str) -> Option<&[u8]> {
        last_value_in(&self.files, &self.items, name.as_bytes())
    }

    /// The setting items that take effect, by lowercase name: the last entry of each name.
    pub fn effective(&self) -> HashMap<Vec<u8>, &Item> {
        let mut out = HashMap::new();
        // From the end, so the first item met for a key is the one that wins; a spelling met
        // again maps to the same key and is skipped before the catalog is asked.
        let mut spellings: HashSet<&[u8], FastHash> = HashSet::default();
        for item in self.items.iter().rev() {
            if let Some(SettingRef { name, .. }) = self.setting(item) {
                if !spellings.insert(name) {
                    continue;
                }
                out.entry(canonical_key(item.param, name)).or_insert(item);
            }
        }
        out
    }

    /// `ProcessConfigFileInternal` on a fresh start: names first (all-or-nothing), then
    /// values, last entry of a name winning.
    ///
    /// Each item's parameter is looked up once. Of the server's loops, only what changes the
    /// result is kept: a file that sets the same parameters 100 times costs one hash per
    /// entry, and values are checked and shown once per spelling.
    fn evaluate(&mut self) {
        let catalog = Catalog::get(self.version);
        let mut failed = !self.startup.errors.is_empty();

        // Names. A known parameter seen again makes every earlier entry with a
        // byte-identical name "ignored" (guc.c compares with strcmp, not case-folded): an
        // entry of a known parameter is ignored exactly when a later one has the same
        // spelling, because that later one finds its parameter already seen. Linear, where
        // the server's own loop is quadratic; the catalog is asked once per spelling.
        let mut params: Vec<Option<&'static Param>> = Vec::with_capacity(self.items.len());
        let mut ignored = vec![false; self.items.len()];
        let mut spellings: HashMap<&[u8], (Option<&'static Param>, usize), FastHash> =
            HashMap::with_capacity_and_hasher(64, FastHash::default());
        let mut unknown = Vec::new();
        for (i, item) in self.items.iter().enumerate() {
            let Some(SettingRef { name, .. }) = setting_in(&self.files, item) else {
                params.push(None);
                continue;
            };
            let param = match spellings.entry(name) {
                Entry::Occupied(mut seen) => {
                    let (param, last) = seen.get_mut();
                    if param.is_some() {
                        ignored[*last] = true;
                    }
                    *last = i;
                    *param
                }
                Entry::Vacant(new) => new.insert((catalog.lookup(name), i)).0,
            };
            params.push(param);
            if param.is_none() && !name.contains(&b'.') {
                unknown.push(i);
            }
        }
        drop(spellings);
        for ((item, ignored), param) in self.items.iter_mut().zip(ignored).zip(params) {
            item.ignored = ignored;
            item.param = param;
        }
        self.startup.errors.reserve(unknown.len());
        for &i in &unknown {
            self.items[i].error = Some(Cow::Borrowed("unrecognized configuration parameter"));
            let item = &self.items[i];
            if let Some(SettingRef { name, setting, .. }) = self.setting(item) {
                let message = format!(
                    "unrecognized configuration parameter \"{}\" in file \"{}\" line {}",
                    escape_bytes(name),
                    self.display_path(item.file),
                    item.line
                );
                self.startup.errors.push(LoadMessage {
                    file: item.file,
                    line: item.line,
                    span: Some(setting.name.span),
                    message,
                    detail: None,
                    hint: None,
                });
            }
        }
        failed |= !unknown.is_empty();
        if failed {
            // Nothing is applied when a file has errors or names an unknown parameter.
            self.startup.ok = false;
            return;
        }

        // Values, in list order; ignored entries are skipped.
        let mut shown: HashMap<Vec<u8>, String, FastHash> = HashMap::default();
        let files = &self.files;
        for item in &mut self.items {
            let param = item.param;
            let Some(SettingRef {
                name,
                value,
                setting,
            }) = setting_in(files, item)
            else {
                continue;
            };
            if item.ignored {
                continue;
            }
            let value_span = setting.value.span;
            let result = match param {
                Some(param) => check_value(param, value, self.version).map(|v| {
                    let shown = match param.name() {
                        // SelectConfigFiles makes these absolute once the file is read.
                        "data_directory" | "hba_file" | "ident_file" | "config_file" => {
                            escape_bytes(&paths::make_absolute_from_root(
                                v.as_bytes(),
                                self.version,
                            ))
                        }
                        _ => v,
                    };
                    (canonical_key(Some(param), name), shown)
                }),
                // Custom placeholders (`ext.name`) take any value.
                None => Ok((canonical_key(None, name), escape_bytes(value))),
            };
            match result {
                Ok((key, shown_value)) => {
                    item.applied = true;
                    shown.insert(key, shown_value);
                }
                Err(err) => {
                    item.error = Some(Cow::Borrowed("setting could not be applied"));
                    failed = true;
                    self.startup.errors.push(LoadMessage {
                        file: item.file,
                        line: item.line,
                        span: Some(value_span),
                        message: err.message,
                        detail: err.detail,
                        hint: err.hint,
                    });
                }
            }
        }
        if failed {
            for item in &mut self.items {
                item.applied = false;
            }
            self.startup.ok = false;
            return;
        }
        // What `postgres -C` prints, per name as written. An ignored entry has a later one
        // of the same spelling, which gives the same key and so the same value.
        let mut values: BTreeMap<String, String> = BTreeMap::new();
        for item in &self.items {
            if item.ignored {
                continue;
            }
            if let Some(SettingRef { name, .. }) = self.setting(item)
                && let Some(v) = shown.get(&canonical_key(item.param, name))
            {
                values.insert(escape_bytes(name), v.clone());
            }
        }
        self.startup.ok = true;
        self.startup.values = values;
    }
}

/// The key a setting takes effect under: the parameter's name in lowercase, or the name as
/// written in lowercase for a custom placeholder.
fn canonical_key(param: Option<&Param>, name: &[u8]) -> Vec<u8> {
    match param {
        Some(param) => param.name().to_ascii_lowercase().into_bytes(),
        None => name.to_ascii_lowercase(),
    }
}

/// Reads files and builds the item list (`ParseConfigFile`, `ParseConfigFp`,
/// `ParseConfigDirectory`).
struct Loader<'a> {
    fs: &'a dyn FileSystem,
    version: PgVersion,
    /// [`LoadOptions::roots`], canonicalised.
    roots: Option<Vec<PathBuf>>,
    files: Vec<ConfSource>,
    items: Vec<Item>,
    errors: Vec<LoadMessage>,
    skipped: Vec<SkippedDirEntry>,
    /// Bounds the work of includes that fan out (the server's own loop would not end).
    budget: ExpansionBudget,
    /// Files read so far: reading one again is charged to `budget`.
    read: HashSet<PathBuf>,
    /// See [`ConfigSet::includes_within`].
    include_targets: Vec<PathBuf>,
}

impl Loader<'_> {
    fn add_file(
        &mut self,
        path: PathBuf,
        bytes: FileBytes,
        depth: u32,
        included_from: Option<(FileId, u32)>,
    ) -> FileId {
        let source = SourceFile::new(path.clone(), bytes);
        let tree = ConfFile::parse(&source);
        self.files.push(ConfSource {
            path,
            source,
            tree,
            depth,
            included_from,
        });
        self.files.len() - 1
    }

    fn display(&self, path: &Path) -> String {
        paths::display_relative(path, self.main_dir())
    }

    fn main_dir(&self) -> &Path {
        self.files
            .first()
            .and_then(|f| f.path.parent())
            .unwrap_or_else(|| Path::new("/"))
    }

    /// `ParseConfigFp`: the lines of one file, includes processed where they stand.
    /// `in_view` is false once an including file's view reading has stopped.
    fn parse_file(&mut self, file: FileId, in_view: bool) {
        let mut in_view = in_view;
        let mut syntax_errors = 0;
        let depth = self.files[file].depth;
        let lines = &self.files[file].tree.lines;
        // An item per setting line, reserved up front rather than grown by doubling (each
        // growth a copy of every item so far).
        let settings = lines
            .iter()
            .filter(|l| matches!(l.item, LineItem::Setting(_)))
            .count();
        self.items.reserve(settings);
        let line_count = lines.len();
        for index in 0..line_count {
            if self.budget.exhausted() {
                break;
            }
            let line_no = index as u32 + 1;
            let line = &self.files[file].tree.lines[index];
            match &line.item {
                LineItem::Blank => {}
                LineItem::Invalid(invalid) => {
                    let invalid = *invalid;
                    let source = &self.files[file].source;
                    // "near end of line" is reported on the line before the lexer's line
                    // counter, which has already moved on; at end of file without a final
                    // newline it has not, so the server names the line before.
                    let reported_line =
                        if invalid.error.near == Near::EndOfLine && line.newline().is_empty() {
                            line_no.saturating_sub(1)
                        } else {
                            line_no
                        };
                    let message = match invalid.error.near {
                        Near::EndOfLine => format!(
                            "syntax error in file \"{}\" line {}, near end of line",
                            self.display(&self.files[file].path),
                            reported_line
                        ),
                        Near::Token => format!(
                            "syntax error in file \"{}\" line {}, near token \"{}\"",
                            self.display(&self.files[file].path),
                            reported_line,
                            c_string_lossy(source.slice(invalid.error.at))
                        ),
                    };
                    self.push_error(
                        file,
                        reported_line,
                        Some(invalid.error.at),
                        "syntax error",
                        message,
                        in_view,
                    );
                    // The view gives up on the file at its first syntax error; a server
                    // start reads on, up to 100 of them.
                    in_view = false;
                    syntax_errors += 1;
                    if syntax_errors >= MAX_SYNTAX_ERRORS_PER_FILE {
                        self.errors.push(LoadMessage {
                            file,
                            line: reported_line,
                            span: None,
                            message: format!(
                                "too many syntax errors found, abandoning file \"{}\"",
                                self.display(&self.files[file].path)
                            ),
                            detail: None,
                            hint: None,
                        });
                        break;
                    }
                }
                LineItem::Setting(setting) => {
                    let setting = *setting;
                    let bytes = self.files[file].source.bytes();
                    let name = setting.name_bytes(bytes);
                    match Include::named(name) {
                        Some(include) => {
                            // Owned: reading the target adds files to the set.
                            let value = setting.value_bytes(bytes).into_owned();
                            match include {
                                Include::Dir => self.include_dir(
                                    file,
                                    line_no,
                                    &setting,
                                    &value,
                                    depth + 1,
                                    in_view,
                                ),
                                Include::File { strict } => self.include_file(
                                    file,
                                    line_no,
                                    &setting,
                                    &value,
                                    strict,
                                    depth + 1,
                                    in_view,
                                ),
                            }
                        }
                        None => {
                            let dequoted = dequoted(&setting, bytes);
                            self.items.push(Item {
                                file,
                                line: line_no,
                                kind: ItemKind::Setting { setting, dequoted },
                                in_view,
                                ignored: false,
                                applied: false,
                                param: None,
                                error: None,
                            });
                        }
                    }
                }
            }
        }
    }

    /// Records an include kept from being read by [`LoadOptions::roots`]; `true` if `path`
    /// is outside them.
    fn outside_roots(
        &mut self,
        calling: FileId,
        line: u32,
        span: Option<Span>,
        path: &Path,
        in_view: bool,
    ) -> bool {
        self.include_targets.push(path.to_path_buf());
        let Some(roots) = &self.roots else {
            return false;
        };
        if is_within(path, roots) {
            return false;
        }
        self.push_error_row(calling, line, span, NOT_READ_OUTSIDE_ROOTS, in_view);
        true
    }

    /// A `pg_file_settings` row for a file-level error, with `column` in its error column.
    fn push_error_row(
        &mut self,
        file: FileId,
        line: u32,
        span: Option<Span>,
        column: impl Into<Cow<'static, str>>,
        in_view: bool,
    ) {
        self.items.push(Item {
            file,
            line,
            kind: ItemKind::FileError { span },
            in_view,
            ignored: false,
            applied: false,
            param: None,
            error: Some(column.into()),
        });
    }

    fn push_error(
        &mut self,
        file: FileId,
        line: u32,
        span: Option<Span>,
        column: impl Into<Cow<'static, str>>,
        message: String,
        in_view: bool,
    ) {
        self.push_error_row(file, line, span, column, in_view);
        self.errors.push(LoadMessage {
            file,
            line,
            span,
            message,
            detail: None,
            hint: None,
        });
    }

    /// The server's direct-recursion check (`strcmp(abs_path, calling_file)`): records the
    /// error and returns true when `path` is the including file itself.
    fn is_recursion(
        &mut self,
        calling: FileId,
        line: u32,
        span: Option<Span>,
        path: &Path,
        in_view: bool,
    ) -> bool {
        let calling_path = &self.files[calling].path;
        if path != calling_path {
            return false;
        }
        let message = format!(
            "configuration file recursion in \"{}\"",
            self.display(calling_path)
        );
        self.push_error(
            calling,
            line,
            span,
            "configuration file recursion",
            message,
            in_view,
        );
        true
    }

    /// `ParseConfigFile`: `include` (strict) and `include_if_exists`.
    #[allow(clippy::too_many_arguments)]
    fn include_file(
        &mut self,
        calling: FileId,
        line: u32,
        setting: &Setting,
        target: &[u8],
        strict: bool,
        depth: u32,
        in_view: bool,
    ) {
        let span = Some(setting.value.span);
        if is_all_blank(target) {
            let message = format!(
                "empty configuration file name: \"{}\"",
                escape_bytes(target)
            );
            self.push_error(
                calling,
                line,
                span,
                "empty configuration file name",
                message,
                in_view,
            );
            return;
        }
        if depth > MAX_INCLUDE_DEPTH {
            let message = format!(
                "could not open configuration file \"{}\": maximum nesting depth exceeded",
                escape_bytes(target)
            );
            self.push_error(
                calling,
                line,
                span,
                "nesting depth exceeded",
                message,
                in_view,
            );
            return;
        }
        let calling_path = self.files[calling].path.clone();
        let calling_dir = calling_path.parent().unwrap_or_else(|| Path::new("/"));
        let path = paths::resolve(calling_dir, target, self.version);
        if self.is_recursion(calling, line, span, &path, in_view) {
            return;
        }
        if self.outside_roots(calling, line, span, &path, in_view) {
            return;
        }
        self.open_and_parse(calling, line, span, path, strict, depth, in_view);
    }

    /// Opens an included file and parses it, or records why it could not be opened.
    #[allow(clippy::too_many_arguments)]
    fn open_and_parse(
        &mut self,
        calling: FileId,
        line: u32,
        span: Option<Span>,
        path: PathBuf,
        strict: bool,
        depth: u32,
        in_view: bool,
    ) -> bool {
        let read = self.fs.read(&path);
        let (len, lines) = read.as_ref().map_or((0, 0), |bytes| {
            (
                bytes.len() as u64,
                memchr::memchr_iter(b'\n', bytes).count() as u64,
            )
        });
        let again = !self.read.insert(path.clone());
        if let Err(reason) = self.budget.charge(again, len, lines) {
            let message = format!(
                "could not open configuration file \"{}\": {reason}",
                self.display(&path)
            );
            self.push_error(
                calling,
                line,
                span,
                "include expansion stopped",
                message,
                in_view,
            );
            return false;
        }
        match read {
            Ok(bytes) => {
                let id = self.add_file(path, bytes, depth, Some((calling, line)));
                let errors_before = self.errors.len();
                self.parse_file(id, in_view);
                self.errors.len() == errors_before
            }
            Err(err) if err.kind() == std::io::ErrorKind::IsADirectory => {
                // fopen() succeeds on a directory and the lexer then fails on its first read,
                // so the server reports line 1 of the "file" it opened.
                let message = format!(
                    "input in flex scanner failed at file \"{}\" line 1",
                    self.display(&path)
                );
                let dir = self.add_file(path, FileBytes::default(), depth, Some((calling, line)));
                self.push_error(
                    dir,
                    1,
                    None,
                    "input in flex scanner failed",
                    message,
                    in_view,
                );
                false
            }
            Err(_) if !strict => true,
            Err(err) => {
                let shown = self.display(&path);
                let message = format!(
                    "could not open configuration file \"{shown}\": {}",
                    os_message(&err)
                );
                let column = format!("could not open file \"{shown}\"");
                self.push_error(calling, line, span, column, message, in_view);
                false
            }
        }
    }

    /// `ParseConfigDirectory`: the `.conf` files of a folder, in byte order, each a strict
    /// include one level deeper than the directive.
    fn include_dir(
        &mut self,
        calling: FileId,
        line: u32,
        setting: &Setting,
        target: &[u8],
        depth: u32,
        in_view: bool,
    ) {
        let span = Some(setting.value.span);
        if is_all_blank(target) {
            let message = format!(
                "empty configuration directory name: \"{}\"",
                escape_bytes(target)
            );
            self.push_error(
                calling,
                line,
                span,
                "empty configuration directory name",
                message,
                in_view,
            );
            return;
        }
        let calling_path = self.files[calling].path.clone();
        let calling_dir = calling_path.parent().unwrap_or_else(|| Path::new("/"));
        let dir = paths::resolve(calling_dir, target, self.version);
        if self.outside_roots(calling, line, span, &dir, in_view) {
            return;
        }
        let entries = match self.fs.read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) => {
                let shown = self.display(&dir);
                let message = format!(
                    "could not open configuration directory \"{shown}\": {}",
                    os_message(&err)
                );
                let column = format!("could not open directory \"{shown}\"");
                self.push_error(calling, line, span, column, message, in_view);
                return;
            }
        };
        let (kept, skipped): (Vec<_>, Vec<_>) = entries
            .into_iter()
            .filter(|e| !e.is_dir)
            .partition(|e| is_included_conf_name(paths::os_bytes(&e.name).as_ref()));
        let mut skipped: Vec<PathBuf> = skipped.into_iter().map(|e| dir.join(&e.name)).collect();
        skipped.sort();
        self.skipped
            .extend(skipped.into_iter().map(|path| SkippedDirEntry {
                file: calling,
                line,
                span: setting.value.span,
                path,
            }));
        let mut files: Vec<PathBuf> = kept
            .into_iter()
            .map(|e| paths::canonicalize_path(&dir.join(&e.name), self.version))
            .collect();
        files.sort_by(|a, b| paths::os_bytes(a.as_os_str()).cmp(&paths::os_bytes(b.as_os_str())));
        for path in files {
            if depth > MAX_INCLUDE_DEPTH {
                let message = format!(
                    "could not open configuration file \"{}\": maximum nesting depth exceeded",
                    self.display(&path)
                );
                self.push_error(
                    calling,
                    line,
                    span,
                    "nesting depth exceeded",
                    message,
                    in_view,
                );
                return;
            }
            if self.is_recursion(calling, line, span, &path, in_view) {
                return;
            }
            // The first file that fails ends the directory.
            if !self.open_and_parse(calling, line, span, path, true, depth, in_view) {
                return;
            }
        }
    }
}

/// Whether `path` (made canonical as 15+ does, so `..` cannot climb out) lies in one of
/// `roots` (canonical).
pub fn is_within(path: &Path, roots: &[PathBuf]) -> bool {
    let path = paths::canonicalize_path(path, PgVersion::NEWEST);
    roots.iter().any(|root| path.starts_with(root))
}

/// `include_dir` keeps names of at least 6 bytes that do not start with `.` and end in
/// exactly `.conf`.
pub fn is_included_conf_name(name: &[u8]) -> bool {
    name.len() >= 6 && name[0] != b'.' && name.ends_with(b".conf")
}

/// `strspn(name, " \t\r\n") == strlen(name)`: the server's test for an empty file name.
fn is_all_blank(name: &[u8]) -> bool {
    let name = match memchr::memchr(0, name) {
        Some(nul) => &name[..nul],
        None => name,
    };
    name.iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// Bytes as the server prints a C string: up to the first NUL, lossy UTF-8.
fn c_string_lossy(bytes: &[u8]) -> String {
    let bytes = match memchr::memchr(0, bytes) {
        Some(nul) => &bytes[..nul],
        None => bytes,
    };
    escape_bytes(bytes)
}

#[cfg(test)]
mod tests;
