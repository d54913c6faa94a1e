//! Which function checks which rule. Every rule of the registry has exactly one entry (tested).

use super::Context;
use super::{cdc, conf, hba, include, meta, style, syntax};
use crate::diagnostic::Diagnostic;

/// A rule's check: reads the context, appends findings.
pub type Check = fn(&Context<'_>, &mut Vec<Diagnostic>);

/// Code → check, sorted by code.
pub static CHECKS: &[(&str, Check)] = &[
    ("PG1001", syntax::conf_syntax_error::check),
    ("PG1002", syntax::hba_invalid_line::check),
    ("PG1003", syntax::ident_invalid_line::check),
    ("PG2001", conf::unknown_parameter::check),
    ("PG2002", conf::invalid_value::check),
    ("PG2003", conf::duplicate_setting::check),
    ("PG2004", conf::overridden_by_auto_conf::check),
    ("PG2005", conf::read_only_parameter::check),
    ("PG3001", include::missing_include::check),
    ("PG3002", include::include_cycle::check),
    ("PG3003", include::include_too_deep::check),
    ("PG3004", include::skipped_include_dir_file::check),
    ("PG3005", include::empty_include_name::check),
    ("PG3006", include::include_outside_roots::check),
    ("PG4001", hba::unreachable_record::check),
    ("PG4002", hba::trust_from_network::check),
    ("PG4003", hba::password_from_network::check),
    ("PG4004", hba::too_broad_source::check),
    ("PG4005", hba::host_bits_set::check),
    ("PG4006", hba::removed_clientcert_value::check),
    ("PG4007", hba::stale_clickpipes_ip::check),
    ("PG4008", hba::no_records::check),
    ("PG4009", hba::md5_deprecated::check),
    ("PG4010", hba::network_without_ssl::check),
    ("PG4011", hba::hostnossl_replication_user::check),
    ("PG4012", hba::open_weak_method::check),
    ("PG5001", style::byte_order_mark::check),
    ("PG5002", style::mixed_line_endings::check),
    ("PG5003", style::invalid_utf8::check),
    ("PG5004", style::nul_byte::check),
    ("PG6001", cdc::wal_level::check),
    ("PG6002", cdc::max_wal_senders::check),
    ("PG6003", cdc::max_replication_slots::check),
    ("PG6004", cdc::slot_wal_keep_size::check),
    ("PG6005", cdc::hba_access::check),
    ("PG6006", cdc::listen_addresses::check),
    ("PG6007", cdc::password_encryption::check),
    ("PG6008", cdc::ssl::check),
    ("PG6009", cdc::server_version::check),
    ("PG9001", meta::reported_by_suppression_pass),
    ("PG9002", meta::reported_by_suppression_pass),
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
