//! Hidden entries of the enum option tables, which `pg_settings.enumvals` leaves out.
//!
//! From PostgreSQL's `config_enum_entry` tables (`guc.c` 12–15, `guc_tables.c` 16+, and
//! `wal_level_options` / `archive_mode_options` in `xlog.c`), each confirmed against the
//! servers with `pg-oracle` (every entry below, every version it is listed for).

use super::{EnumOption, Param};
use crate::model::version::PgVersion;

/// "All the likely variants of on and off" that many tables accept as hidden entries
/// (`backslash_quote_options`, `synchronous_commit_options`, …).
const BOOLEAN_VARIANTS: &[(&str, &str)] = &[
    ("true", "on"),
    ("false", "off"),
    ("yes", "on"),
    ("no", "off"),
    ("1", "on"),
    ("0", "off"),
];

/// `wal_compression_options` (15+): `on` and its variants mean `pglz`, listed first.
const WAL_COMPRESSION: &[(&str, &str)] = &[
    ("true", "pglz"),
    ("false", "off"),
    ("yes", "pglz"),
    ("no", "off"),
    ("1", "pglz"),
    ("0", "off"),
];

/// `client_message_level_options`: `debug` means `debug2`; `info` is accepted although hidden.
const CLIENT_MESSAGE_LEVEL: &[(&str, &str)] = &[("debug", "debug2"), ("info", "info")];

/// `server_message_level_options`: `debug` means `debug2`.
const SERVER_MESSAGE_LEVEL: &[(&str, &str)] = &[("debug", "debug2")];

/// `wal_level_options` in xlog.c: the pre-9.6 names both mean `replica`.
const WAL_LEVEL: &[(&str, &str)] = &[("archive", "replica"), ("hot_standby", "replica")];

/// `password_encryption_options` in 12–13: the pre-10 boolean spellings of `on` mean `md5`.
const PASSWORD_ENCRYPTION_12_13: &[(&str, &str)] =
    &[("on", "md5"), ("true", "md5"), ("yes", "md5"), ("1", "md5")];

/// The hidden `(alias, canonical)` entries of `param_name`'s option table in `version`.
pub(super) fn hidden_options(
    version: PgVersion,
    param_name: &str,
) -> &'static [(&'static str, &'static str)] {
    match param_name {
        "archive_mode"
        | "backslash_quote"
        | "compute_query_id"
        | "constraint_exclusion"
        | "debug_parallel_query"
        | "force_parallel_mode"
        | "huge_pages"
        | "recovery_prefetch"
        | "synchronous_commit" => BOOLEAN_VARIANTS,
        "wal_compression" => WAL_COMPRESSION,
        "client_min_messages" | "trace_recovery_messages" | "icu_validation_level" => {
            CLIENT_MESSAGE_LEVEL
        }
        "log_min_messages" | "log_min_error_statement" => SERVER_MESSAGE_LEVEL,
        "wal_level" => WAL_LEVEL,
        "password_encryption" if !version.at_least(14) => PASSWORD_ENCRYPTION_12_13,
        _ => &[],
    }
}

/// Appends the hidden entries of `param`'s table after the visible ones. Table position only
/// matters for the canonical spelling, which each entry carries.
pub(super) fn add_hidden_options(version: PgVersion, param: &mut Param) {
    // The visible `on` of wal_compression has the value of `pglz`, which comes first.
    if param.name == "wal_compression" {
        for option in &mut param.enum_options {
            if option.name == "on" {
                option.canonical = "pglz";
            }
        }
    }
    for (alias, canonical) in hidden_options(version, param.name) {
        if param.enum_option(alias.as_bytes()).is_none() {
            param.enum_options.push(EnumOption {
                name: alias,
                hidden: true,
                canonical,
            });
        }
    }
}
