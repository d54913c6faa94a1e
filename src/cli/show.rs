//! `pgconf show`: what a server of a given version reads from a config file, as the rows of
//! its own views (`pg_file_settings`, `pg_hba_file_rules`, `pg_ident_file_mappings`).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anstyle::{AnsiColor, Style};
use clap::ValueEnum;
use serde::{Serialize, Serializer};

use super::ExitStatus;
use crate::model::config_set::{AutoConf, ConfigSet, LoadOptions, SettingRef};
use crate::model::fs::{FileSystem, LeasingFs, os_message};
use crate::model::hba::{HbaOptions, load_hba};
use crate::model::ident::load_ident;
use crate::model::version::{PgVersion, detect_version};
use crate::source::text::for_display;

pub const EXAMPLES: &str = "\
Examples:
  pgconf show /etc/postgresql/16/main/postgresql.conf
      every setting with its file, line and whether it takes effect
  pgconf show --pg-version 13 --format json postgresql.conf
      the pg_file_settings rows of PostgreSQL 13 and whether it would start, as JSON
  pgconf show pg_hba.conf
      the records as pg_hba_file_rules lists them, with the error of each bad line
  pgconf show --kind ident --pg-version 16 conf/ident.conf

The version comes from --pg-version, else a PG_VERSION file beside the config file, else
the /etc/postgresql/N/ folder it lives in, else 18.";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The config file to read.
    pub file: PathBuf,

    /// What kind of file it is; guessed from its name when absent (a name containing
    /// "hba" is pg_hba.conf, "ident" is pg_ident.conf, anything else postgresql.conf).
    #[arg(long, value_enum)]
    pub kind: Option<FileKind>,

    /// The PostgreSQL major version whose rules apply (12 to 18).
    #[arg(long, value_name = "N")]
    pub pg_version: Option<PgVersion>,

    /// The postgresql.auto.conf to read after the main file (default: the one in the data
    /// directory, if any).
    #[arg(long, value_name = "FILE")]
    pub auto: Option<PathBuf>,

    /// Output format: aligned columns for people, or one JSON object for programs.
    #[arg(long, value_enum, default_value_t = ShowFormat::Table)]
    pub format: ShowFormat,
}

/// The kinds of configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FileKind {
    /// postgresql.conf, an included file, or postgresql.auto.conf
    Conf,
    /// pg_hba.conf
    Hba,
    /// pg_ident.conf
    Ident,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    Table,
    Json,
}

pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<ExitStatus> {
    // The output is written token by token and stdout is line-buffered: a million rows were
    // ~25 million write(2) calls.
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    let status = show(args, &mut out, err)?;
    out.flush()?;
    Ok(status)
}

