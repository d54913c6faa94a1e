//! String parameters: `GUC_IS_NAME` truncation and the check hooks that refuse or rewrite a
//! value read from a file at postmaster start (`call_string_check_hook` in guc.c).
//!
//! Hook messages name the parameter canonically (`conf->gen.name`) in every version. Hooks that
//! need the catalogs or a transaction (`search_path` members, tablespaces, text search configs,
//! roles) accept everything at startup, as the server does, except where noted.

use std::sync::OnceLock;

use super::ValueError;
use super::number::strtod;
use super::syncrep::{self, SyncRepError};
use crate::model::catalog::Param;
use crate::model::version::PgVersion;

/// `NAMEDATALEN - 1`: the longest identifier.
const MAX_IDENTIFIER_BYTES: usize = 63;

/// Parameters flagged `GUC_IS_NAME` (truncated to 63 bytes before the hook runs), as the
/// oracle shows them.
fn is_name_param(name: &str) -> bool {
    matches!(
        name,
        "application_name"
            | "cluster_name"
            | "client_encoding"
            | "default_table_access_method"
            | "default_tablespace"
            | "role"
            | "session_authorization"
    )
}

/// Checks a string value; returns it as the server stores it (what `-C` prints).
pub(super) fn check_string(
    param: &Param,
    _name_as_written: &str,
    value: &[u8],
    version: PgVersion,
) -> Result<Vec<u8>, ValueError> {
    let name = param.name();
    let mut value = value.to_vec();
    // A NUL cannot reach the server (the lexer stops at it); mirror C's string end.
    if let Some(nul) = value.iter().position(|b| *b == 0) {
        value.truncate(nul);
    }
    if is_name_param(name) && value.len() > MAX_IDENTIFIER_BYTES {
        value.truncate(MAX_IDENTIFIER_BYTES);
    }
    let invalid = || ValueError::invalid_value(name, &value);
    match name {
        "application_name" | "cluster_name" => Ok(clean_ascii(&value, version)),
        "DateStyle" => {
            check_datestyle(&value, version).map_err(|detail| invalid().with_detail(detail))
        }
        "TimeZone" | "log_timezone" => check_timezone(&value, version)
            .map(|()| value.clone())
            .map_err(|detail| match detail {
                Some(detail) => invalid().with_detail(detail),
                None => invalid(),
            }),
        "timezone_abbreviations" => check_timezone_abbreviations(&value, name),
        "client_encoding" => canonical_client_encoding(&value)
            .map(|canonical| {
                if value == b"UNICODE" {
                    value.clone()
                } else {
                    canonical.as_bytes().to_vec()
                }
            })
            .ok_or_else(invalid),
        "lc_messages" | "lc_monetary" | "lc_numeric" | "lc_time" => {
            // check_locale: setlocale() must accept it; "" means "from the environment", which
            // the postmaster accepts for all but lc_messages (the oracle runs with LC_ALL=C).
            if is_known_locale(&value) || (value.is_empty() && name != "lc_messages") {
                Ok(value.clone())
            } else {
                Err(invalid())
            }
        }
        "log_destination" => {
            let mut keywords = vec!["stderr", "csvlog", "syslog"];
            if version.at_least(15) {
                keywords.push("jsonlog");
            }
            check_keyword_list(&value, &keywords)
                .map_err(|detail| invalid().with_detail(detail))?;
            Ok(value.clone())
        }
        "restrict_nonsystem_relation_kind" => {
            check_keyword_list(&value, &["view", "foreign-table"])
                .map_err(|detail| invalid().with_detail(detail))?;
            Ok(value.clone())
        }
        "createrole_self_grant" => {
            check_keyword_list(&value, &["set", "inherit"])
                .map_err(|detail| invalid().with_detail(detail))?;
            Ok(value.clone())
        }
        "wal_consistency_checking" if !version.at_least(15) => {
            check_keyword_list(&value, WAL_CONSISTENCY_RMGRS)
                .map_err(|detail| invalid().with_detail(detail))?;
            Ok(value.clone())
        }
        // check_canonical_path
        "log_directory" | "external_pid_file" | "stats_temp_directory" => Ok(
            crate::model::paths::canonicalize_path_bytes(&value, version),
        ),
        "synchronous_standby_names" if !value.is_empty() => match syncrep::check(&value) {
            Ok(()) => Ok(value.clone()),
            Err(SyncRepError::Syntax(detail)) => Err(invalid().with_detail(detail)),
            Err(SyncRepError::NumSync(n)) => Err(ValueError::new(format!(
                "number of synchronous standbys ({n}) must be greater than zero"
            ))),
        },
        "synchronized_standby_slots" => {
            check_synchronized_standby_slots(&value, name, version)?;
            Ok(value.clone())
        }
        "debug_io_direct" => {
            check_debug_io_direct(&value, version)
                .map_err(|detail| invalid().with_detail(detail))?;
            Ok(value.clone())
        }
        "log_connections" if version.at_least(18) => {
            check_log_connections(&value).map_err(|detail| invalid().with_detail(detail))?;
            Ok(value.clone())
        }
        "search_path" | "temp_tablespaces" => {
            if split_identifier_string(&value, b',').is_none() {
                return Err(invalid().with_detail("List syntax is invalid."));
            }
            Ok(value.clone())
        }
        "default_table_access_method" => {
            if value.is_empty() {
                let quoted = if version.at_least(17) {
                    "\"default_table_access_method\""
                } else {
                    "default_table_access_method"
                };
                return Err(invalid().with_detail(format!("{quoted} cannot be empty.")));
            }
            Ok(value.clone())
        }
        "backtrace_functions" => {
            let allowed = |b: &u8| {
                b.is_ascii_alphanumeric() || matches!(b, b'_' | b' ' | b',' | b'\t' | b'\n')
            };
            if !value.iter().all(allowed) {
                let detail = match version.major() {
                    ..=16 => "invalid character",
                    17 => "Invalid character",
                    _ => "Invalid character.",
                };
                return Err(invalid().with_detail(detail));
            }
            Ok(value.clone())
        }
        "primary_slot_name" => {
            if !value.is_empty() {
                check_replication_slot_name(&value, name, version)?;
            }
            Ok(value.clone())
        }
        "recovery_target" => {
            if value.is_empty() || value == b"immediate" {
                Ok(value.clone())
            } else {
                Err(invalid().with_detail("The only allowed value is \"immediate\"."))
            }
        }
        "recovery_target_name" => {
            if value.len() > MAX_IDENTIFIER_BYTES {
                let quoted = if version.at_least(17) {
                    "\"recovery_target_name\""
                } else {
                    "recovery_target_name"
                };
                return Err(
                    invalid().with_detail(format!("{quoted} is too long (maximum 63 characters)."))
                );
            }
            Ok(value.clone())
        }
        "recovery_target_xid" => {
            // check_recovery_target_xid: strtou64 must not overflow.
            if value.is_empty() || !u64_overflows(&value) {
                Ok(value.clone())
            } else {
                Err(invalid())
            }
        }
        "recovery_target_lsn" => {
            if value.is_empty() || is_lsn(&value) {
                Ok(value.clone())
            } else {
                Err(invalid())
            }
        }
        "recovery_target_time" => {
            if value.is_empty() || looks_like_timestamp(&value) {
                Ok(value.clone())
            } else {
                Err(invalid())
            }
        }
        // check_role: only "none" can be resolved without a transaction.
        "role" if value != b"none" => Err(invalid()),
        // check_session_authorization: needs a catalog lookup, impossible at startup.
        "session_authorization" => Err(invalid()),
        _ => Ok(value.clone()),
    }
}

