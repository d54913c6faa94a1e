//! `pgconf lint`: find the servers in the given paths, run the rules, render the findings.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::ExitStatus;
use crate::diagnostic::{Diagnostic, Severity, Sources};
use crate::lint::discover::{Discovered, MainServer, Plan, claim_auth_files, load_main};
use crate::lint::server::{IncludeScope, Server, ServerFiles};
use crate::lint::{lint, map_in_order, worth_parallel};
use crate::model::config_set::ConfigSet;
use crate::model::fs::{DirEntry, FileSystem, LeasingFs};
use crate::model::version::{PgVersion, detect_version};
use crate::render::{
    DocumentWriter, FindingRenderer, OutputFormat, RenderedFinding, finding_order, render,
};
use crate::settings::{CliOverrides, Settings, settings_file_in, settings_for, settings_from};
use crate::source::{FileBytes, SourceFile};

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
    #[command(flatten)]
    pub common: Common,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,

    /// Apply the safe fixes (the same as `pgconf fix`).
    #[arg(long)]
    pub fix: bool,

    /// With --fix: also apply unsafe fixes (they change exposure or need certificates).
    #[arg(long, requires = "fix")]
    pub unsafe_fixes: bool,

    /// With --fix: print the changes as a unified diff and write nothing.
    #[arg(long, requires = "fix")]
    pub diff: bool,

    /// Lint again whenever a file changes (the same as `pgconf watch`).
    #[arg(long, conflicts_with = "fix")]
    pub watch: bool,
}

/// The options `lint` and `fix` share: what to read and which rules apply.
#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// Files or folders to lint (folders are searched for postgresql.conf, pg_hba.conf,
    /// pg_ident.conf and postgresql.auto.conf). Default: the current folder.
    pub paths: Vec<PathBuf>,

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

    /// Exit with 1 when a finding is at or above this severity (default error).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_level: Option<Level>,

    /// Use this settings file instead of looking for pgconf.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Another network the pipe connects from, such as an SSH bastion it tunnels through
    /// (CIDR); repeatable. It must reach the server like the region's addresses.
    #[arg(long, value_name = "CIDR")]
    pub allow_source: Vec<String>,

    /// Without a region, let the fix write the documented `host all <user> 0.0.0.0/0
    /// scram-sha-256` record.
    #[arg(long)]
    pub allow_any_source: bool,

    /// Records the fix writes are `hostssl` (TLS only) rather than `host`.
    #[arg(long)]
    pub hostssl: bool,

    /// Exit with 0 even when there are findings (report-only runs, e.g. before a SARIF upload).
    #[arg(long)]
    pub exit_zero: bool,

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

impl Common {
    pub fn overrides(&self) -> CliOverrides {
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
            allow_sources: self.allow_source.clone(),
            allow_any_source: self.allow_any_source,
            hostssl: self.hostssl,
            follow_outside_includes: self.follow_outside_includes,
        }
    }
}

/// The outcome of a lint run, before rendering.
pub struct LintRun {
    pub servers: Vec<Server>,
    pub diagnostics: Vec<Diagnostic>,
    pub fail_level: Severity,
    /// The `pgconf.toml` files the run's settings came from.
    pub settings_files: Vec<PathBuf>,
}

pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<ExitStatus> {
    if args.fix {
        let fix_args = super::fix::Args {
            common: args.common.clone(),
            diff: args.diff,
            check: false,
            unsafe_fixes: args.unsafe_fixes,
        };
        return super::fix::run(&fix_args, out, err);
    }
    if args.watch {
        let watch_args = super::watch::Args {
            common: args.common.clone(),
            format: args.format,
        };
        return super::watch::run(&watch_args, out, err);
    }
    let common = &args.common;
    with_inputs(common, err, |fs, paths, err| {
        let cwd = std::env::current_dir().unwrap_or_default();
        let color = color_on_stdout();
        let render_one = |server: Server, found: Vec<Diagnostic>, sole: Sole| {
            finish_for_output(server, found, sole, args.format, &cwd, color)
        };
        let overrides = common.overrides();
        let each = match lint_each(fs, paths, &overrides, &progress_line(), &render_one) {
            Ok(each) => each,
            Err(message) => {
                writeln!(err, "pgconf: {message}")?;
                return Ok(ExitStatus::Error);
            }
        };
        let servers = each.servers.into_iter().collect::<io::Result<Vec<_>>>()?;
        let mut unreadable = false;
        for message in servers.iter().flat_map(|s| &s.unreadable) {
            writeln!(err, "pgconf: {message}")?;
            unreadable = true;
        }
        let mut out = io::BufWriter::with_capacity(1 << 16, out);
        let mut document = DocumentWriter::start(args.format, &mut out)?;
        let mut worst = None;
        let mut rendered = Vec::new();
        for server in servers {
            match server.output {
                Output::Whole { server, found } => {
                    let sources = RunSources::new(std::slice::from_ref(&*server), &cwd);
                    let mut renderer = FindingRenderer::new(args.format, &sources, color);
                    worst = worst.max(write_whole(found, &mut renderer, &cwd, &mut document)?);
                    drop(renderer);
                    super::release(server);
                }
                Output::Rendered(findings) => rendered.extend(findings),
            }
        }
        // Stable, so equal keys keep server order: the order of `sort_diagnostics` over the
        // findings of every server in turn.
        rendered.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, finding) in &rendered {
            worst = worst.max(Some(finding.severity));
            document.add(finding)?;
        }
        document.finish()?;
        out.flush()?;
        Ok(if unreadable {
            ExitStatus::Error
        } else if common.exit_zero {
            ExitStatus::Success
        } else {
            status_for(worst.into_iter(), each.fail_level)
        })
    })
}

/// What a run keeps of a server once it is linted: its findings ready for output, and the
/// messages about its files that could not be read.
struct Finished {
    output: Output,
    unreadable: Vec<String>,
}

/// A server's findings ready for output.
enum Output {
    /// Rendered, each with what it is ordered by among all servers' (`finding_order`,
    /// owned): the server and its files are dropped.
    Rendered(Vec<(FindingKey, RenderedFinding)>),
    /// The run's only server, whole: its findings are the output, and they are written as
    /// they are rendered rather than held (32,000 findings of one big file were 19 MB).
    Whole {
        server: Box<Server>,
        found: Vec<Diagnostic>,
    },
}

