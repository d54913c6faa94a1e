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

#[test]
fn booleans_follow_parse_bool() {
    // pg-grammar.md §4.1 / §9, verified on 12–18.
    for (input, expected) in [
        ("of", "off"),
        ("Tr", "on"),
        ("TRUE", "on"),
        ("yes", "on"),
        ("n", "off"),
    ] {
        assert_eq!(
            check(16, "fsync", input).as_deref(),
            Ok(expected),
            "{input:?}"
        );
    }
    for bad in ["o", "00", "2", "01", "true ", "", "truex"] {
        let Err(error) = check(16, "fsync", bad) else {
            panic!("{bad:?} accepted")
        };
        assert_eq!(
            error.message,
            "parameter \"fsync\" requires a Boolean value"
        );
    }
    assert_eq!(
        check(12, "bonjour", "on").map_err(|e| e.message),
        Err("Bonjour is not supported by this build".to_string())
    );
    assert_eq!(check(12, "bonjour", "off").as_deref(), Ok("off"));
}

#[test]
fn integers_follow_parse_int() {
    // autovacuum_work_mem (kB) on 17, from the oracle; its hook raises 0 < v < 64 to 64.
    let ok = |value| check(17, "autovacuum_work_mem", value);
    assert_eq!(ok("1e3").as_deref(), Ok("1000"));
    assert_eq!(ok("1E2").as_deref(), Ok("100"));
    assert_eq!(ok("1 MB").as_deref(), Ok("1024"));
    assert_eq!(ok("1GB").as_deref(), Ok("1048576"));
    assert_eq!(ok("1TB").as_deref(), Ok("1073741824"));
    assert_eq!(ok("1000 kB").as_deref(), Ok("1000"));
    assert_eq!(ok("1.5MB").as_deref(), Ok("1536"));
    assert_eq!(ok("1.5e3kB").as_deref(), Ok("1500"));
    assert_eq!(ok("2147483647").as_deref(), Ok("2147483647"));
    assert_eq!(ok("0x10").as_deref(), Ok("64"));
    assert_eq!(ok("1").as_deref(), Ok("64"));
    assert_eq!(check(12, "autovacuum_work_mem", "1").as_deref(), Ok("1024"));
    assert_eq!(ok("-1").as_deref(), Ok("-1"));
    // check_wal_buffers raises 0..3 to 4 pages and keeps -1 (automatic); oracle, 13.
    assert_eq!(check(13, "wal_buffers", "0").as_deref(), Ok("4"));
    assert_eq!(check(13, "wal_buffers", "1").as_deref(), Ok("4"));
    assert_eq!(check(13, "wal_buffers", "-1").as_deref(), Ok("-1"));
    assert_eq!(check(13, "wal_buffers", "64").as_deref(), Ok("64"));
    // pg-grammar.md §9 vectors, verified on 12–18.
    assert_eq!(check(16, "work_mem", "0x1000").as_deref(), Ok("4096"));
    assert_eq!(check(16, "work_mem", "010000").as_deref(), Ok("4096"));
    assert_eq!(check(16, "max_wal_senders", "010").as_deref(), Ok("8"));
    assert_eq!(check(16, "max_wal_senders", "11.5").as_deref(), Ok("12"));
    assert_eq!(check(16, "max_wal_senders", "10.5").as_deref(), Ok("10"));
    assert_eq!(check(16, "wal_sender_timeout", "100us").as_deref(), Ok("0"));
    assert_eq!(check(16, "wal_sender_timeout", "2.5ms").as_deref(), Ok("2"));
    assert_eq!(check(16, "wal_sender_timeout", "3.5ms").as_deref(), Ok("4"));
    assert_eq!(
        check(16, "wal_sender_timeout", "1500us").as_deref(),
        Ok("2")
    );
    assert_eq!(check(16, "shared_buffers", "1000 kB").as_deref(), Ok("125"));
    assert_eq!(
        check(13, "max_slot_wal_keep_size", "-1MB").as_deref(),
        Ok("-1")
    );
}