/// `pg_clean_ascii` applied by the `application_name` / `cluster_name` check hooks: bytes
/// outside printable ASCII become `?` in 12–15 and `\xNN` in 16+.
fn clean_ascii(value: &[u8], version: PgVersion) -> Vec<u8> {
    let mut cleaned = Vec::with_capacity(value.len());
    for &byte in value {
        if (32..=126).contains(&byte) {
            cleaned.push(byte);
        } else if version.at_least(16) {
            cleaned.extend_from_slice(format!("\\x{byte:02x}").as_bytes());
        } else {
            cleaned.push(b'?');
        }
    }
    cleaned
}

/// `scanner_isspace` in scansup.c: the blanks of SQL identifiers (no vertical tab).
fn is_scanner_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0c)
}

/// `SplitIdentifierString` in varlena.c: a `separator`-separated list of identifiers, each
/// either double-quoted (`""` is a quote) or bare (downcased A-Z, ends at the separator or a
/// blank); names are truncated to 63 bytes. `None` on a syntax error.
pub(crate) fn split_identifier_string(value: &[u8], separator: u8) -> Option<Vec<Vec<u8>>> {
    split_names(value, separator, true)
}

/// The scanner `SplitIdentifierString` and `SplitGUCList` share; `identifiers` selects the
/// former's downcasing of bare names and truncation to NAMEDATALEN - 1.
fn split_names(value: &[u8], separator: u8, identifiers: bool) -> Option<Vec<Vec<u8>>> {
    let mut names = Vec::new();
    let skip = |mut at: usize| {
        while value.get(at).copied().is_some_and(is_scanner_space) {
            at += 1;
        }
        at
    };
    let mut at = skip(0);
    if at >= value.len() {
        return Some(names);
    }
    loop {
        let mut name = Vec::new();
        if value.get(at) == Some(&b'"') {
            at += 1;
            loop {
                match value.get(at) {
                    None => return None,
                    Some(b'"') if value.get(at + 1) == Some(&b'"') => {
                        name.push(b'"');
                        at += 2;
                    }
                    Some(b'"') => {
                        at += 1;
                        break;
                    }
                    Some(byte) => {
                        name.push(*byte);
                        at += 1;
                    }
                }
            }
        } else {
            let start = at;
            while let Some(byte) = value.get(at) {
                if *byte == separator || is_scanner_space(*byte) {
                    break;
                }
                at += 1;
            }
            if at == start {
                return None;
            }
            let bare = value.get(start..at)?;
            if identifiers {
                name.extend(bare.iter().map(u8::to_ascii_lowercase));
            } else {
                name.extend_from_slice(bare);
            }
        }
        at = skip(at);
        let done = match value.get(at) {
            Some(byte) if *byte == separator => {
                at = skip(at + 1);
                false
            }
            None => true,
            Some(_) => return None,
        };
        if identifiers {
            name.truncate(MAX_IDENTIFIER_BYTES);
        }
        names.push(name);
        if done {
            return Some(names);
        }
    }
}

