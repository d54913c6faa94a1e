//! Rule fixtures: `fixtures/rules/<CODE>/ok_*` must give no finding of that rule,
//! `bad_*` at least one; the findings of each case (only that rule selected) are
//! snapshot-tested in concise form. A case is a file or a folder (a whole server: conf
//! files, pg_hba.conf, a pgconf.toml for options such as regions or the version).

use std::path::{Path, PathBuf};

use pgconf::cli::lint::lint_paths;
use pgconf::model::fs::RealFs;
use pgconf::rules::{CHECKS, find_rule};
use pgconf::settings::CliOverrides;

use crate::support::repo_dir;

fn cases(rule_dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(rule_dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    out.retain(|p| {
        let name = p.file_name().unwrap_or_default().to_string_lossy();
        name.starts_with("ok_") || name.starts_with("bad_")
    });
    out.sort();
    out
}

/// Concise findings of `code` on `case`, paths relative to the rule's fixture folder.
fn findings(code: &str, case: &Path) -> Vec<String> {
    // PG9002 reports suppressions of rules that ran and found nothing, so the PG9 cases run
    // with the default selection; only their own findings are kept below.
    let select = if code.starts_with("PG9") {
        Vec::new()
    } else {
        vec![code.to_string()]
    };
    let cli = CliOverrides {
        select,
        ..CliOverrides::default()
    };
    let run = lint_paths(&RealFs, &[case.to_path_buf()], &cli)
        .unwrap_or_else(|e| panic!("{}: {e}", case.display()));
    let base = case.parent().unwrap_or(case);
    let base = pgconf::model::paths::absolute(base, pgconf::model::version::PgVersion::NEWEST);
    run.diagnostics
        .iter()
        .filter(|d| d.code == code)
        .map(|d| {
            let source = run
                .servers
                .iter()
                .find_map(|s| pgconf::diagnostic::Sources::source(s, &d.primary.file));
            let (line, col) = source.map_or((0, 0), |s| s.line_col(d.primary.span.start));
            let file = d
                .primary
                .file
                .strip_prefix(&base)
                .unwrap_or(&d.primary.file);
            let mut text = format!(
                "{}:{line}:{col}: {} [{}] {}",
                file.display(),
                d.code,
                d.severity.as_str(),
                d.message
            );
            for note in &d.notes {
                text.push_str(&format!("\n    note: {note}"));
            }
            if let Some(fix) = &d.fix {
                text.push_str(&format!(
                    "\n    fix ({}): {}",
                    fix.applicability.as_str(),
                    fix.title
                ));
            }
            text
        })
        .collect()
}

#[test]
fn rule_fixtures() {
    let root = repo_dir().join("fixtures/rules");
    let mut failures = Vec::new();
    for (code, _) in CHECKS {
        let dir = root.join(code);
        let cases = cases(&dir);
        let has = |p: &str| {
            cases.iter().any(|c| {
                c.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(p))
            })
        };
        if !has("ok_") || !has("bad_") {
            failures.push(format!(
                "{code}: needs at least one ok_ and one bad_ case in {}",
                dir.display()
            ));
            continue;
        }
        for case in cases {
            let name = case
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let found = findings(code, &case);
            if name.starts_with("ok_") && !found.is_empty() {
                failures.push(format!(
                    "{code}/{name}: expected no finding, got:\n  {}",
                    found.join("\n  ")
                ));
            }
            if name.starts_with("bad_") && found.is_empty() {
                failures.push(format!("{code}/{name}: expected a finding, got none"));
            }
            if name.starts_with("bad_") {
                let snapshot = name.trim_end_matches(".conf").replace('.', "_");
                insta::with_settings!({snapshot_path => "snapshots/rules", prepend_module_to_snapshot => false}, {
                    insta::assert_snapshot!(format!("{code}__{snapshot}"), found.join("\n"));
                });
            }
        }
    }
    assert!(
        failures.is_empty(),
        "rule fixtures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_registered_check_has_a_rule_page() {
    for (code, _) in CHECKS {
        let rule = find_rule(code).unwrap();
        assert!(!rule.docs.trim().is_empty(), "{code} has no page");
    }
}
