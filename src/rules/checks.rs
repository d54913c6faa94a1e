//! Which function checks which rule. Every rule of the registry has exactly one entry (tested).

use super::Context;
use super::{cdc, hba, syntax};
use crate::diagnostic::Diagnostic;

/// A rule's check: reads the context, appends findings.
pub type Check = fn(&Context<'_>, &mut Vec<Diagnostic>);

/// Code → check, sorted by code.
pub static CHECKS: &[(&str, Check)] = &[
    ("PG1001", syntax::conf_syntax_error::check),
    ("PG1002", syntax::hba_invalid_line::check),
    ("PG1003", syntax::ident_invalid_line::check),
    ("PG4001", hba::unreachable_record::check),
    ("PG4002", hba::trust_from_network::check),
    ("PG4003", hba::password_from_network::check),
    ("PG4004", hba::too_broad_source::check),
    ("PG4005", hba::host_bits_set::check),
    ("PG4006", hba::removed_clientcert_value::check),
    ("PG4007", hba::stale_clickpipes_ip::check),
    ("PG4008", hba::no_records::check),
    ("PG6001", cdc::wal_level::check),
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
