//! Which function checks which rule. Every rule of the registry has exactly one entry (tested).

use super::Context;
use super::{cdc, syntax};
use crate::diagnostic::Diagnostic;

/// A rule's check: reads the context, appends findings.
pub type Check = fn(&Context<'_>, &mut Vec<Diagnostic>);

/// Code → check, sorted by code.
pub static CHECKS: &[(&str, Check)] = &[
    ("PG1001", syntax::conf_syntax_error::check),
    ("PG6001", cdc::wal_level::check),
    ("PG6002", cdc::max_wal_senders::check),
    ("PG6003", cdc::max_replication_slots::check),
    ("PG6004", cdc::slot_wal_keep_size::check),
    ("PG6005", cdc::hba_access::check),
    ("PG6006", cdc::listen_addresses::check),
    ("PG6007", cdc::password_encryption::check),
    ("PG6008", cdc::ssl::check),
    ("PG6009", cdc::server_version::check),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_are_sorted_unique_and_registered() {
        for pair in CHECKS.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
        for (code, _) in CHECKS {
            assert!(
                super::super::find_rule(code).is_some(),
                "{code} has no registry entry"
            );
        }
    }
}
