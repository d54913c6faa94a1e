//! What `pgconf.toml` says, as written: serde structs read through `toml_edit`, with the span of
//! every value a person might get wrong so that errors point at it.
//!
//! ```toml
//! [postgres]
//! version = 16            # or "16.4"
//!
//! [clickpipes]
//! user = "clickpipes_user"
//! database = "all"
//! regions = ["eu-central-1"]
//! min-wal-senders = 2
//! min-replication-slots = 1
//! recommended-replication-slots = 4
//! min-slot-wal-keep-size = "100GB"   # or an integer in MB, as the server reads it
//!
//! [lint]
//! select = ["PG"]
//! ignore = ["PG4004"]
//! fail-level = "error"
//! severity = { PG6008 = "error" }
//! per-file-ignores = { "conf.d/*.conf" = ["duplicate-setting"] }
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_spanned::Spanned;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    pub postgres: Option<PostgresOptions>,
    pub clickpipes: Option<ClickPipesOptions>,
    pub lint: Option<LintOptions>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PostgresOptions {
    pub version: Option<Spanned<VersionValue>>,
}

/// `16`, `"16"` or `"16.4"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum VersionValue {
    Number(i64),
    Text(String),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ClickPipesOptions {
    pub user: Option<Spanned<String>>,
    pub database: Option<Spanned<String>>,
    pub regions: Option<Vec<Spanned<String>>>,
    pub min_wal_senders: Option<Spanned<i64>>,
    pub min_replication_slots: Option<Spanned<i64>>,
    pub recommended_replication_slots: Option<Spanned<i64>>,
    pub min_slot_wal_keep_size: Option<Spanned<SizeValue>>,
    /// Extra sources the pipe connects from (an SSH bastion), as CIDRs.
    pub allow_sources: Option<Vec<Spanned<String>>>,
    /// Write `hostssl` records rather than `host`.
    pub hostssl: Option<bool>,
}

/// A memory size: an integer in MB (what a unitless `max_slot_wal_keep_size` means to the
/// server) or a string with a server memory unit (`kB`, `MB`, `GB`, `TB`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SizeValue {
    Megabytes(i64),
    Text(String),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LintOptions {
    pub select: Option<Vec<Spanned<String>>>,
    pub ignore: Option<Vec<Spanned<String>>>,
    pub fail_level: Option<Spanned<SeverityName>>,
    pub severity: Option<BTreeMap<Spanned<String>, Spanned<SeverityName>>>,
    pub per_file_ignores: Option<BTreeMap<Spanned<String>, Vec<Spanned<String>>>>,
}

/// A severity as written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeverityName {
    Error,
    Warning,
    Info,
}

impl From<SeverityName> for crate::diagnostic::Severity {
    fn from(s: SeverityName) -> Self {
        match s {
            SeverityName::Error => Self::Error,
            SeverityName::Warning => Self::Warning,
            SeverityName::Info => Self::Info,
        }
    }
}

impl SizeValue {
    /// The size in MB, or why it is not one.
    pub fn megabytes(&self) -> Result<u64, String> {
        match self {
            SizeValue::Megabytes(n) => {
                u64::try_from(*n).map_err(|_| format!("size must not be negative, got {n}"))
            }
            SizeValue::Text(text) => parse_size_mb(text),
        }
    }
}

/// `"100GB"`, `"102400MB"`, `"102400"`: PostgreSQL's memory units, case-sensitive as the
/// server reads them, rounded down to whole MB.
fn parse_size_mb(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = t.split_at(digits);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size like \"100GB\""))?;
    let kb_per_unit: u64 = match unit.trim_start() {
        "" | "MB" => 1024,
        "kB" => 1,
        "GB" => 1024 * 1024,
        "TB" => 1024 * 1024 * 1024,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`: use kB, MB, GB or TB"
            ));
        }
    };
    number
        .checked_mul(kb_per_unit)
        .map(|kb| kb / 1024)
        .ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_server_units() {
        assert_eq!(parse_size_mb("100GB"), Ok(102400));
        assert_eq!(parse_size_mb("102400"), Ok(102400));
        assert_eq!(parse_size_mb("2048kB"), Ok(2));
        assert_eq!(parse_size_mb("1 TB"), Ok(1024 * 1024));
        assert!(parse_size_mb("100gb").is_err());
        assert!(parse_size_mb("GB").is_err());
        assert!(SizeValue::Megabytes(-1).megabytes().is_err());
    }
}
