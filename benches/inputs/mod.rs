//! The benchmark inputs of `../shared/reference/anchors.md` §0, built in memory from the small
//! real files in `benches/data`, plus the shared corpus when it is there.
//!
//! Sizes are checked against the ones anchors.md gives, so the numbers stay comparable with
//! the pgtoolkit and Augeas timings measured on the same files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// Files with their paths.
pub type Files = Vec<(PathBuf, Vec<u8>)>;

pub const SAMPLE17: &[u8] = include_bytes!("../data/postgresql17.conf.sample");
pub const DEBIAN15_CONF: &[u8] = include_bytes!("../data/debian15_postgresql.conf");
pub const DEBIAN15_HBA: &[u8] = include_bytes!("../data/debian15_pg_hba.conf");
pub const DEBIAN15_IDENT: &[u8] = include_bytes!("../data/debian15_pg_ident.conf");

/// `big.conf`: the PostgreSQL 17 sample 100 times (84,700 lines, almost all comments).
pub static BIG_CONF: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let out = SAMPLE17.repeat(100);
    assert_eq!(out.len(), 3_085_000, "big.conf as in anchors.md §0");
    out
});

/// `active17.conf`: the sample with every `#name = ` uncommented and include lines removed
/// (`sed -E 's/^#([a-z_][a-z_0-9.]* = )/\1/' | sed -E '/^include/d'`).
pub static ACTIVE17: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut out = Vec::with_capacity(SAMPLE17.len());
    for line in SAMPLE17.split_inclusive(|&b| b == b'\n') {
        let line = if uncomments(line) { &line[1..] } else { line };
        if !line.starts_with(b"include") {
            out.extend_from_slice(line);
        }
    }
    assert_eq!(out.len(), 30_365, "active17.conf as in anchors.md §0");
    out
});

/// `^#[a-z_][a-z_0-9.]* = `
fn uncomments(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"#") else {
        return false;
    };
    match rest.first() {
        Some(b) if b.is_ascii_lowercase() || *b == b'_' => {}
        _ => return false,
    }
    let n = rest
        .iter()
        .take_while(|&&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
        .count();
    rest[n..].starts_with(b" = ")
}

/// `big_active.conf`: every setting of the sample active, 100 times (33,100 settings).
pub static BIG_ACTIVE: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let out = ACTIVE17.repeat(100);
    assert_eq!(out.len(), 3_036_500, "big_active.conf as in anchors.md §0");
    out
});

/// `active17.conf` 10 times: with `big_active.conf` (100 times), the scaling check (10x the
/// input may cost at most 11x the time).
pub static ACTIVE_X10: LazyLock<Vec<u8>> = LazyLock::new(|| ACTIVE17.repeat(10));

/// `big_hba.conf`: Debian's default pg_hba.conf for 15/main and 20,000 host rules with a
/// comment every ten.
pub static BIG_HBA: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let out = hba_with_rules(20_000);
    assert_eq!(out.len(), 1_590_591, "big_hba.conf as in anchors.md §0");
    out
});

/// The same with 2,000 rules: a tenth of `big_hba.conf`, for the scaling check.
pub static HBA_2K: LazyLock<Vec<u8>> = LazyLock::new(|| hba_with_rules(2_000));

fn hba_with_rules(rules: u32) -> Vec<u8> {
    use std::io::Write;
    let mut out = DEBIAN15_HBA.to_vec();
    for i in 0..rules {
        writeln!(
            out,
            "host    all             app{:<12} 10.{}.{}.0/24          scram-sha-256",
            i % 500,
            i % 250,
            (i / 250) % 250
        )
        .unwrap();
        if i % 10 == 0 {
            writeln!(out, "# rule group {i}").unwrap();
        }
    }
    out
}

/// A set with includes, as a server's `/etc` tree: Debian's postgresql.conf (which has
/// `include_dir = 'conf.d'`), 20 drop-ins of 16 settings each, one `include` and one
/// `include_if_exists` that is missing. Paths and contents.
pub static INCLUDE_SET: LazyLock<Files> = LazyLock::new(|| {
    let dir = Path::new("/etc/postgresql/15/main");
    let mut main = DEBIAN15_CONF.to_vec();
    main.extend_from_slice(b"include 'tuning.conf'\ninclude_if_exists = 'missing.conf'\n");
    let mut files = vec![
        (dir.join("postgresql.conf"), main),
        (
            dir.join("tuning.conf"),
            b"shared_buffers = 2GB\nwork_mem = '64MB'   # per sort\nwal_level = logical\n".to_vec(),
        ),
    ];
    let names: Vec<&[u8]> = ACTIVE17
        .split(|&b| b == b'\n')
        .filter(|l| l.first().is_some_and(u8::is_ascii_lowercase))
        .collect();
    for f in 0..20 {
        let mut text = format!("# drop-in {f}\n").into_bytes();
        for line in names.iter().skip(f * 16).take(16) {
            text.extend_from_slice(line);
            text.push(b'\n');
        }
        files.push((dir.join(format!("conf.d/{f:02}-bench.conf")), text));
    }
    files
});

/// Debian 12's files of a fresh 15/main cluster: postgresql.conf (with its
/// `include_dir = 'conf.d'`, empty), pg_hba.conf and pg_ident.conf. Paths and contents.
pub fn debian_set() -> Files {
    let dir = Path::new("/etc/postgresql/15/main");
    vec![
        (dir.join("postgresql.conf"), DEBIAN15_CONF.to_vec()),
        (dir.join("pg_hba.conf"), DEBIAN15_HBA.to_vec()),
        (dir.join("pg_ident.conf"), DEBIAN15_IDENT.to_vec()),
    ]
}

/// The shared corpus (`../shared/corpus` beside the repository, or `$PGCONF_CORPUS`): every
/// file of `kind` (`conf`, `auto`, `hba`, `ident`) with its path, or `None` with a message.
pub fn corpus(kind: &str) -> Option<Files> {
    let root = std::env::var_os("PGCONF_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let dir = root.join(kind);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "note: no corpus at {} (set PGCONF_CORPUS); corpus benchmarks skipped",
            dir.display()
        );
        return None;
    };
    let mut files: Files = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| std::fs::read(e.path()).ok().map(|b| (e.path(), b)))
        .collect();
    files.sort();
    Some(files)
}

/// Total bytes of a list of files.
pub fn total(files: &[(PathBuf, Vec<u8>)]) -> usize {
    files.iter().map(|(_, b)| b.len()).sum()
}
