//! Lint and fix benchmarks on the inputs of `benches/read.rs` (anchors.md §0): `pgconf lint`
//! end to end in process with every rule, the same without rendering, the first-match
//! analysis of 20,000 pg_hba records for the 175 ClickPipes addresses, and `pgconf fix` of
//! Debian's default files.
//!
//! `cargo bench --bench lint` (all), `cargo bench --bench lint -- first_match` (a filter).
//! Byte counters make divan print MB/s next to the times. Few samples: linting big_hba.conf
//! takes about a second (see BENCHMARKS.md), and the figures that matter are medians.

mod inputs;

use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use clap::Parser;
use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use pgconf::diagnostic::Applicability;
use pgconf::model::fs::MemFs;
use pgconf::model::hba::first_match::{FirstMatchIndex, MatchQuery};
use pgconf::model::hba::{HbaOptions, load_hba};
use pgconf::model::version::PgVersion;
use pgconf::settings::CliOverrides;

/// The `pgconf` binary's allocator (see `pgconf::alloc`): these benchmarks time what the
/// program does. Under glibc's allocator alone a lint of big_active.conf took one of two
/// times, about 24 or 40 ms, as glibc had or had not given the heap back to the kernel after
/// the previous run (its trim threshold follows the biggest block freed); the binary maps
/// big blocks itself and runs in about 27 ms each time.
#[global_allocator]
static ALLOCATOR: pgconf::alloc::HugePageAlloc = pgconf::alloc::HugePageAlloc;

fn main() {
    divan::main();
}

/// The inputs as real files, one folder each (a folder is what `pgconf lint` is usually
/// given): `big.conf`, `big_active.conf` as `postgresql.conf`, `big_hba.conf` as
/// `pg_hba.conf`, and Debian's 15/main defaults (conf, hba, ident, empty `conf.d`).
static DIR: LazyLock<PathBuf> = LazyLock::new(|| {
    let dir = std::env::temp_dir().join(format!("pgconf-bench-lint-{}", std::process::id()));
    let files: [(&str, &str, &[u8]); 6] = [
        ("big.conf", "postgresql.conf", &inputs::BIG_CONF),
        ("big_active.conf", "postgresql.conf", &inputs::BIG_ACTIVE),
        ("big_hba.conf", "pg_hba.conf", &inputs::BIG_HBA),
        ("debian15", "postgresql.conf", inputs::DEBIAN15_CONF),
        ("debian15", "pg_hba.conf", inputs::DEBIAN15_HBA),
        ("debian15", "pg_ident.conf", inputs::DEBIAN15_IDENT),
    ];
    for (folder, name, bytes) in files {
        let folder = dir.join(folder);
        std::fs::create_dir_all(folder.join("conf.d")).expect("temp dir");
        std::fs::write(folder.join(name), bytes).expect("write input");
    }
    dir
});

fn input_size(name: &str) -> usize {
    match name {
        "big.conf" => inputs::BIG_CONF.len(),
        "big_active.conf" => inputs::BIG_ACTIVE.len(),
        "big_hba.conf" => inputs::BIG_HBA.len(),
        "debian15" => inputs::total(&inputs::debian_set()),
        _ => unreachable!("{name}"),
    }
}

/// Runs the CLI in process on `args`, output thrown away (findings make lint exit 1).
fn cli(args: &[&str]) -> pgconf::cli::Cli {
    let mut all = vec!["pgconf"];
    all.extend_from_slice(args);
    pgconf::cli::Cli::try_parse_from(all).expect("arguments")
}

/// `pgconf lint --format json --pg-version 17 FOLDER`: discovery, settings, loading, every
/// rule, JSON rendering; no process start.
///
/// Forty samples: a run of big_active.conf now and then takes twice as long as the others.
#[divan::bench(args = ["big.conf", "big_active.conf", "big_hba.conf", "debian15"], sample_count = 40)]
fn lint_json(bencher: Bencher, name: &str) {
    let folder = DIR.join(name);
    let folder = folder.to_str().expect("UTF-8 temp path");
    let cli = cli(&["lint", "--format=json", "--pg-version=17", folder]);
    bencher
        .counter(BytesCount::new(input_size(name)))
        .bench_local(|| pgconf::cli::run(&cli, &mut io::sink(), &mut io::sink()).expect("runs"));
}

