//! PG2002 invalid-value: a value the server refuses for the parameter and version (type, enum
//! option, unit, range, check hook), with the server's own message, detail and hint, at the
//! value. Entries the server never validates are skipped: an earlier entry whose name is
//! byte-identical to a later one. Read-only parameters are PG2005's. Values that only the
//! server's host or build can judge (locale names, `localtime`, platform enum options such as
//! `dynamic_shared_memory_type = windows`) are not reported.
//!
//! Fixes (never safe: they change what the server runs with): a unit written in another case
//! or style (`512M`, `4KB`, `30sec`) is rewritten when the result is valid (unsafe); a close
//! enum option or `on`/`off` for a Boolean is offered display-only.

use std::path::Path;
use std::sync::Arc;

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Label, smallvec};
use crate::model::catalog::{Param, Unit, VarType};
use crate::model::value::{check_value_named, parse_value_named};
use crate::model::version::PgVersion;
use crate::rules::Context;
use crate::source::Span;
use crate::syntax::conf::{TokenKind, quote_value};

use super::{Reported, SettingEntry, place};

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let server = ctx.server;
    let (Some(set), Some(index)) = (&server.conf, ctx.setting_index()) else {
        return;
    };
    let version = server.version;
    let mut reported = Reported::default();
    for (entry, param) in index.checked() {
        if param.is_internal() {
            continue;
        }
        let written = String::from_utf8_lossy(entry.name);
        let Err(error) = parse_value_named(param, &written, entry.value, version) else {
            continue;
        };
        if depends_on_host(param.name(), entry.value) {
            continue;
        }
        let value_span = entry.setting.value.span;
        if !reported.first(entry.path(), value_span) {
            continue;
        }
        let path = entry.path();
        let mut reporter = ctx.reporter("PG2002", path, out);
        let file = Arc::clone(reporter.file());
        let d = reporter.report(value_span, error.message.clone());
        if let Some(detail) = &error.detail {
            d.notes.push(format!("detail: {detail}"));
        }
        if let Some(hint) = &error.hint {
            d.notes.push(format!("hint: {hint}"));
        }
        d.notes.push(
            "at startup an invalid value stops the server; on reload the parameter keeps its \
             current value"
                .into(),
        );
        if looks_like_placeholder(entry.value) {
            d.notes.push(
                "this looks like a template placeholder: lint the rendered file, or keep the \
                 template out of the linted paths"
                    .into(),
            );
        }
        // The quirk of guc.c: only earlier entries spelled byte-for-byte like a later one are
        // skipped, so this dead line is still checked.
        if let Some(later) = index.last_of_parameter(&entry) {
            d.notes.push(format!(
                "{} sets `{}` again, but the server still checks this line: it skips an \
                 earlier line only when the name is spelled byte-for-byte the same (`{}` here, \
                 `{}` there)",
                place(set, &later, path),
                param.name(),
                entry.shown_name(),
                later.shown_name()
            ));
            d.secondary = smallvec![Label::new(
                ctx.path(later.path()),
                later.span(),
                "the setting that takes effect",
            )];
        }
        d.fix = fix(param, &entry, &file, version);
    }
}

/// `{{ var }}`, `{% … %}`, `<%= … %>`, `${VAR}`, `@VAR@` or an all-caps word with an
/// underscore (`MAX_CONNECTIONS`): the value of a template that was not rendered.
fn looks_like_placeholder(value: &[u8]) -> bool {
    let has = |needle: &[u8]| value.windows(needle.len()).any(|w| w == needle);
    let caps_word = value.len() > 2
        && value.contains(&b'_')
        && value
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_');
    has(b"{{") || has(b"{%") || has(b"<%") || has(b"${") || caps_word || {
        value.len() > 2 && value.first() == Some(&b'@') && value.last() == Some(&b'@')
    }
}

/// Values whose validity depends on the machine or the build, not on the file: locale names
/// (`setlocale()` on the server's host), time zone `localtime` (system tzdata), and enum
/// options that exist only on some platforms or with some libraries. The catalog comes from
/// one Linux build, so refusing these would be noise.
fn depends_on_host(param: &str, value: &[u8]) -> bool {
    let value = String::from_utf8_lossy(value).to_ascii_lowercase();
    let options: &[&str] = match param {
        "lc_messages" | "lc_monetary" | "lc_numeric" | "lc_time" => return true,
        "TimeZone" | "log_timezone" => &["localtime"],
        "dynamic_shared_memory_type" => &["posix", "sysv", "windows", "mmap"],
        "shared_memory_type" => &["mmap", "sysv", "windows"],
        "wal_sync_method" => &[
            "fsync",
            "fdatasync",
            "open_sync",
            "open_datasync",
            "fsync_writethrough",
        ],
        "wal_compression" => &["lz4", "zstd"],
        "default_toast_compression" => &["lz4"],
        "io_method" => &["io_uring"],
        _ => return false,
    };
    options.contains(&value.as_str())
}

