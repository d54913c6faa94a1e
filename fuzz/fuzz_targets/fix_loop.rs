//! The fix loop on a whole server in memory: postgresql.conf, pg_hba.conf, postgresql.auto.conf
//! and one file of `conf.d/`, split at 0x1e, linted and fixed as a server of the version the
//! first byte picks (its other bits: unsafe fixes, a ClickPipes region, `--hostssl`,
//! `--allow-any-source`). Properties: no panic; the loop reaches its fixpoint; no pass breaks a
//! file (nothing reverted, no syntax error that was not there before); fixing the result again
//! changes nothing; every line no edit touched is still there, byte for byte.
#![no_main]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use pgconf::cli::lint::LintRun;
use pgconf::diagnostic::Applicability;
use pgconf::fix::{EditedFs, FixRun, fix_paths};
use pgconf::model::version::PgVersion;
use pgconf::settings::CliOverrides;
use pgconf_fuzz::{lines_touched, mem_fs, split_files, untouched_lines_kept};

/// Where the files of one input go; `include_dir 'conf.d'` finds the last one.
const PATHS: [&str; 4] = [
    "/d/postgresql.conf",
    "/d/pg_hba.conf",
    "/d/postgresql.auto.conf",
    "/d/conf.d/a.conf",
];

/// The options of one run, from the first byte of the input.
fn options(selector: u8) -> (CliOverrides, Applicability) {
    let version = PgVersion::ALL[usize::from(selector & 0x07) % PgVersion::ALL.len()];
    let cli = CliOverrides {
        pg_version: Some(version.major().to_string()),
        regions: if selector & 0x10 != 0 {
            vec!["us-east-2".into()]
        } else {
            Vec::new()
        },
        hostssl: selector & 0x20 != 0,
        allow_any_source: selector & 0x40 != 0,
        ..CliOverrides::default()
    };
    let min = if selector & 0x08 != 0 {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    (cli, min)
}

/// Syntax errors (family 1) in `file`.
fn syntax_errors(run: &LintRun, file: &Path) -> usize {
    run.diagnostics
        .iter()
        .filter(|d| d.code.starts_with("PG1") && *d.primary.file == *file)
        .count()
}

/// The spans of `file` that the first lint's fixes (of at least `min`) would edit.
fn fix_spans(run: &FixRun, file: &Path, min: Applicability) -> Vec<(usize, usize)> {
    run.before
        .diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .filter(|f| f.applicability >= min)
        .flat_map(|f| &f.edits)
        .filter(|e| *e.file == *file)
        .map(|e| (e.span.start as usize, e.span.end as usize))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let (cli, min) = options(selector);
    let files = split_files(rest, PATHS.len());
    let fs = mem_fs(&PATHS, &files);
    let paths = [PathBuf::from("/d")];
    let run = match fix_paths(&fs, &paths, &cli, min) {
        Ok(run) => run,
        Err(e) => panic!("the fixer failed on files it could read: {e}"),
    };
    assert!(
        run.converged,
        "no fixpoint after {} passes",
        pgconf::fix::MAX_PASSES
    );
    assert!(run.reverted.is_empty(), "a pass broke {:?}", run.reverted);

    for (path, (old, new)) in &run.changes {
        assert!(
            syntax_errors(&run.after, path) <= syntax_errors(&run.before, path),
            "new syntax errors in {}",
            path.display()
        );
        let touched = lines_touched(old, fix_spans(&run, path, min));
        if let Err(e) = untouched_lines_kept(old, new, &touched) {
            panic!("{}: {e}", path.display());
        }
    }

    // Fixing the fixed files again changes nothing.
    let fixed: BTreeMap<PathBuf, Vec<u8>> = run
        .changes
        .iter()
        .map(|(path, (_, new))| (path.clone(), new.clone()))
        .collect();
    let again = EditedFs {
        base: &fs,
        files: &fixed,
    };
    let second = match fix_paths(&again, &paths, &cli, min) {
        Ok(run) => run,
        Err(e) => panic!("the fixer failed on its own output: {e}"),
    };
    assert!(
        second.changes.is_empty() && second.applied.is_empty(),
        "fixing twice is not fixing once: the second run applied {:?} to {:?}",
        second.applied.iter().map(|f| f.code).collect::<Vec<_>>(),
        second.changes.keys().collect::<Vec<_>>()
    );
});
