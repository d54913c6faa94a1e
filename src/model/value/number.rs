//! Numbers as the server reads them: glibc `strtol`/`strtod` in the C locale, `parse_int`,
//! `parse_real` and `convert_to_base_unit` (guc.c, unchanged in 12–18), and C's `%g`.

use crate::model::catalog::Unit;

/// `isspace` in the C locale.
pub(crate) fn is_c_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn skip_spaces(text: &[u8], mut at: usize) -> usize {
    while text.get(at).copied().is_some_and(is_c_space) {
        at += 1;
    }
    at
}

/// The prologue of C's `strtol`/`strtod`/`atoi`: leading `isspace` blanks, then an optional
/// sign. Returns whether the sign was `-` and where the digits start.
pub(crate) fn c_sign_prefix(text: &[u8]) -> (bool, usize) {
    let at = skip_spaces(text, 0);
    match text.get(at) {
        Some(b'-') => (true, at + 1),
        Some(b'+') => (false, at + 1),
        _ => (false, at),
    }
}

/// What `strtol(text, &end, 0)` returns on a 64-bit `long`.
struct StrtolResult {
    value: i64,
    end: usize,
    overflowed: bool,
}

/// glibc `strtol` with base 0: leading blanks, a sign, `0x` hex, a leading `0` means octal.
fn strtol_base0(text: &[u8]) -> StrtolResult {
    let (negative, at) = c_sign_prefix(text);
    let (radix, digits_start) = match (text.get(at), text.get(at + 1), text.get(at + 2)) {
        (Some(b'0'), Some(b'x' | b'X'), Some(next)) if next.is_ascii_hexdigit() => (16, at + 2),
        (Some(b'0'), _, _) => (8, at),
        _ => (10, at),
    };
    let mut magnitude: u64 = 0;
    let mut overflowed = false;
    let mut end = digits_start;
    while let Some(digit) = text.get(end).and_then(|b| char::from(*b).to_digit(radix)) {
        match magnitude
            .checked_mul(u64::from(radix))
            .and_then(|m| m.checked_add(u64::from(digit)))
        {
            Some(next) => magnitude = next,
            None => overflowed = true,
        }
        end += 1;
    }
    if end == digits_start {
        return StrtolResult {
            value: 0,
            end: 0,
            overflowed: false,
        };
    }
    let limit = if negative {
        i64::MIN.unsigned_abs()
    } else {
        i64::MAX.unsigned_abs()
    };
    if magnitude > limit {
        overflowed = true;
    }
    let value = if overflowed {
        if negative { i64::MIN } else { i64::MAX }
    } else if negative {
        0i64.wrapping_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).unwrap_or(i64::MAX)
    };
    StrtolResult {
        value,
        end,
        overflowed,
    }
}

/// What `strtod(text, &end)` returns; `out_of_range` is `errno == ERANGE`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct StrtodResult {
    pub value: f64,
    /// 0 when nothing was parsed.
    pub end: usize,
    pub out_of_range: bool,
}