/// A list of keywords (`check_log_destination` and friends): `List syntax is invalid.` or
/// `Unrecognized key word: "x".` as the detail. Keywords match ASCII-case-insensitively.
fn check_keyword_list(value: &[u8], keywords: &[&str]) -> Result<(), String> {
    let names = split_identifier_string(value, b',')
        .ok_or_else(|| "List syntax is invalid.".to_string())?;
    for name in names {
        if !keywords
            .iter()
            .any(|keyword| keyword.as_bytes().eq_ignore_ascii_case(&name))
        {
            return Err(format!(
                "Unrecognized key word: \"{}\".",
                String::from_utf8_lossy(&name)
            ));
        }
    }
    Ok(())
}

/// Resource managers with a WAL consistency mask in 12–14 (`RmgrTable` entries with `rm_mask`),
/// plus `all`; `check_wal_consistency_checking` matches them case-insensitively.
const WAL_CONSISTENCY_RMGRS: &[&str] = &[
    "all", "Heap2", "Heap", "Btree", "Hash", "Gin", "Gist", "Sequence", "SPGist", "BRIN", "Generic",
];

/// `check_datestyle` in variable.c: a list of style and order keywords, canonicalised to
/// `Style, ORDER`. Starts from the boot value `ISO, MDY`. Err is the DETAIL line.
fn check_datestyle(value: &[u8], version: PgVersion) -> Result<Vec<u8>, String> {
    #[derive(Clone, Copy, PartialEq)]
    enum Style {
        Iso,
        Sql,
        Postgres,
        German,
    }
    #[derive(Clone, Copy, PartialEq)]
    enum Order {
        Ymd,
        Dmy,
        Mdy,
    }
    let tokens = split_identifier_string(value, b',').ok_or("List syntax is invalid.")?;
    let (mut style, mut order) = (Style::Iso, Order::Mdy);
    let (mut have_style, mut have_order, mut conflict) = (false, false, false);
    for token in &tokens {
        let is = |word: &str| token.eq_ignore_ascii_case(word.as_bytes());
        let starts = |word: &str| {
            token.len() >= word.len() && token[..word.len()].eq_ignore_ascii_case(word.as_bytes())
        };
        let new_style = if is("ISO") {
            Some(Style::Iso)
        } else if is("SQL") {
            Some(Style::Sql)
        } else if starts("POSTGRES") {
            Some(Style::Postgres)
        } else if is("GERMAN") {
            Some(Style::German)
        } else {
            None
        };
        let new_order = if is("YMD") {
            Some(Order::Ymd)
        } else if is("DMY") || starts("EURO") {
            Some(Order::Dmy)
        } else if is("MDY") || is("US") || starts("NONEURO") {
            Some(Order::Mdy)
        } else {
            None
        };
        if let Some(new_style) = new_style {
            conflict |= have_style && style != new_style;
            style = new_style;
            have_style = true;
            // GERMAN also sets DMY, unless explicitly overridden.
            if new_style == Style::German && !have_order {
                order = Order::Dmy;
            }
        } else if let Some(new_order) = new_order {
            conflict |= have_order && order != new_order;
            order = new_order;
            have_order = true;
        } else if is("DEFAULT") {
            // The reset value is the boot value "ISO, MDY".
            if !have_style {
                style = Style::Iso;
            }
            if !have_order {
                order = Order::Mdy;
            }
        } else {
            return Err(format!(
                "Unrecognized key word: \"{}\".",
                String::from_utf8_lossy(token)
            ));
        }
    }
    if conflict {
        return Err(if version.at_least(18) {
            "Conflicting \"DateStyle\" specifications.".to_string()
        } else {
            "Conflicting \"datestyle\" specifications.".to_string()
        });
    }
    let style = match style {
        Style::Iso => "ISO",
        Style::Sql => "SQL",
        Style::German => "German",
        Style::Postgres => "Postgres",
    };
    let order = match order {
        Order::Ymd => "YMD",
        Order::Dmy => "DMY",
        Order::Mdy => "MDY",
    };
    Ok(format!("{style}, {order}").into_bytes())
}

