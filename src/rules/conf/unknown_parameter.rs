//! PG2001 unknown-parameter: a name without a dot that the version does not know. The server
//! checks every name before any value, and one unknown name means nothing applies.
//!
//! Branches: a name that starts with a UTF-8 byte order mark; a name of other versions
//! (removed, renamed, or not yet added), with the replacement when there is one; a name
//! from before PostgreSQL 12; a typo, with the closest name of the version.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use foldhash::fast::RandomState;

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, smallvec};
use crate::lint::server::Server;
use crate::model::catalog::Catalog;
use crate::model::version::PgVersion;
use crate::rules::Context;
use crate::source::text::escape_bytes;

use super::{NOTHING_APPLIES, Reported};

/// Parameters removed or renamed: (old name, successor, advice). Used when no modelled version
/// at or after the linted one knows the name.
const REPLACED: &[(&str, Option<&str>, &str)] = &[
    (
        "checkpoint_segments",
        Some("max_wal_size"),
        "replaced by max_wal_size and min_wal_size in 9.5",
    ),
    (
        "standby_mode",
        None,
        "removed in 12: create a standby.signal file in the data directory instead",
    ),
    (
        "trigger_file",
        None,
        "renamed promote_trigger_file in 12, which was removed in 16: use pg_ctl promote or \
         pg_promote()",
    ),
    (
        "unix_socket_directory",
        Some("unix_socket_directories"),
        "replaced by unix_socket_directories in 9.3",
    ),
    (
        "min_parallel_relation_size",
        Some("min_parallel_table_scan_size"),
        "replaced by min_parallel_table_scan_size in 10",
    ),
    (
        "custom_variable_classes",
        None,
        "removed in 9.2: names with a dot need no declaration",
    ),
    (
        "max_fsm_pages",
        None,
        "removed in 8.4: the free space map sizes itself",
    ),
    (
        "max_fsm_relations",
        None,
        "removed in 8.4: the free space map sizes itself",
    ),
    (
        "ssl_renegotiation_limit",
        None,
        "removed in 9.5: SSL renegotiation is no longer done",
    ),
    (
        "sql_inheritance",
        None,
        "removed in 10: inheritance is always on (name tables with ONLY to exclude children)",
    ),
    (
        "wal_keep_segments",
        Some("wal_keep_size"),
        "replaced by wal_keep_size in 13 (in MB: segments × 16MB)",
    ),
    (
        "force_parallel_mode",
        Some("debug_parallel_query"),
        "renamed debug_parallel_query in 16",
    ),
    (
        "promote_trigger_file",
        None,
        "removed in 16: use pg_ctl promote or pg_promote()",
    ),
    (
        "vacuum_defer_cleanup_age",
        None,
        "removed in 16: use hot_standby_feedback or replication slots",
    ),
    (
        "stats_temp_directory",
        None,
        "removed in 15: statistics are kept in shared memory",
    ),
];

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let server = ctx.server;
    let Some(index) = ctx.setting_index() else {
        return;
    };
    let mut reported = Reported::default();
    // What is said about each spelling, worked out once: a generated file can repeat one
    // unknown name a million times, and each finding asked every modelled catalog again.
    let mut described: HashMap<&[u8], Described, RandomState> = HashMap::default();
    // The closest name of each lowercase spelling.
    let mut typos: HashMap<String, Option<String>> = HashMap::new();
    for entry in index.entries() {
        // The parameter first: a known name needs no scan for a dot.
        if entry.param.is_some() || entry.name.contains(&b'.') {
            continue;
        }
        let name_span = entry.setting.name.span;
        if !reported.first(entry.path(), name_span) {
            continue;
        }
        let about = described
            .entry(entry.name)
            .or_insert_with(|| describe(entry.name, server, &mut typos));
        let mut reporter = ctx.reporter("PG2001", entry.path(), out);
        let file = Arc::clone(reporter.file());
        let d = reporter.report(name_span, about.message.clone());
        d.notes.clone_from(&about.notes);
        if let Some(name) = &about.replacement {
            d.fix = Some(Fix {
                title: format!("Rename to `{name}`").into(),
                // A successor may take values in another unit; a person decides.
                applicability: Applicability::DisplayOnly,
                edits: smallvec![Edit {
                    file,
                    span: name_span,
                    replacement: name.clone().into_bytes().into(),
                }],
            });
        }
    }
}

/// A finding's message, notes and suggested name: they depend on the spelling alone.
struct Described {
    message: String,
    notes: Vec<String>,
    replacement: Option<String>,
}