#[test]
fn integer_refusals_carry_the_server_hint() {
    let refusal = |major, value| match check(major, "autovacuum_work_mem", value) {
        Err(error) => (error.message, error.hint),
        Ok(shown) => panic!("{value:?} accepted as {shown}"),
    };
    let memory_hint = Some(
        "Valid units for this parameter are \"B\", \"kB\", \"MB\", \"GB\", and \"TB\".".to_string(),
    );
    for unit_error in [
        "4KB", "1mb", "100us", "1 mins", "1 s x", "08", "09.5", "0x", "0b101",
    ] {
        assert_eq!(refusal(17, unit_error).1, memory_hint, "{unit_error:?}");
    }
    for plain in ["abc", "", "inf", "nan", "1e400", "1e-400", "e5"] {
        let (message, hint) = refusal(17, plain);
        assert_eq!(
            message,
            format!("invalid value for parameter \"autovacuum_work_mem\": \"{plain}\"")
        );
        assert_eq!(hint, None, "{plain:?}");
    }
    for overflow in ["2147483648", "-2147483649", "9999999999999999999999"] {
        assert_eq!(
            refusal(17, overflow).1.as_deref(),
            Some("Value exceeds integer range.")
        );
    }
    let time_hint = check(16, "wal_sender_timeout", "1m")
        .err()
        .and_then(|e| e.hint);
    assert_eq!(
        time_hint.as_deref(),
        Some(
            "Valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\"."
        )
    );
    assert!(check(16, "max_wal_senders", "10kB").is_err());
}

#[test]
fn range_messages_show_units_on_both_bounds_from_17() {
    assert_eq!(
        check(12, "autovacuum_work_mem", "-8192kB").map_err(|e| e.message),
        Err("-8192 kB is outside the valid range for parameter \"autovacuum_work_mem\" (-1 .. 2147483647)".to_string())
    );
    assert_eq!(
        check(17, "autovacuum_work_mem", "-8192kB").map_err(|e| e.message),
        Err("-8192 kB is outside the valid range for parameter \"autovacuum_work_mem\" (-1 kB .. 2147483647 kB)".to_string())
    );
}

#[test]
fn integer_check_hooks() {
    // 12–17 MAX_BACKENDS sum check; 18 moved it to postmaster start.
    assert_eq!(
        check(12, "autovacuum_max_workers", "262143").map_err(|e| e.message),
        Err("invalid value for parameter \"autovacuum_max_workers\": 262143".to_string())
    );
    assert!(check(17, "max_worker_processes", "262143").is_err());
    assert_eq!(
        check(18, "max_worker_processes", "262143").as_deref(),
        Ok("262143")
    );
    let Err(error) = check(16, "vacuum_buffer_usage_limit", "64") else {
        panic!("accepted")
    };
    assert_eq!(
        error.detail.as_deref(),
        Some("\"vacuum_buffer_usage_limit\" must be 0 or between 128 kB and 16777216 kB")
    );
    assert_eq!(
        check(16, "vacuum_buffer_usage_limit", "0").as_deref(),
        Ok("0")
    );
    assert_eq!(
        check(18, "io_max_concurrency", "0.5")
            .err()
            .and_then(|e| e.detail)
            .as_deref(),
        Some("Only -1 or values bigger than 0 are valid.")
    );
    let Err(error) = check(17, "commit_timestamp_buffers", "010") else {
        panic!("accepted")
    };
    assert_eq!(
        error.message,
        "invalid value for parameter \"commit_timestamp_buffers\": 8"
    );
    assert_eq!(
        error.detail.as_deref(),
        Some("\"commit_timestamp_buffers\" must be a multiple of 16")
    );
}

#[test]
fn reals_print_like_percent_g() {
    let Err(error) = check(12, "cpu_tuple_cost", "-inf") else {
        panic!("accepted")
    };
    assert_eq!(
        error.message,
        "-Infinity is outside the valid range for parameter \"cpu_tuple_cost\" (0 .. 1.79769e+308)"
    );
    let Err(error) = check(12, "autovacuum_vacuum_cost_delay", "infinity") else {
        panic!("accepted")
    };
    assert_eq!(
        error.message,
        "Infinity ms is outside the valid range for parameter \"autovacuum_vacuum_cost_delay\" (-1 .. 100)"
    );
    assert_eq!(check(16, "random_page_cost", "0x10").as_deref(), Ok("16"));
    assert_eq!(check(16, "seed", "0.5").as_deref(), Ok("0.5"));
    assert_eq!(
        check(16, "seed", "2").map_err(|e| e.message),
        Err("2 is outside the valid range for parameter \"seed\" (-1 .. 1)".to_string())
    );
}

