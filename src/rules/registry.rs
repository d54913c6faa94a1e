//! Every rule's metadata in one static slice, sorted by code, so that a grep finds them all and
//! selection, `explain`, `rules` and SARIF agree without any registration machinery.

use std::sync::LazyLock;

use crate::diagnostic::Severity;

/// Where each rule's page is published; SARIF `helpUri` and the human footer point here.
/// The page itself is `docs/rules/<CODE>.md` in this repository.
pub const DOCS_BASE_URL: &str = "https://github.com/pgconf/pgconf/blob/main/docs/rules/";

/// Whether a rule's diagnostics carry a [`crate::diagnostic::Fix`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixAvailability {
    None,
    Sometimes,
    Always,
}

impl FixAvailability {
    pub fn as_str(self) -> &'static str {
        match self {
            FixAvailability::None => "none",
            FixAvailability::Sometimes => "sometimes",
            FixAvailability::Always => "always",
        }
    }
}

/// The family a code belongs to: its first digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// 1: the server cannot parse the file. Never suppressible.
    Syntax,
    /// 2: postgresql.conf names and values.
    Values,
    /// 3: includes and the set of files a server reads.
    Includes,
    /// 4: pg_hba.conf and pg_ident.conf records.
    Auth,
    /// 5: bytes, encodings and line endings.
    Encoding,
    /// 6: replication and ClickPipes CDC readiness.
    Cdc,
    /// 9: pgconf's own directives.
    Meta,
}

impl Family {
    pub fn digit(self) -> char {
        match self {
            Family::Syntax => '1',
            Family::Values => '2',
            Family::Includes => '3',
            Family::Auth => '4',
            Family::Encoding => '5',
            Family::Cdc => '6',
            Family::Meta => '9',
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Family::Syntax => "syntax",
            Family::Values => "postgresql.conf values",
            Family::Includes => "includes and the config set",
            Family::Auth => "pg_hba and pg_ident",
            Family::Encoding => "encoding and style",
            Family::Cdc => "replication and CDC readiness (ClickPipes)",
            Family::Meta => "pgconf directives",
        }
    }
}

/// What every rule is, independent of its check.
#[derive(Debug, PartialEq, Eq)]
pub struct RuleMeta {
    /// `PG` + four digits; stable forever.
    pub code: &'static str,
    /// kebab-case; accepted wherever a code is.
    pub name: &'static str,
    /// One line: `rules`, SARIF `shortDescription`.
    pub summary: &'static str,
    /// Default severity; `[lint] severity` overrides it.
    pub severity: Severity,
    pub fix: FixAvailability,
    /// The rule's page, `docs/rules/<CODE>.md`.
    pub docs: &'static str,
}

impl RuleMeta {
    pub fn family(&self) -> Family {
        match self.code.as_bytes().get(2) {
            Some(b'1') => Family::Syntax,
            Some(b'2') => Family::Values,
            Some(b'3') => Family::Includes,
            Some(b'4') => Family::Auth,
            Some(b'5') => Family::Encoding,
            Some(b'6') => Family::Cdc,
            _ => Family::Meta,
        }
    }

    /// Syntax errors stop the server whatever a comment says, so they cannot be silenced.
    pub fn suppressible(&self) -> bool {
        self.family() != Family::Syntax
    }

    /// The published page of this rule.
    pub fn docs_url(&self) -> String {
        format!("{DOCS_BASE_URL}{}.md", self.code)
    }
}

macro_rules! rule {
    ($code:literal, $name:literal, $severity:ident, $fix:ident, $summary:literal) => {
        RuleMeta {
            code: $code,
            name: $name,
            summary: $summary,
            severity: Severity::$severity,
            fix: FixAvailability::$fix,
            docs: include_str!(concat!("../../docs/rules/", $code, ".md")),
        }
    };
}

