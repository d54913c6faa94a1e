//! The command line: raw arguments are parsed once (clap), resolved, and handed to one
//! subcommand that writes to the writers it is given.

mod args;
mod show;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command};

/// Exit status of a run: 0 success, 1 findings, 2 the tool could not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    Findings,
    Failure,
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> ExitCode {
        match s {
            Status::Success => ExitCode::SUCCESS,
            Status::Findings => ExitCode::from(1),
            Status::Failure => ExitCode::from(2),
        }
    }
}

/// Entry point of the `pgconf` binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = anstream::stdout();
    let mut out = stdout.lock();
    let stderr = anstream::stderr();
    let mut err = stderr.lock();
    let status = match run(cli, &mut out, &mut err) {
        Ok(status) => status,
        // A closed pipe (`pgconf show … | head`) is not a failure.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Status::Success,
        Err(e) => {
            let _ = writeln!(err, "pgconf: {e}");
            Status::Failure
        }
    };
    status.into()
}

/// Runs one parsed command line. Problems in the user's files are output; `Err` is only for
/// failing to write that output.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<Status> {
    match cli.command {
        Command::Show(args) => show::run(&args, out, err),
    }
}
