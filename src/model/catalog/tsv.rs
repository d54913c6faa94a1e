//! Reads the embedded `pg_settings` dumps (`pg-oracle NN settings`: tab-separated columns
//! `name vartype unit min_val max_val enumvals boot_val context category`, NULL as `\N`).

use super::{Bounds, Context, EnumOption, Param, Unit, VarType};

/// Parses a whole dump. Lines that do not parse are skipped; the catalog tests check that every
/// data line of every version becomes a parameter.
pub(super) fn parse_pg_settings(data: &'static str) -> Vec<Param> {
    data.lines()
        .filter(|line| !line.starts_with('#') && !line.starts_with("name\t"))
        .filter_map(parse_line)
        .collect()
}

fn parse_line(line: &'static str) -> Option<Param> {
    let mut columns = line.split('\t').map(null_as_none);
    let name = columns.next()??;
    let vartype = match columns.next()?? {
        "bool" => VarType::Bool,
        "integer" => VarType::Integer,
        "real" => VarType::Real,
        "string" => VarType::String,
        "enum" => VarType::Enum,
        _ => return None,
    };
    let unit = match columns.next()? {
        Some(text) => Some(Unit::from_pg_settings(text)?),
        None => None,
    };
    let min = columns.next()?;
    let max = columns.next()?;
    let bounds = match (vartype, min, max) {
        (VarType::Integer, Some(min), Some(max)) => Some(Bounds::Integer {
            min: min.parse().ok()?,
            max: max.parse().ok()?,
        }),
        (VarType::Real, Some(min), Some(max)) => Some(Bounds::Real {
            min: parse_real_bound(min)?,
            max: parse_real_bound(max)?,
        }),
        _ => None,
    };
    let enum_options = match columns.next()? {
        Some(text) => parse_enumvals(text)?,
        None => Vec::new(),
    };
    let boot_value = columns.next()?;
    let context = Context::from_pg_settings(columns.next()??)?;
    let category = columns.next()?.unwrap_or("");
    Some(Param {
        name,
        vartype,
        unit,
        bounds,
        enum_options,
        boot_value,
        context,
        category,
        listed_in_pg_settings: true,
    })
}

fn null_as_none(column: &'static str) -> Option<&'static str> {
    (column != "\\N").then_some(column)
}

/// `pg_settings` prints real bounds with `%g`, so `DBL_MAX` appears as `1.79769e+308`, which is
/// below the real bound; map it (and its negative) back to the double's limits.
fn parse_real_bound(text: &str) -> Option<f64> {
    match text {
        "1.79769e+308" => Some(f64::MAX),
        "-1.79769e+308" => Some(f64::MIN),
        _ => text.parse().ok(),
    }
}

/// Splits a text-format array such as `{serializable,"repeatable read",""}`. The dumps hold no
/// escaped quotes or backslashes; an element that has them makes the line unparseable.
fn parse_enumvals(text: &'static str) -> Option<Vec<EnumOption>> {
    let inner = text.strip_prefix('{')?.strip_suffix('}')?;
    let mut options = Vec::new();
    let mut rest = inner;
    while !rest.is_empty() {
        let (element, after) = if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"')?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        };
        if element.contains('\\') {
            return None;
        }
        options.push(EnumOption {
            name: element,
            hidden: false,
            canonical: element,
        });
        rest = match after.strip_prefix(',') {
            Some(next) => next,
            None if after.is_empty() => after,
            None => return None,
        };
    }
    Some(options)
}