/// All rules, sorted by code (a test keeps it so).
pub static RULES: &[RuleMeta] = &[
    rule!(
        "PG1001",
        "conf-syntax-error",
        Error,
        None,
        "postgresql.conf line the server cannot parse"
    ),
    rule!(
        "PG1002",
        "hba-invalid-line",
        Error,
        None,
        "pg_hba.conf line the server rejects, so the whole file fails to load"
    ),
    rule!(
        "PG1003",
        "ident-invalid-line",
        Error,
        None,
        "pg_ident.conf line the server rejects, so the whole file fails to load"
    ),
    rule!(
        "PG2001",
        "unknown-parameter",
        Error,
        Sometimes,
        "parameter name this PostgreSQL version does not know"
    ),
    rule!(
        "PG2002",
        "invalid-value",
        Error,
        Sometimes,
        "value of the wrong type, enum value, unit or range for the parameter and version"
    ),
    rule!(
        "PG2003",
        "duplicate-setting",
        Warning,
        Always,
        "parameter set more than once; only the last setting counts"
    ),
    rule!(
        "PG2004",
        "overridden-by-auto-conf",
        Warning,
        None,
        "setting overridden by postgresql.auto.conf (ALTER SYSTEM)"
    ),
    rule!(
        "PG2005",
        "read-only-parameter",
        Error,
        Always,
        "internal parameter that cannot be set in a file"
    ),
    rule!(
        "PG3001",
        "missing-include",
        Error,
        None,
        "include or include_dir target that does not exist or cannot be read"
    ),
    rule!(
        "PG3002",
        "include-cycle",
        Error,
        None,
        "file that includes itself, directly or through other files"
    ),
    rule!(
        "PG3003",
        "include-too-deep",
        Error,
        None,
        "includes nested more than 10 levels deep"
    ),
    rule!(
        "PG3004",
        "skipped-include-dir-file",
        Warning,
        None,
        "file in an include_dir folder that the server skips"
    ),
    rule!(
        "PG3005",
        "empty-include-name",
        Error,
        None,
        "include directive with an empty or blank file name"
    ),
    rule!(
        "PG3006",
        "include-outside-roots",
        Warning,
        None,
        "include that points outside the configuration directories being checked"
    ),
    rule!(
        "PG4001",
        "hba-unreachable-record",
        Warning,
        None,
        "pg_hba.conf record that can never match because earlier records match first"
    ),
    rule!(
        "PG4002",
        "hba-trust-from-network",
        Error,
        Sometimes,
        "trust authentication for connections from the network"
    ),
    rule!(
        "PG4003",
        "hba-password-from-network",
        Warning,
        Sometimes,
        "cleartext password authentication for connections from the network"
    ),
    rule!(
        "PG4004",
        "hba-too-broad-source",
        Warning,
        None,
        "record that admits every address (0.0.0.0/0, ::/0, all)"
    ),
    rule!(
        "PG4005",
        "hba-host-bits-set",
        Warning,
        Always,
        "CIDR address with bits set beyond the mask"
    ),
    rule!(
        "PG4006",
        "hba-removed-clientcert-value",
        Warning,
        Sometimes,
        "clientcert=1, 0 or no-verify, removed in PostgreSQL 14"
    ),
    rule!(
        "PG4007",
        "stale-clickpipes-ip",
        Warning,
        None,
        "address from an outdated ClickPipes egress list"
    ),
    rule!(
        "PG4008",
        "hba-no-records",
        Error,
        None,
        "pg_hba.conf without any record, which the server refuses to load"
    ),
    rule!(
        "PG4009",
        "hba-md5-deprecated",
        Warning,
        None,
        "md5 authentication, deprecated in PostgreSQL 18"
    ),
    rule!(
        "PG4010",
        "hba-network-without-ssl",
        Warning,
        None,
        "network records while ssl is off: logins and data cross the network unencrypted"
    ),
    rule!(
        "PG4011",
        "hba-hostnossl-replication-user",
        Warning,
        None,
        "hostnossl record for the replication user: admits it only without TLS"
    ),
    rule!(
        "PG4012",
        "hba-open-weak-method",
        Error,
        None,
        "every address admitted with trust, password or md5"
    ),
    rule!(
        "PG5001",
        "byte-order-mark",
        Error,
        Always,
        "UTF-8 byte order mark at the start of a file"
    ),
    rule!(
        "PG5002",
        "mixed-line-endings",
        Warning,
        Sometimes,
        "file mixing LF and CRLF line endings"
    ),
    rule!(
        "PG5003",
        "invalid-utf8",
        Warning,
        None,
        "bytes that are not valid UTF-8"
    ),
    rule!(
        "PG5004",
        "nul-byte",
        Error,
        None,
        "NUL byte in a configuration file"
    ),
    rule!(
        "PG6001",
        "cdc-wal-level",
        Error,
        Always,
        "wal_level is not logical, so logical replication is impossible"
    ),
    rule!(
        "PG6002",
        "cdc-max-wal-senders",
        Error,
        Always,
        "max_wal_senders below what ClickPipes requires (2)"
    ),
    rule!(
        "PG6003",
        "cdc-max-replication-slots",
        Error,
        Always,
        "max_replication_slots too low for ClickPipes slots"
    ),
    rule!(
        "PG6004",
        "cdc-slot-wal-keep-size",
        Warning,
        Sometimes,
        "max_slot_wal_keep_size unbounded or below the 100 GB ClickPipes advises"
    ),
    rule!(
        "PG6005",
        "cdc-hba-access",
        Error,
        Sometimes,
        "pg_hba.conf does not let the ClickPipes user in from the ClickPipes addresses"
    ),
    rule!(
        "PG6006",
        "cdc-listen-addresses",
        Error,
        Always,
        "listen_addresses does not accept connections from the network"
    ),
    rule!(
        "PG6007",
        "cdc-password-encryption",
        Warning,
        Always,
        "password_encryption is md5 rather than scram-sha-256"
    ),
    rule!(
        "PG6008",
        "cdc-ssl",
        Warning,
        Always,
        "ssl is off while ClickPipes connects with TLS by default"
    ),
    rule!(
        "PG6009",
        "cdc-server-version",
        Error,
        None,
        "server version ClickPipes does not support, or a minor with a logical decoding bug"
    ),
    rule!(
        "PG9001",
        "unknown-suppression",
        Warning,
        None,
        "pgconf suppression comment naming an unknown rule or malformed"
    ),
    rule!(
        "PG9002",
        "unused-suppression",
        Warning,
        Always,
        "pgconf suppression comment that suppresses nothing"
    ),
];

