//! Values as the server checks and normalises them when it reads a config file at startup
//! (`set_config_option` with `PGC_S_FILE` in the postmaster → `parse_and_validate_value` and the
//! parameter's check hook, guc.c), and what `postgres -C NAME` then prints.
//!
//! Everything here works on the de-quoted value bytes, which need not be UTF-8.

pub(crate) mod number;
mod string_hooks;
mod syncrep;

use std::cmp::Ordering;
use std::fmt;

use crate::model::catalog::{Param, Unit, VarType};
use crate::model::version::PgVersion;

use number::NumberError;
pub use number::format_g;

/// Why the server refuses a value: its own log message, with the `DETAIL` and `HINT` lines it
/// adds. The message names the parameter as [`check_value_named`] was told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
}

impl ValueError {
    fn new(message: String) -> Self {
        ValueError {
            message,
            detail: None,
            hint: None,
        }
    }

    fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// `invalid value for parameter "X": "v"`, the message of most refusals.
    fn invalid_value(name: &str, value: &[u8]) -> Self {
        ValueError::new(format!(
            "invalid value for parameter \"{name}\": \"{}\"",
            crate::source::text::escape_bytes(value)
        ))
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(detail) = &self.detail {
            write!(f, "\nDETAIL:  {detail}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\nHINT:  {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValueError {}

/// A value the server accepted, typed. Numbers are in the parameter's base unit
/// ([`Param::unit`]), after unit conversion and rounding.
#[derive(Debug, Clone, PartialEq)]
pub enum TypedValue {
    Bool(bool),
    Integer(i32),
    Real(f64),
    /// After the check hook's rewriting (e.g. `DateStyle = iso` → `ISO, MDY`). Bytes that are
    /// not UTF-8 are kept as the server keeps them, so this is a byte string.
    String(Vec<u8>),
    /// The canonical option name (`hot_standby` → `replica`).
    Enum(&'static str),
}

impl TypedValue {
    /// What `postgres -C` prints for this value (`GetConfigOption` in guc.c): `on`/`off`,
    /// integers in base units with `%d`, reals with `%g`, strings as stored, the enum's
    /// canonical name.
    pub fn to_postgres_c_output(&self) -> String {
        match self {
            TypedValue::Bool(true) => "on".to_string(),
            TypedValue::Bool(false) => "off".to_string(),
            TypedValue::Integer(number) => number.to_string(),
            TypedValue::Real(number) => format_g(*number),
            TypedValue::String(bytes) => crate::source::text::escape_bytes(bytes),
            TypedValue::Enum(name) => (*name).to_string(),
        }
    }

    /// The number as a float in base units, for integer and real values.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            TypedValue::Integer(number) => Some(f64::from(*number)),
            TypedValue::Real(number) => Some(*number),
            _ => None,
        }
    }
}

/// A number together with its base unit, for comparing settings across units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantity {
    /// In `unit` (or a plain count when `unit` is `None`).
    pub amount: f64,
    pub unit: Option<Unit>,
}

impl Quantity {
    /// The amount expressed in another unit of the same kind (memory or time); `None` across
    /// kinds or without a unit.
    pub fn in_unit(&self, target: Unit) -> Option<f64> {
        let unit = self.unit?;
        (unit.is_memory() == target.is_memory())
            .then(|| self.amount * unit.size_in_bytes_or_ms() / target.size_in_bytes_or_ms())
    }

    /// Bytes, for a memory quantity.
    pub fn in_bytes(&self) -> Option<f64> {
        self.in_unit(Unit::Bytes)
    }

    /// Milliseconds, for a time quantity.
    pub fn in_milliseconds(&self) -> Option<f64> {
        self.in_unit(Unit::Milliseconds)
    }

    /// Orders two quantities of the same kind (or two plain counts).
    pub fn compare(&self, other: &Quantity) -> Option<Ordering> {
        match (self.unit, other.unit) {
            (None, None) => self.amount.partial_cmp(&other.amount),
            (Some(_), Some(unit)) => self.in_unit(unit)?.partial_cmp(&other.amount),
            _ => None,
        }
    }
}

/// Checks a de-quoted value from a config file the way the server does at startup
/// (`set_config_option` with `PGC_S_FILE` in the postmaster) and returns what
/// `postgres -C NAME` prints for it. Messages name the parameter by its canonical name; see
/// [`check_value_named`] for the name as written.
pub fn check_value(param: &Param, value: &[u8], version: PgVersion) -> Result<String, ValueError> {
    parse_value(param, value, version).map(|typed| typed.to_postgres_c_output())
}

/// [`check_value`], with messages naming the parameter as the file wrote it (`Work_Mem`,
/// `sort_mem`), which is what 12–17 print. 18 prints the canonical name
/// (`set_config_option_ext` uses `record->name`).
pub fn check_value_named(
    param: &Param,
    name_as_written: &str,
    value: &[u8],
    version: PgVersion,
) -> Result<String, ValueError> {
    parse_value_named(param, name_as_written, value, version)
        .map(|typed| typed.to_postgres_c_output())
}

/// Parses and checks a value, returning it typed (numbers in base units).
pub fn parse_value(
    param: &Param,
    value: &[u8],
    version: PgVersion,
) -> Result<TypedValue, ValueError> {
    parse_value_named(param, param.name(), value, version)
}

/// [`parse_value`] with the parameter named as written (see [`check_value_named`]).
pub fn parse_value_named(
    param: &Param,
    name_as_written: &str,
    value: &[u8],
    version: PgVersion,
) -> Result<TypedValue, ValueError> {
    let name = if version.at_least(18) {
        param.name()
    } else {
        name_as_written
    };
    if param.is_internal() {
        return Err(ValueError::new(format!(
            "parameter \"{name}\" cannot be changed"
        )));
    }
    let typed = parse_by_type(param, name, value, version)?;
    if IGNORED_IN_FILE.contains(&param.name()) {
        // Accepted but not applied: -C shows the built-in default.
        if let Some(boot) = param.boot_value() {
            return parse_by_type(param, name, boot.as_bytes(), version);
        }
    }
    Ok(typed)
}

/// Parameters whose file value is checked but has no effect on the postmaster's value
/// (`GUC_NO_RESET_ALL` transaction properties; `postgres -C` prints the default).
const IGNORED_IN_FILE: &[&str] = &[
    "transaction_isolation",
    "transaction_read_only",
    "transaction_deferrable",
];

fn parse_by_type(
    param: &Param,
    name: &str,
    value: &[u8],
    version: PgVersion,
) -> Result<TypedValue, ValueError> {
    match param.vartype() {
        VarType::Bool => {
            let flag = parse_bool(value).ok_or_else(|| {
                ValueError::new(format!("parameter \"{name}\" requires a Boolean value"))
            })?;
            // check_bonjour: the npm builds (and Debian's) have no Bonjour support.
            if flag && param.name() == "bonjour" {
                return Err(ValueError::new(
                    "Bonjour is not supported by this build".to_string(),
                ));
            }
            Ok(TypedValue::Bool(flag))
        }
        VarType::Integer => parse_integer_value(param, name, value, version),
        VarType::Real => parse_real_value(param, name, value, version),
        VarType::Enum => parse_enum_value(param, name, value),
        VarType::String => {
            string_hooks::check_string(param, name, value, version).map(TypedValue::String)
        }
    }
}

/// The value as a quantity in the parameter's base unit, for integer and real parameters.
/// `max_slot_wal_keep_size = '100 GB'` gives 102400 MB.
pub fn parse_quantity(
    param: &Param,
    value: &[u8],
    version: PgVersion,
) -> Result<Option<Quantity>, ValueError> {
    let typed = parse_value(param, value, version)?;
    Ok(typed.as_number().map(|amount| Quantity {
        amount,
        unit: param.unit(),
    }))
}

/// `parse_bool_with_len` in bool.c (12–18): case-insensitive; any prefix of `true`, `false`,
/// `yes`, `no`; `on`, `of`, `off` (two letters at least); `1` and `0` only whole. No trimming.
pub fn parse_bool(value: &[u8]) -> Option<bool> {
    let is_prefix_of = |word: &[u8]| {
        !value.is_empty()
            && value.len() <= word.len()
            && word[..value.len()].eq_ignore_ascii_case(value)
    };
    match value.first().map(u8::to_ascii_lowercase) {
        Some(b't') if is_prefix_of(b"true") => Some(true),
        Some(b'f') if is_prefix_of(b"false") => Some(false),
        Some(b'y') if is_prefix_of(b"yes") => Some(true),
        Some(b'n') if is_prefix_of(b"no") => Some(false),
        Some(b'o') if value.len() >= 2 && is_prefix_of(b"on") => Some(true),
        Some(b'o') if value.len() >= 2 && is_prefix_of(b"off") => Some(false),
        Some(b'1') if value.len() == 1 => Some(true),
        Some(b'0') if value.len() == 1 => Some(false),
        _ => None,
    }
}

fn number_error(name: &str, value: &[u8], error: NumberError) -> ValueError {
    let invalid = ValueError::invalid_value(name, value);
    match error {
        NumberError::Invalid => invalid,
        NumberError::BadUnit { memory: true } => invalid.with_hint(number::MEMORY_UNITS_HINT),
        NumberError::BadUnit { memory: false } => invalid.with_hint(number::TIME_UNITS_HINT),
        NumberError::IntegerOverflow => invalid.with_hint("Value exceeds integer range."),
    }
}

/// ` kB` after a number in range messages, or nothing for unitless parameters.
fn unit_suffix(param: &Param) -> String {
    param
        .unit()
        .map(|unit| format!(" {}", unit.as_str()))
        .unwrap_or_default()
}

/// `X is outside the valid range for parameter "N" (MIN .. MAX)`; from 17 the bounds carry
/// the unit too.
fn out_of_range(
    param: &Param,
    name: &str,
    value: String,
    min: String,
    max: String,
    version: PgVersion,
) -> ValueError {
    let unit = unit_suffix(param);
    let bounds_unit = if version.at_least(17) {
        unit.as_str()
    } else {
        ""
    };
    ValueError::new(format!(
        "{value}{unit} is outside the valid range for parameter \"{name}\" \
         ({min}{bounds_unit} .. {max}{bounds_unit})"
    ))
}

fn parse_integer_value(
    param: &Param,
    name: &str,
    value: &[u8],
    version: PgVersion,
) -> Result<TypedValue, ValueError> {
    let number =
        number::parse_int(value, param.unit()).map_err(|error| number_error(name, value, error))?;
    if let Some((min, max)) = param.integer_range()
        && (number < min || number > max)
    {
        return Err(out_of_range(
            param,
            name,
            number.to_string(),
            min.to_string(),
            max.to_string(),
            version,
        ));
    }
    integer_check_hook(param, number, version)?;
    // check_wal_buffers: anything but -1 (automatic) is raised to at least 4 pages.
    if param.name() == "wal_buffers" && number != -1 && number < 4 {
        return Ok(TypedValue::Integer(4));
    }
    // check_autovacuum_work_mem: anything but -1 is raised to a floor, 1 MB in 12–16 and
    // 64 kB from 17.
    let autovacuum_work_mem_floor = if version.at_least(17) { 64 } else { 1024 };
    if param.name() == "autovacuum_work_mem" && number != -1 && number < autovacuum_work_mem_floor {
        return Ok(TypedValue::Integer(autovacuum_work_mem_floor));
    }
    Ok(TypedValue::Integer(number))
}

/// Integer check hooks that can refuse a file value on their own.
/// Their messages name the parameter canonically (`call_int_check_hook` uses `conf->gen.name`).
fn integer_check_hook(param: &Param, number: i32, version: PgVersion) -> Result<(), ValueError> {
    let name = param.name();
    // check_slru_buffers (17+): SLRU buffer counts are whole banks of 16 (0 means automatic).
    const SLRU_BUFFERS: &[&str] = &[
        "commit_timestamp_buffers",
        "multixact_member_buffers",
        "multixact_offset_buffers",
        "notify_buffers",
        "serializable_buffers",
        "subtransaction_buffers",
        "transaction_buffers",
    ];
    if version.at_least(17) && SLRU_BUFFERS.contains(&name) && number % 16 != 0 {
        return Err(
            ValueError::new(format!("invalid value for parameter \"{name}\": {number}"))
                .with_detail(if version.at_least(18) {
                    format!("\"{name}\" must be a multiple of 16.")
                } else {
                    format!("\"{name}\" must be a multiple of 16")
                }),
        );
    }
    // check_vacuum_buffer_usage_limit (16+): 0 disables the ring, else 128 kB .. 16 GB.
    if name == "vacuum_buffer_usage_limit" && number != 0 && !(128..=16_777_216).contains(&number) {
        return Err(
            ValueError::new(format!("invalid value for parameter \"{name}\": {number}"))
                .with_detail(format!(
                    "\"{name}\" must be 0 or between 128 kB and 16777216 kB{}",
                    if version.at_least(18) { "." } else { "" }
                )),
        );
    }
    // check_io_max_concurrency (18): -1 (automatic) or at least 1.
    if name == "io_max_concurrency" && number == 0 {
        return Err(
            ValueError::new(format!("invalid value for parameter \"{name}\": {number}"))
                .with_detail("Only -1 or values bigger than 0 are valid."),
        );
    }
    // check_maxconnections, check_autovacuum_max_workers, check_max_worker_processes,
    // check_max_wal_senders (12–17): max_connections + autovacuum_max_workers + 1 +
    // max_worker_processes + max_wal_senders must stay within MAX_BACKENDS. Modelled with the
    // other three at their defaults (100, 3, 8, 10); the real hook sees the values set so far.
    if !version.at_least(18) {
        let total_of_defaults: i64 = 100 + 3 + 1 + 8 + 10;
        let default_of_this = match name {
            "max_connections" => 100,
            "autovacuum_max_workers" => 3,
            "max_worker_processes" => 8,
            "max_wal_senders" => 10,
            _ => return Ok(()),
        };
        let others = total_of_defaults - default_of_this;
        if i64::from(number) + others > MAX_BACKENDS {
            return Err(ValueError::new(format!(
                "invalid value for parameter \"{name}\": {number}"
            )));
        }
    }
    Ok(())
}

/// `MAX_BACKENDS` in postmaster.h: 2^18 - 1.
pub const MAX_BACKENDS: i64 = 0x3FFFF;

fn parse_real_value(
    param: &Param,
    name: &str,
    value: &[u8],
    version: PgVersion,
) -> Result<TypedValue, ValueError> {
    let number = number::parse_real(value, param.unit())
        .map_err(|error| number_error(name, value, error))?;
    if let Some((min, max)) = param.real_range()
        && (number < min || number > max)
    {
        return Err(out_of_range(
            param,
            name,
            format_g(number),
            format_g(min),
            format_g(max),
            version,
        ));
    }
    Ok(TypedValue::Real(number))
}

fn parse_enum_value(param: &Param, name: &str, value: &[u8]) -> Result<TypedValue, ValueError> {
    match param.enum_option(value) {
        Some(option) => Ok(TypedValue::Enum(option.canonical)),
        None => {
            let listed: Vec<&str> = param.visible_enum_values().collect();
            Err(ValueError::invalid_value(name, value)
                .with_hint(format!("Available values: {}.", listed.join(", "))))
        }
    }
}

#[cfg(test)]
mod tests;
