//! `pgconf lint`: find the servers in the given paths, run the rules, render the findings.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::ExitStatus;
use crate::diagnostic::{Diagnostic, Severity, Sources};
use crate::lint::discover::discover;
use crate::lint::lint;
use crate::lint::server::{IncludeScope, Server};
use crate::model::fs::{DirEntry, FileSystem, RealFs};
use crate::model::version::{PgVersion, detect_version};
use crate::render::{OutputFormat, render};
use crate::settings::{CliOverrides, Settings, settings_for};
use crate::source::SourceFile;

pub const EXAMPLES: &str = "\
Examples:
  pgconf lint /etc/postgresql/16/main
      every rule on one Debian cluster's files
  pgconf lint --region us-east-2 --user clickpipes_user .
      can the servers configured in this repository be ClickPipes sources?
  pgconf lint --select PG6 --format concise postgresql.conf pg_hba.conf
      only the CDC readiness rules, one line per finding
  pgconf lint --format sarif . > pgconf.sarif
      for GitHub code scanning
  cat postgresql.conf | pgconf lint --stdin --stdin-filename postgresql.conf

Exit status: 0 nothing at or above --fail-level, 1 findings, 2 pgconf could not run.
Settings are read from the nearest pgconf.toml above each path (see `pgconf explain` for rules).";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or folders to lint (folders are searched for postgresql.conf, pg_hba.conf,
    /// pg_ident.conf and postgresql.auto.conf). Default: the current folder.
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,

    /// Run only these rules (codes, prefixes like PG6, or names); repeatable, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub select: Vec<String>,

    /// Skip these rules (codes, prefixes or names); repeatable, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub ignore: Vec<String>,

    /// ClickPipes region whose egress IPs must reach the server (see `pgconf regions`);
    /// repeatable.
    #[arg(long, value_name = "REGION")]
    pub region: Vec<String>,

    /// The replication user ClickPipes connects as (default clickpipes_user).
    #[arg(long)]
    pub user: Option<String>,

    /// The database ClickPipes connects to (default all).
    #[arg(long)]
    pub database: Option<String>,

    /// PostgreSQL major version (12 to 18); default: PG_VERSION beside the files, the
    /// /etc/postgresql/N/ folder, pgconf.toml, else 18.
    #[arg(long, value_name = "N")]
    pub pg_version: Option<String>,

    /// Exit with 1 when a finding is at or above this severity.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_level: Option<Level>,

    /// Use this settings file instead of looking for pgconf.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Report what `# pgconf: ignore…` comments would hide.
    #[arg(long)]
    pub no_inline_ignores: bool,

    /// Read included files that lie outside the paths given (absolute paths, `../..`);
    /// they are reported (PG3006) either way.
    #[arg(long)]
    pub follow_outside_includes: bool,

    /// Read the file to lint from standard input.
    #[arg(long, requires = "stdin_filename")]
    pub stdin: bool,

    /// The name of the file read from standard input (decides its kind and its folder).
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<PathBuf>,
}

/// `--fail-level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Level {
    Error,
    Warning,
    Info,
}

impl From<Level> for Severity {
    fn from(l: Level) -> Severity {
        match l {
            Level::Error => Severity::Error,
            Level::Warning => Severity::Warning,
            Level::Info => Severity::Info,
        }
    }
}

impl Args {
    fn overrides(&self) -> CliOverrides {
        CliOverrides {
            config: self.config.clone(),
            user: self.user.clone(),
            database: self.database.clone(),
            regions: self.region.clone(),
            pg_version: self.pg_version.clone(),
            select: self.select.clone(),
            ignore: self.ignore.clone(),
            fail_level: self.fail_level.map(Severity::from),
            no_inline_ignores: self.no_inline_ignores,
            follow_outside_includes: self.follow_outside_includes,
        }
    }
}

/// The outcome of a lint run, before rendering.
pub struct LintRun {
    pub servers: Vec<Server>,
    pub diagnostics: Vec<Diagnostic>,
    pub fail_level: Severity,
}

pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<ExitStatus> {
    let stdin_fs;
    let fs: &dyn FileSystem = if args.stdin {
        let mut bytes = Vec::new();
        io::stdin().read_to_end(&mut bytes)?;
        let name = args
            .stdin_filename
            .clone()
            .unwrap_or_else(|| "stdin.conf".into());
        stdin_fs = OverlayFs {
            base: &RealFs,
            path: absolute(&name),
            bytes,
        };
        &stdin_fs
    } else {
        &RealFs
    };
    let paths: Vec<PathBuf> = match (&args.stdin_filename, args.stdin) {
        (Some(name), true) => vec![name.clone()],
        _ if args.paths.is_empty() => vec![PathBuf::from(".")],
        _ => args.paths.clone(),
    };
    for path in &paths {
        if !fs.exists(path) {
            writeln!(err, "pgconf: {}: No such file or directory", path.display())?;
            return Ok(ExitStatus::Error);
        }
    }
    let run = match lint_paths(fs, &paths, &args.overrides()) {
        Ok(run) => run,
        Err(message) => {
            writeln!(err, "pgconf: {message}")?;
            return Ok(ExitStatus::Error);
        }
    };
    let mut unreadable = false;
    for server in &run.servers {
        for file in &server.unreadable {
            writeln!(err, "pgconf: {}", file.message)?;
            unreadable = true;
        }
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let shown: Vec<Diagnostic> = run
        .diagnostics
        .iter()
        .cloned()
        .map(|d| relative_to(d, &cwd))
        .collect();
    let sources = RunSources {
        servers: &run.servers,
        cwd: &cwd,
    };
    let color = anstream::AutoStream::choice(&io::stdout()) != anstream::ColorChoice::Never;
    render(args.format, &shown, &sources, out, color)?;
    if unreadable {
        return Ok(ExitStatus::Error);
    }
    Ok(
        if run.diagnostics.iter().any(|d| d.severity >= run.fail_level) {
            ExitStatus::Findings
        } else {
            ExitStatus::Success
        },
    )
}

/// Discovers the servers below `paths`, loads and lints each with the settings that apply to
/// it. `Err` is a settings problem (the tool cannot run).
pub fn lint_paths(
    fs: &dyn FileSystem,
    paths: &[PathBuf],
    cli: &CliOverrides,
) -> Result<LintRun, String> {
    let mut cache: HashMap<PathBuf, Settings> = HashMap::new();
    let mut settings_of = |path: &Path| -> Result<Settings, String> {
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        if let Some(s) = cache.get(&dir) {
            return Ok(s.clone());
        }
        let s = settings_for(fs, path, cli).map_err(|e| e.to_string())?;
        cache.insert(dir, s.clone());
        Ok(s)
    };
    // Settings problems are reported before anything is read.
    let mut fail_level = Severity::Error;
    for path in paths {
        fail_level = settings_of(path)?.fail_level;
    }
    let version_of = |settings: &Settings, path: &Path| match settings.postgres.version {
        Some(v) => (v, true),
        None => match detect_version(fs, path) {
            Some(v) => (v, true),
            None => (PgVersion::NEWEST, false),
        },
    };
    let base = settings_of(&paths[0])?;
    let files = discover(fs, paths, &|p| version_of(&base, p).0);
    // Includes may lead anywhere below the folders given (a file stands for its folder).
    let scope = IncludeScope {
        roots: paths
            .iter()
            .filter_map(|p| {
                let abs = absolute(p);
                if fs.is_dir(p) {
                    Some(abs)
                } else {
                    abs.parent().map(Path::to_path_buf)
                }
            })
            .collect(),
        follow_outside: cli.follow_outside_includes,
    };
    let mut servers = Vec::with_capacity(files.len());
    let mut diagnostics = Vec::new();
    for files in files {
        let anchor = files
            .conf
            .clone()
            .or_else(|| files.hba.clone())
            .or_else(|| files.ident.clone())
            .unwrap_or_default();
        let settings = settings_of(&anchor)?;
        let (version, known) = version_of(&settings, &anchor);
        let server = Server::load_scoped(fs, files, version, known, Some(&scope));
        diagnostics.extend(lint(&server, &settings));
        servers.push(server);
    }
    Ok(LintRun {
        servers,
        diagnostics,
        fail_level,
    })
}

/// Paths in output are relative to the working folder when below it.
fn relative_to(mut d: Diagnostic, cwd: &Path) -> Diagnostic {
    let rel = |p: &mut PathBuf| {
        if let Ok(r) = p.strip_prefix(cwd) {
            *p = r.to_path_buf();
        }
    };
    rel(&mut d.primary.file);
    for l in &mut d.secondary {
        rel(&mut l.file);
    }
    if let Some(fix) = &mut d.fix {
        for e in &mut fix.edits {
            rel(&mut e.file);
        }
    }
    d
}

struct RunSources<'a> {
    servers: &'a [Server],
    cwd: &'a Path,
}

impl Sources for RunSources<'_> {
    fn source(&self, path: &Path) -> Option<&SourceFile> {
        let abs = self.cwd.join(path);
        self.servers
            .iter()
            .find_map(|s| s.source(path).or_else(|| s.source(&abs)))
    }
}

fn absolute(path: &Path) -> PathBuf {
    crate::model::paths::absolute(path, PgVersion::NEWEST)
}

/// The real file system with one file replaced by bytes from standard input.
struct OverlayFs<'a> {
    base: &'a dyn FileSystem,
    path: PathBuf,
    bytes: Vec<u8>,
}

impl OverlayFs<'_> {
    fn is_it(&self, path: &Path) -> bool {
        path == self.path || absolute(path) == self.path
    }
}

impl FileSystem for OverlayFs<'_> {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        if self.is_it(path) {
            Ok(self.bytes.clone())
        } else {
            self.base.read(path)
        }
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        self.base.read_dir(path)
    }

    fn is_dir(&self, path: &Path) -> bool {
        !self.is_it(path) && self.base.is_dir(path)
    }

    fn exists(&self, path: &Path) -> bool {
        self.is_it(path) || self.base.exists(path)
    }

    fn files_below(&self, root: &Path, enter: &dyn Fn(&OsStr) -> bool) -> Vec<PathBuf> {
        self.base.files_below(root, enter)
    }
}
