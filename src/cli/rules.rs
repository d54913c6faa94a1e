//! `pgconf rules`: the registry as a table or JSON.

use std::io::{self, Write};

use serde::Serialize;

use super::ExitStatus;
use crate::rules::{RULES, RuleMeta};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  pgconf rules                  all rules as a table
  pgconf rules --format json    with each rule's page, for scripts and docs sites
  pgconf rules | grep PG6       the ClickPipes readiness rules")]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

/// `--format` of the listing subcommands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Serialize)]
struct JsonRule {
    code: &'static str,
    name: &'static str,
    family: &'static str,
    severity: &'static str,
    fix: &'static str,
    suppressible: bool,
    summary: &'static str,
    url: String,
    explanation: &'static str,
}

impl From<&'static RuleMeta> for JsonRule {
    fn from(r: &'static RuleMeta) -> Self {
        JsonRule {
            code: r.code,
            name: r.name,
            family: r.family().title(),
            severity: r.severity.as_str(),
            fix: r.fix.as_str(),
            suppressible: r.suppressible(),
            summary: r.summary,
            url: r.docs_url(),
            explanation: r.docs,
        }
    }
}

pub fn run(args: &Args, out: &mut dyn Write) -> io::Result<ExitStatus> {
    match args.format {
        ListFormat::Json => {
            let rules: Vec<JsonRule> = RULES.iter().map(JsonRule::from).collect();
            serde_json::to_writer_pretty(&mut *out, &serde_json::json!({ "rules": rules }))?;
            writeln!(out)?;
        }
        ListFormat::Table => {
            let name_width = RULES.iter().map(|r| r.name.len()).max().unwrap_or(4);
            writeln!(
                out,
                "{:<6}  {:<name_width$}  {:<8}  {:<9}  SUMMARY",
                "CODE", "NAME", "SEVERITY", "FIX"
            )?;
            for r in RULES {
                writeln!(
                    out,
                    "{:<6}  {:<name_width$}  {:<8}  {:<9}  {}",
                    r.code,
                    r.name,
                    r.severity.as_str(),
                    r.fix.as_str(),
                    r.summary
                )?;
            }
        }
    }
    Ok(ExitStatus::Success)
}