fn describe(
    name: &[u8],
    server: &Server,
    typos: &mut HashMap<String, Option<String>>,
) -> Described {
    let version = server.version;
    let catalog = Catalog::get(version);
    let shown = escape_bytes(name);
    let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
    let present = versions_with(name);
    let mut message = format!("unrecognized configuration parameter \"{shown}\"");
    let mut notes = Vec::new();
    let mut replacement: Option<String> = None;
    let bom_free = name.strip_prefix(b"\xEF\xBB\xBF");
    if let Some(param) = bom_free.and_then(|rest| catalog.lookup(rest)) {
        message = format!(
            "unrecognized configuration parameter \"{}\" preceded by a UTF-8 byte order mark",
            param.name()
        );
        notes.push(format!(
            "the server reads the byte order mark as part of the first name, so `{}` is \
             not found; remove the mark (PG5001)",
            param.name()
        ));
    } else if let Some(&(_, successor, advice)) = REPLACED
        .iter()
        .find(|(old, ..)| *old == lower)
        .filter(|_| present.iter().all(|v| *v < version))
    {
        message.push_str(&format!(": {advice}"));
        if !present.is_empty() {
            notes.push(format!(
                "`{shown}` exists in PostgreSQL {}",
                version_range(&present)
            ));
        }
        replacement = successor
            .filter(|s| catalog.lookup(s.as_bytes()).is_some())
            .map(str::to_string);
    } else if let (Some(first), Some(last)) = (present.first(), present.last()) {
        if *last < version {
            message.push_str(&format!(
                ": it exists in PostgreSQL {} and was removed in {}",
                version_range(&present),
                last.major() + 1
            ));
        } else if *first > version {
            message.push_str(&format!(
                ": it is new in PostgreSQL {first}, and this is {version}"
            ));
        } else {
            message.push_str(&format!(
                ": it exists in PostgreSQL {}",
                version_range(&present)
            ));
        }
    } else {
        replacement = typos
            .entry(lower.clone())
            .or_insert_with(|| closest_name(version, &lower))
            .clone();
    }
    if let Some(name) = &replacement {
        message.push_str(&format!("; did you mean \"{name}\"?"));
    }
    if !present.is_empty() && !server.version_known {
        notes.push(format!(
            "the PostgreSQL version was assumed to be {version}: set `[postgres] version` in \
             pgconf.toml or pass --pg-version"
        ));
    }
    notes.push(NOTHING_APPLIES.into());
    Described {
        message,
        notes,
        replacement,
    }
}

/// The modelled versions that know `name`.
fn versions_with(name: &[u8]) -> Vec<PgVersion> {
    PgVersion::ALL
        .into_iter()
        .filter(|v| Catalog::get(*v).lookup(name).is_some())
        .collect()
}

/// `12`, `12–15`, `13+`, or a list when the versions are not contiguous.
fn version_range(versions: &[PgVersion]) -> String {
    let (Some(first), Some(last)) = (versions.first(), versions.last()) else {
        return String::new();
    };
    let contiguous = usize::from(last.major() - first.major()) + 1 == versions.len();
    if !contiguous {
        let list: Vec<String> = versions.iter().map(ToString::to_string).collect();
        return list.join(", ");
    }
    if first == last {
        first.to_string()
    } else if *last == PgVersion::NEWEST {
        format!("{first}+")
    } else {
        format!("{first}–{last}")
    }
}

/// The version's parameter closest to `name` (lowercase), if it is close enough to be a typo.
///
/// Only a candidate within `2 × limit` edits can be the answer, so candidates that cannot be
/// that close (by length, or by the letters they hold) are not measured: a file of 100,000
/// unknown names took over a minute when each was measured against the whole catalog.
pub fn closest_name(version: PgVersion, name: &str) -> Option<String> {
    let limit = (name.len() / 5).clamp(1, 3);
    let letters = Letters::of(name);
    let mut best: Option<(usize, f64, &str)> = None;
    for candidate in candidates(version) {
        if candidate.lower.len().abs_diff(name.len()) > 2 * limit
            || letters.min_edits(&candidate.letters) > 2 * limit
        {
            continue;
        }
        let distance = strsim::damerau_levenshtein(name, &candidate.lower);
        let similarity = strsim::jaro_winkler(name, &candidate.lower);
        let better = match best {
            None => true,
            Some((d, s, _)) => distance < d || (distance == d && similarity > s),
        };
        if better {
            best = Some((distance, similarity, candidate.name));
        }
    }
    let (distance, similarity, candidate) = best?;
    (distance <= limit || (similarity >= 0.93 && distance <= 2 * limit))
        .then(|| candidate.to_string())
}

/// A parameter that can be suggested, in the forms [`closest_name`] compares.
struct Candidate {
    name: &'static str,
    lower: String,
    letters: Letters,
}

