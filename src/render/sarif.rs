//! SARIF 2.1.0 for GitHub code scanning: a small hand-written model (as ruff and cargo-deny do)
//! rather than generated types. `tool.driver.rules` lists every rule so `ruleIndex` is stable.

use std::io;
use std::path::Path;

use serde::Serialize;

use super::{json_item, region};
use crate::diagnostic::{Diagnostic, Severity, Sources};
use crate::rules::{RULES, rule_index};

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    /// Our columns count code points; SARIF's default is UTF-16 code units.
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    help_uri: String,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<SarifRegion>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRegion {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// One result, pretty-printed on its own.
pub(super) fn finding(d: &Diagnostic, sources: &dyn Sources) -> io::Result<Vec<u8>> {
    let result = SarifResult {
        rule_id: d.code,
        rule_index: rule_index(d.code),
        level: level(d.severity),
        message: Text {
            text: d.message.to_string(),
        },
        locations: [Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: uri(&d.primary.file),
                },
                region: region(sources, &d.primary).map(|r| SarifRegion {
                    start_line: r.line,
                    start_column: r.column,
                    end_line: r.end_line,
                    end_column: r.end_column,
                }),
            },
        }],
    };
    // `runs[0].results` is an array at level 3.
    json_item(&result, 3)
}

/// The log with no results. `results` is the last field of the last run, so the log's last
/// empty array is where the results rendered by [`finding`] go (then a newline ends the
/// output).
pub(super) fn empty_document() -> io::Result<Vec<u8>> {
    let rules = RULES
        .iter()
        .map(|r| ReportingDescriptor {
            id: r.code,
            name: r.name,
            short_description: Text {
                text: r.summary.to_string(),
            },
            help_uri: r.docs_url(),
            default_configuration: Configuration {
                level: level(r.severity),
            },
        })
        .collect();
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "pgconf",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: "https://github.com/pgconf/pgconf",
                    rules,
                },
            },
            column_kind: "unicodeCodePoints",
            results: Vec::new(),
        }],
    };
    Ok(serde_json::to_vec_pretty(&log)?)
}

/// A relative path stays a relative URI reference (code scanning resolves it against the
/// checkout); an absolute one becomes a `file://` URI. Characters outside RFC 3986's unreserved
/// and `/` set are percent-encoded.
fn uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut out = String::with_capacity(text.len());
    if path.is_absolute() {
        out.push_str("file://");
        if !text.starts_with('/') {
            out.push('/');
        }
    }
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(uri(Path::new("conf.d/a b.conf")), "conf.d/a%20b.conf");
        assert_eq!(
            uri(Path::new("/etc/pg/x%.conf")),
            "file:///etc/pg/x%25.conf"
        );
        assert_eq!(uri(Path::new("é.conf")), "%C3%A9.conf");
    }
}
