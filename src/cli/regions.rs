//! `pgconf regions [REGION]`: the ClickPipes egress addresses pg_hba.conf must allow.

use std::io::{self, Write};

use serde::Serialize;

use super::ExitStatus;
use super::rules::ListFormat;
use crate::model::clickpipes::{Region, STALE_ADDRESSES, egress_ips};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  pgconf regions                       every region, one address per line
  pgconf regions eu-central-1          the addresses to allow for one region
  pgconf regions gcp/us-east1 --format json

Addresses are single hosts: allow each as /32 in pg_hba.conf and firewalls.")]
pub struct Args {
    /// Only this region (`eu-central-1`, `gcp/us-east1`).
    pub region: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Serialize)]
struct JsonRegion<'a> {
    provider: &'static str,
    name: &'a str,
    ips: Vec<String>,
}

#[derive(Serialize)]
struct JsonStale {
    ip: &'static str,
    region: &'static str,
    replaced_by: &'static [&'static str],
}

pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<ExitStatus> {
    let list = egress_ips();
    let regions: Vec<&Region> = match &args.region {
        None => list.regions.iter().collect(),
        Some(name) => match list.region(name) {
            Some(r) => vec![r],
            None => {
                write!(err, "error: unknown ClickPipes region `{name}`")?;
                if let Some(close) = list.closest_region(name) {
                    write!(err, "; did you mean `{}`?", close.name)?;
                }
                writeln!(err, "\n`pgconf regions` lists them all.")?;
                return Ok(ExitStatus::Error);
            }
        },
    };
    match args.format {
        ListFormat::Json => {
            let json_regions: Vec<JsonRegion> = regions
                .iter()
                .map(|r| JsonRegion {
                    provider: r.provider.as_str(),
                    name: &r.name,
                    ips: r.ips.iter().map(ToString::to_string).collect(),
                })
                .collect();
            let stale: Vec<JsonStale> = STALE_ADDRESSES
                .iter()
                .filter(|s| regions.iter().any(|r| r.name == s.region))
                .map(|s| JsonStale {
                    ip: s.ip,
                    region: s.region,
                    replaced_by: s.replaced_by,
                })
                .collect();
            let value = serde_json::json!({ "source": list.source, "regions": json_regions, "stale": stale });
            serde_json::to_writer_pretty(&mut *out, &value)?;
            writeln!(out)?;
        }
        ListFormat::Table => {
            let width = regions
                .iter()
                .map(|r| r.name.len())
                .max()
                .unwrap_or(6)
                .max(6);
            writeln!(out, "PROVIDER  {:<width$}  ADDRESS", "REGION")?;
            for r in &regions {
                for ip in &r.ips {
                    writeln!(out, "{:<8}  {:<width$}  {ip}", r.provider.as_str(), r.name)?;
                }
            }
        }
    }
    Ok(ExitStatus::Success)
}
