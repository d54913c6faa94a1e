//! The command line: raw arguments are parsed once, resolved, and handed to one subcommand.
//! Each subcommand keeps its clap `Args` and its `run` in its own file.

mod completions;
mod edit;
mod explain;
pub mod fix;
pub mod lint;
mod regions;
mod rules;
mod show;
mod watch;

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Parser, Subcommand};

/// Lint and edit PostgreSQL configuration files exactly as servers 12–18 read them.
///
/// pgconf reads postgresql.conf (with its includes and postgresql.auto.conf), pg_hba.conf
/// and pg_ident.conf exactly as a PostgreSQL server of a given major version (12 to 18)
/// does, without a running server.
#[derive(Debug, Parser)]
#[command(
    name = "pgconf",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what a server reads from a config file: the offline twin of pg_file_settings,
    /// pg_hba_file_rules and pg_ident_file_mappings.
    #[command(after_help = show::EXAMPLES)]
    Show(show::Args),
    /// Check config files: ClickPipes CDC readiness and config hygiene, with exact locations.
    #[command(after_help = lint::EXAMPLES)]
    Lint(lint::Args),
    /// Apply the fixes: minimal edits that keep every comment, written atomically.
    #[command(after_help = fix::EXAMPLES)]
    Fix(fix::Args),
    /// Lint again whenever a file that matters changes (for editing sessions).
    #[command(after_help = watch::EXAMPLES)]
    Watch(watch::Args),
    /// Set a parameter: on the line that takes effect, else the commented default, else a new
    /// line (or a drop-in with --into); the value is checked for the version.
    #[command(after_help = edit::SET_EXAMPLES)]
    Set(edit::SetArgs),
    /// Unset a parameter: comment out the lines that set it, so the default applies.
    #[command(after_help = edit::UNSET_EXAMPLES)]
    Unset(edit::UnsetArgs),
    /// Add or remove pg_hba.conf records.
    #[command(subcommand, after_help = edit::HBA_EXAMPLES)]
    Hba(edit::HbaCommand),
    /// List every rule: code, name, default severity, fix availability.
    Rules(rules::Args),
    /// Show a rule's page: what it checks, why, an example, the fix, references.
    Explain(explain::Args),
    /// List ClickPipes regions and the addresses their pipes connect from.
    Regions(regions::Args),
    /// Print shell completions (bash, zsh, fish, powershell, elvish).
    #[command(after_help = completions::COMPLETIONS_EXAMPLES)]
    Completions(completions::CompletionsArgs),
    /// Print the manual page (roff).
    #[command(after_help = completions::MAN_EXAMPLES)]
    Man,
}

impl Command {
    /// Whether everything the command writes to standard output is JSON (SARIF is JSON).
    fn writes_only_json(&self) -> bool {
        use crate::render::OutputFormat::{Json, Sarif};
        match self {
            Command::Lint(args) => !args.fix && !args.watch && matches!(args.format, Json | Sarif),
            Command::Show(args) => args.format == show::ShowFormat::Json,
            _ => false,
        }
    }
}

/// How a run ended; the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing at or above the fail level.
    Success,
    /// Findings at or above the fail level.
    Findings,
    /// The tool could not do its job: bad arguments, unreadable settings.
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        match status {
            ExitStatus::Success => ExitCode::SUCCESS,
            ExitStatus::Findings => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
        }
    }
}

/// Runs a parsed command line, writing results to `out` and problems to `err`.
pub fn run(cli: &Cli, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<ExitStatus> {
    match &cli.command {
        Command::Show(args) => show::run(args, out, err),
        Command::Lint(args) => lint::run(args, out, err),
        Command::Fix(args) => fix::run(args, out, err),
        Command::Watch(args) => watch::run(args, out, err),
        Command::Completions(args) => completions::run_completions(args, out),
        Command::Man => completions::run_man(out),
        Command::Set(args) => edit::run_set(args, out, err),
        Command::Unset(args) => edit::run_unset(args, out, err),
        Command::Hba(cmd) => edit::run_hba(cmd, out, err),
        Command::Rules(args) => rules::run(args, out),
        Command::Explain(args) => explain::run(args, out, err),
        Command::Regions(args) => regions::run(args, out, err),
    }
}

/// Set by [`main`]: the process ends when the command returns.
static PROCESS_ENDS_AFTER_RUN: AtomicBool = AtomicBool::new(false);

/// Lets `value` go without freeing it when the process ends right after the command (the
/// `pgconf` binary): the kernel takes a process's memory back whole at exit, and freeing a
/// big file's model block by block first was ~1.5% of the instructions of a lint, and a
/// `munmap` per big block. Called from [`run`] by a library user or a benchmark, it drops.
pub(crate) fn release<T>(value: T) {
    if PROCESS_ENDS_AFTER_RUN.load(Ordering::Relaxed) {
        std::mem::forget(value);
    }
}

/// Entry point of the `pgconf` binary.
pub fn main() -> ExitCode {
    PROCESS_ENDS_AFTER_RUN.store(true, Ordering::Relaxed);
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout and succeed; usage errors exit 2.
            let _ = e.print();
            return if e.use_stderr() {
                ExitStatus::Error.into()
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    // anstream strips colour when the stream is not a terminal and honours NO_COLOR. Stripping
    // parses every byte written (a third of the single-threaded time of linting a tree of
    // 10,000 files to JSON), and JSON escapes every control character: nothing to strip.
    let stdout = if cli.command.writes_only_json() {
        anstream::AutoStream::always_ansi(io::stdout())
    } else {
        anstream::stdout()
    };
    let stderr = anstream::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    let result = run(&cli, &mut out, &mut err).and_then(|status| out.flush().map(|()| status));
    match result {
        Ok(status) => status.into(),
        // `pgconf rules | head`: the reader left; that is not a failure.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            ExitStatus::Error.into()
        }
    }
}

#[cfg(test)]
mod tests;
