//! The raw command line (clap derive). Nothing here interprets the arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::version::PgVersion;

/// Lint and edit PostgreSQL configuration files the way the server reads them.
///
/// pgconf reads postgresql.conf (with its includes and postgresql.auto.conf), pg_hba.conf
/// and pg_ident.conf exactly as a PostgreSQL server of a given major version (12 to 18)
/// does, without a running server.
#[derive(Debug, Parser)]
#[command(name = "pgconf", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what a server reads from a config file: the offline twin of pg_file_settings,
    /// pg_hba_file_rules and pg_ident_file_mappings.
    #[command(after_help = SHOW_EXAMPLES)]
    Show(ShowArgs),
}

const SHOW_EXAMPLES: &str = "\
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

#[derive(Debug, Args)]
pub struct ShowArgs {
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