/// Zone files under `share/timezone` of the servers (13–18; 12 differs by two files), in the
/// order of [`compare_ignoring_case`] (the data file is kept so) for binary search. A set of
/// upper-cased copies cost more than a tenth of linting one Debian cluster.
fn timezone_names(version: PgVersion) -> &'static [&'static str] {
    static MODERN: OnceLock<Vec<&'static str>> = OnceLock::new();
    static PG12: OnceLock<Vec<&'static str>> = OnceLock::new();
    let build = |pg12: bool| {
        let mut names: Vec<&'static str> = include_str!("../catalog/data/timezones.txt")
            .lines()
            .filter(|name| !(pg12 && name.eq_ignore_ascii_case("America/Coyhaique")))
            .collect();
        if pg12 {
            let at = names
                .binary_search_by(|zone| compare_ignoring_case(zone.as_bytes(), b"posixrules"))
                .unwrap_or_else(|at| at);
            names.insert(at, "posixrules");
        }
        names
    };
    if version.at_least(13) {
        MODERN.get_or_init(|| build(false))
    } else {
        PG12.get_or_init(|| build(true))
    }
}

/// Whether `name` is a zone file name of `version`, ignoring ASCII case.
fn is_timezone_name(name: &[u8], version: PgVersion) -> bool {
    timezone_names(version)
        .binary_search_by(|zone| compare_ignoring_case(zone.as_bytes(), name))
        .is_ok()
}

/// Byte order of the ASCII upper-cased names.
fn compare_ignoring_case(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    a.iter()
        .map(u8::to_ascii_uppercase)
        .cmp(b.iter().map(u8::to_ascii_uppercase))
}