type FindingKey = (Arc<Path>, u32, &'static str, u32);

/// Readies a server's findings for output, with paths relative to `cwd`: rendered now, or,
/// for the run's only server, later, as they are written.
fn finish_for_output(
    server: Server,
    found: Vec<Diagnostic>,
    sole: Sole,
    format: OutputFormat,
    cwd: &Path,
    color: bool,
) -> io::Result<Finished> {
    let unreadable = server
        .unreadable
        .iter()
        .map(|f| f.message.clone())
        .collect();
    if sole.0 {
        return Ok(Finished {
            output: Output::Whole {
                server: Box::new(server),
                found,
            },
            unreadable,
        });
    }
    let sources = RunSources::new(std::slice::from_ref(&server), cwd);
    let mut renderer = FindingRenderer::new(format, &sources, color);
    let mut relative = Relative::to(cwd);
    let findings = found
        .into_iter()
        .map(|mut d| {
            let (file, start, code, end) = finding_order(&d);
            let key = (Arc::clone(file), start, code, end);
            relative.apply(&mut d);
            Ok((key, renderer.render(&d)?))
        })
        .collect::<io::Result<_>>()?;
    Ok(Finished {
        output: Output::Rendered(findings),
        unreadable,
    })
}

/// Renders and writes one server's findings in turn (in the order [`lint`] sorted them);
/// the most severe.
fn write_whole(
    found: Vec<Diagnostic>,
    renderer: &mut FindingRenderer,
    cwd: &Path,
    document: &mut DocumentWriter,
) -> io::Result<Option<Severity>> {
    let mut relative = Relative::to(cwd);
    let mut worst = None;
    // One buffer for every finding's text: each is written before the next is rendered.
    let mut text = Vec::new();
    for mut d in found {
        worst = worst.max(Some(d.severity));
        relative.apply(&mut d);
        text.clear();
        renderer.render_into(&d, &mut text)?;
        document.add_text(d.severity, &d.primary.file, &text)?;
    }
    Ok(worst)
}

/// Whether the human format writes colours: when standard output takes them.
fn color_on_stdout() -> bool {
    anstream::AutoStream::choice(&io::stdout()) != anstream::ColorChoice::Never
}

/// 1 when a finding is at or above the fail level, else 0.
fn status_for(mut severities: impl Iterator<Item = Severity>, fail_level: Severity) -> ExitStatus {
    if severities.any(|s| s >= fail_level) {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    }
}

/// Resolves the inputs (paths, or standard input under a name) and runs `body` on them.
pub fn with_inputs(
    common: &Common,
    err: &mut dyn Write,
    body: impl FnOnce(&dyn FileSystem, &[PathBuf], &mut dyn Write) -> io::Result<ExitStatus>,
) -> io::Result<ExitStatus> {
    let args = common;
    let stdin_fs;
    let fs: &dyn FileSystem = if args.stdin {
        let mut bytes = Vec::new();
        io::stdin().read_to_end(&mut bytes)?;
        let name = args
            .stdin_filename
            .clone()
            .unwrap_or_else(|| "stdin.conf".into());
        stdin_fs = OverlayFs {
            base: &LeasingFs,
            path: absolute(&name),
            bytes,
        };
        &stdin_fs
    } else {
        &LeasingFs
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
    body(fs, &paths, err)
}

/// A progress line on a terminal's stderr once linting has taken more than a second.
fn progress_line() -> impl Fn(usize, usize) + Sync {
    use std::io::IsTerminal;
    let started = std::time::Instant::now();
    let tty = io::stderr().is_terminal();
    move |done, total| {
        if tty && started.elapsed().as_secs() >= 1 {
            let end = if done == total { "\n" } else { "" };
            let _ = write!(
                anstream::stderr(),
                "\rpgconf: {done}/{total} servers linted{end}"
            );
        }
    }
}

/// Prints files that could not be read; true when there were any (exit 2).
pub fn report_unreadable(run: &LintRun, err: &mut dyn Write) -> io::Result<bool> {
    let mut any = false;
    for server in &run.servers {
        for file in &server.unreadable {
            writeln!(err, "pgconf: {}", file.message)?;
            any = true;
        }
    }
    Ok(any)
}

/// 1 when a finding is at or above the fail level, else 0.
pub fn exit_status(run: &LintRun) -> ExitStatus {
    status_for(run.diagnostics.iter().map(|d| d.severity), run.fail_level)
}

/// Renders a run's findings with paths relative to the working folder.
pub fn render_run(run: &LintRun, format: OutputFormat, out: &mut dyn Write) -> io::Result<()> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut relative = Relative::to(&cwd);
    let shown: Vec<Diagnostic> = run
        .diagnostics
        .iter()
        .cloned()
        .map(|mut d| {
            relative.apply(&mut d);
            d
        })
        .collect();
    let sources = RunSources::new(&run.servers, &cwd);
    let color = color_on_stdout();
    // Renderers write token by token and stdout is line-buffered: big_active.conf's 32,000
    // findings were 617,000 write(2) calls, more system time than linting took.
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    render(format, &shown, &sources, &mut out, color)?;
    out.flush()
}

/// Discovers the servers below `paths`, loads and lints each with the settings that apply to
/// it. `Err` is a settings problem (the tool cannot run).
pub fn lint_paths(
    fs: &dyn FileSystem,
    paths: &[PathBuf],
    cli: &CliOverrides,
) -> Result<LintRun, String> {
    let each = lint_each(fs, paths, cli, &|_, _| {}, &|server, found, _| {
        (server, found)
    })?;
    let mut servers = Vec::with_capacity(each.servers.len());
    let mut diagnostics = Vec::new();
    for (server, found) in each.servers {
        servers.push(server);
        diagnostics.extend(found);
    }
    crate::render::sort_diagnostics(&mut diagnostics);
    Ok(LintRun {
        servers,
        diagnostics,
        fail_level: each.fail_level,
        settings_files: each.settings_files,
    })
}

/// What [`lint_each`] made of each server, in server order.
pub struct EachServer<T> {
    pub servers: Vec<T>,
    pub fail_level: Severity,
    /// The `pgconf.toml` files the run's settings came from.
    pub settings_files: Vec<PathBuf>,
}

/// Discovers, loads and lints the servers below `paths` as [`lint_paths`] does, handing each
/// server and its findings to `finish` as soon as it is linted (from any thread), and calling
/// `progress(done, total)` after each. Each server is read, linted and finished in one go, so
/// a run over thousands of servers need not hold them all when `finish` keeps less than the
/// server. `finish` is told when the server is the run's only one (its findings are then the
/// whole run's, in their final order once sorted). `Err` is a settings problem; a run that
/// fails so has written nothing.
pub fn lint_each<T: Send>(
    fs: &dyn FileSystem,
    paths: &[PathBuf],
    cli: &CliOverrides,
    progress: &(dyn Fn(usize, usize) + Sync),
    finish: &(dyn Fn(Server, Vec<Diagnostic>, Sole) -> T + Sync),
) -> Result<EachServer<T>, String> {
    let mut settings = SettingsCache::new(fs, cli);
    // Settings problems of the paths given are reported before anything is read.
    let mut fail_level = Severity::Error;
    for path in paths {
        fail_level = settings.of(path)?.fail_level;
    }
    let base = settings.of(&paths[0])?;
    let discovery_version = |p: &Path| version_for(fs, &base, p).0;
    let scope = include_scope(fs, paths, cli.follow_outside_includes);
    let plan = Plan::new(fs, paths);
    let count = Progress::new(progress, plan.mains.len());
    let lint_one = |(files, conf, settings): ToLint, sole| {
        let found = finish_server(fs, &scope, files, conf, &settings, sole, finish);
        count.one_done();
        found
    };
    // A main file's settings are those of its folder, known before it is read.
    let mains: Vec<(PathBuf, Arc<Settings>)> = plan
        .mains
        .iter()
        .map(|main| Ok((main.clone(), settings.of(main)?)))
        .collect::<Result<_, String>>()?;
    // Reads a main file's server and the files it claims (they are not servers of their own).
    let read_main = |(main, settings): (PathBuf, Arc<Settings>)| {
        let MainServer { server, read } = load_main(fs, &main, discovery_version(&main));
        let mut files = server.files;
        confine_auth_files(fs, &scope, &mut files);
        let mut claims = HashSet::from_iter(read);
        claim_auth_files(&mut claims, &files);
        (claims, (files, server.conf, settings))
    };
    // The servers only the main files' servers tell apart: the servers of files given by
    // name, and files that stand alone.
    let rest_of = |claimed: &mut HashSet<PathBuf>, settings: &mut SettingsCache| {
        let settle = |files: &mut ServerFiles| confine_auth_files(fs, &scope, files);
        let mut rest: Vec<ToLint> = Vec::new();
        for Discovered { files, conf } in plan.rest(fs, claimed, &discovery_version, &settle) {
            let settings = settings.of(&anchor_of(&files))?;
            rest.push((files, conf, settings));
        }
        count.add_to_total(rest.len());
        Ok::<_, String>(rest)
    };
    let lint_rest = |rest: Vec<ToLint>, sole| {
        let parallel = worth_parallel(fs, rest.len(), rest.iter().flat_map(|(f, _, _)| f.paths()));
        map_in_order(rest, parallel, |server| lint_one(server, sole))
    };
    let mut claimed = HashSet::new();
    let servers = if mains.len() <= 1 {
        // Everything is read before anything is linted: a run of one server (the usual run)
        // learns so before its findings are rendered.
        let main = mains.into_iter().next().map(|m| {
            let (claims, server) = read_main(m);
            claimed.extend(claims);
            server
        });
        let rest = rest_of(&mut claimed, &mut settings)?;
        let sole = Sole(usize::from(main.is_some()) + rest.len() == 1);
        let mut servers: Vec<T> = main.into_iter().map(|m| lint_one(m, sole)).collect();
        servers.extend(lint_rest(rest, sole));
        servers
    } else {
        // Each main server is linted as soon as it is read, so that a tree of thousands is
        // never held at once.
        let mut servers = Vec::new();
        let parallel = worth_parallel(fs, mains.len(), mains.iter().map(|(p, _)| p.as_path()));
        for (read, found) in map_in_order(mains, parallel, |main| {
            let (claims, server) = read_main(main);
            (claims, lint_one(server, Sole(false)))
        }) {
            claimed.extend(read);
            servers.push(found);
        }
        let rest = rest_of(&mut claimed, &mut settings)?;
        servers.extend(lint_rest(rest, Sole(false)));
        servers
    };
    Ok(EachServer {
        servers,
        fail_level,
        settings_files: settings.files(),
    })
}

/// Whether a server is the only one of its run (see [`lint_each`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sole(pub bool);

/// A server's files, its configuration if already read, and its settings.
type ToLint = (ServerFiles, Option<ConfigSet>, Arc<Settings>);

/// Loads and lints one server, and hands it to `finish`.
fn finish_server<T>(
    fs: &dyn FileSystem,
    scope: &IncludeScope,
    files: ServerFiles,
    conf: Option<ConfigSet>,
    settings: &Settings,
    sole: Sole,
    finish: &(dyn Fn(Server, Vec<Diagnostic>, Sole) -> T + Sync),
) -> T {
    let (version, known) = version_for(fs, settings, &anchor_of(&files));
    let server = Server::load_reusing(fs, files, version, known, Some(scope), conf);
    let diagnostics = lint(&server, settings);
    finish(server, diagnostics, sole)
}

/// Where includes may lead: anywhere below the folders given (a file stands for its folder).
fn include_scope(fs: &dyn FileSystem, paths: &[PathBuf], follow_outside: bool) -> IncludeScope {
    IncludeScope {
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
        follow_outside,
    }
}

/// An hba_file/ident_file that points outside the paths given is not read (or written by
/// fixes) unless asked: the auth files beside postgresql.conf stand in, if any.
fn confine_auth_files(fs: &dyn FileSystem, scope: &IncludeScope, files: &mut ServerFiles) {
    if scope.follow_outside {
        return;
    }
    let dir = files.conf.as_deref().and_then(Path::parent).map(absolute);
    let within = |p: &Path| {
        let abs = absolute(p);
        scope.roots.iter().any(|r| abs.starts_with(r))
            || dir.as_ref().is_some_and(|d| abs.starts_with(d))
    };
    for (slot, name) in [
        (&mut files.hba, "pg_hba.conf"),
        (&mut files.ident, "pg_ident.conf"),
    ] {
        if slot.as_deref().is_some_and(|p| !within(p)) {
            *slot = dir
                .as_ref()
                .map(|d| d.join(name))
                .filter(|p| fs.exists(p) && !fs.is_dir(p));
        }
    }
}

/// The settings of each path, with every folder looked at and every settings file read once
/// per run: a tree of 10,000 servers, each in a folder of its own, asked for 80,000 settings
/// files that are not there, and as many parses of the one that is.
struct SettingsCache<'a> {
    fs: &'a dyn FileSystem,
    cli: &'a CliOverrides,
    /// Each folder's nearest settings file, as `settings::discover` finds it.
    nearest: HashMap<PathBuf, Option<PathBuf>>,
    /// The settings of each settings file (none: the defaults).
    /// Shared: a tree of 10,000 servers has as many copies of one.
    by_file: HashMap<Option<PathBuf>, Arc<Settings>>,
}

