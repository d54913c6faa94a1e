//! The fixer, proved on whole servers and on every corpus file.
//!
//! `fixtures/fix/<case>/` is a server's folder (postgresql.conf, includes, conf.d/,
//! postgresql.auto.conf, pg_hba.conf, a pgconf.toml for the version and region) and an
//! optional `fix-args` file with the `pgconf fix` flags of the case. For each case, in memory:
//! the unified diff of the fix is snapshot-tested; fixing the fixed files again changes
//! nothing; no finding with a fix of the applied applicability is left; no line the edits did
//! not touch changed. Every file of `../shared/corpus/` is fixed alone (us-east-2, unsafe
//! fixes on) and must keep every untouched line byte for byte, with no new syntax error.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use pgconf::cli::lint::{LintRun, lint_paths};
use pgconf::diagnostic::Applicability;
use pgconf::fix::diff::unified_diff;
use pgconf::fix::{EditedFs, FixRun, fix_paths};
use pgconf::model::fs::{MemFs, RealFs};
use pgconf::settings::CliOverrides;
use similar::{DiffOp, TextDiff};

use crate::support::{files_below, repo_dir, shared_dir, skip_without_shared};

/// The `pgconf fix` flags of a case (`fix-args`), as the library takes them.
struct CaseArgs {
    cli: CliOverrides,
    min: Applicability,
}

fn case_args(case: &Path) -> CaseArgs {
    let mut cli = CliOverrides::default();
    let mut min = Applicability::Safe;
    let text = std::fs::read_to_string(case.join("fix-args")).unwrap_or_default();
    let mut words = text.split_whitespace();
    while let Some(word) = words.next() {
        let mut value = || {
            words
                .next()
                .unwrap_or_else(|| panic!("{}: {word} needs a value", case.display()))
                .to_string()
        };
        match word {
            "--unsafe-fixes" => min = Applicability::Unsafe,
            "--hostssl" => cli.hostssl = true,
            "--allow-any-source" => cli.allow_any_source = true,
            "--allow-source" => cli.allow_sources.push(value()),
            "--region" => cli.regions.push(value()),
            "--pg-version" => cli.pg_version = Some(value()),
            other => panic!("{}/fix-args: unknown flag {other}", case.display()),
        }
    }
    CaseArgs { cli, min }
}

/// Fixed bytes of every changed file, keyed as `EditedFs` expects.
fn fixed_files(run: &FixRun) -> BTreeMap<PathBuf, Vec<u8>> {
    run.changes
        .iter()
        .map(|(path, (_, new))| (path.clone(), new.clone()))
        .collect()
}

/// Findings that a fix of at least `min` applicability could still change, one per line.
fn fixable(run: &LintRun, min: Applicability) -> Vec<String> {
    run.diagnostics
        .iter()
        .filter(|d| d.fix.as_ref().is_some_and(|f| f.applicability >= min))
        .map(|d| {
            format!(
                "{} {} {}: {}",
                d.primary.file.display(),
                d.code,
                d.message,
                d.fix.as_ref().map(|f| f.title.as_ref()).unwrap_or_default()
            )
        })
        .collect()
}

/// 0-based numbers of the lines of `old` that the diff to `new` deletes or replaces, and the
/// number of lines it inserts.
fn changed_lines(old: &[u8], new: &[u8]) -> (BTreeSet<usize>, usize) {
    let diff = TextDiff::from_lines(old, new);
    let mut changed = BTreeSet::new();
    let mut inserted = 0;
    for op in diff.ops() {
        match *op {
            DiffOp::Equal { .. } => {}
            DiffOp::Delete {
                old_index, old_len, ..
            } => changed.extend(old_index..old_index + old_len),
            DiffOp::Insert { new_len, .. } => inserted += new_len,
            DiffOp::Replace {
                old_index,
                old_len,
                new_len,
                ..
            } => {
                changed.extend(old_index..old_index + old_len);
                inserted += new_len;
            }
        }
    }
    (changed, inserted)
}