/// glibc `strtod` in the C locale: blanks, a sign, decimal with exponent, hex floats with a
/// binary exponent, `inf`/`infinity`, `nan`/`nan(...)`. Overflow and underflow set ERANGE.
pub(crate) fn strtod(text: &[u8]) -> StrtodResult {
    let nothing = StrtodResult {
        value: 0.0,
        end: 0,
        out_of_range: false,
    };
    let (negative, at) = c_sign_prefix(text);
    let sign = if negative { -1.0 } else { 1.0 };
    let rest = text.get(at..).unwrap_or_default();
    if starts_with_ignore_case(rest, b"infinity") {
        return finite_or_not(sign * f64::INFINITY, at + 8);
    }
    if starts_with_ignore_case(rest, b"inf") {
        return finite_or_not(sign * f64::INFINITY, at + 3);
    }
    if starts_with_ignore_case(rest, b"nan") {
        let mut end = at + 3;
        if text.get(end) == Some(&b'(') {
            let inner = end + 1;
            let close = text
                .get(inner..)
                .unwrap_or_default()
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'));
            if let Some(len) = close
                && text.get(inner + len) == Some(&b')')
            {
                end = inner + len + 1;
            }
        }
        return finite_or_not(f64::NAN, end);
    }
    if let (Some(b'0'), Some(b'x' | b'X')) = (rest.first(), rest.get(1)) {
        if let Some(parsed) = hex_float(text, at + 2, sign) {
            return parsed;
        }
        // "0x" without hex digits: only the "0" is a number.
        return StrtodResult {
            value: sign * 0.0,
            end: at + 1,
            out_of_range: false,
        };
    }
    // Decimal: digits [. digits] with at least one digit, then an optional exponent.
    let mut end = at;
    let mut mantissa_digits = 0;
    let mut nonzero_digit = false;
    while let Some(b) = text.get(end).filter(|b| b.is_ascii_digit()) {
        nonzero_digit |= *b != b'0';
        mantissa_digits += 1;
        end += 1;
    }
    if text.get(end) == Some(&b'.') {
        end += 1;
        while let Some(b) = text.get(end).filter(|b| b.is_ascii_digit()) {
            nonzero_digit |= *b != b'0';
            mantissa_digits += 1;
            end += 1;
        }
    }
    if mantissa_digits == 0 {
        return nothing;
    }
    if let Some(b'e' | b'E') = text.get(end) {
        let mut exponent_end = end + 1;
        if let Some(b'+' | b'-') = text.get(exponent_end) {
            exponent_end += 1;
        }
        let exponent_digits_start = exponent_end;
        while text.get(exponent_end).is_some_and(u8::is_ascii_digit) {
            exponent_end += 1;
        }
        if exponent_end > exponent_digits_start {
            end = exponent_end;
        }
    }
    let literal = String::from_utf8_lossy(text.get(at..end).unwrap_or_default());
    let magnitude: f64 = literal.parse().unwrap_or(0.0);
    let value = sign * magnitude;
    let underflowed = nonzero_digit && magnitude < f64::MIN_POSITIVE;
    StrtodResult {
        value,
        end,
        out_of_range: magnitude.is_infinite() || underflowed,
    }
}

fn finite_or_not(value: f64, end: usize) -> StrtodResult {
    StrtodResult {
        value,
        end,
        out_of_range: false,
    }
}

fn starts_with_ignore_case(text: &[u8], prefix: &[u8]) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// The part of a hex float after `0x`: hex digits, optional `.` and hex digits (at least one
/// digit in all), optional `p[+-]digits`. `None` when no hex digit follows.
fn hex_float(text: &[u8], start: usize, sign: f64) -> Option<StrtodResult> {
    let mut at = start;
    let mut mantissa: u64 = 0;
    let mut exponent: i64 = 0;
    let mut digits = 0;
    let mut nonzero = false;
    let mut accumulate = |digit: u32, after_point: bool, mantissa: &mut u64, exponent: &mut i64| {
        nonzero |= digit != 0;
        if *mantissa < (1 << 56) {
            *mantissa = (*mantissa << 4) | u64::from(digit);
            if after_point {
                *exponent -= 4;
            }
        } else {
            // Keep a sticky bit for rounding; the digit only scales the value.
            *mantissa |= u64::from(digit != 0);
            if !after_point {
                *exponent += 4;
            }
        }
    };
    while let Some(digit) = text.get(at).and_then(|b| char::from(*b).to_digit(16)) {
        accumulate(digit, false, &mut mantissa, &mut exponent);
        digits += 1;
        at += 1;
    }
    if text.get(at) == Some(&b'.') {
        let mut fraction_at = at + 1;
        let mut fraction_digits = 0;
        while let Some(digit) = text
            .get(fraction_at)
            .and_then(|b| char::from(*b).to_digit(16))
        {
            accumulate(digit, true, &mut mantissa, &mut exponent);
            fraction_digits += 1;
            fraction_at += 1;
        }
        if digits + fraction_digits > 0 {
            at = fraction_at;
            digits += fraction_digits;
        }
    }
    if digits == 0 {
        return None;
    }
    if let Some(b'p' | b'P') = text.get(at) {
        let mut exponent_end = at + 1;
        let negative = match text.get(exponent_end) {
            Some(b'-') => {
                exponent_end += 1;
                true
            }
            Some(b'+') => {
                exponent_end += 1;
                false
            }
            _ => false,
        };
        let digits_start = exponent_end;
        let mut binary_exponent: i64 = 0;
        while let Some(b) = text.get(exponent_end).filter(|b| b.is_ascii_digit()) {
            binary_exponent = binary_exponent
                .saturating_mul(10)
                .saturating_add(i64::from(b - b'0'));
            exponent_end += 1;
        }
        if exponent_end > digits_start {
            exponent = exponent.saturating_add(if negative {
                -binary_exponent
            } else {
                binary_exponent
            });
            at = exponent_end;
        }
    }
    let scale = i32::try_from(exponent.clamp(-5000, 5000)).unwrap_or(0);
    // `mantissa as f64` rounds to nearest; scaling by a power of two is then exact unless the
    // result leaves the normal range.
    let magnitude = (mantissa as f64) * 2f64.powi(scale);
    let magnitude = if magnitude == 0.0 && nonzero && scale < -1074 {
        0.0
    } else {
        magnitude
    };
    Some(StrtodResult {
        value: sign * magnitude,
        end: at,
        out_of_range: magnitude.is_infinite() || (nonzero && magnitude < f64::MIN_POSITIVE),
    })
}