impl<'a> SettingsCache<'a> {
    fn new(fs: &'a dyn FileSystem, cli: &'a CliOverrides) -> Self {
        Self {
            fs,
            cli,
            nearest: HashMap::new(),
            by_file: HashMap::new(),
        }
    }

    /// What `settings_for` gives for `path`, a file or folder. `Err` is a problem with a
    /// settings file or the command line.
    fn of(&mut self, path: &Path) -> Result<Arc<Settings>, String> {
        let file = match &self.cli.config {
            Some(config) => Some(config.clone()),
            None => {
                let start = if self.fs.is_dir(path) {
                    Some(path)
                } else {
                    path.parent()
                };
                start.and_then(|dir| self.nearest_file(dir))
            }
        };
        if let Some(settings) = self.by_file.get(&file) {
            return Ok(Arc::clone(settings));
        }
        let settings =
            settings_from(self.fs, file.as_deref(), self.cli).map_err(|e| e.to_string())?;
        let settings = Arc::new(settings);
        self.by_file.insert(file, Arc::clone(&settings));
        Ok(settings)
    }

    /// `settings::discover` from the folder `dir` up, remembering each folder's answer.
    fn nearest_file(&mut self, dir: &Path) -> Option<PathBuf> {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Some(found) = self.nearest.get(dir) {
            return found.clone();
        }
        let found = settings_file_in(self.fs, dir).or_else(|| {
            (dir != Path::new("."))
                .then(|| dir.parent())
                .flatten()
                .and_then(|up| self.nearest_file(up))
        });
        self.nearest.insert(dir.to_path_buf(), found.clone());
        found
    }