/// 0-based line of byte `offset` of `bytes`.
fn line_of(bytes: &[u8], offset: usize) -> usize {
    memchr_count(&bytes[..offset.min(bytes.len())])
}

fn memchr_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// Lines of `file` that the fixes of the first lint (those of at least `min`) edit: every
/// line an edit's span covers, and for an insertion the line it lands in.
fn edited_lines(before: &LintRun, file: &Path, old: &[u8], min: Applicability) -> BTreeSet<usize> {
    let mut lines = BTreeSet::new();
    for d in &before.diagnostics {
        let Some(fix) = d.fix.as_ref().filter(|f| f.applicability >= min) else {
            continue;
        };
        for e in fix.edits.iter().filter(|e| *e.file == *file) {
            let start = e.span.start as usize;
            let end = e.span.end as usize;
            let last = if end > start { end - 1 } else { start };
            lines.extend(line_of(old, start)..=line_of(old, last));
        }
    }
    lines
}

/// Every line the diff changes is one an edit touched; the diff of the file when not.
fn untouched_lines_identical(
    name: &str,
    old: &[u8],
    new: &[u8],
    edited: &BTreeSet<usize>,
) -> Result<(), String> {
    let (changed, _) = changed_lines(old, new);
    let stray: Vec<usize> = changed.difference(edited).copied().collect();
    if stray.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{name}: lines {:?} changed but no edit touched them (edited: {:?})\n{}",
        stray.iter().map(|l| l + 1).collect::<Vec<_>>(),
        edited.iter().map(|l| l + 1).collect::<Vec<_>>(),
        String::from_utf8_lossy(&unified_diff(name, old, new))
    ))
}