/// Why `parse_int` / `parse_real` refused a value; `hint` is the server's hint, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumberError {
    /// No hint: not a number, NaN, or a unit where none is allowed.
    Invalid,
    /// An unknown unit, or garbage after it: the hint lists the valid units.
    BadUnit { memory: bool },
    /// `Value exceeds integer range.`
    IntegerOverflow,
}

pub(crate) const MEMORY_UNITS_HINT: &str =
    "Valid units for this parameter are \"B\", \"kB\", \"MB\", \"GB\", and \"TB\".";
pub(crate) const TIME_UNITS_HINT: &str =
    "Valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\".";

/// `parse_int` in guc.c (12–18): `strtol` base 0, falling back to `strtod` when it stops at
/// `.`, `e` or `E` or overflows; optional blanks and a case-sensitive unit; `rint()`; int32.
pub(crate) fn parse_int(text: &[u8], unit: Option<Unit>) -> Result<i32, NumberError> {
    let integer = strtol_base0(text);
    let (mut value, end) = match text.get(integer.end) {
        Some(b'.' | b'e' | b'E') => reparse_as_double(text)?,
        _ if integer.overflowed => reparse_as_double(text)?,
        _ => (integer.value as f64, integer.end),
    };
    if end == 0 {
        return Err(NumberError::Invalid);
    }
    if value.is_nan() {
        return Err(NumberError::Invalid);
    }
    value = apply_unit(text, end, value, unit)?;
    let rounded = value.round_ties_even();
    if rounded > f64::from(i32::MAX) || rounded < f64::from(i32::MIN) {
        return Err(NumberError::IntegerOverflow);
    }
    Ok(rounded as i32)
}

fn reparse_as_double(text: &[u8]) -> Result<(f64, usize), NumberError> {
    let parsed = strtod(text);
    if parsed.out_of_range {
        return Err(NumberError::Invalid);
    }
    Ok((parsed.value, parsed.end))
}

/// `parse_real` in guc.c (12–18): `strtod`, then an optional unit; NaN is refused.
pub(crate) fn parse_real(text: &[u8], unit: Option<Unit>) -> Result<f64, NumberError> {
    let parsed = strtod(text);
    if parsed.end == 0 || parsed.out_of_range || parsed.value.is_nan() {
        return Err(NumberError::Invalid);
    }
    apply_unit(text, parsed.end, parsed.value, unit)
}

/// The tail of `parse_int`/`parse_real`: skip blanks; anything left must be a unit.
fn apply_unit(text: &[u8], end: usize, value: f64, unit: Option<Unit>) -> Result<f64, NumberError> {
    let unit_start = skip_spaces(text, end);
    let tail = text.get(unit_start..).unwrap_or_default();
    if tail.is_empty() {
        return Ok(value);
    }
    let Some(base_unit) = unit else {
        return Err(NumberError::Invalid);
    };
    convert_to_base_unit(value, tail, base_unit).ok_or(NumberError::BadUnit {
        memory: base_unit.is_memory(),
    })
}

/// At most this many bytes of a unit name are read (`MAX_UNIT_LEN` in guc.c).
const MAX_UNIT_LEN: usize = 3;

