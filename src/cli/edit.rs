//! Editor commands for patching beyond the rules: `set`, `unset`, `hba add`, `hba remove`.
//! They use the fixer's placement logic, validate values against the version's catalog, check
//! that the result still parses, and write atomically.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::ExitStatus;
use crate::diagnostic::Edit;
use crate::edits::hba_insert::{NewRecord, Placement, insert_records, placement};
use crate::edits::placement::{line_ending, set_parameter};
use crate::fix::EditedFs;
use crate::fix::apply::splice;
use crate::fix::diff::unified_diff;
use crate::fix::write::{create_file, write_atomic};
use crate::model::catalog::{Catalog, Context};
use crate::model::config_set::{AutoConf, ConfigSet, LoadOptions, SettingRef};
use crate::model::fs::{FileSystem, RealFs};
use crate::model::hba::{ConnType, HbaFile, HbaOptions, load_hba};
use crate::model::value::check_value;
use crate::model::version::{PgVersion, detect_version};
use crate::source::Span;

pub const SET_EXAMPLES: &str = "\
Examples:
  pgconf set /etc/postgresql/16/main/postgresql.conf wal_level logical
      changes the line that takes effect (in whichever include it is), else uncomments
      `#wal_level = replica`, else appends a line
  pgconf set --into conf.d/90-cdc.conf postgresql.conf max_slot_wal_keep_size 100GB
      new settings go to a drop-in file (created, and included, if missing)
  pgconf set --diff postgresql.conf listen_addresses '*'

The value is checked as the server checks it (type, unit, range, enum) for the version.";

pub const UNSET_EXAMPLES: &str = "\
Examples:
  pgconf unset postgresql.conf shared_preload_libraries
      comments out every line that sets it (postgresql.auto.conf lines are removed, as ALTER
      SYSTEM RESET does), so the built-in default applies";

pub const HBA_EXAMPLES: &str = "\
Examples:
  pgconf hba add pg_hba.conf \"host all clickpipes_user 3.131.130.196/32 scram-sha-256\"
      inserted where pg_hba's first-match order makes it take effect, aligned to the file's columns
  pgconf hba add pg_hba.conf \"hostssl all app 10.0.0.0/8 scram-sha-256\" --after 12
  pgconf hba remove pg_hba.conf --line 17";

/// Options every editor command has.
#[derive(Debug, Clone, clap::Args)]
pub struct EditOptions {
    /// PostgreSQL major version (12 to 18); default: PG_VERSION beside the file, the
    /// /etc/postgresql/N/ folder, else 18.
    #[arg(long, value_name = "N")]
    pub pg_version: Option<PgVersion>,

    /// Print the change as a unified diff and write nothing.
    #[arg(long)]
    pub diff: bool,
}

#[derive(Debug, clap::Args)]
pub struct SetArgs {
    /// The postgresql.conf of the server.
    pub file: PathBuf,
    /// The parameter.
    pub name: String,
    /// The value, as you would write it after `=` without quotes (pgconf quotes it if needed).
    pub value: String,
    /// Put a setting no file has yet into this drop-in file instead.
    #[arg(long, value_name = "FILE")]
    pub into: Option<PathBuf>,
    #[command(flatten)]
    pub options: EditOptions,
}

#[derive(Debug, clap::Args)]
pub struct UnsetArgs {
    /// The postgresql.conf of the server.
    pub file: PathBuf,
    /// The parameter.
    pub name: String,
    #[command(flatten)]
    pub options: EditOptions,
}

#[derive(Debug, clap::Subcommand)]
pub enum HbaCommand {
    /// Add a record where it takes effect.
    #[command(after_help = HBA_EXAMPLES)]
    Add(HbaAddArgs),
    /// Remove the record on a line.
    #[command(after_help = HBA_EXAMPLES)]
    Remove(HbaRemoveArgs),
}