    /// The settings files read, sorted.
    fn files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self.by_file.keys().flatten().cloned().collect();
        files.sort();
        files
    }
}

/// Counts servers as they are linted, for a progress line. The total grows once the main
/// files' servers tell which other files stand alone.
struct Progress<'a> {
    report: &'a (dyn Fn(usize, usize) + Sync),
    done: AtomicUsize,
    total: AtomicUsize,
}

impl<'a> Progress<'a> {
    fn new(report: &'a (dyn Fn(usize, usize) + Sync), total: usize) -> Self {
        Self {
            report,
            done: AtomicUsize::new(0),
            total: AtomicUsize::new(total),
        }
    }

    fn one_done(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        (self.report)(done, self.total.load(Ordering::Relaxed));
    }

    fn add_to_total(&self, more: usize) {
        self.total.fetch_add(more, Ordering::Relaxed);
    }
}

/// The file whose folder decides a server's settings and version.
fn anchor_of(files: &crate::lint::server::ServerFiles) -> PathBuf {
    files
        .conf
        .clone()
        .or_else(|| files.hba.clone())
        .or_else(|| files.ident.clone())
        .unwrap_or_default()
}

/// The version to read a server's files with, and whether it was known rather than assumed:
/// the settings' version, else the one the files' location tells, else the newest.
fn version_for(fs: &dyn FileSystem, settings: &Settings, anchor: &Path) -> (PgVersion, bool) {
    match settings
        .postgres
        .version
        .or_else(|| detect_version(fs, anchor))
    {
        Some(v) => (v, true),
        None => (PgVersion::NEWEST, false),
    }
}

