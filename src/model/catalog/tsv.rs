//! Reads the embedded `pg_settings` dumps (`pg-oracle NN settings`: tab-separated columns
//! `name vartype unit min_val max_val enumvals boot_val context category`, NULL as `\N`).

use super::{Bounds, Context, EnumOption, Param, Unit, VarType};

/// Parses a whole dump. Lines that do not parse are skipped; the catalog tests check that every
/// data line of every version becomes a parameter.
///
/// Every pgconf run pays for this once (the lint of a small cluster spent a third of its
/// instructions here), so the lines are found with one `memchr` each and their columns in
/// one pass over the bytes: `str::split('\t')` searched for each tab with a call of its own.
pub(super) fn parse_pg_settings(data: &'static str) -> Vec<Param> {
    let mut params = Vec::with_capacity(memchr::memchr_iter(b'\n', data.as_bytes()).count());
    let mut rest = data;
    while !rest.is_empty() {
        let (line, after) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(end) => (&rest[..end], &rest[end + 1..]),
            None => (rest, ""),
        };
        rest = after;
        if line.starts_with('#') || line.starts_with("name\t") {
            continue;
        }
        if let Some(param) = columns(line).and_then(parse_line) {
            params.push(param);
        }
    }
    params
}

/// The nine columns of a line; `None` for fewer. The category runs to the end of the line:
/// no dump has a tenth column (`tests::columns_match_split`), so its bytes, the longest
/// column, are not searched.
fn columns(line: &'static str) -> Option<[&'static str; 9]> {
    let mut columns = [""; 9];
    let mut found = 0;
    let mut start = 0;
    for (i, byte) in line.bytes().enumerate() {
        if byte == b'\t' {
            columns[found] = &line[start..i];
            found += 1;
            start = i + 1;
            if found == 8 {
                break;
            }
        }
    }
    if found < 8 {
        return None;
    }
    columns[8] = &line[start..];
    Some(columns)
}

fn parse_line(columns: [&'static str; 9]) -> Option<Param> {
    let [
        name,
        vartype,
        unit,
        min,
        max,
        enumvals,
        boot_value,
        context,
        category,
    ] = columns.map(null_as_none);
    let name = name?;
    let vartype = match vartype? {
        "bool" => VarType::Bool,
        "integer" => VarType::Integer,
        "real" => VarType::Real,
        "string" => VarType::String,
        "enum" => VarType::Enum,
        _ => return None,
    };
    let unit = match unit {
        Some(text) => Some(Unit::from_pg_settings(text)?),
        None => None,
    };
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
    let enum_options = match enumvals {
        Some(text) => parse_enumvals(text)?,
        None => Vec::new(),
    };
    let context = Context::from_pg_settings(context?)?;
    let category = category.unwrap_or("");
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::catalog::settings_tsv;
    use crate::model::version::PgVersion;

    /// The columns as `split('\t')` gives them, which the reader used before.
    fn split_columns(line: &'static str) -> Option<[&'static str; 9]> {
        let mut split = line.split('\t');
        let mut columns = [""; 9];
        for column in &mut columns {
            *column = split.next()?;
        }
        Some(columns)
    }

    #[test]
    fn columns_match_split() {
        for line in [
            "",
            "a",
            "a\tb",
            "1\t2\t3\t4\t5\t6\t7\t8",
            "1\t2\t3\t4\t5\t6\t7\t8\t",
            "1\t2\t3\t4\t5\t6\t7\t8\t9",
            "\t\t\t\t\t\t\t\t",
        ] {
            assert_eq!(columns(line), split_columns(line), "{line:?}");
        }
        for version in PgVersion::ALL {
            for line in settings_tsv(version).lines() {
                assert_eq!(columns(line), split_columns(line), "{line:?}");
            }
        }
    }

    #[test]
    fn lines_are_those_of_str_lines() {
        for version in PgVersion::ALL {
            let data = settings_tsv(version);
            let expected: Vec<Param> = data
                .lines()
                .filter(|line| !line.starts_with('#') && !line.starts_with("name\t"))
                .filter_map(|line| split_columns(line).and_then(parse_line))
                .collect();
            assert_eq!(parse_pg_settings(data), expected, "version {version}");
        }
    }
}