/// The rule with this code (any case) or name.
pub fn find_rule(code_or_name: &str) -> Option<&'static RuleMeta> {
    rule_index(code_or_name).map(|i| &RULES[i])
}

/// Index into [`RULES`] of the rule with this code (any case) or name.
///
/// Findings carry their rule's code exactly as the registry spells it, and the lint run looks
/// it up per finding, so an exact code is found by binary search over the registry (sorted by
/// code, so by number); anything else (lower case, names, blanks from a config file) takes
/// the folding scan.
pub fn rule_index(code_or_name: &str) -> Option<usize> {
    /// The registry's code numbers, in its (sorted) order.
    static NUMBERS: LazyLock<Vec<Option<u16>>> =
        LazyLock::new(|| RULES.iter().map(|r| code_number(r.code)).collect());
    code_number(code_or_name)
        .and_then(|n| NUMBERS.binary_search(&Some(n)).ok())
        .or_else(|| {
            let key = code_or_name.trim();
            RULES
                .iter()
                .position(|r| r.code.eq_ignore_ascii_case(key) || r.name.eq_ignore_ascii_case(key))
        })
}

/// The number of a code spelled as the registry spells it (`PG2003` → 2003): comparing
/// numbers is a fraction of comparing strings.
fn code_number(code: &str) -> Option<u16> {
    let digits: &[u8; 4] = code.strip_prefix("PG")?.as_bytes().try_into().ok()?;
    digits.iter().try_fold(0u16, |n, d| {
        d.is_ascii_digit().then(|| n * 10 + u16::from(d - b'0'))
    })
}

