//! `pgconf explain CODE|NAME`: a rule's page, as `docs/rules/CODE.md` has it.

use std::io::{self, Write};

use super::ExitStatus;
use crate::rules::{did_you_mean, find_rule};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  pgconf explain PG2003
  pgconf explain duplicate-setting
  pgconf explain cdc-hba-access | less")]
pub struct Args {
    /// A rule code (`PG2003`) or name (`duplicate-setting`).
    #[arg(value_name = "CODE|NAME")]
    pub rule: String,
}

pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<ExitStatus> {
    let Some(rule) = find_rule(&args.rule) else {
        write!(err, "error: no rule has the code or name `{}`", args.rule)?;
        if let Some(s) = did_you_mean(&args.rule) {
            write!(err, "; did you mean `{s}`?")?;
        }
        writeln!(err, "\n`pgconf rules` lists them all.")?;
        return Ok(ExitStatus::Error);
    };
    out.write_all(rule.docs.as_bytes())?;
    if !rule.docs.ends_with('\n') {
        writeln!(out)?;
    }
    Ok(ExitStatus::Success)
}