/// `check_timezone` in variable.c: a number of hours, a zone file name (case-insensitive, as
/// `pg_open_tzfile` scans directories), or a POSIX TZ spec (`tzparse`). Err(Some) is a DETAIL.
fn check_timezone(value: &[u8], version: PgVersion) -> Result<(), Option<String>> {
    if value.len() >= 8 && value[..8].eq_ignore_ascii_case(b"interval") {
        // INTERVAL 'spec': the shape is checked; the interval itself is not (see known gaps).
        let rest = &value[8..];
        let quoted = &rest[rest.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
        let well_formed = quoted.len() >= 2
            && quoted.first() == Some(&b'\'')
            && quoted.iter().skip(1).position(|b| *b == b'\'') == Some(quoted.len() - 2);
        return if well_formed { Ok(()) } else { Err(None) };
    }
    let hours = strtod(value);
    if hours.end != 0 && hours.end == value.len() {
        let seconds = (-hours.value * 3600.0).trunc();
        if seconds.is_nan() || seconds.abs() >= 168.0 * 3600.0 {
            return Err(Some("UTC timezone offset is out of range.".to_string()));
        }
        return Ok(());
    }
    if value.len() > 255 {
        return Err(None);
    }
    let upper = value.to_ascii_uppercase();
    // tzload skips one leading ':' of a zone file name.
    let file_name = upper.strip_prefix(b":").unwrap_or(&upper);
    if upper == b"GMT" || is_timezone_name(file_name, version) {
        return Ok(());
    }
    if upper.first() != Some(&b':') && is_posix_tz(&upper) {
        return Ok(());
    }
    Err(None)
}

/// `tzparse(name, sp, false)` in localtime.c, syntax only: `STD offset [DST [offset] [,rule,rule]]`.
fn is_posix_tz(spec: &[u8]) -> bool {
    let Some(mut at) = zone_name(spec, 0) else {
        return false;
    };
    if at >= spec.len() {
        return false;
    }
    let Some(next) = posix_offset(spec, at) else {
        return false;
    };
    at = next;
    if at >= spec.len() {
        return true;
    }
    let Some(next) = zone_name(spec, at) else {
        return false;
    };
    at = next;
    if at < spec.len() && !matches!(spec[at], b',' | b';') {
        let Some(next) = posix_offset(spec, at) else {
            return false;
        };
        at = next;
    }
    if at >= spec.len() {
        return true;
    }
    if !matches!(spec[at], b',' | b';') {
        return false;
    }
    let Some(next) = posix_rule(spec, at + 1) else {
        return false;
    };
    at = next;
    if spec.get(at) != Some(&b',') {
        return false;
    }
    matches!(posix_rule(spec, at + 1), Some(end) if end == spec.len())
}

/// `getzname` / `getqzname`: a zone abbreviation, bare or in `<...>`; must not be empty.
fn zone_name(spec: &[u8], start: usize) -> Option<usize> {
    if spec.get(start) == Some(&b'<') {
        let close = spec.get(start + 1..)?.iter().position(|b| *b == b'>')?;
        return (close > 0).then_some(start + 1 + close + 1);
    }
    let mut at = start;
    while let Some(byte) = spec.get(at) {
        if byte.is_ascii_digit() || matches!(byte, b',' | b'-' | b'+') {
            break;
        }
        at += 1;
    }
    (at > start).then_some(at)
}

/// `getnum`: decimal digits within `min..=max`.
fn posix_number(spec: &[u8], start: usize, min: u32, max: u32) -> Option<(u32, usize)> {
    let mut at = start;
    let mut number: u32 = 0;
    while let Some(digit) = spec.get(at).filter(|b| b.is_ascii_digit()) {
        number = number
            .checked_mul(10)?
            .checked_add(u32::from(digit - b'0'))?;
        if number > max {
            return None;
        }
        at += 1;
    }
    (at > start && number >= min).then_some((number, at))
}

/// `getoffset` / `getsecs`: `[+-]hh[:mm[:ss]]`, hours up to 24*7-1.
fn posix_offset(spec: &[u8], start: usize) -> Option<usize> {
    let mut at = start;
    if matches!(spec.get(at), Some(b'+' | b'-')) {
        at += 1;
    }
    let (_, mut at) = posix_number(spec, at, 0, 24 * 7 - 1)?;
    if spec.get(at) == Some(&b':') {
        at = posix_number(spec, at + 1, 0, 59)?.1;
        if spec.get(at) == Some(&b':') {
            at = posix_number(spec, at + 1, 0, 60)?.1;
        }
    }
    Some(at)
}

/// `getrule`: `Jn`, `n` or `Mm.n.d`, then an optional `/time`.
fn posix_rule(spec: &[u8], start: usize) -> Option<usize> {
    let mut at = match spec.get(start) {
        Some(b'J') => posix_number(spec, start + 1, 1, 365)?.1,
        Some(b'M') => {
            let (_, at) = posix_number(spec, start + 1, 1, 12)?;
            (spec.get(at) == Some(&b'.')).then_some(())?;
            let (_, at) = posix_number(spec, at + 1, 1, 5)?;
            (spec.get(at) == Some(&b'.')).then_some(())?;
            posix_number(spec, at + 1, 0, 6)?.1
        }
        Some(byte) if byte.is_ascii_digit() => posix_number(spec, start, 0, 365)?.1,
        _ => return None,
    };
    if spec.get(at) == Some(&b'/') {
        at = posix_offset(spec, at + 1)?;
    }
    Some(at)
}

/// `check_timezone_abbreviations` → `load_tzoffsets` in tzparser.c: a file name made of
/// letters under `share/timezonesets`; the servers ship `Default`, `Australia` and `India`.
fn check_timezone_abbreviations(value: &[u8], name: &str) -> Result<Vec<u8>, ValueError> {
    const FILES: &[&[u8]] = &[b"Default", b"Australia", b"India"];
    if value.is_empty() {
        return Err(ValueError::new(
            "could not read time zone file \"\": Is a directory".to_string(),
        ));
    }
    if FILES.contains(&value) {
        Ok(value.to_vec())
    } else {
        Err(ValueError::invalid_value(name, value))
    }
}

/// Locales `setlocale()` accepts on the oracle's machine (`locale -a`: C, C.utf8, POSIX). glibc
/// compares the codeset after lowercasing it and dropping punctuation (`C.UTF-8` = `C.utf8`).
fn is_known_locale(value: &[u8]) -> bool {
    if value == b"C" || value == b"POSIX" {
        return true;
    }
    value.strip_prefix(b"C.").is_some_and(|codeset| {
        let normalised: Vec<u8> = codeset
            .iter()
            .filter(|b| b.is_ascii_alphanumeric())
            .map(u8::to_ascii_lowercase)
            .collect();
        normalised == b"utf8"
    })
}

/// `pg_char_to_encoding` (encnames.c): names are compared after dropping every byte that is
/// not a letter or digit and lowercasing; returns the canonical name (`pg_encoding_to_char`).
pub fn canonical_client_encoding(value: &[u8]) -> Option<&'static str> {
    if value.len() >= 64 {
        return None;
    }
    let cleaned: Vec<u8> = value
        .iter()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(u8::to_ascii_lowercase)
        .collect();
    ENCODING_NAMES
        .iter()
        .find(|(alias, _)| alias.as_bytes() == cleaned.as_slice())
        .map(|(_, canonical)| *canonical)
}