/// The code or name closest to `input`, if one is close enough to suggest.
pub fn did_you_mean(input: &str) -> Option<&'static str> {
    let input = input.trim().to_ascii_lowercase();
    RULES
        .iter()
        .flat_map(|r| [r.code, r.name])
        .map(|candidate| {
            let score = strsim::jaro_winkler(&input, &candidate.to_ascii_lowercase());
            (score, candidate)
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_are_unique_sorted_and_well_formed() {
        for pair in RULES.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "{} before {}",
                pair[0].code,
                pair[1].code
            );
        }
        for rule in RULES {
            let digits = &rule.code[2..];
            assert!(rule.code.starts_with("PG"), "{}", rule.code);
            assert_eq!(digits.len(), 4, "{}", rule.code);
            assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{}", rule.code);
            assert!(
                "1234569".contains(rule.family().digit())
                    && rule.code.as_bytes()[2] as char == rule.family().digit(),
                "{} has no family",
                rule.code
            );
        }
    }

    #[test]
    fn names_are_kebab_case_and_unique() {
        let mut seen = BTreeSet::new();
        for rule in RULES {
            let n = rule.name;
            assert!(
                !n.is_empty() && !n.starts_with('-') && !n.ends_with('-') && !n.contains("--"),
                "{n}"
            );
            assert!(
                n.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{n}"
            );
            assert!(seen.insert(n), "duplicate name {n}");
            assert!(
                !rule.summary.is_empty() && !rule.summary.ends_with('.'),
                "{}",
                rule.code
            );
        }
    }

    #[test]
    fn every_rule_has_a_page_and_no_page_is_orphaned() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
        let pages: BTreeSet<String> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.ends_with(".md"))
            .collect();
        let codes: BTreeSet<String> = RULES.iter().map(|r| format!("{}.md", r.code)).collect();
        assert_eq!(pages, codes);
        for rule in RULES {
            let title = format!("# {} {}", rule.code, rule.name);
            assert!(
                rule.docs.starts_with(&title),
                "{} page must start with `{title}`",
                rule.code
            );
            for heading in [
                "## What it does",
                "## Why",
                "## Example",
                "## Fix",
                "## References",
            ] {
                assert!(
                    rule.docs.contains(heading),
                    "{} page lacks `{heading}`",
                    rule.code
                );
            }
        }
    }

    #[test]
    fn lookup_by_code_or_name() {
        assert_eq!(
            find_rule("PG2003").map(|r| r.name),
            Some("duplicate-setting")
        );
        assert_eq!(
            find_rule("pg2003").map(|r| r.name),
            Some("duplicate-setting")
        );
        assert_eq!(
            find_rule("duplicate-setting").map(|r| r.code),
            Some("PG2003")
        );
        assert_eq!(find_rule(" PG2003 ").map(|r| r.code), Some("PG2003"));
        assert_eq!(find_rule("PG7000"), None);
        for (i, rule) in RULES.iter().enumerate() {
            assert_eq!(rule_index(rule.code), Some(i));
            assert_eq!(rule_index(rule.name), Some(i));
        }
        assert_eq!(
            did_you_mean("duplicate-settings"),
            Some("duplicate-setting")
        );
        assert_eq!(did_you_mean("zzzz"), None);
    }

    #[test]
    fn only_syntax_rules_are_unsuppressible() {
        let unsuppressible: Vec<_> = RULES
            .iter()
            .filter(|r| !r.suppressible())
            .map(|r| r.code)
            .collect();
        assert_eq!(unsuppressible, ["PG1001", "PG1002", "PG1003"]);
    }
}