fn fix_cases() -> Vec<PathBuf> {
    let root = repo_dir().join("fixtures/fix");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

#[test]
fn fix_fixtures() {
    let cases = fix_cases();
    assert!(cases.len() >= 15, "expected the fix cases, found {cases:?}");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let args = case_args(case);
        let paths = [case.clone()];
        let first = fix_paths(&RealFs, &paths, &args.cli, args.min)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let base = pgconf::model::paths::absolute(case, pgconf::model::version::PgVersion::NEWEST);
        let rel = |p: &Path| p.strip_prefix(&base).unwrap_or(p).display().to_string();

        // The snapshot: what changed, and which fixes did it.
        let mut shown = String::new();
        for fix in &first.applied {
            shown.push_str(&format!(
                "# {} {}: {}\n",
                rel(&fix.file),
                fix.code,
                fix.title
            ));
        }
        for (path, (old, new)) in &first.changes {
            shown.push_str(&String::from_utf8_lossy(&unified_diff(
                &rel(path),
                old,
                new,
            )));
        }
        insta::with_settings!({snapshot_path => "snapshots/fix", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(name.clone(), shown);
        });

        if first.changes.is_empty() {
            failures.push(format!("{name}: the fix changed nothing"));
        }
        if !first.converged {
            failures.push(format!(
                "{name}: no fixpoint after {} passes",
                pgconf::fix::MAX_PASSES
            ));
        }
        if !first.reverted.is_empty() {
            failures.push(format!(
                "{name}: fixes broke and were reverted: {:?}",
                first.reverted
            ));
        }
        for (path, (old, new)) in &first.changes {
            let edited = edited_lines(&first.before, path, old, args.min);
            if let Err(e) = untouched_lines_identical(&rel(path), old, new, &edited) {
                failures.push(e);
            }
            // Inserted lines end the way the file's lines do.
            if old.windows(2).any(|w| w == b"\r\n") {
                let lf_only = new
                    .split_inclusive(|&b| b == b'\n')
                    .filter(|l| l.ends_with(b"\n") && !l.ends_with(b"\r\n"))
                    .count();
                if lf_only > 0 {
                    failures.push(format!(
                        "{name}: {} has {lf_only} LF-only lines after the fix of a CRLF file",
                        rel(path)
                    ));
                }
            }
        }

        // Fixing the fixed files changes nothing, and nothing fixable is left.
        let files = fixed_files(&first);
        let edited = EditedFs {
            base: &RealFs,
            files: &files,
        };
        let second = fix_paths(&edited, &paths, &args.cli, args.min)
            .unwrap_or_else(|e| panic!("{name} (second fix): {e}"));
        if !second.changes.is_empty() || !second.applied.is_empty() {
            let mut diff = String::new();
            for (path, (old, new)) in &second.changes {
                diff.push_str(&String::from_utf8_lossy(&unified_diff(
                    &rel(path),
                    old,
                    new,
                )));
            }
            failures.push(format!(
                "{name}: fixing twice is not fixing once; the second fix applied {:?}:\n{diff}",
                second.applied.iter().map(|f| f.code).collect::<Vec<_>>()
            ));
        }
        let after = lint_paths(&edited, &paths, &args.cli)
            .unwrap_or_else(|e| panic!("{name} (lint after fix): {e}"));
        let left = fixable(&after, args.min);
        if !left.is_empty() {
            failures.push(format!(
                "{name}: fixable findings left:\n  {}",
                left.join("\n  ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The kind of a corpus file from its folder, and the name pgconf reads it under.
fn corpus_name(kind: &str) -> Option<&'static str> {
    match kind {
        "conf" => Some("postgresql.conf"),
        "auto" => Some("postgresql.auto.conf"),
        "hba" => Some("pg_hba.conf"),
        "ident" => Some("pg_ident.conf"),
        _ => None,
    }
}

fn syntax_errors(run: &LintRun, file: &Path) -> usize {
    run.diagnostics
        .iter()
        .filter(|d| d.code.starts_with("PG1") && *d.primary.file == *file)
        .count()
}

#[test]
fn corpus_fix_keeps_untouched_lines() {
    let Some(shared) = shared_dir() else {
        skip_without_shared("corpus_fix_keeps_untouched_lines");
        return;
    };
    let corpus = shared.join("corpus");
    let cli = CliOverrides {
        regions: vec!["us-east-2".into()],
        ..CliOverrides::default()
    };
    let min = Applicability::Unsafe;
    let (mut checked, mut changed) = (0, 0);
    let mut failures = Vec::new();
    for path in files_below(&corpus) {
        let kind = path
            .strip_prefix(&corpus)
            .ok()
            .and_then(|p| p.components().next())
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(name) = corpus_name(&kind) else {
            continue;
        };
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let dir = Path::new("/corpus");
        let file = dir.join(name);
        let mut fs = MemFs::new().with(&file, &bytes);
        // auto.conf is read beside a main file; an empty one adds nothing to edit but itself.
        let target = if kind == "auto" {
            fs = fs.with(dir.join("postgresql.conf"), "");
            dir.join("postgresql.conf")
        } else {
            file.clone()
        };
        let label = path
            .strip_prefix(&corpus)
            .unwrap_or(&path)
            .display()
            .to_string();
        let run = match fix_paths(&fs, &[target], &cli, min) {
            Ok(run) => run,
            Err(e) => {
                failures.push(format!("{label}: {e}"));
                continue;
            }
        };
        checked += 1;
        if !run.reverted.is_empty() {
            failures.push(format!("{label}: a fix broke the file and was reverted"));
        }
        let Some((old, new)) = run.changes.get(&file) else {
            continue;
        };
        changed += 1;
        assert_eq!(old, &bytes, "{label}: the fixer's original is not the file");
        let edited = edited_lines(&run.before, &file, old, min);
        if let Err(e) = untouched_lines_identical(&label, old, new, &edited) {
            failures.push(e);
        }
        let (before, after) = (
            syntax_errors(&run.before, &file),
            syntax_errors(&run.after, &file),
        );
        if after > before {
            failures.push(format!(
                "{label}: {before} syntax errors before the fix, {after} after"
            ));
        }
        // The fixed file reads back: a fresh lint of it sees no more syntax errors either.
        let fs_after = MemFs::new().with(&file, new);
        if let Ok(relint) = lint_paths(&fs_after, std::slice::from_ref(&file), &cli)
            && kind != "auto"
            && syntax_errors(&relint, &file) > before
        {
            failures.push(format!("{label}: new syntax errors when read again"));
        }
    }
    eprintln!("corpus fix: {checked} files fixed in memory, {changed} changed");
    assert!(checked > 100, "only {checked} corpus files were checked");
    assert!(
        changed > 0,
        "no corpus file changed: the check proves nothing"
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Found by the `fix_loop` fuzz target: a comment that starts like a commented default but is
/// not a valid setting line (`#wal_level = replica x`) was uncommented by the ClickPipes fixes,
/// which broke the file (the loop then undid the pass and reported a bug). Such a comment is a
/// note: it stays, and the setting is appended.
#[test]
fn a_note_that_looks_like_a_default_is_not_uncommented() {
    let cli = CliOverrides {
        regions: vec!["us-east-2".into()],
        pg_version: Some("16".into()),
        ..CliOverrides::default()
    };
    for note in [
        "#wal_level = replica x\n",
        "#wal_level =\u{1} replica\t\t# minimal, replica, or logical\n",
        "#wal_level = 'replica\n",
    ] {
        let file = PathBuf::from("/d/postgresql.conf");
        let fs = MemFs::new().with(&file, note);
        let run = fix_paths(&fs, std::slice::from_ref(&file), &cli, Applicability::Safe)
            .unwrap_or_else(|e| panic!("{note:?}: {e}"));
        assert!(run.reverted.is_empty(), "{note:?}: a pass broke the file");
        let (_, new) = &run.changes[&file];
        assert!(
            new.starts_with(note.as_bytes()),
            "{note:?}: the note changed"
        );
        let added = String::from_utf8_lossy(&new[note.len()..]);
        assert!(added.contains("wal_level = logical\n"), "{note:?}: {added}");
        assert_eq!(syntax_errors(&run.after, &file), 0, "{note:?}");
    }
}

/// Found by `fix_loop`: a line ending in several CRs before its LF (`\r\r\r\n`, blanks to the
/// server) lost one CR per pass to PG5002's "End every line in LF", so the loop ran out of
/// passes. The fix removes every CR of the ending at once.
#[test]
fn a_line_ending_in_many_crs_is_fixed_in_one_pass() {
    let cli = CliOverrides {
        select: vec!["PG5002".into()],
        ..CliOverrides::default()
    };
    for name in ["postgresql.conf", "pg_hba.conf"] {
        let file = Path::new("/d").join(name);
        let text = "# a\r\r\r\r\r\r\r\r\r\r\r\r\r\r\n# b\n# c\n";
        let fs = MemFs::new().with(&file, text);
        let run = fix_paths(&fs, std::slice::from_ref(&file), &cli, Applicability::Safe)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(run.converged, "{name}: no fixpoint");
        assert_eq!(run.applied.len(), 1, "{name}: {:?}", run.applied);
        assert_eq!(run.changes[&file].1, b"# a\n# b\n# c\n", "{name}");
    }
}

/// Found by `fix_loop`: the ClickPipes fixes appended their lines with CRLF as soon as one
/// line of the file ended so, while PG5002 (and the editor) follow the majority; in a file
/// of mostly LF the next pass then turned every line to CRLF, lines no fix was about.
#[test]
fn appended_settings_use_the_files_majority_line_ending() {
    let cli = CliOverrides {
        regions: vec!["us-east-2".into()],
        pg_version: Some("17".into()),
        ..CliOverrides::default()
    };
    let file = PathBuf::from("/d/postgresql.conf");
    let fs = MemFs::new().with(&file, "\nmax_wal_senders = 1\r\n");
    let run = fix_paths(&fs, std::slice::from_ref(&file), &cli, Applicability::Safe)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(run.converged);
    let new = &run.changes[&file].1;
    assert!(
        new.starts_with(b"\nmax_wal_senders = 10\n") && !new.contains(&b'\r'),
        "{}",
        String::from_utf8_lossy(new).escape_debug()
    );
}