/// Loads and lints the files of one server again (watch mode's partial re-read).
pub fn lint_server_files(
    fs: &dyn FileSystem,
    files: crate::lint::server::ServerFiles,
    cli: &CliOverrides,
) -> Result<(Server, Vec<Diagnostic>), String> {
    let anchor = anchor_of(&files);
    let settings = settings_for(fs, &anchor, cli).map_err(|e| e.to_string())?;
    let (version, known) = version_for(fs, &settings, &anchor);
    let server = Server::load(fs, files, version, known);
    let diagnostics = lint(&server, &settings);
    Ok((server, diagnostics))
}

/// Paths under the working folder made relative to it, for display.
struct Relative<'a> {
    cwd: &'a Path,
    /// Paths made relative and what they became (themselves when not under the working
    /// folder), the most recent last: a finding's labels and edits share a few paths, and
    /// each finding then shares their relative forms instead of copying them.
    known: Vec<(Arc<Path>, Arc<Path>)>,
}

impl<'a> Relative<'a> {
    /// Enough for one server's files; a run of many servers comes sorted by file.
    const FEW: usize = 8;

    fn to(cwd: &'a Path) -> Self {
        Relative {
            cwd,
            known: Vec::new(),
        }
    }

    /// Makes every label's and edit's path of `d` relative to the working folder when under
    /// it. In place: a finding is some 270 bytes, and moving it in and out cost more than this.
    fn apply(&mut self, d: &mut Diagnostic) {
        self.path(&mut d.primary.file);
        for l in &mut d.secondary {
            self.path(&mut l.file);
        }
        if let Some(fix) = &mut d.fix {
            for e in &mut fix.edits {
                self.path(&mut e.file);
            }
        }
    }

