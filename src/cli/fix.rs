//! `pgconf fix` (= `pgconf lint --fix`): apply fixes to a fixpoint, then write each changed
//! file atomically, or show the diff, or only say whether anything would change.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::Path;

use super::ExitStatus;
use super::lint::{Common, exit_status, render_run, report_unreadable, with_inputs};
use crate::diagnostic::Applicability;
use crate::fix::diff::unified_diff;
use crate::fix::write::{create_file, write_atomic};
use crate::fix::{FixRun, fix_paths};
use crate::lint::server::Server;
use crate::model::catalog::{Catalog, Context};
use crate::model::config_set::SettingRef;
use crate::render::OutputFormat;

pub const EXAMPLES: &str = "\
Examples:
  pgconf fix --region us-east-2 /etc/postgresql/16/main
      make a Debian cluster a ClickPipes source: wal_level, senders, slots, WAL retention,
      password_encryption, and scram pg_hba records for us-east-2's addresses
  pgconf fix --diff .
      show what would change, write nothing
  pgconf fix --check .
      exit 1 if anything would change (for CI and image builds)
  pgconf fix --unsafe-fixes --region eu-central-1 postgresql.conf pg_hba.conf
      also open listen_addresses and turn ssl on

Every edit is the smallest that works: the line that takes effect is changed in whichever file
it is, comments and line endings are kept, and files are replaced atomically. After fixing,
pgconf says whether the server needs a restart or only a reload.";

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: Common,

    /// Print the changes as a unified diff and write nothing.
    #[arg(long, conflicts_with = "check")]
    pub diff: bool,

    /// Write nothing; exit 1 if anything would change.
    #[arg(long)]
    pub check: bool,

    /// Also apply unsafe fixes (they change exposure or need certificates).
    #[arg(long)]
    pub unsafe_fixes: bool,
}

pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<ExitStatus> {
    let min = if args.unsafe_fixes {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    with_inputs(&args.common, err, |fs, paths, err| {
        let run = match fix_paths(fs, paths, &args.common.overrides(), min) {
            Ok(run) => run,
            Err(message) => {
                writeln!(err, "pgconf: {message}")?;
                return Ok(ExitStatus::Error);
            }
        };
        if report_unreadable(&run.before, err)? {
            return Ok(ExitStatus::Error);
        }
        for path in &run.reverted {
            writeln!(
                err,
                "pgconf: a fix would have broken {}; it was left as it was (please report this)",
                path.display()
            )?;
        }
        let cwd = std::env::current_dir().unwrap_or_default();
        let shown = |p: &Path| {
            let p = p.strip_prefix(&cwd).unwrap_or(p);
            p.strip_prefix(".").unwrap_or(p).display().to_string()
        };

        if args.common.stdin {
            // The fixed text goes to standard output, like a formatter.
            let bytes = match run.changes.values().next() {
                Some((_, new)) => new.clone(),
                None => stdin_bytes(&run),
            };
            out.write_all(&bytes)?;
            return Ok(exit_status(&run.after));
        }
        if args.diff {
            for (path, (old, new)) in &run.changes {
                out.write_all(&unified_diff(&shown(path), old, new))?;
            }
            return Ok(exit_status(&run.after));
        }
        if args.check {
            for path in run.changes.keys() {
                writeln!(out, "would fix {}", shown(path))?;
            }
            writeln!(out, "{}", summary(&run, false))?;
            return Ok(if run.changes.is_empty() {
                exit_status(&run.after)
            } else {
                ExitStatus::Findings
            });
        }
        let mut unwritten = Vec::new();
        let template = run
            .before
            .servers
            .iter()
            .find_map(|s| s.files.conf.clone().or_else(|| s.files.hba.clone()));
        for (path, (old, new)) in &run.changes {
            let written = match (&template, path.exists()) {
                (Some(template), false) if old.is_empty() => create_file(path, new, template),
                _ => write_atomic(path, old, new),
            };
            if let Err(e) = written {
                writeln!(err, "pgconf: {e}")?;
                unwritten.push(path);
            }
        }
        let done: Vec<_> = (run.applied.iter())
            .filter(|f| !unwritten.contains(&&f.file))
            .collect();
        for fix in &done {
            writeln!(
                out,
                "fixed {} {}: {}",
                shown(&fix.file),
                fix.code,
                fix.title
            )?;
        }
        // A file that could not be written keeps its findings: say only what is on disk.
        if !unwritten.is_empty() {
            writeln!(
                out,
                "applied {} of {} fixes; {} of {} files could not be written and are \
                 unchanged; run pgconf lint to see what is left",
                done.len(),
                run.applied.len(),
                unwritten.len(),
                run.changes.len()
            )?;
            return Ok(ExitStatus::Error);
        }
        for line in restart_or_reload(&run) {
            writeln!(out, "{line}")?;
        }
        if !run.after.diagnostics.is_empty() {
            render_run(&run.after, OutputFormat::Concise, out)?;
        }
        writeln!(out, "{}", summary(&run, true))?;
        if args.common.exit_zero {
            return Ok(ExitStatus::Success);
        }
        Ok(exit_status(&run.after))
    })
}

fn stdin_bytes(run: &FixRun) -> Vec<u8> {
    run.before
        .servers
        .iter()
        .flat_map(|s| {
            s.conf
                .iter()
                .flat_map(|c| c.files.iter().map(|f| f.source.bytes().to_vec()))
        })
        .chain(run.before.servers.iter().flat_map(|s| {
            s.hba
                .iter()
                .flat_map(|h| h.sources.files.iter().map(|f| f.source.bytes().to_vec()))
        }))
        .next()
        .unwrap_or_default()
}

/// One line for logs and image builds.
fn summary(run: &FixRun, written: bool) -> String {
    let errors = run
        .after
        .diagnostics
        .iter()
        .filter(|d| d.severity == crate::diagnostic::Severity::Error)
        .count();
    format!(
        "{} {} fix{} in {} file{}; {} finding{} left ({} error{}){}",
        if written { "applied" } else { "would apply" },
        run.applied.len(),
        if run.applied.len() == 1 { "" } else { "es" },
        run.changes.len(),
        if run.changes.len() == 1 { "" } else { "s" },
        run.after.diagnostics.len(),
        if run.after.diagnostics.len() == 1 {
            ""
        } else {
            "s"
        },
        errors,
        if errors == 1 { "" } else { "s" },
        if run.converged {
            ""
        } else {
            "; stopped before a fixpoint"
        },
    )
}

/// Per server: `restart needed` when a changed parameter has postmaster context, `reload
/// needed` when only reloadable parameters or pg_hba/pg_ident changed.
fn restart_or_reload(run: &FixRun) -> Vec<String> {
    let mut lines = Vec::new();
    for after in &run.after.servers {
        let before = run.before.servers.iter().find(|b| b.files == after.files);
        let Some(before) = before else { continue };
        let mut restart = BTreeSet::new();
        let mut reload = BTreeSet::new();
        let catalog = Catalog::get(after.version);
        let unchanged = effective_values(before);
        for (name, value) in effective_values(after) {
            if unchanged.get(&name) == Some(&value) {
                continue;
            }
            match catalog.lookup(name.as_bytes()).map(|p| p.context()) {
                Some(Context::Postmaster) => restart.insert(name),
                _ => reload.insert(name),
            };
        }
        let auth_changed = [&after.files.hba, &after.files.ident]
            .into_iter()
            .flatten()
            .any(|p| {
                let abs = crate::model::paths::absolute(p, after.version);
                run.changes.contains_key(&abs)
            });
        if auth_changed {
            reload.insert("pg_hba.conf".to_string());
        }
        let name = after
            .files
            .conf
            .as_deref()
            .or(after.files.hba.as_deref())
            .map(|p| p.strip_prefix(".").unwrap_or(p).display().to_string())
            .unwrap_or_default();
        if !restart.is_empty() {
            lines.push(format!(
                "restart needed ({name}): {} (pg_ctl restart, or systemctl restart postgresql)",
                restart.into_iter().collect::<Vec<_>>().join(", ")
            ));
        } else if !reload.is_empty() {
            lines.push(format!(
                "reload needed ({name}): {} (SELECT pg_reload_conf(), or pg_ctl reload)",
                reload.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    lines
}

/// Lower-case parameter name → effective value.
fn effective_values(server: &Server) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let Some(set) = &server.conf else { return out };
    for item in &set.items {
        if let Some(SettingRef { name, value, .. }) = set.setting(item) {
            let key = item
                .param
                .map(|p| p.name().to_ascii_lowercase())
                .unwrap_or_else(|| String::from_utf8_lossy(name).to_ascii_lowercase());
            out.insert(key, value.to_vec());
        }
    }
    out
}