/// A replacement for the value, if one is evident.
/// `path` is the entry's file, shared with the finding.
fn fix(
    param: &Param,
    entry: &SettingEntry<'_>,
    path: &Arc<Path>,
    version: PgVersion,
) -> Option<Fix> {
    let token = entry.setting.value;
    match param.vartype() {
        VarType::Integer | VarType::Real => {
            let unit = param.unit()?;
            let (start, end, fixed) = unit_fix(unit, entry.value)?;
            let mut value = entry.value[..start].to_vec();
            value.extend_from_slice(fixed.as_bytes());
            value.extend_from_slice(&entry.value[end..]);
            let written = String::from_utf8_lossy(entry.name);
            check_value_named(param, &written, &value, version).ok()?;
            let raw = entry.file.source.slice(token.span);
            let offset = match token.kind {
                TokenKind::String if raw.get(1..raw.len() - 1) == Some(entry.value) => {
                    token.span.start + 1
                }
                TokenKind::String => return None,
                _ => token.span.start,
            };
            Some(Fix {
                title: format!("Write the unit as `{fixed}`").into(),
                applicability: Applicability::Unsafe,
                edits: smallvec![Edit {
                    file: Arc::clone(path),
                    span: Span::new(offset + start as u32, offset + end as u32),
                    replacement: fixed.as_bytes().to_vec().into(),
                }],
            })
        }
        VarType::Enum => {
            let value = String::from_utf8_lossy(entry.value).to_ascii_lowercase();
            let option = param
                .visible_enum_values()
                .map(|o| (strsim::jaro_winkler(&value, &o.to_ascii_lowercase()), o))
                .filter(|(score, _)| *score >= 0.8)
                .max_by(|a, b| a.0.total_cmp(&b.0))?
                .1;
            Some(replace_value(entry, option, path))
        }
        VarType::Bool => {
            let value = String::from_utf8_lossy(entry.value).to_ascii_lowercase();
            let flag = match value.trim() {
                "enable" | "enabled" | "active" | "y" | "yes" | "true" | "on" | "1" => "on",
                "disable" | "disabled" | "inactive" | "n" | "no" | "false" | "off" | "0" => "off",
                _ => return None,
            };
            Some(replace_value(entry, flag, path))
        }
        VarType::String => None,
    }
}

/// A display-only fix that writes `option` as the value, quoted as the original was.
fn replace_value(entry: &SettingEntry<'_>, option: &str, path: &Arc<Path>) -> Fix {
    let bare = option
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && option
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic());
    let replacement = if entry.setting.value.kind == TokenKind::String || !bare {
        quote_value(option.as_bytes())
    } else {
        option.as_bytes().to_vec()
    };
    Fix {
        title: format!("Use `{option}`").into(),
        applicability: Applicability::DisplayOnly,
        edits: smallvec![Edit {
            file: Arc::clone(path),
            span: entry.setting.value.span,
            replacement: replacement.into(),
        }],
    }
}

/// The unit at the end of `value` (before trailing blanks) and its correct spelling, when it
/// is a known unit written another way: `(start, end, unit)` in `value`.
fn unit_fix(unit: Unit, value: &[u8]) -> Option<(usize, usize, &'static str)> {
    let end = value.len()
        - value
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    let start = end
        - value[..end]
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_alphabetic())
            .count();
    if start == end || start == 0 {
        return None;
    }
    let written = std::str::from_utf8(&value[start..end]).ok()?;
    let lower = written.to_ascii_lowercase();
    let fixed = if unit.is_memory() {
        match lower.as_str() {
            "b" | "byte" | "bytes" => "B",
            "k" | "kb" | "kib" => "kB",
            "m" | "mb" | "mib" => "MB",
            "g" | "gb" | "gib" => "GB",
            "t" | "tb" | "tib" => "TB",
            _ => return None,
        }
    } else {
        match lower.as_str() {
            "us" | "usec" | "usecs" | "microsecond" | "microseconds" => "us",
            "ms" | "msec" | "msecs" | "millisecond" | "milliseconds" => "ms",
            "s" | "sec" | "secs" | "second" | "seconds" => "s",
            "min" | "mins" | "minute" | "minutes" => "min",
            "h" | "hr" | "hrs" | "hour" | "hours" => "h",
            "d" | "day" | "days" => "d",
            _ => return None,
        }
    };
    (fixed != written).then_some((start, end, fixed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_written_another_way_are_recognised() {
        assert_eq!(unit_fix(Unit::Kilobytes, b"512M"), Some((3, 4, "MB")));
        assert_eq!(unit_fix(Unit::Kilobytes, b"4KB "), Some((1, 3, "kB")));
        assert_eq!(unit_fix(Unit::Milliseconds, b"30sec"), Some((2, 5, "s")));
        assert_eq!(unit_fix(Unit::Milliseconds, b"30s"), None);
        assert_eq!(unit_fix(Unit::Milliseconds, b"30m"), None);
        assert_eq!(unit_fix(Unit::Kilobytes, b"MB"), None);
    }
}