fn show(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<ExitStatus> {
    let fs = LeasingFs;
    let kind = args.kind.unwrap_or_else(|| guess_kind(&args.file));
    let version = args
        .pg_version
        .or_else(|| detect_version(&fs, &args.file))
        .unwrap_or_default();
    if !fs.exists(&args.file) {
        writeln!(
            err,
            "pgconf: could not read {}: No such file or directory",
            args.file.display()
        )?;
        return Ok(ExitStatus::Error);
    }
    match kind {
        FileKind::Conf => show_conf(&fs, args, version, out, err),
        FileKind::Hba => {
            // Without a postgresql.conf to say otherwise, hostssl lines are judged as on a
            // server with ssl = on, which is what they are written for.
            let opts = HbaOptions {
                ssl_enabled: true,
                ..HbaOptions::default()
            };
            match load_hba(&fs, &args.file, version, &opts) {
                Ok(hba) => {
                    let status = show_view(out, args.format, "hba", version, || hba.rows());
                    super::release(hba);
                    status
                }
                Err(e) => fail(err, &e),
            }
        }
        FileKind::Ident => match load_ident(&fs, &args.file, version) {
            Ok(ident) => {
                let status = show_view(out, args.format, "ident", version, || ident.rows());
                super::release(ident);
                status
            }
            Err(e) => fail(err, &e),
        },
    }
}

/// The rows of an auth view, as JSON or a table.
fn show_view<I: Iterator<Item: Serialize>>(
    out: &mut dyn Write,
    format: ShowFormat,
    kind: &'static str,
    version: PgVersion,
    rows: impl Fn() -> I,
) -> io::Result<ExitStatus> {
    match format {
        ShowFormat::Json => write_json(
            out,
            &ViewJson {
                kind,
                pg_version: version.major(),
                rows: Streamed(rows),
            },
        )?,
        ShowFormat::Table => write_table(out, rows)?,
    }
    Ok(ExitStatus::Success)
}

fn fail(err: &mut dyn Write, e: &dyn std::fmt::Display) -> io::Result<ExitStatus> {
    writeln!(err, "pgconf: {e}")?;
    Ok(ExitStatus::Error)
}

/// `show` output for hba and ident: the view's rows.
#[derive(Serialize)]
struct ViewJson<R: Serialize> {
    kind: &'static str,
    pg_version: u8,
    rows: R,
}

/// A JSON array of the items of a fresh iterator: written as they are made, never all held
/// (a million rows were hundreds of megabytes).
struct Streamed<F>(F);

impl<F, I> Serialize for Streamed<F>
where
    F: Fn() -> I,
    I: Iterator<Item: Serialize>,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}

/// The kind a file name suggests.
pub fn guess_kind(path: &Path) -> FileKind {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name.contains("hba") {
        FileKind::Hba
    } else if name.contains("ident") {
        FileKind::Ident
    } else {
        FileKind::Conf
    }
}

#[derive(Serialize)]
struct ConfJson<'a, R: Serialize, E: Serialize> {
    kind: &'static str,
    pg_version: u8,
    rows: R,
    startup: StartupJson<'a, E>,
}

/// A row of `pg_file_settings`.
#[derive(Serialize)]
struct ConfRow<'a> {
    sourcefile: String,
    sourceline: u32,
    seqno: u32,
    name: Option<String>,
    setting: Option<String>,
    applied: bool,
    error: Option<&'a str>,
}

#[derive(Serialize)]
struct StartupJson<'a, E: Serialize> {
    ok: bool,
    values: &'a std::collections::BTreeMap<String, String>,
    errors: E,
}

#[derive(Serialize)]
struct MessageJson<'a> {
    sourcefile: String,
    sourceline: u32,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'a str>,
}

fn conf_rows(set: &ConfigSet) -> impl Iterator<Item = ConfRow<'_>> {
    set.view_rows().enumerate().map(|(i, item)| {
        let (name, setting) = match set.setting(item) {
            Some(SettingRef { name, value, .. }) => (
                Some(crate::source::text::escape_bytes(name)),
                Some(crate::source::text::escape_bytes(value)),
            ),
            None => (None, None),
        };
        ConfRow {
            sourcefile: set.display_path(item.file),
            sourceline: item.line,
            seqno: i as u32 + 1,
            name,
            setting,
            applied: item.applied,
            error: item.error.as_deref(),
        }
    })
}

fn startup_errors(set: &ConfigSet) -> impl Iterator<Item = MessageJson<'_>> {
    set.startup.errors.iter().map(|m| MessageJson {
        sourcefile: set.display_path(m.file),
        sourceline: m.line,
        message: &m.message,
        detail: m.detail.as_deref(),
        hint: m.hint.as_deref(),
    })
}

