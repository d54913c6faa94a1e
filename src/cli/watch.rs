//! `pgconf watch` (= `pgconf lint --watch`): lint, then lint again whenever a file that
//! matters changes. Folders are watched rather than files, because editors save by writing a
//! new file and renaming it over the old one (a watch on the old file would be lost). Which
//! servers an event touches is decided by the pure [`affected`]; only those are read again.

use std::collections::BTreeSet;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use notify::{EventKind, RecursiveMode, Watcher};

use super::ExitStatus;
use super::lint::{Common, LintRun, lint_paths, lint_server_files, render_run};
use crate::diagnostic::Severity;
use crate::lint::discover::{FileRole, role_of};
use crate::lint::server::{Server, ServerFiles};
use crate::model::fs::RealFs;
use crate::model::paths;
use crate::model::version::PgVersion;
use crate::render::OutputFormat;

pub const EXAMPLES: &str = "\
Examples:
  pgconf watch /etc/postgresql/16/main
  pgconf lint --watch --select PG6 --region us-east-2 .

The screen is redrawn after each change, with the time and a one-line summary. Ctrl-C stops
(exit status 130).";

/// Waiting this long after the last event of a burst (an editor's save) before linting.
pub const DEBOUNCE: Duration = Duration::from_millis(75);

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: Common,

    /// Output format for each result.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

/// What the watcher knows about each server: the files it reads and the folders where a new
/// file would change it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchIndex {
    pub servers: Vec<WatchedServer>,
    pub settings_files: BTreeSet<PathBuf>,
    /// The paths the user gave: a new config file appearing below them may be a new server.
    pub roots: Vec<PathBuf>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchedServer {
    pub files: ServerFiles,
    /// Every file read (absolute), and files that would be read if they existed
    /// (`postgresql.auto.conf`, `include_if_exists` targets).
    pub paths: BTreeSet<PathBuf>,
    /// Folders whose new `.conf` files the server reads (`include_dir`).
    pub dirs: BTreeSet<PathBuf>,
}

/// What to read again after some paths changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Nothing,
    /// Settings changed or a server may have appeared or gone: everything.
    Everything,
    /// These servers (indices into the index).
    Servers(Vec<usize>),
}

/// Which servers the changed `paths` touch.
pub fn affected(paths: &[PathBuf], index: &WatchIndex) -> Change {
    let mut servers = BTreeSet::new();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if index.settings_files.contains(path) || name == "pgconf.toml" || name == ".pgconf.toml" {
            return Change::Everything;
        }
        let mut hit = false;
        for (i, server) in index.servers.iter().enumerate() {
            let in_dir = path.parent().is_some_and(|p| server.dirs.contains(p))
                && crate::model::config_set::is_included_conf_name(name.as_bytes());
            if server.paths.contains(path) || in_dir {
                servers.insert(i);
                hit = true;
            }
        }
        // A well-known config file nobody reads yet: a new server, or one that went away.
        if !hit
            && matches!(
                role_of(path),
                FileRole::Conf | FileRole::Hba | FileRole::Ident
            )
            && index.roots.iter().any(|r| path.starts_with(r))
        {
            return Change::Everything;
        }
    }
    if servers.is_empty() {
        Change::Nothing
    } else {
        Change::Servers(servers.into_iter().collect())
    }
}

/// The watch entry for one loaded server.
pub fn watched(server: &Server) -> WatchedServer {
    let mut paths = BTreeSet::new();
    let mut dirs = BTreeSet::new();
    let abs = |p: &Path| paths::absolute(p, PgVersion::NEWEST);
    for p in [&server.files.conf, &server.files.hba, &server.files.ident]
        .into_iter()
        .flatten()
    {
        paths.insert(abs(p));
    }
    if let Some(set) = &server.conf {
        for f in &set.files {
            paths.insert(f.path.clone());
        }
        paths.insert(set.data_dir.join("postgresql.auto.conf"));
        // Include targets, read or not.
        for file in &set.files {
            let dir = file.path.parent().unwrap_or_else(|| Path::new("/"));
            for (_, setting) in file.tree.settings() {
                let name = setting.name_bytes(file.source.bytes()).to_ascii_lowercase();
                let value = setting.value_bytes(file.source.bytes());
                let target = paths::resolve(dir, &value, set.version);
                match name.as_slice() {
                    b"include_dir" => {
                        dirs.insert(target);
                    }
                    b"include" | b"include_if_exists" => {
                        paths.insert(target);
                    }
                    _ => {}
                }
            }
        }
    }
    for h in server.hba.iter().flat_map(|h| h.sources.files.iter()) {
        paths.insert(abs(h.source.path()));
    }
    for i in server.ident.iter().flat_map(|i| i.sources.files.iter()) {
        paths.insert(abs(i.source.path()));
    }
    WatchedServer {
        files: server.files.clone(),
        paths,
        dirs,
    }
}

