//! One workload, run a fixed number of times, for profilers: wall clock on this shared
//! 2-core machine is noisy, instruction counts are not.
//!
//! ```sh
//! cargo bench --bench profile --no-run   # prints the binary's path
//! valgrind --tool=callgrind --callgrind-out-file=cg.out target/*/release/deps/profile-* conf-parse big_active.conf 5
//! callgrind_annotate cg.out | head -40
//! perf record -g target/*/release/deps/profile-* hba-load big_hba.conf 200
//! ```
//!
//! Workloads: `conf-parse`, `conf-load` (the config model), `hba-parse`, `hba-load` (typed
//! records), `lint` (`pgconf lint` in process: discovery, settings, every rule), `lint-json`
//! (the same, then its `--format json` output written to a sink), `fix`
//! (`pgconf fix --check` in process: lint, fixes to a fixpoint, lint again); inputs: `big.conf`, `big_active.conf`, `big_hba.conf`, `includes`. Prints the
//! input size and the instructions-free figure that matters to a profiler: nothing but the
//! work itself runs between the start and the end.

mod inputs;

use std::path::{Path, PathBuf};
use std::time::Instant;

use pgconf::model::config_set::{AutoConf, ConfigSet, LoadOptions};
use pgconf::model::fs::MemFs;
use pgconf::model::hba::{HbaOptions, load_hba};
use pgconf::model::version::PgVersion;
use pgconf::source::SourceFile;
use pgconf::syntax::auth::{AuthFile, AuthLines, TokenizeRules};
use pgconf::syntax::conf::ConfFile;

fn main() {
    // `cargo bench` passes `--bench`; anything starting with `-` is not ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let usage =
        "usage: profile conf-parse|conf-load|hba-parse|hba-load|lint|lint-json|fix INPUT [RUNS]";
    let (Some(work), Some(input)) = (args.first(), args.get(1)) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let runs: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(10);
    let version = PgVersion::new(17).expect("17");
    let files: Vec<(PathBuf, Vec<u8>)> = match input.as_str() {
        "includes" => inputs::INCLUDE_SET.clone(),
        // One Debian 15/main cluster's default files; `lint` and `fix` get its folder.
        "debian" => inputs::debian_set(),
        "big.conf" => vec![(
            PathBuf::from("/etc/pg/postgresql.conf"),
            inputs::BIG_CONF.clone(),
        )],
        "big_active.conf" => vec![(
            PathBuf::from("/etc/pg/postgresql.conf"),
            inputs::BIG_ACTIVE.clone(),
        )],
        "big_hba.conf" => vec![(
            PathBuf::from("/etc/pg/pg_hba.conf"),
            inputs::BIG_HBA.clone(),
        )],
        other => vec![(
            PathBuf::from(other),
            std::fs::read(other).unwrap_or_else(|e| panic!("{other}: {e}")),
        )],
    };
    let size = inputs::total(&files);
    let mut fs = MemFs::new();
    for (path, bytes) in &files {
        fs.insert(path.clone(), bytes);
    }
    let main: &Path = &files[0].0;
    let lint_path = if input == "debian" {
        main.parent().expect("folder").to_path_buf()
    } else {
        main.to_path_buf()
    };
    let bytes = &files[0].1;
    let start = Instant::now();
    for _ in 0..runs {
        match work.as_str() {
            "conf-parse" => {
                let source = SourceFile::new(main, bytes.clone());
                std::hint::black_box(ConfFile::parse(&source));
            }
            "conf-load" => {
                let options = LoadOptions {
                    version,
                    auto: AutoConf::None,
                    roots: None,
                };
                std::hint::black_box(ConfigSet::load(&fs, main, &options).expect("loads"));
            }
            "hba-parse" => {
                let source = SourceFile::new(main, bytes.clone());
                let file = AuthFile::parse(source.bytes());
                let lines =
                    AuthLines::build(&file, source.bytes(), TokenizeRules::for_version(version));
                std::hint::black_box((file, lines));
            }
            "hba-load" => {
                let opts = HbaOptions {
                    ssl_enabled: true,
                    ..HbaOptions::default()
                };
                std::hint::black_box(load_hba(&fs, main, version, &opts).expect("loads"));
            }
            "lint" => {
                let run = pgconf::cli::lint::lint_paths(
                    &fs,
                    std::slice::from_ref(&lint_path),
                    &pgconf::settings::CliOverrides::default(),
                )
                .expect("lints");
                std::hint::black_box(run.diagnostics.len());
            }
            // `lint` and then `--format json` into a sink: the renderer without stdout.
            "lint-json" => {
                let run = pgconf::cli::lint::lint_paths(
                    &fs,
                    std::slice::from_ref(&lint_path),
                    &pgconf::settings::CliOverrides::default(),
                )
                .expect("lints");
                pgconf::cli::lint::render_run(
                    &run,
                    pgconf::render::OutputFormat::Json,
                    &mut std::io::sink(),
                )
                .expect("renders");
            }
            "fix" => {
                let run = pgconf::fix::fix_paths(
                    &fs,
                    std::slice::from_ref(&lint_path),
                    &pgconf::settings::CliOverrides::default(),
                    pgconf::diagnostic::Applicability::Safe,
                )
                .expect("fixes");
                std::hint::black_box(run.changes.len());
            }
            _ => {
                eprintln!("{usage}");
                std::process::exit(2);
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{work} {input}: {size} bytes x {runs} in {:.1} ms -> {:.0} MB/s",
        secs * 1e3,
        (size * runs) as f64 / secs / 1e6
    );
}
