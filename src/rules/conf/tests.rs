//! The edits of the fixes the hygiene rules offer (families 2 and 5), applied to the original
//! bytes: everything outside the edited span must stay as it was.

use std::path::Path;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Fix};
use crate::lint::server::{Server, ServerFiles};
use crate::model::fs::MemFs;
use crate::model::version::PgVersion;
use crate::rules::{CHECKS, Context};
use crate::settings::Settings;

const MAIN: &str = "/srv/pg/postgresql.conf";

fn findings(code: &str, fs: &MemFs, main: &str) -> Vec<Diagnostic> {
    let server = Server::load(
        fs,
        ServerFiles {
            conf: Some(main.into()),
            ..ServerFiles::default()
        },
        PgVersion::NEWEST,
        true,
    );
    let settings = Settings::default();
    let ctx = Context::new(&server, &settings);
    let mut out = Vec::new();
    for (c, check) in CHECKS {
        if *c == code {
            check(&ctx, &mut out);
        }
    }
    out
}

/// The file's bytes after the fix's edits (all in `path`), applied back to front.
fn applied(bytes: &[u8], fix: &Fix, path: &str) -> Vec<u8> {
    let mut edits: Vec<_> = fix.edits.iter().collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
    let mut out = bytes.to_vec();
    for edit in edits {
        assert_eq!(*edit.file, *Path::new(path));
        out.splice(edit.span.range(), edit.replacement.iter().copied());
    }
    out
}

fn fixed(code: &str, text: &[u8]) -> Vec<Vec<u8>> {
    let fs = MemFs::new().with(MAIN, text);
    findings(code, &fs, MAIN)
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .map(|fix| applied(text, fix, MAIN))
        .collect()
}

#[test]
fn duplicate_is_commented_out_byte_for_byte() {
    assert_eq!(
        fixed("PG2003", b"  work_mem = 1MB\t# first\r\nwork_mem = 2MB\r\n"),
        [b"  # work_mem = 1MB\t# first\r\nwork_mem = 2MB\r\n".to_vec()]
    );
}

#[test]
fn read_only_parameter_is_commented_out() {
    assert_eq!(
        fixed("PG2005", b"block_size = 8192\n"),
        [b"# block_size = 8192\n".to_vec()]
    );
}

#[test]
fn unit_fix_touches_only_the_unit() {
    assert_eq!(
        fixed(
            "PG2002",
            b"maintenance_work_mem = '512 m' # big\nwork_mem = 64Kb\n"
        ),
        [
            b"maintenance_work_mem = '512 MB' # big\nwork_mem = 64Kb\n".to_vec(),
            b"maintenance_work_mem = '512 m' # big\nwork_mem = 64kB\n".to_vec(),
        ]
    );
}

#[test]
fn enum_suggestion_keeps_the_quoting() {
    assert_eq!(
        fixed("PG2002", b"wal_level = 'logicl'\n"),
        [b"wal_level = 'logical'\n".to_vec()]
    );
}

#[test]
fn rename_suggestion_replaces_the_name() {
    assert_eq!(
        fixed("PG2001", b"shared_bufers = 1GB\n"),
        [b"shared_buffers = 1GB\n".to_vec()]
    );
}

#[test]
fn byte_order_mark_is_deleted() {
    assert_eq!(
        fixed("PG5001", b"\xEF\xBB\xBFwork_mem = 4MB\n"),
        [b"work_mem = 4MB\n".to_vec()]
    );
}

#[test]
fn minority_line_endings_follow_the_majority() {
    assert_eq!(
        fixed("PG5002", b"a.b = 1\nc.d = 2\r\ne.f = 3\n"),
        [b"a.b = 1\nc.d = 2\ne.f = 3\n".to_vec()]
    );
    assert_eq!(
        fixed("PG5002", b"a.b = 1\r\nc.d = 2\ne.f = 3\r\ng.h = 4"),
        [b"a.b = 1\r\nc.d = 2\r\ne.f = 3\r\ng.h = 4".to_vec()]
    );
}

