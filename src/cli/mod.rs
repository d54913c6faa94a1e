//! The command line: raw arguments are parsed once, resolved, and handed to one subcommand.

use std::process::ExitCode;

/// Entry point of the `pgconf` binary.
pub fn main() -> ExitCode {
    ExitCode::SUCCESS
}