/// `pg_encname_tbl` in encnames.c (12–18).
const ENCODING_NAMES: &[(&str, &str)] = &[
    ("abc", "WIN1258"),
    ("alt", "WIN866"),
    ("big5", "BIG5"),
    ("euccn", "EUC_CN"),
    ("eucjis2004", "EUC_JIS_2004"),
    ("eucjp", "EUC_JP"),
    ("euckr", "EUC_KR"),
    ("euctw", "EUC_TW"),
    ("gb18030", "GB18030"),
    ("gbk", "GBK"),
    ("iso88591", "LATIN1"),
    ("iso885910", "LATIN6"),
    ("iso885913", "LATIN7"),
    ("iso885914", "LATIN8"),
    ("iso885915", "LATIN9"),
    ("iso885916", "LATIN10"),
    ("iso88592", "LATIN2"),
    ("iso88593", "LATIN3"),
    ("iso88594", "LATIN4"),
    ("iso88595", "ISO_8859_5"),
    ("iso88596", "ISO_8859_6"),
    ("iso88597", "ISO_8859_7"),
    ("iso88598", "ISO_8859_8"),
    ("iso88599", "LATIN5"),
    ("johab", "JOHAB"),
    ("koi8", "KOI8R"),
    ("koi8r", "KOI8R"),
    ("koi8u", "KOI8U"),
    ("latin1", "LATIN1"),
    ("latin10", "LATIN10"),
    ("latin2", "LATIN2"),
    ("latin3", "LATIN3"),
    ("latin4", "LATIN4"),
    ("latin5", "LATIN5"),
    ("latin6", "LATIN6"),
    ("latin7", "LATIN7"),
    ("latin8", "LATIN8"),
    ("latin9", "LATIN9"),
    ("mskanji", "SJIS"),
    ("muleinternal", "MULE_INTERNAL"),
    ("shiftjis", "SJIS"),
    ("shiftjis2004", "SHIFT_JIS_2004"),
    ("sjis", "SJIS"),
    ("sqlascii", "SQL_ASCII"),
    ("tcvn", "WIN1258"),
    ("tcvn5712", "WIN1258"),
    ("uhc", "UHC"),
    ("unicode", "UTF8"),
    ("utf8", "UTF8"),
    ("vscii", "WIN1258"),
    ("win", "WIN1251"),
    ("win1250", "WIN1250"),
    ("win1251", "WIN1251"),
    ("win1252", "WIN1252"),
    ("win1253", "WIN1253"),
    ("win1254", "WIN1254"),
    ("win1255", "WIN1255"),
    ("win1256", "WIN1256"),
    ("win1257", "WIN1257"),
    ("win1258", "WIN1258"),
    ("win866", "WIN866"),
    ("win874", "WIN874"),
    ("win932", "SJIS"),
    ("win936", "GBK"),
    ("win949", "UHC"),
    ("win950", "BIG5"),
    ("windows1250", "WIN1250"),
    ("windows1251", "WIN1251"),
    ("windows1252", "WIN1252"),
    ("windows1253", "WIN1253"),
    ("windows1254", "WIN1254"),
    ("windows1255", "WIN1255"),
    ("windows1256", "WIN1256"),
    ("windows1257", "WIN1257"),
    ("windows1258", "WIN1258"),
    ("windows866", "WIN866"),
    ("windows874", "WIN874"),
    ("windows932", "SJIS"),
    ("windows936", "GBK"),
    ("windows949", "UHC"),
    ("windows950", "BIG5"),
];