#[test]
fn quantities_convert_between_units() {
    let pg16 = Catalog::get(version(16));
    let Some(keep) = pg16.lookup(b"max_slot_wal_keep_size") else {
        panic!("missing")
    };
    let Ok(Some(quantity)) = parse_quantity(keep, b"100 GB", version(16)) else {
        panic!("not a quantity")
    };
    assert_eq!(quantity.amount, 102400.0);
    assert_eq!(quantity.unit, Some(Unit::Megabytes));
    assert_eq!(quantity.in_bytes(), Some(100.0 * 1024.0 * 1024.0 * 1024.0));
    let Some(wal_keep) = pg16.lookup(b"wal_keep_size") else {
        panic!("missing")
    };
    let Ok(Some(smaller)) = parse_quantity(wal_keep, b"1GB", version(16)) else {
        panic!("not a quantity")
    };
    assert_eq!(smaller.compare(&quantity), Some(Ordering::Less));
    assert_eq!(quantity.in_milliseconds(), None);
}

/// Oracle answers of 16 for a sweep of string hook cases (`pg-oracle 16 conf-batch`).
#[test]
fn string_hooks_match_the_oracle_sweep() {
    let accepted = [
        ("TimeZone", "america/new_york", "america/new_york"),
        (
            "TimeZone",
            "XYZ5ABC,M3.2.0/2,M11.1.0/2",
            "XYZ5ABC,M3.2.0/2,M11.1.0/2",
        ),
        ("TimeZone", "<+03>-3", "<+03>-3"),
        ("TimeZone", "-167.5", "-167.5"),
        ("TimeZone", ":UTC", ":UTC"),
        ("TimeZone", "interval '1 hour'", "interval '1 hour'"),
        ("TimeZone", "XYZ 5", "XYZ 5"),
        ("client_encoding", "Windows-1252", "WIN1252"),
        ("client_encoding", "u.t.f.8", "UTF8"),
        ("client_encoding", "UNICODE", "UNICODE"),
        ("client_encoding", "unicode", "UTF8"),
        ("lc_messages", "C.UTF8", "C.UTF8"),
        ("DateStyle", "german", "German, DMY"),
        ("DateStyle", "sql, default", "SQL, MDY"),
        ("DateStyle", "postgres_x", "Postgres, MDY"),
        ("DateStyle", "\"iso\"", "ISO, MDY"),
        (
            "recovery_target_time",
            "2024-01-31 12:00:00+02",
            "2024-01-31 12:00:00+02",
        ),
        ("recovery_target_time", "Jan 31 2024", "Jan 31 2024"),
        (
            "recovery_target_lsn",
            "FFFFFFFF/FFFFFFFF",
            "FFFFFFFF/FFFFFFFF",
        ),
        ("recovery_target_timeline", "1x", "1x"),
        ("timezone_abbreviations", "India", "India"),
    ];
    for (name, value, shown) in accepted {
        assert_eq!(
            check(16, name, value).as_deref(),
            Ok(shown),
            "{name} = {value:?}"
        );
    }
    let refused = [
        (
            "TimeZone",
            "168",
            Some("UTC timezone offset is out of range."),
        ),
        ("TimeZone", "posixrules", None),
        ("TimeZone", "Europe/Berlin ", None),
        ("TimeZone", "XYZ5:60", None),
        ("TimeZone", "right/UTC", None),
        ("client_encoding", "utf16", None),
        ("lc_messages", "en_US.UTF-8", None),
        (
            "DateStyle",
            "ymd,dmy",
            Some("Conflicting \"datestyle\" specifications."),
        ),
        ("DateStyle", "ISO MDY", Some("List syntax is invalid.")),
        ("recovery_target_time", "2024-01-31T12:00:00Z", None),
        ("recovery_target_time", "2024-02-30", None),
        ("recovery_target_time", "31.01.2024", None),
        ("recovery_target_lsn", "1FFFFFFFF/0", None),
        ("recovery_target_xid", "99999999999999999999999", None),
        ("timezone_abbreviations", "default", None),
    ];
    for (name, value, detail) in refused {
        let Err(error) = check(16, name, value) else {
            panic!("{name} = {value:?} accepted")
        };
        assert_eq!(
            error.message,
            format!("invalid value for parameter \"{name}\": \"{value}\"")
        );
        assert_eq!(error.detail.as_deref(), detail, "{name} = {value:?}");
    }
    assert_eq!(
        check(12, "TimeZone", "posixrules").as_deref(),
        Ok("posixrules")
    );
    assert!(check(12, "TimeZone", "America/Coyhaique").is_err());
    assert_eq!(
        check(18, "DateStyle", "iso,sql")
            .err()
            .and_then(|e| e.detail)
            .as_deref(),
        Some("Conflicting \"DateStyle\" specifications.")
    );
    assert_eq!(
        check(18, "log_connections", "on,receipt")
            .err()
            .and_then(|e| e.detail)
            .as_deref(),
        Some("Cannot specify log_connections option \"on\" in a list with other options.")
    );
}