/// The version's settable parameters (read-only ones cannot be set, so they are no
/// suggestion), built once per version.
fn candidates(version: PgVersion) -> &'static [Candidate] {
    static BY_VERSION: [OnceLock<Vec<Candidate>>; PgVersion::ALL.len()] =
        [const { OnceLock::new() }; PgVersion::ALL.len()];
    let slot = usize::from(version.major() - PgVersion::OLDEST.major());
    BY_VERSION[slot].get_or_init(|| {
        Catalog::get(version)
            .params()
            .filter(|p| !p.is_internal())
            .map(|p| {
                let lower = p.name().to_ascii_lowercase();
                Candidate {
                    name: p.name(),
                    letters: Letters::of(&lower),
                    lower,
                }
            })
            .collect()
    })
}

/// How many times each byte occurs, folded into 64 buckets.
#[derive(Clone, Copy)]
struct Letters([u16; 64]);

impl Letters {
    fn of(text: &str) -> Letters {
        let mut counts = [0u16; 64];
        for b in text.bytes() {
            let bucket = &mut counts[usize::from(b % 64)];
            *bucket = bucket.saturating_add(1);
        }
        Letters(counts)
    }

    /// A lower bound of the Damerau–Levenshtein distance between the two texts: an insertion
    /// or deletion changes one count by one, a substitution two counts, a transposition none.
    fn min_edits(&self, other: &Letters) -> usize {
        let differences: usize = (self.0.iter().zip(&other.0))
            .map(|(a, b)| usize::from(a.abs_diff(*b)))
            .sum();
        differences.div_ceil(2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The measure of every candidate, as `closest_name` was before it skipped any.
    fn closest_by_scanning_all(version: PgVersion, name: &str) -> Option<String> {
        let mut best: Option<(usize, f64, &str)> = None;
        for param in Catalog::get(version).params().filter(|p| !p.is_internal()) {
            let lower = param.name().to_ascii_lowercase();
            let distance = strsim::damerau_levenshtein(name, &lower);
            let similarity = strsim::jaro_winkler(name, &lower);
            if best.is_none_or(|(d, s, _)| distance < d || (distance == d && similarity > s)) {
                best = Some((distance, similarity, param.name()));
            }
        }
        let (distance, similarity, candidate) = best?;
        let limit = (name.len() / 5).clamp(1, 3);
        (distance <= limit || (similarity >= 0.93 && distance <= 2 * limit))
            .then(|| candidate.to_string())
    }

    #[test]
    fn skipping_far_candidates_changes_no_answer() {
        let v = PgVersion::NEWEST;
        let mut names: Vec<String> = Vec::new();
        for p in Catalog::get(v).params().step_by(7) {
            let n = p.name().to_ascii_lowercase();
            let bytes = n.as_bytes();
            names.push(n[1..].to_string());
            names.push(format!("{n}x"));
            names.push(n.replace('_', ""));
            if bytes.len() > 3 {
                let mut swapped = bytes.to_vec();
                swapped.swap(1, 2);
                names.push(String::from_utf8_lossy(&swapped).into_owned());
                names.push(format!(
                    "{}{}",
                    &n[..bytes.len() / 2],
                    &n[bytes.len() / 2 + 2..]
                ));
            }
        }
        names.extend(
            [
                "a",
                "ab",
                "x_y_z",
                "my_custom_thing",
                "shared_memory",
                "walsender",
            ]
            .map(String::from),
        );
        for name in &names {
            assert_eq!(
                closest_name(v, name),
                closest_by_scanning_all(v, name),
                "{name}"
            );
        }
    }

    #[test]
    fn typos_find_their_parameter_and_strangers_do_not() {
        let v = PgVersion::NEWEST;
        assert_eq!(
            closest_name(v, "shared_bufers").as_deref(),
            Some("shared_buffers")
        );
        assert_eq!(
            closest_name(v, "max_conections").as_deref(),
            Some("max_connections")
        );
        assert_eq!(closest_name(v, "wal_levle").as_deref(), Some("wal_level"));
        assert_eq!(closest_name(v, "foo"), None);
        assert_eq!(closest_name(v, "shared_memory"), None);
        assert_eq!(closest_name(v, "my_custom_thing"), None);
    }

    #[test]
    fn ranges_read_naturally() {
        let v = |m| PgVersion::new(m).unwrap_or_default();
        assert_eq!(version_range(&[v(12)]), "12");
        assert_eq!(version_range(&[v(12), v(13), v(14)]), "12–14");
        assert_eq!(version_range(&[v(17), v(18)]), "17+");
        assert_eq!(version_range(&[v(12), v(14)]), "12, 14");
    }
}