/// The folders to watch for an index: roots recursively, everything else by its folder.
fn watch_list(index: &WatchIndex) -> Vec<(PathBuf, RecursiveMode)> {
    let mut out: Vec<(PathBuf, RecursiveMode)> = Vec::new();
    let mut folders = BTreeSet::new();
    for root in &index.roots {
        if root.is_dir() {
            out.push((root.clone(), RecursiveMode::Recursive));
        }
        // The root's own folder, so a root that disappears and comes back is noticed.
        if let Some(parent) = root.parent().filter(|p| p.is_dir()) {
            folders.insert(parent.to_path_buf());
        }
    }
    for server in &index.servers {
        for p in &server.paths {
            // The nearest existing folder: creating a missing include's folder is noticed too.
            if let Some(dir) = p.ancestors().skip(1).find(|d| d.is_dir()) {
                folders.insert(dir.to_path_buf());
            }
        }
        for d in &server.dirs {
            if let Some(dir) = d.ancestors().find(|d| d.is_dir()) {
                folders.insert(dir.to_path_buf());
            }
        }
    }
    for s in &index.settings_files {
        if let Some(dir) = s.parent() {
            folders.insert(dir.to_path_buf());
        }
    }
    for f in folders {
        if !out.iter().any(|(r, _)| f.starts_with(r)) {
            out.push((f, RecursiveMode::NonRecursive));
        }
    }
    out
}

fn index_of(run: &LintRun, roots: &[PathBuf]) -> WatchIndex {
    WatchIndex {
        servers: run.servers.iter().map(watched).collect(),
        settings_files: run.settings_files.iter().cloned().collect(),
        roots: roots
            .iter()
            .map(|r| paths::absolute(r, PgVersion::NEWEST))
            .collect(),
    }
}

pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<ExitStatus> {
    // Ctrl-C ends the watch with the shell's conventional status for SIGINT.
    let _ = ctrlc::set_handler(|| std::process::exit(130));
    let fs = RealFs;
    let roots: Vec<PathBuf> = if args.common.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.common.paths.clone()
    };
    let cli = args.common.overrides();
    let mut run = match lint_paths(&fs, &roots, &cli) {
        Ok(run) => run,
        Err(message) => {
            writeln!(err, "pgconf: {message}")?;
            return Ok(ExitStatus::Error);
        }
    };
    let mut index = index_of(&run, &roots);
    show(&run, args.format, out, None)?;

    let (tx, rx) = mpsc::channel();
    let mut watcher = match notify::recommended_watcher(tx) {
        Ok(w) => w,
        Err(e) => {
            writeln!(err, "pgconf: cannot watch files: {e}")?;
            return Ok(ExitStatus::Error);
        }
    };
    let mut watching = watch_list(&index);
    for (path, mode) in &watching {
        let _ = watcher.watch(path, *mode);
    }
    loop {
        // The first change, then whatever else arrives within DEBOUNCE of the last one (an
        // editor's save is a burst: write a temp file, rename it, change its mode).
        let mut changed: Vec<PathBuf> = Vec::new();
        let take = |event: notify::Result<notify::Event>, changed: &mut Vec<PathBuf>| {
            if let Ok(event) = event
                && !matches!(event.kind, EventKind::Access(_))
            {
                changed.extend(event.paths);
            }
        };
        match rx.recv() {
            Ok(event) => take(event, &mut changed),
            Err(_) => return Ok(ExitStatus::Error),
        }
        while let Ok(event) = rx.recv_timeout(DEBOUNCE) {
            take(event, &mut changed);
        }
        if changed.is_empty() {
            continue;
        }
        let started = Instant::now();
        match affected(&changed, &index) {
            Change::Nothing => continue,
            Change::Everything => match lint_paths(&fs, &roots, &cli) {
                Ok(new) => run = new,
                Err(message) => {
                    writeln!(err, "pgconf: {message}")?;
                    continue;
                }
            },
            Change::Servers(ids) => {
                for i in ids {
                    let Some(files) = index.servers.get(i).map(|s| s.files.clone()) else {
                        continue;
                    };
                    if let Ok((server, diagnostics)) = lint_server_files(&fs, files.clone(), &cli)
                        && let Some(pos) = run.servers.iter().position(|s| s.files == files)
                    {
                        let paths: BTreeSet<PathBuf> = index.servers[i].paths.clone();
                        run.diagnostics.retain(|d| {
                            !paths.contains(&paths::absolute(&d.primary.file, PgVersion::NEWEST))
                        });
                        run.diagnostics.extend(diagnostics);
                        run.servers[pos] = server;
                    }
                }
                crate::render::sort_diagnostics(&mut run.diagnostics);
            }
        }
        index = index_of(&run, &roots);
        let next = watch_list(&index);
        if next != watching {
            for (path, _) in &watching {
                let _ = watcher.unwatch(path);
            }
            for (path, mode) in &next {
                let _ = watcher.watch(path, *mode);
            }
            watching = next;
        }
        show(&run, args.format, out, Some(started.elapsed()))?;
    }
}