/// `ReplicationSlotValidateName` (slot.c) as the `primary_slot_name` hook calls it: at most
/// 63 bytes of `[a-z0-9_]`. 12 logs the reason as a WARNING and then the plain
/// `invalid value` line; 13+ put the reason in the DETAIL.
fn check_replication_slot_name(
    value: &[u8],
    name: &str,
    version: PgVersion,
) -> Result<(), ValueError> {
    let shown = String::from_utf8_lossy(value);
    let (reason, hint) = if value.len() > MAX_IDENTIFIER_BYTES {
        (
            format!("replication slot name \"{shown}\" is too long"),
            None,
        )
    } else if value
        .iter()
        .any(|b| !(b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_'))
    {
        (
            format!("replication slot name \"{shown}\" contains invalid character"),
            Some(
                "Replication slot names may only contain lower case letters, numbers, and the \
                 underscore character.",
            ),
        )
    } else {
        return Ok(());
    };
    let error = ValueError::invalid_value(name, value);
    if !version.at_least(13) {
        return Err(error);
    }
    let error = error.with_detail(reason);
    Err(match hint {
        Some(hint) => error.with_hint(hint),
        None => error,
    })
}

/// `SplitGUCList` in varlena.c: like [`split_identifier_string`] but names keep their case and
/// are not truncated.
fn split_guc_list(value: &[u8], separator: u8) -> Option<Vec<Vec<u8>>> {
    split_names(value, separator, false)
}

/// `check_debug_io_direct` (16+): a list of `data`, `wal`, `wal_init`.
fn check_debug_io_direct(value: &[u8], version: PgVersion) -> Result<(), String> {
    let Some(items) = split_guc_list(value, b',') else {
        return Err(match version.major() {
            ..=16 => "invalid list syntax in parameter \"debug_io_direct\"",
            17 => "Invalid list syntax in parameter \"debug_io_direct\"",
            _ => "Invalid list syntax in parameter \"debug_io_direct\".",
        }
        .to_string());
    };
    for item in items {
        let known = [b"data".as_slice(), b"wal", b"wal_init"];
        if !known.iter().any(|k| k.eq_ignore_ascii_case(&item)) {
            let item = String::from_utf8_lossy(&item);
            return Err(match version.major() {
                16 => format!("invalid option \"{item}\""),
                17 => format!("Invalid option \"{item}\""),
                _ => format!("Invalid option \"{item}\"."),
            });
        }
    }
    Ok(())
}

/// `check_log_connections` (18, where `log_connections` became a list): a Boolean spelling or
/// a list of `receipt`, `authentication`, `authorization`, `setup_durations`, `all`.
fn check_log_connections(value: &[u8]) -> Result<(), String> {
    const BOOLEANS: &[&[u8]] = &[b"on", b"off", b"true", b"false", b"yes", b"no", b"1", b"0"];
    if BOOLEANS.iter().any(|word| word.eq_ignore_ascii_case(value)) {
        return Ok(());
    }
    let items = split_identifier_string(value, b',')
        .ok_or_else(|| "Invalid list syntax in parameter \"log_connections\".".to_string())?;
    const OPTIONS: &[&[u8]] = &[
        b"receipt",
        b"authentication",
        b"authorization",
        b"setup_durations",
        b"all",
    ];
    let several = items.len() > 1;
    for item in items {
        if several && BOOLEANS.iter().any(|word| word.eq_ignore_ascii_case(&item)) {
            return Err(format!(
                "Cannot specify log_connections option \"{}\" in a list with other options.",
                String::from_utf8_lossy(&item)
            ));
        }
        if !OPTIONS.contains(&item.as_slice()) {
            return Err(format!(
                "Invalid option \"{}\".",
                String::from_utf8_lossy(&item)
            ));
        }
    }
    Ok(())
}

/// `check_synchronized_standby_slots` (17+): a list of valid slot names
/// (existence is not checked before shared memory exists).
fn check_synchronized_standby_slots(
    value: &[u8],
    name: &str,
    version: PgVersion,
) -> Result<(), ValueError> {
    if value.is_empty() {
        return Ok(());
    }
    let invalid = || ValueError::invalid_value(name, value);
    let slots = split_identifier_string(value, b',')
        .ok_or_else(|| invalid().with_detail("List syntax is invalid."))?;
    for slot in slots {
        if let Err(reason) = check_replication_slot_name(&slot, name, version) {
            let mut error = invalid();
            error.detail = reason.detail;
            error.hint = reason.hint;
            return Err(error);
        }
    }
    Ok(())
}

/// Whether `strtoull(value, NULL, 0)` would set ERANGE.
fn u64_overflows(value: &[u8]) -> bool {
    let mut at = value.iter().take_while(|b| b.is_ascii_whitespace()).count();
    if matches!(value.get(at), Some(b'+' | b'-')) {
        at += 1;
    }
    let (radix, start) = match (value.get(at), value.get(at + 1), value.get(at + 2)) {
        (Some(b'0'), Some(b'x' | b'X'), Some(next)) if next.is_ascii_hexdigit() => (16, at + 2),
        (Some(b'0'), _, _) => (8, at),
        _ => (10, at),
    };
    let mut magnitude: u64 = 0;
    for byte in value.get(start..).unwrap_or_default() {
        let Some(digit) = char::from(*byte).to_digit(radix) else {
            break;
        };
        match magnitude
            .checked_mul(u64::from(radix))
            .and_then(|m| m.checked_add(u64::from(digit)))
        {
            Some(next) => magnitude = next,
            None => return true,
        }
    }
    false
}

/// `pg_lsn_in_internal`: 1–8 hex digits, `/`, 1–8 hex digits, nothing else.
fn is_lsn(value: &[u8]) -> bool {
    let Some(slash) = value.iter().position(|b| *b == b'/') else {
        return false;
    };
    let (high, low) = (&value[..slash], &value[slash + 1..]);
    let hex_part =
        |part: &[u8]| (1..=8).contains(&part.len()) && part.iter().all(u8::is_ascii_hexdigit);
    hex_part(high) && hex_part(low)
}

/// An approximation of `check_recovery_target_time`, which runs the full `ParseDateTime` /
/// `DecodeDateTime` parser with the boot `DateStyle` (MDY). Accepted: a date as `Y-M-D`,
/// `M/D/Y`, `M.D.Y`, `YYYYMMDD` or `Mon D Y` with a real calendar day, then an optional
/// `H:M[:S[.f]]` below 24 h and a numeric zone. Refused: the special words, bare numbers,
/// zone abbreviations (no abbreviation table is loaded in the postmaster yet). See the gaps.
fn looks_like_timestamp(value: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(value) else {
        return false;
    };
    let mut tokens = text
        .split([' ', 'T', 't'])
        .filter(|token| !token.is_empty());
    let Some(first) = tokens.next() else {
        return false;
    };
    let number = |field: &str| -> Option<u32> {
        (!field.is_empty() && field.bytes().all(|b| b.is_ascii_digit()))
            .then(|| field.parse().ok())
            .flatten()
    };
    let date = if let Some(month) = month_number(first) {
        let (Some(day), Some(year)) = (tokens.next(), tokens.next()) else {
            return false;
        };
        number(day.trim_end_matches(','))
            .zip(number(year))
            .map(|(d, y)| (y, month, d))
    } else {
        let fields: Vec<&str> = first.split(['-', '/', '.']).collect();
        match fields.as_slice() {
            [compact] if compact.len() == 8 => number(&compact[..4])
                .zip(number(&compact[4..6]))
                .zip(number(&compact[6..]))
                .map(|((y, m), d)| (y, m, d)),
            [y, m, d] if first.contains('-') && y.len() >= 3 => number(y)
                .zip(number(m))
                .zip(number(d))
                .map(|((y, m), d)| (y, m, d)),
            [m, d, y] => number(y)
                .zip(number(m))
                .zip(number(d))
                .map(|((y, m), d)| (y, m, d)),
            _ => None,
        }
    };
    let Some((year, month, day)) = date else {
        return false;
    };
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return false;
    }
    tokens.all(is_time_or_numeric_zone)
}

fn month_number(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = word.to_ascii_lowercase();
    let position = MONTHS
        .iter()
        .position(|month| lower.len() >= 3 && lower.starts_with(month))?;
    u32::try_from(position + 1).ok()
}

fn days_in_month(year: u32, month: u32) -> u32 {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `H:M[:S[.f]]` (hour below 24) with an optional numeric zone glued on, or a zone alone.
fn is_time_or_numeric_zone(token: &str) -> bool {
    let (time, zone) = match token.find(['+', '-']) {
        Some(at) => (&token[..at], Some(&token[at + 1..])),
        None => (token, None),
    };
    let zone_ok = zone.is_none_or(|zone| {
        !zone.is_empty()
            && zone
                .split(':')
                .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
    });
    if time.is_empty() {
        return zone.is_some() && zone_ok;
    }
    let parts: Vec<&str> = time.split(':').collect();
    let field = |part: &str, max: f64| {
        !part.is_empty()
            && part.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && part.parse::<f64>().is_ok_and(|n| n < max)
    };
    let time_ok = match parts.as_slice() {
        [h, m] => field(h, 24.0) && field(m, 60.0),
        [h, m, sec] => field(h, 24.0) && field(m, 60.0) && field(sec, 61.0),
        _ => false,
    };
    time_ok && zone_ok
}

#[cfg(test)]
mod zone_tests {
    use super::*;

    #[test]
    fn zone_names_are_in_search_order_and_differ_in_12() {
        for major in ["12", "13", "18"] {
            let version: PgVersion = major.parse().expect("a supported version");
            let names = timezone_names(version);
            assert!(
                names
                    .windows(2)
                    .all(|w| compare_ignoring_case(w[0].as_bytes(), w[1].as_bytes()).is_lt()),
                "{major}"
            );
            assert!(is_timezone_name(b"EUROPE/paris", version));
            assert_eq!(is_timezone_name(b"POSIXRULES", version), major == "12");
            assert_eq!(
                is_timezone_name(b"america/coyhaique", version),
                major != "12"
            );
        }
    }
}