#[derive(Debug, clap::Args)]
pub struct HbaAddArgs {
    /// The pg_hba.conf to edit.
    pub file: PathBuf,
    /// The record, e.g. "host all clickpipes_user 1.2.3.4/32 scram-sha-256".
    pub record: String,
    /// Insert before the record on this line instead.
    #[arg(long, value_name = "N", conflicts_with = "after")]
    pub before: Option<u32>,
    /// Insert after the record on this line instead.
    #[arg(long, value_name = "N")]
    pub after: Option<u32>,
    /// A comment line to put above the record.
    #[arg(long, default_value = "Added by pgconf")]
    pub comment: String,
    #[command(flatten)]
    pub options: EditOptions,
}

#[derive(Debug, clap::Args)]
pub struct HbaRemoveArgs {
    /// The pg_hba.conf to edit.
    pub file: PathBuf,
    /// The line the record starts on.
    #[arg(long, value_name = "N")]
    pub line: u32,
    #[command(flatten)]
    pub options: EditOptions,
}

fn version_for(fs: &dyn FileSystem, file: &Path, options: &EditOptions) -> PgVersion {
    options
        .pg_version
        .or_else(|| detect_version(fs, file))
        .unwrap_or_default()
}

/// What a server is told after an edit of a file it reads on reload.
const RELOAD_NEEDED: &str = "reload needed: SELECT pg_reload_conf(), or pg_ctl reload";

/// The configuration starting at `file`, read as the version the options (or the files) name.
fn load_conf_given(
    fs: &dyn FileSystem,
    file: &Path,
    options: &EditOptions,
) -> Result<ConfigSet, String> {
    load_conf(fs, file, version_for(fs, file, options))
}

/// The pg_hba.conf at `file` and the version it was read as.
fn load_hba_given(
    fs: &dyn FileSystem,
    file: &Path,
    options: &EditOptions,
) -> Result<(HbaFile, PgVersion), String> {
    let version = version_for(fs, file, options);
    let hba = load_hba(fs, file, version, &hba_options()).map_err(|e| e.to_string())?;
    Ok((hba, version))
}

fn load_conf(fs: &dyn FileSystem, file: &Path, version: PgVersion) -> Result<ConfigSet, String> {
    ConfigSet::load(
        fs,
        file,
        &LoadOptions {
            version,
            auto: AutoConf::Discover,
            roots: None,
        },
    )
    .map_err(|e| e.to_string())
}