    fn path(&mut self, p: &mut Arc<Path>) {
        if p.is_relative() {
            return;
        }
        // Comparing the bytes of two paths is cheap where `strip_prefix` (components) is not.
        let known = self
            .known
            .iter()
            .rev()
            .find(|(from, _)| Arc::ptr_eq(from, p) || from.as_os_str() == p.as_os_str());
        if let Some((_, to)) = known {
            *p = Arc::clone(to);
            return;
        }
        let to = match p.strip_prefix(self.cwd) {
            Ok(r) => Arc::from(r),
            Err(_) => Arc::clone(p),
        };
        if self.known.len() == Self::FEW {
            self.known.remove(0);
        }
        self.known.push((std::mem::replace(p, Arc::clone(&to)), to));
    }
}

/// The files of a run by path, for renderers: a diagnostic's path is looked up as given and
/// joined to the working folder. Indexed once, since searching every server for every
/// finding was quadratic on a tree of thousands of servers.
struct RunSources<'a> {
    /// Each path's first source, with its server's position: the first server holding
    /// either spelling wins, and within a server the spelling as given.
    by_path: HashMap<&'a Path, (usize, &'a SourceFile)>,
    cwd: &'a Path,
    /// The last path asked for and its answer: findings come sorted by file, and hashing a
    /// `Path` (component by component) twice per finding cost more than rendering it.
    last: RefCell<Option<(PathBuf, Option<&'a SourceFile>)>>,
}

impl<'a> RunSources<'a> {
    fn new(servers: &'a [Server], cwd: &'a Path) -> Self {
        let mut by_path = HashMap::new();
        for (i, server) in servers.iter().enumerate() {
            for source in server.sources() {
                by_path.entry(source.path()).or_insert((i, source));
            }
        }
        RunSources {
            by_path,
            cwd,
            last: RefCell::new(None),
        }
    }

    fn lookup(&self, path: &Path) -> Option<&'a SourceFile> {
        let abs = self.cwd.join(path);
        match (self.by_path.get(path), self.by_path.get(abs.as_path())) {
            (Some(&(i, given)), Some(&(j, joined))) => Some(if j < i { joined } else { given }),
            (Some(&(_, s)), None) | (None, Some(&(_, s))) => Some(s),
            (None, None) => None,
        }
    }
}

impl Sources for RunSources<'_> {
    fn source(&self, path: &Path) -> Option<&SourceFile> {
        let mut last = self.last.borrow_mut();
        match &*last {
            Some((asked, found)) if asked.as_os_str() == path.as_os_str() => *found,
            _ => {
                let found = self.lookup(path);
                *last = Some((path.to_path_buf(), found));
                found
            }
        }
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
    fn read(&self, path: &Path) -> io::Result<FileBytes> {
        if self.is_it(path) {
            Ok(self.bytes.clone().into())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Label;
    use crate::source::Span;

    fn finding(primary: &Path, secondary: &Path) -> Diagnostic {
        Diagnostic {
            code: "PG2003",
            name: "duplicate-setting",
            severity: Severity::Warning,
            message: "".into(),
            primary: Label::new(primary, Span::new(0, 1), ""),
            secondary: smallvec::smallvec![Label::new(secondary, Span::new(2, 3), "")],
            notes: Vec::new(),
            fix: None,
        }
    }

    #[test]
    fn relative_paths_are_shared_between_findings() {
        let (inside, outside) = (Path::new("/w/conf/a.conf"), Path::new("/x/b.conf"));
        let mut relative = Relative::to(Path::new("/w"));
        let mut apply = |mut d| {
            relative.apply(&mut d);
            d
        };
        let one = apply(finding(inside, outside));
        let two = apply(finding(inside, outside));
        assert_eq!(*one.primary.file, *Path::new("conf/a.conf"));
        assert_eq!(*one.secondary[0].file, *outside);
        assert!(Arc::ptr_eq(&one.primary.file, &two.primary.file));
        assert!(Arc::ptr_eq(&one.secondary[0].file, &two.secondary[0].file));
        let given = apply(finding(Path::new("c.conf"), inside));
        assert_eq!(*given.primary.file, *Path::new("c.conf"));
        assert!(Arc::ptr_eq(&given.secondary[0].file, &one.primary.file));
    }
}