#[test]
fn findings_in_a_file_included_twice_are_reported_once() {
    let fs = MemFs::new()
        .with(MAIN, "include 'x.conf'\ninclude 'x.conf'\n")
        .with(
            "/srv/pg/x.conf",
            "work_mem = bad\nwork_mem = 1MB\nfoo = 1\n",
        );
    for code in ["PG2001", "PG2003"] {
        assert_eq!(findings(code, &fs, MAIN).len(), 1, "{code}");
    }
}

#[test]
fn findings_share_one_allocation_per_file() {
    // The winner of `work_mem` is in another file: its label gets that file's path.
    let fs = MemFs::new()
        .with(
            MAIN,
            "work_mem = 1MB\nwork_mem = 2MB\nport = 1\nport = 2\ninclude 'x.conf'\n",
        )
        .with("/srv/pg/x.conf", "work_mem = 3MB\n");
    let found = findings("PG2003", &fs, MAIN);
    assert_eq!(found.len(), 3);
    let paths = |path: &str| -> Vec<&Arc<Path>> {
        found
            .iter()
            .flat_map(|d| {
                let edits = d.fix.iter().flat_map(|f| f.edits.iter().map(|e| &e.file));
                std::iter::once(&d.primary.file)
                    .chain(d.secondary.iter().map(|l| &l.file))
                    .chain(edits)
            })
            .filter(|p| ***p == *Path::new(path))
            .collect()
    };
    for path in [MAIN, "/srv/pg/x.conf"] {
        let shared = paths(path);
        assert!(shared.len() >= 2, "{path}: {}", shared.len());
        assert!(shared.iter().all(|p| Arc::ptr_eq(p, shared[0])), "{path}");
    }
}

#[test]
fn repeated_lines_keep_their_own_messages_and_notes() {
    // Messages and value checks are reused while the name, value, file and winner stay the
    // same: a change of any of them must show.
    let fs = MemFs::new()
        .with(
            MAIN,
            "work_mem = bad\nwork_mem = bad\nWork_Mem = bad\nwork_mem = 1MB\nwork_mem = 2MB\n\
             include 'x.conf'\nx.y = 1\nX.Y = 2\nx.y = 3\n",
        )
        .with("/srv/pg/x.conf", "work_mem = bad\nwork_mem = 3MB\n");
    let found = findings("PG2003", &fs, MAIN);
    let got: Vec<(String, u32, &str, Vec<&str>)> = found
        .iter()
        .map(|d| {
            let file = d
                .primary
                .file
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let notes = d.notes.iter().map(|n| &n[..23]).collect();
            (file, d.primary.span.start, &*d.message, notes)
        })
        .collect();
    let never = "its value is invalid, b";
    let still = "its value is invalid an";
    let in_x = "`work_mem` is set again at x.conf line 2; this line has no effect";
    let want: Vec<(String, u32, &str, Vec<&str>)> = vec![
        ("postgresql.conf".into(), 0, in_x, vec![never]),
        ("postgresql.conf".into(), 15, in_x, vec![never]),
        ("postgresql.conf".into(), 30, in_x, vec![still]),
        ("postgresql.conf".into(), 45, in_x, vec![]),
        ("postgresql.conf".into(), 60, in_x, vec![]),
        (
            "x.conf".into(),
            0,
            "`work_mem` is set again at line 2; this line has no effect",
            vec![never],
        ),
        (
            "postgresql.conf".into(),
            92,
            "`x.y` is set again at line 9; this line has no effect",
            vec![],
        ),
        (
            "postgresql.conf".into(),
            100,
            "`X.Y` is set again at line 9; this line has no effect",
            vec![],
        ),
    ];
    assert_eq!(got, want);
    // One text for the findings that say the same, another where it changes.
    assert!(
        found[..5]
            .iter()
            .all(|d| Arc::ptr_eq(&d.message, &found[0].message))
    );
    assert!(!Arc::ptr_eq(&found[4].message, &found[5].message));
}