/// Clears the screen (on a terminal) and prints the result under a timestamped summary.
fn show(
    run: &LintRun,
    format: OutputFormat,
    out: &mut dyn Write,
    took: Option<Duration>,
) -> io::Result<()> {
    if io::stdout().is_terminal() {
        out.write_all(b"\x1b[2J\x1b[H")?;
    }
    let errors = run
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = run
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    let took = took
        .map(|t| format!(" ({} ms)", t.as_millis()))
        .unwrap_or_default();
    writeln!(
        out,
        "[{} UTC] pgconf watch: {errors} error{}, {warnings} warning{} in {} server{}{took}; Ctrl-C to stop",
        clock(SystemTime::now()),
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" },
        run.servers.len(),
        if run.servers.len() == 1 { "" } else { "s" },
    )?;
    for file in run.servers.iter().flat_map(|s| &s.unreadable) {
        writeln!(out, "pgconf: {}", file.message)?;
    }
    render_run(run, format, out)?;
    out.flush()
}

/// `HH:MM:SS` of a time, in UTC.
fn clock(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let day = secs % 86_400;
    format!("{:02}:{:02}:{:02}", day / 3600, day % 3600 / 60, day % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> WatchIndex {
        WatchIndex {
            servers: vec![
                WatchedServer {
                    files: ServerFiles {
                        conf: Some("/etc/pg/a/postgresql.conf".into()),
                        ..ServerFiles::default()
                    },
                    paths: [
                        "/etc/pg/a/postgresql.conf",
                        "/etc/pg/a/postgresql.auto.conf",
                        "/etc/pg/a/missing.conf",
                    ]
                    .into_iter()
                    .map(PathBuf::from)
                    .collect(),
                    dirs: [PathBuf::from("/etc/pg/a/conf.d")].into_iter().collect(),
                },
                WatchedServer {
                    files: ServerFiles {
                        hba: Some("/etc/pg/b/pg_hba.conf".into()),
                        ..ServerFiles::default()
                    },
                    paths: [PathBuf::from("/etc/pg/b/pg_hba.conf")]
                        .into_iter()
                        .collect(),
                    dirs: BTreeSet::new(),
                },
            ],
            settings_files: [PathBuf::from("/etc/pg/pgconf.toml")].into_iter().collect(),
            roots: vec![PathBuf::from("/etc/pg")],
        }
    }

    fn paths(list: &[&str]) -> Vec<PathBuf> {
        list.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn a_file_a_server_reads_touches_only_that_server() {
        assert_eq!(
            affected(&paths(&["/etc/pg/b/pg_hba.conf"]), &index()),
            Change::Servers(vec![1])
        );
        assert_eq!(
            affected(
                &paths(&["/etc/pg/a/postgresql.conf", "/etc/pg/b/pg_hba.conf"]),
                &index()
            ),
            Change::Servers(vec![0, 1])
        );
    }

    #[test]
    fn a_missing_include_or_auto_conf_appearing_touches_its_server() {
        assert_eq!(
            affected(&paths(&["/etc/pg/a/missing.conf"]), &index()),
            Change::Servers(vec![0])
        );
        assert_eq!(
            affected(&paths(&["/etc/pg/a/postgresql.auto.conf"]), &index()),
            Change::Servers(vec![0])
        );
    }

    #[test]
    fn a_new_conf_file_in_an_include_dir_touches_its_server_but_editor_debris_does_not() {
        assert_eq!(
            affected(&paths(&["/etc/pg/a/conf.d/20-new.conf"]), &index()),
            Change::Servers(vec![0])
        );
        assert_eq!(
            affected(&paths(&["/etc/pg/a/conf.d/.20-new.conf.swp"]), &index()),
            Change::Nothing
        );
        assert_eq!(
            affected(&paths(&["/etc/pg/a/conf.d/20-new.conf~"]), &index()),
            Change::Nothing
        );
        assert_eq!(
            affected(&paths(&["/etc/pg/a/notes.txt"]), &index()),
            Change::Nothing
        );
    }

    #[test]
    fn settings_or_a_new_server_mean_everything() {
        assert_eq!(
            affected(&paths(&["/etc/pg/pgconf.toml"]), &index()),
            Change::Everything
        );
        assert_eq!(
            affected(&paths(&["/etc/pg/c/postgresql.conf"]), &index()),
            Change::Everything
        );
        assert_eq!(
            affected(&paths(&["/elsewhere/postgresql.conf"]), &index()),
            Change::Nothing
        );
    }

    #[test]
    fn the_clock_is_utc() {
        assert_eq!(
            clock(SystemTime::UNIX_EPOCH + Duration::from_secs(3_661)),
            "01:01:01"
        );
    }
}