/// The unit names of one base unit, largest first, with how many base units each is
/// (`memory_unit_conversion_table` / `time_unit_conversion_table` in guc.c).
fn conversion_table(base_unit: Unit) -> [(&'static str, f64); 6] {
    const KB: f64 = 1024.0;
    let memory = |bytes_per_base_unit: f64| {
        [
            ("TB", KB * KB * KB * KB / bytes_per_base_unit),
            ("GB", KB * KB * KB / bytes_per_base_unit),
            ("MB", KB * KB / bytes_per_base_unit),
            ("kB", KB / bytes_per_base_unit),
            ("B", 1.0 / bytes_per_base_unit),
            ("", 0.0),
        ]
    };
    match base_unit {
        Unit::Bytes => memory(1.0),
        Unit::Kilobytes => memory(KB),
        Unit::Megabytes => memory(KB * KB),
        // The blocks rows divide by BLCKSZ / 1024 (8) for kB and up but use 1.0 / BLCKSZ for B.
        Unit::Blocks8k => [
            ("TB", (KB * KB * KB) / 8.0),
            ("GB", (KB * KB) / 8.0),
            ("MB", KB / 8.0),
            ("kB", 1.0 / 8.0),
            ("B", 1.0 / 8192.0),
            ("", 0.0),
        ],
        Unit::Milliseconds => [
            ("d", 1000.0 * 60.0 * 60.0 * 24.0),
            ("h", 1000.0 * 60.0 * 60.0),
            ("min", 1000.0 * 60.0),
            ("s", 1000.0),
            ("ms", 1.0),
            ("us", 1.0 / 1000.0),
        ],
        Unit::Seconds => [
            ("d", 60.0 * 60.0 * 24.0),
            ("h", 60.0 * 60.0),
            ("min", 60.0),
            ("s", 1.0),
            ("ms", 1.0 / 1000.0),
            ("us", 1.0 / (1000.0 * 1000.0)),
        ],
        Unit::Minutes => [
            ("d", 60.0 * 24.0),
            ("h", 60.0),
            ("min", 1.0),
            ("s", 1.0 / 60.0),
            ("ms", 1.0 / (1000.0 * 60.0)),
            ("us", 1.0 / (1000.0 * 1000.0 * 60.0)),
        ],
    }
}

/// `convert_to_base_unit` in guc.c: the unit (case-sensitive, at most 3 bytes, then only
/// blanks) scales the number; a fractional result is first rounded to a whole number of the
/// next smaller unit in the table.
fn convert_to_base_unit(value: f64, unit_text: &[u8], base_unit: Unit) -> Option<f64> {
    let name_len = unit_text
        .iter()
        .take(MAX_UNIT_LEN)
        .take_while(|b| !is_c_space(**b) && **b != 0)
        .count();
    let name = unit_text.get(..name_len)?;
    if skip_spaces(unit_text, name_len) != unit_text.len() {
        return None;
    }
    let table = conversion_table(base_unit);
    let position = table
        .iter()
        .position(|(unit_name, _)| !unit_name.is_empty() && unit_name.as_bytes() == name)?;
    let (_, multiplier) = table.get(position)?;
    let converted = value * multiplier;
    match table.get(position + 1) {
        Some((next_name, next_multiplier)) if !next_name.is_empty() => {
            Some((converted / next_multiplier).round_ties_even() * next_multiplier)
        }
        _ => Some(converted),
    }
}

/// `%g` as PostgreSQL's own `snprintf` (src/port/snprintf.c) prints it: 6 significant digits,
/// trailing zeros removed, exponent form when the exponent is below -4 or at least 6; and
/// `NaN`, `Infinity`, `-Infinity` where C would print `nan`/`inf`.
pub fn format_g(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_string();
    }
    if value.is_infinite() {
        return if value < 0.0 { "-Infinity" } else { "Infinity" }.to_string();
    }
    if value == 0.0 {
        return if value.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    const PRECISION: i32 = 6;
    let scientific = format!("{:.*e}", (PRECISION - 1) as usize, value);
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..PRECISION).contains(&exponent) {
        let decimals = usize::try_from(PRECISION - 1 - exponent).unwrap_or(0);
        strip_trailing_zeros(format!("{value:.decimals$}"))
    } else {
        let mantissa = strip_trailing_zeros(mantissa.to_string());
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
    }
}

fn strip_trailing_zeros(mut number: String) -> String {
    if number.contains('.') {
        while number.ends_with('0') {
            number.pop();
        }
        if number.ends_with('.') {
            number.pop();
        }
    }
    number
}
