//! Every corpus file, linted alone through `lint_paths`: no panic, every finding points into a
//! file of the run with a span inside it, and for conf files PG1001 appears exactly when the
//! model's startup verdict (what `pgconf show` prints, oracle-checked by the conformance suite)
//! holds a syntax error. Prints how many findings each rule made, to spot noise.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use pgconf::cli::lint::lint_paths;
use pgconf::diagnostic::Sources;
use pgconf::model::config_set::{AutoConf, ConfigSet, LoadOptions};
use pgconf::model::fs::RealFs;
use pgconf::model::version::PgVersion;
use pgconf::settings::CliOverrides;

use crate::support::{files_below, shared_dir, skip_without_shared};

#[test]
fn corpus_files_lint_cleanly_alone() {
    let Some(shared) = shared_dir() else {
        return skip_without_shared("corpus_files_lint_cleanly_alone");
    };
    let mut failures = Vec::new();
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut files = 0;
    for dir in ["conf", "auto", "hba", "ident"] {
        for path in files_below(&shared.join("corpus").join(dir)) {
            files += 1;
            let run = catch_unwind(AssertUnwindSafe(|| {
                lint_paths(
                    &RealFs,
                    std::slice::from_ref(&path),
                    &CliOverrides::default(),
                )
            }));
            let run = match run {
                Ok(Ok(run)) => run,
                Ok(Err(e)) => {
                    failures.push(format!("{}: {e}", path.display()));
                    continue;
                }
                Err(_) => {
                    failures.push(format!("{}: panicked", path.display()));
                    continue;
                }
            };
            for d in &run.diagnostics {
                *counts.entry(d.code).or_default() += 1;
                let source = run.servers.iter().find_map(|s| s.source(&d.primary.file));
                match source {
                    None => failures.push(format!(
                        "{}: {} points into {}, which the run does not have",
                        path.display(),
                        d.code,
                        d.primary.file.display()
                    )),
                    Some(s)
                        if d.primary.span.end > s.len()
                            || d.primary.span.start > d.primary.span.end =>
                    {
                        failures.push(format!(
                            "{}: {} span {:?} outside {} bytes",
                            path.display(),
                            d.code,
                            d.primary.span,
                            s.len()
                        ))
                    }
                    Some(_) => {}
                }
            }
            if dir == "conf" || dir == "auto" {
                let reported = run.diagnostics.iter().any(|d| d.code == "PG1001");
                let expected = syntax_error_at_startup(&path);
                if reported != expected {
                    failures.push(format!(
                        "{}: PG1001 reported: {reported}, startup syntax error: {expected}",
                        path.display()
                    ));
                }
            }
        }
    }
    eprintln!("corpus lint: {files} files; findings per rule: {counts:?}");
    assert!(
        files >= 400,
        "expected the whole corpus, found {files} files"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Whether `pgconf show` reports a syntax error among the startup errors of `path`.
fn syntax_error_at_startup(path: &Path) -> bool {
    let options = LoadOptions {
        version: PgVersion::NEWEST,
        auto: AutoConf::Discover,
        roots: None,
    };
    ConfigSet::load(&RealFs, path, &options).is_ok_and(|set| {
        set.startup
            .errors
            .iter()
            .any(|e| e.message.starts_with("syntax error"))
    })
}