pub fn run_set(args: &SetArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<ExitStatus> {
    let fs = RealFs;
    let set = match load_conf_given(&fs, &args.file, &args.options) {
        Ok(set) => set,
        Err(e) => return fail(err, &e),
    };
    let version = set.version;
    let catalog = Catalog::get(version);
    let value = args.value.as_bytes();
    let Some(param) = catalog.lookup(args.name.as_bytes()) else {
        if args.name.contains('.') {
            return apply_set(&fs, &set, args, None, out, err);
        }
        return fail(
            err,
            &format!(
                "PostgreSQL {version} has no parameter \"{}\"; the server would refuse to start",
                args.name
            ),
        );
    };
    let normalized = match check_value(param, value, version) {
        Ok(v) => v,
        Err(e) => return fail(err, &format!("not set: {e}")),
    };
    // Already the effective value: nothing to do (the command is idempotent).
    if set.startup.ok
        && set.startup.values.iter().any(|(k, v)| {
            catalog
                .lookup(k.as_bytes())
                .is_some_and(|p| p.name() == param.name())
                && *v == normalized
        })
    {
        writeln!(
            out,
            "{} is already {}; nothing to change",
            param.name(),
            args.value
        )?;
        return Ok(ExitStatus::Success);
    }
    apply_set(&fs, &set, args, Some(param.context()), out, err)
}

fn apply_set(
    fs: &dyn FileSystem,
    set: &ConfigSet,
    args: &SetArgs,
    context: Option<Context>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<ExitStatus> {
    let edit = set_parameter(set, &args.name, args.value.as_bytes(), args.into.as_deref());
    if edit.in_auto_conf {
        writeln!(
            err,
            "note: postgresql.auto.conf sets {name}, so it is edited there; ALTER SYSTEM SET {name} = '{value}' does the same on a running server",
            name = args.name,
            value = args.value.replace('\'', "''")
        )?;
    }
    let status = commit(fs, &edit.edits, &args.options, &args.file, out, err, |fs| {
        let after = load_conf(fs, &args.file, set.version)?;
        if !after.startup.errors.is_empty() && set.startup.errors.is_empty() {
            return Err(format!(
                "the change would make the files fail to load: {}",
                after.startup.errors[0].message
            ));
        }
        Ok(())
    })?;
    if status == ExitStatus::Success && !args.options.diff {
        writeln!(
            out,
            "set {} = {} in {}",
            args.name,
            args.value,
            shown(&edit.file)
        )?;
        writeln!(out, "{}", needs(context))?;
    }
    Ok(status)
}

fn needs(context: Option<Context>) -> &'static str {
    match context {
        Some(Context::Postmaster) => {
            "restart needed: the server reads this parameter only at start"
        }
        Some(Context::Internal) => "this parameter cannot be set",
        _ => RELOAD_NEEDED,
    }
}

pub fn run_unset(
    args: &UnsetArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<ExitStatus> {
    let fs = RealFs;
    let set = match load_conf_given(&fs, &args.file, &args.options) {
        Ok(set) => set,
        Err(e) => return fail(err, &e),
    };
    let version = set.version;
    let catalog = Catalog::get(version);
    let wanted = catalog.lookup(args.name.as_bytes()).map(|p| p.name());
    let mut edits = Vec::new();
    for item in &set.items {
        let Some(SettingRef { name, setting, .. }) = set.setting(item) else {
            continue;
        };
        let same = match (wanted, item.param) {
            (Some(w), Some(p)) => p.name() == w,
            _ => name.eq_ignore_ascii_case(args.name.as_bytes()),
        };
        if !same {
            continue;
        }
        let file = &set.files[item.file];
        let line = &file.tree.lines[item.line as usize - 1];
        if Some(item.file) == set.auto {
            // ALTER SYSTEM RESET removes the line.
            edits.push(Edit {
                file: file.path.as_path().into(),
                span: Span::new(line.span.start, line.newline().end),
                replacement: Vec::new().into(),
            });
        } else {
            // Retire the line: it stays readable and can be restored by deleting the `#`.
            edits.push(Edit {
                file: file.path.as_path().into(),
                span: Span::empty(setting.name.span.start),
                replacement: b"#"[..].into(),
            });
        }
    }
    if edits.is_empty() {
        writeln!(
            out,
            "{} is not set in these files; nothing to change",
            args.name
        )?;
        return Ok(ExitStatus::Success);
    }
    let count = edits.len();
    let status = commit(&fs, &edits, &args.options, &args.file, out, err, |_| Ok(()))?;
    if status == ExitStatus::Success && !args.options.diff {
        writeln!(
            out,
            "unset {}: {count} line{} retired",
            args.name,
            if count == 1 { "" } else { "s" }
        )?;
        writeln!(
            out,
            "{}",
            needs(
                wanted
                    .and_then(|n| catalog.lookup(n.as_bytes()))
                    .map(|p| p.context())
            )
        )?;
    }
    Ok(status)
}

pub fn run_hba(
    cmd: &HbaCommand,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<ExitStatus> {
    let fs = RealFs;
    let (file, options) = match cmd {
        HbaCommand::Add(args) => (&args.file, &args.options),
        HbaCommand::Remove(args) => (&args.file, &args.options),
    };
    let (hba, version) = match load_hba_given(&fs, file, options) {
        Ok(loaded) => loaded,
        Err(e) => return fail(err, &e),
    };
    let planned = match cmd {
        HbaCommand::Add(args) => plan_hba_add(args, &hba, version),
        HbaCommand::Remove(args) => plan_hba_remove(args, &hba),
    };
    let (edits, done) = match planned {
        Ok(HbaPlan::Edit { edits, done }) => (edits, done),
        Ok(HbaPlan::Nothing(why)) => {
            writeln!(out, "{why}")?;
            return Ok(ExitStatus::Success);
        }
        Err(e) => return fail(err, &e),
    };
    let status = commit(&fs, &edits, options, file, out, err, |fs| {
        check_hba(fs, file, version, &hba)
    })?;
    if status == ExitStatus::Success && !options.diff {
        writeln!(out, "{done}")?;
        writeln!(out, "{RELOAD_NEEDED}")?;
    }
    Ok(status)
}

/// What an `hba` command will do to the file.
enum HbaPlan {
    /// Make these edits, then say `done`.
    Edit { edits: Vec<Edit>, done: String },
    /// The file already is as asked; say why nothing changes.
    Nothing(String),
}

fn plan_hba_add(args: &HbaAddArgs, hba: &HbaFile, version: PgVersion) -> Result<HbaPlan, String> {
    let record = parse_record(&args.record, version)?;
    let edits = match (args.before, args.after) {
        (None, None) => {
            if let Placement::Covered { line_number } = placement(hba, &record) {
                return Ok(HbaPlan::Nothing(format!(
                    "line {line_number} already admits these connections the same way; nothing to add"
                )));
            }
            insert_records(hba, std::slice::from_ref(&record), &args.comment)
        }
        (before, after) => {
            let target = before.or(after).unwrap_or(1);
            let (start, end) =
                record_bounds(hba, target).ok_or_else(|| no_record(&args.file, target))?;
            let bytes = hba.sources.files[0].source.bytes();
            let eol = line_ending(bytes);
            let mut text = format!("# {}", args.comment).into_bytes();
            text.extend_from_slice(eol);
            text.extend_from_slice(args.record.trim().as_bytes());
            text.extend_from_slice(eol);
            vec![Edit {
                file: hba.sources.files[0].source.path().into(),
                span: Span::empty(if before.is_some() { start } else { end }),
                replacement: text.into(),
            }]
        }
    };
    let done = format!("added to {}: {}", shown(&args.file), args.record.trim());
    Ok(HbaPlan::Edit { edits, done })
}

fn plan_hba_remove(args: &HbaRemoveArgs, hba: &HbaFile) -> Result<HbaPlan, String> {
    let (start, end) =
        record_bounds(hba, args.line).ok_or_else(|| no_record(&args.file, args.line))?;
    let edits = vec![Edit {
        file: hba.sources.files[0].source.path().into(),
        span: Span::new(start, end),
        replacement: Vec::new().into(),
    }];
    let done = format!(
        "removed the record on line {} of {}",
        args.line,
        shown(&args.file)
    );
    Ok(HbaPlan::Edit { edits, done })
}

fn no_record(file: &Path, line: u32) -> String {
    format!("{}: line {line} holds no record", file.display())
}

fn hba_options() -> HbaOptions {
    HbaOptions {
        ssl_enabled: true,
        ..HbaOptions::default()
    }
}

/// The edited file must load at least as well as before.
fn check_hba(
    fs: &dyn FileSystem,
    file: &Path,
    version: PgVersion,
    before: &HbaFile,
) -> Result<(), String> {
    let after = load_hba(fs, file, version, &hba_options()).map_err(|e| e.to_string())?;
    let errors = |h: &HbaFile| h.view_rows().iter().filter(|r| r.error.is_some()).count();
    if errors(&after) > errors(before) {
        let row = after.view_rows().iter().find(|r| r.error.is_some());
        return Err(format!(
            "the server would reject the result: line {}: {}",
            row.map_or(0, |r| r.line_number),
            row.and_then(|r| r.error.clone()).unwrap_or_default()
        ));
    }
    Ok(())
}

/// Byte range of the record starting on `line` of the main file, line ending included.
fn record_bounds(hba: &HbaFile, line: u32) -> Option<(u32, u32)> {
    let file = &hba.sources.files[0];
    let (_, l) = file.lines.lines.iter().enumerate().find(|&(i, l)| {
        let (start, end) = file.lines.token_range(i);
        l.line_number == line && start != end
    })?;
    let bytes = file.source.bytes();
    let end = l.span.end as usize;
    let end = bytes[end..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| end + p + 1);
    Some((l.span.start, end as u32))
}

/// A record given on the command line, checked by the server's own rules for the version.
fn parse_record(text: &str, version: PgVersion) -> Result<NewRecord, String> {
    let fs = crate::model::fs::MemFs::new().with("/pgconf-new/pg_hba.conf", text.trim());
    let hba = load_hba(
        &fs,
        Path::new("/pgconf-new/pg_hba.conf"),
        version,
        &hba_options(),
    )
    .map_err(|e| e.to_string())?;
    if let Some(row) = hba.view_rows().iter().find(|r| r.error.is_some()) {
        return Err(format!(
            "the server would reject this record: {}",
            row.error.clone().unwrap_or_default()
        ));
    }
    let rec = hba.records().first().ok_or("no record given")?;
    let fields: Vec<&str> = text.split_whitespace().collect();
    if rec.conn_type == ConnType::Local {
        return Err("only host records can be placed by first-match analysis; use --before/--after for local records".into());
    }
    let method_at = if fields
        .get(3)
        .is_some_and(|f| f.contains('/') || *f == "all" || f.parse::<std::net::IpAddr>().is_err())
    {
        4
    } else {
        5
    };
    Ok(NewRecord {
        conn_type: rec.conn_type,
        database: fields.get(1).unwrap_or(&"all").to_string(),
        user: fields.get(2).unwrap_or(&"all").to_string(),
        address: fields[3..method_at].join(" "),
        method: fields.get(method_at).unwrap_or(&"").to_string(),
        options: fields
            .iter()
            .skip(method_at + 1)
            .map(|s| s.to_string())
            .collect(),
    })
}

/// Applies `edits` in memory, runs `check` on the result, then writes (or prints the diff).
/// A file the edits create gets the mode and owner of `template` (the file given).
fn commit(
    fs: &dyn FileSystem,
    edits: &[Edit],
    options: &EditOptions,
    template: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
    check: impl FnOnce(&dyn FileSystem) -> Result<(), String>,
) -> io::Result<ExitStatus> {
    let mut by_file: BTreeMap<PathBuf, Vec<&Edit>> = BTreeMap::new();
    for e in edits {
        by_file
            .entry(crate::model::paths::absolute(&e.file, PgVersion::NEWEST))
            .or_default()
            .push(e);
    }
    let mut originals = BTreeMap::new();
    let mut fixed = BTreeMap::new();
    for (path, mut list) in by_file {
        let old = if fs.exists(&path) {
            match fs.read(&path) {
                Ok(b) => b.into_vec(),
                Err(e) => {
                    return fail(
                        err,
                        &format!(
                            "could not read {}: {}",
                            path.display(),
                            crate::model::fs::os_message(&e)
                        ),
                    );
                }
            }
        } else {
            Vec::new()
        };
        list.sort_by_key(|e| (e.span.start, e.span.end));
        fixed.insert(path.clone(), splice(&old, &list));
        originals.insert(path, old);
    }
    if let Err(e) = check(&EditedFs {
        base: fs,
        files: &fixed,
    }) {
        return fail(err, &format!("nothing was written: {e}"));
    }
    if options.diff {
        for (path, new) in &fixed {
            out.write_all(&unified_diff(&shown(path), &originals[path], new))?;
        }
        return Ok(ExitStatus::Success);
    }
    for (path, new) in &fixed {
        let old = &originals[path];
        let result = if path.exists() {
            write_atomic(path, old, new)
        } else {
            create_file(path, new, template)
        };
        if let Err(e) = result {
            return fail(err, &e.to_string());
        }
    }
    Ok(ExitStatus::Success)
}

fn fail(err: &mut dyn Write, message: &str) -> io::Result<ExitStatus> {
    writeln!(err, "pgconf: {message}")?;
    Ok(ExitStatus::Error)
}

fn shown(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd)
        .unwrap_or(path)
        .display()
        .to_string()
}
