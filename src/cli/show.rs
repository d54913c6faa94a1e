//! `pgconf show`: what a server of a given version reads from a config file, as the rows of
//! its own views (`pg_file_settings`, `pg_hba_file_rules`, `pg_ident_file_mappings`).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anstyle::{AnsiColor, Style};
use clap::ValueEnum;
use serde::Serialize;

use super::ExitStatus;
use crate::model::config_set::{AutoConf, ConfigSet, ItemKind, LoadOptions};
use crate::model::fs::{FileSystem, RealFs, os_message};
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
    let fs = RealFs;
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
                Ok(hba) => show_view(out, args.format, "hba", version, hba.view_rows()),
                Err(e) => fail(err, &e),
            }
        }
        FileKind::Ident => match load_ident(&fs, &args.file, version) {
            Ok(ident) => show_view(out, args.format, "ident", version, ident.view_rows()),
            Err(e) => fail(err, &e),
        },
    }
}

/// The rows of an auth view, as JSON or a table.
fn show_view<R: Serialize>(
    out: &mut dyn Write,
    format: ShowFormat,
    kind: &'static str,
    version: PgVersion,
    rows: &[R],
) -> io::Result<ExitStatus> {
    match format {
        ShowFormat::Json => write_json(
            out,
            &ViewJson {
                kind,
                pg_version: version.major(),
                rows,
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
struct ViewJson<'a, R: Serialize> {
    kind: &'static str,
    pg_version: u8,
    rows: &'a [R],
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
struct ConfJson<'a> {
    kind: &'static str,
    pg_version: u8,
    rows: Vec<ConfRow<'a>>,
    startup: StartupJson,
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
struct StartupJson {
    ok: bool,
    values: std::collections::BTreeMap<String, String>,
    errors: Vec<MessageJson>,
}

#[derive(Serialize)]
struct MessageJson {
    sourcefile: String,
    sourceline: u32,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<String>,
}

fn conf_rows(set: &ConfigSet) -> Vec<ConfRow<'_>> {
    set.view_rows()
        .enumerate()
        .map(|(i, item)| {
            let (name, setting) = match &item.kind {
                ItemKind::Setting { name, value, .. } => (
                    Some(crate::source::text::escape_bytes(name)),
                    Some(crate::source::text::escape_bytes(value)),
                ),
                ItemKind::FileError { .. } => (None, None),
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
        .collect()
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
    let rows = conf_rows(&set);
    let startup = StartupJson {
        ok: set.startup.ok,
        values: set.startup.values.clone(),
        errors: set
            .startup
            .errors
            .iter()
            .map(|m| MessageJson {
                sourcefile: set.display_path(m.file),
                sourceline: m.line,
                message: m.message.clone(),
                detail: m.detail.clone(),
                hint: m.hint.clone(),
            })
            .collect(),
    };
    match args.format {
        ShowFormat::Json => write_json(
            out,
            &ConfJson {
                kind: "conf",
                pg_version: version.major(),
                rows,
                startup,
            },
        )?,
        ShowFormat::Table => {
            write_table(out, &rows)?;
            writeln!(out)?;
            if startup.ok {
                writeln!(out, "PostgreSQL {version} would start with these files.")?;
            } else {
                let red = Style::new().fg_color(Some(AnsiColor::Red.into())).bold();
                writeln!(
                    out,
                    "{red}PostgreSQL {version} would not start with these files:{red:#}"
                )?;
                for m in &startup.errors {
                    writeln!(out, "  {}:{}: {}", m.sourcefile, m.sourceline, m.message)?;
                    if let Some(hint) = &m.hint {
                        writeln!(out, "      hint: {hint}")?;
                    }
                }
            }
        }
    }
    Ok(ExitStatus::Success)
}

fn write_json<T: Serialize>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    crate::render::json_text::write_pretty(out, value)
}

/// Aligned columns from any serialisable rows: the keys of the first row are the header;
/// `applied` rows are marked and `error` cells are red.
fn write_table<R: Serialize>(out: &mut dyn Write, rows: &[R]) -> io::Result<()> {
    let rows: Vec<serde_json::Map<String, serde_json::Value>> = rows
        .iter()
        .filter_map(|r| match serde_json::to_value(r) {
            Ok(serde_json::Value::Object(map)) => Some(map),
            _ => None,
        })
        .collect();
    let Some(first) = rows.first() else {
        return writeln!(out, "(no rows)");
    };
    let columns: Vec<&String> = first.keys().collect();
    let cell = |v: Option<&serde_json::Value>| match v {
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
    };
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| columns.iter().map(|c| cell(r.get(c.as_str()))).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            table
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
                .max(c.len())
        })
        .collect();
    let bold = Style::new().bold();
    let red = Style::new().fg_color(Some(AnsiColor::Red.into()));
    let green = Style::new().fg_color(Some(AnsiColor::Green.into()));
    let header: Vec<String> = columns
        .iter()
        .zip(&widths)
        .map(|(c, w)| format!("{c:<w$}"))
        .collect();
    writeln!(out, "{bold}{}{bold:#}", header.join("  ").trim_end())?;
    for (row, cells) in rows.iter().zip(&table) {
        let mut line = String::new();
        for (i, (value, w)) in cells.iter().zip(&widths).enumerate() {
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
        let _ = row;
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}