/// `lint_paths` on an in-memory file system: what `lint_json` does before rendering. Forty
/// samples, as for `lint_json`.
#[divan::bench(args = ["big.conf", "big_active.conf", "big_hba.conf", "debian15"], sample_count = 40)]
fn lint_model(bencher: Bencher, name: &str) {
    let (fs, path) = mem_input(name);
    let cli = CliOverrides {
        pg_version: Some("17".into()),
        ..CliOverrides::default()
    };
    bencher
        .counter(BytesCount::new(input_size(name)))
        .bench_local(|| {
            pgconf::cli::lint::lint_paths(&fs, std::slice::from_ref(&path), &cli).expect("lints")
        });
}

fn mem_input(name: &str) -> (MemFs, PathBuf) {
    // Debian's folder names the version (15), as on a real machine; the others are 17.
    let dir = Path::new(if name == "debian15" {
        "/etc/postgresql/15/main"
    } else {
        "/srv/pg"
    });
    let mut fs = MemFs::new();
    match name {
        "debian15" => {
            for (path, bytes) in inputs::debian_set() {
                fs.insert(dir.join(path.file_name().expect("name")), bytes);
            }
        }
        "big.conf" => fs.insert(dir.join("postgresql.conf"), &*inputs::BIG_CONF),
        "big_active.conf" => fs.insert(dir.join("postgresql.conf"), &*inputs::BIG_ACTIVE),
        "big_hba.conf" => fs.insert(dir.join("pg_hba.conf"), &*inputs::BIG_HBA),
        _ => unreachable!("{name}"),
    }
    (fs, dir.to_path_buf())
}

/// First-match analysis: big_hba.conf's 20,118 records (Debian's and 20,000 rules) against
/// every ClickPipes egress address (175), as PG6005 asks it: the index is built once per
/// query and each address is one lookup. Loading the file is not timed.
#[divan::bench(sample_count = 20)]
fn first_match_20k_x_175(bencher: Bencher) {
    let path = Path::new("/srv/pg/pg_hba.conf");
    let fs = MemFs::new().with(path, &*inputs::BIG_HBA);
    let opts = HbaOptions {
        ssl_enabled: true,
        ..HbaOptions::default()
    };
    let hba = load_hba(&fs, path, PgVersion::new(17).expect("17"), &opts).expect("loads");
    let ips: Vec<IpAddr> = pgconf::model::clickpipes::egress_ips()
        .all_ips()
        .into_iter()
        .collect();
    assert_eq!(ips.len(), 175, "the ClickPipes list of the issue");
    let query = MatchQuery {
        user: "clickpipes_user",
        database: None,
        ssl: false,
        physical_replication: false,
    };
    bencher.bench_local(|| {
        let index = FirstMatchIndex::build(&hba, &query);
        for &ip in &ips {
            black_box(index.first_match(ip));
        }
    });
}

/// `pgconf fix --check` of Debian's default files in process (lint, fixes to a fixpoint,
/// lint again; nothing written), and the same fix loop on an in-memory file system.
#[divan::bench(sample_count = 20)]
fn fix_check_debian15(bencher: Bencher) {
    let folder = DIR.join("debian15");
    let folder = folder.to_str().expect("UTF-8 temp path");
    let cli = cli(&["fix", "--check", folder]);
    bencher
        .counter(BytesCount::new(input_size("debian15")))
        .bench_local(|| pgconf::cli::run(&cli, &mut io::sink(), &mut io::sink()).expect("runs"));
}

#[divan::bench(sample_count = 20)]
fn fix_model_debian15(bencher: Bencher) {
    let (fs, path) = mem_input("debian15");
    bencher
        .counter(BytesCount::new(input_size("debian15")))
        .bench_local(|| {
            pgconf::fix::fix_paths(
                &fs,
                std::slice::from_ref(&path),
                &CliOverrides::default(),
                Applicability::Safe,
            )
            .expect("fixes")
        });
}