fn show_conf(
    fs: &dyn FileSystem,
    args: &Args,
    version: PgVersion,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<ExitStatus> {
    let options = LoadOptions {
        version,
        auto: match &args.auto {
            Some(path) => AutoConf::File(path.clone()),
            None => AutoConf::Discover,
        },
        roots: None,
    };
    let set = match ConfigSet::load(fs, &args.file, &options) {
        Ok(set) => set,
        Err(e) => {
            writeln!(
                err,
                "pgconf: could not read {}: {}",
                e.path.display(),
                os_message(&e.error)
            )?;
            return Ok(ExitStatus::Error);
        }
    };
    match args.format {
        ShowFormat::Json => write_json(
            out,
            &ConfJson {
                kind: "conf",
                pg_version: version.major(),
                rows: Streamed(|| conf_rows(&set)),
                startup: StartupJson {
                    ok: set.startup.ok,
                    values: &set.startup.values,
                    errors: Streamed(|| startup_errors(&set)),
                },
            },
        )?,
        ShowFormat::Table => {
            write_table(out, || conf_rows(&set))?;
            writeln!(out)?;
            if set.startup.ok {
                writeln!(out, "PostgreSQL {version} would start with these files.")?;
            } else {
                let red = Style::new().fg_color(Some(AnsiColor::Red.into())).bold();
                writeln!(
                    out,
                    "{red}PostgreSQL {version} would not start with these files:{red:#}"
                )?;
                for m in startup_errors(&set) {
                    writeln!(out, "  {}:{}: {}", m.sourcefile, m.sourceline, m.message)?;
                    if let Some(hint) = m.hint {
                        writeln!(out, "      hint: {hint}")?;
                    }
                }
            }
        }
    }
    super::release(set);
    Ok(ExitStatus::Success)
}

fn write_json<T: Serialize>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    crate::render::json_text::write_pretty(out, value)
}

/// Aligned columns from any serialisable rows: the keys of the first row are the header;
/// `applied` rows are marked and `error` cells are red. Two passes over rows made on demand,
/// one for the widths and one to print, so that no more than a row is held at a time.
fn write_table<I: Iterator<Item: Serialize>>(
    out: &mut dyn Write,
    rows: impl Fn() -> I,
) -> io::Result<()> {
    let Some(columns) = rows()
        .find_map(|r| as_object(&r))
        .map(|first| first.keys().cloned().collect::<Vec<String>>())
    else {
        return writeln!(out, "(no rows)");
    };
    let cells = |row: I::Item| -> Option<Vec<String>> {
        let row = as_object(&row)?;
        Some(columns.iter().map(|c| cell(row.get(c))).collect())
    };
    let mut widths: Vec<usize> = columns.iter().map(String::len).collect();
    for row in rows().filter_map(cells) {
        for (width, value) in widths.iter_mut().zip(&row) {
            *width = (*width).max(value.chars().count());
        }
    }
    let bold = Style::new().bold();
    let red = Style::new().fg_color(Some(AnsiColor::Red.into()));
    let green = Style::new().fg_color(Some(AnsiColor::Green.into()));
    let header: Vec<String> = columns
        .iter()
        .zip(&widths)
        .map(|(c, w)| format!("{c:<w$}"))
        .collect();
    writeln!(out, "{bold}{}{bold:#}", header.join("  ").trim_end())?;
    for row in rows().filter_map(cells) {
        let mut line = String::new();
        for (i, (value, w)) in row.iter().zip(&widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let style = match columns[i].as_str() {
                "error" if !value.is_empty() => red,
                "applied" if !value.is_empty() => green,
                _ => Style::new(),
            };
            // Padding stays outside the colour so trimming the line removes it.
            let pad = w.saturating_sub(value.chars().count());
            line.push_str(&format!("{style}{value}{style:#}{}", " ".repeat(pad)));
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// A row as a JSON object (every row type here serialises to one).
fn as_object<R: Serialize>(row: &R) -> Option<serde_json::Map<String, serde_json::Value>> {
    match serde_json::to_value(row) {
        Ok(serde_json::Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// A table cell: nothing for null, lists joined by commas, `yes` for true.
fn cell(value: Option<&serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => for_display(s).into_owned(),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| i.to_string())
            })
            .collect::<Vec<_>>()
            .join(","),
        Some(serde_json::Value::Bool(b)) => if *b { "yes" } else { "" }.to_string(),
        Some(other) => other.to_string(),
    }
}
