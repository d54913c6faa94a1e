use super::*;
use crate::model::catalog::Catalog;

fn version(major: u8) -> PgVersion {
    match PgVersion::new(major) {
        Some(version) => version,
        None => panic!("unsupported test version {major}"),
    }
}

fn check(major: u8, name: &str, value: &str) -> Result<String, ValueError> {
    let Some(param) = Catalog::get(version(major)).lookup(name.as_bytes()) else {
        panic!("{name} unknown in {major}")
    };
    check_value(param, value.as_bytes(), version(major))
}

// Expected values below were produced by the oracle (`pg-oracle N conf-batch`, `startup`:
// `postgres -C` output or the LOG line with its DETAIL / HINT).

#[test]
fn enum_hidden_aliases_print_their_canonical_name() {
    for major in 12..=18 {
        assert_eq!(
            check(major, "wal_level", "hot_standby").as_deref(),
            Ok("replica")
        );
        assert_eq!(
            check(major, "wal_level", "ARCHIVE").as_deref(),
            Ok("replica")
        );
        assert_eq!(check(major, "archive_mode", "yes").as_deref(), Ok("on"));
        assert_eq!(
            check(major, "client_min_messages", "debug").as_deref(),
            Ok("debug2")
        );
        assert_eq!(
            check(major, "client_min_messages", "info").as_deref(),
            Ok("info")
        );
        assert_eq!(
            check(major, "log_min_messages", "debug").as_deref(),
            Ok("debug2")
        );
    }
    assert_eq!(check(15, "wal_compression", "on").as_deref(), Ok("pglz"));
    assert_eq!(check(15, "wal_compression", "0").as_deref(), Ok("off"));
    assert_eq!(check(13, "password_encryption", "on").as_deref(), Ok("md5"));
}

#[test]
fn enum_refusal_lists_visible_values() {
    let Err(error) = check(16, "archive_mode", "t") else {
        panic!("t accepted")
    };
    assert_eq!(
        error.message,
        "invalid value for parameter \"archive_mode\": \"t\""
    );
    assert_eq!(
        error.hint.as_deref(),
        Some("Available values: always, on, off.")
    );
    assert!(check(14, "password_encryption", "on").is_err());
    assert!(check(16, "wal_level", "").is_err());
}

#[test]
fn transaction_properties_are_checked_but_print_the_default() {
    assert_eq!(
        check(16, "transaction_isolation", "serializable").as_deref(),
        Ok("read committed")
    );
    assert!(check(16, "transaction_isolation", "junk").is_err());
}

#[test]
fn datestyle_is_canonicalised() {
    assert_eq!(check(16, "DateStyle", "").as_deref(), Ok("ISO, MDY"));
    let Err(error) = check(12, "DateStyle", "Foo,Bar") else {
        panic!("accepted")
    };
    assert_eq!(
        error.message,
        "invalid value for parameter \"DateStyle\": \"Foo,Bar\""
    );
    assert_eq!(
        error.detail.as_deref(),
        Some("Unrecognized key word: \"foo\".")
    );
}

#[test]
fn application_name_is_cleaned_per_version() {
    assert_eq!(
        check(15, "application_name", "caf\u{e9}").as_deref(),
        Ok("caf??")
    );
    assert_eq!(
        check(16, "application_name", "caf\u{e9}").as_deref(),
        Ok("caf\\xc3\\xa9")
    );
    let long = "a".repeat(70);
    assert_eq!(check(16, "cluster_name", &long).map(|s| s.len()), Ok(63));
}

#[test]
fn string_hooks_refuse_what_the_server_refuses() {
    let detail = |major, name, value| check(major, name, value).err().and_then(|e| e.detail);
    assert_eq!(
        detail(16, "recovery_target", "foo").as_deref(),
        Some("The only allowed value is \"immediate\".")
    );
    assert_eq!(
        detail(16, "log_destination", " x ").as_deref(),
        Some("Unrecognized key word: \"x\".")
    );
    assert_eq!(
        detail(17, "debug_io_direct", "FOO").as_deref(),
        Some("Invalid option \"FOO\"")
    );
    assert_eq!(
        detail(18, "log_connections", "FOO").as_deref(),
        Some("Invalid option \"foo\".")
    );
    assert_eq!(
        detail(17, "default_table_access_method", "").as_deref(),
        Some("\"default_table_access_method\" cannot be empty.")
    );
    assert_eq!(
        detail(16, "primary_slot_name", "FOO").as_deref(),
        Some("replication slot name \"FOO\" contains invalid character")
    );
    assert!(check(16, "role", "foo").is_err());
    assert_eq!(check(16, "role", "none").as_deref(), Ok("none"));
    assert!(check(16, "session_authorization", "postgres").is_err());
    assert!(check(16, "lc_messages", "").is_err());
    assert_eq!(check(16, "lc_monetary", "").as_deref(), Ok(""));
    assert_eq!(
        check(15, "wal_consistency_checking", "foo").as_deref(),
        Ok("foo")
    );
    assert!(check(14, "wal_consistency_checking", "foo").is_err());
}

#[test]
fn internal_parameters_cannot_be_changed() {
    let Err(error) = check(16, "is_superuser", "on") else {
        panic!("accepted")
    };
    assert_eq!(
        error.message,
        "parameter \"is_superuser\" cannot be changed"
    );
}

#[test]
fn timezone_accepts_hours_zone_files_and_nothing_else() {
    assert_eq!(check(16, "TimeZone", "1").as_deref(), Ok("1"));
    for bad in ["foo", "", "FOO", " x "] {
        let Err(error) = check(16, "TimeZone", bad) else {
            panic!("{bad:?} accepted")
        };
        assert_eq!(
            error.message,
            format!("invalid value for parameter \"TimeZone\": \"{bad}\"")
        );
        assert_eq!(error.detail, None);
    }
    let Err(error) = check(16, "timezone_abbreviations", "") else {
        panic!("accepted")
    };
    assert_eq!(
        error.message,
        "could not read time zone file \"\": Is a directory"
    );
}
