//! Reading benchmarks: syntax trees, the config model, and `pgconf show` end to end, on the
//! generated inputs of `../shared/reference/anchors.md` §0 and on the shared corpus.
//!
//! `cargo bench --bench read` (all), `cargo bench --bench read -- parse` (a filter),
//! `PGCONF_BENCH_ALLOC=1 cargo bench --bench read` (with allocation counts). Every benchmark
//! counts the bytes it reads, so divan prints MB/s (decimal megabytes, as in anchors.md) next
//! to the time. Before the timings, the bytes of syntax tree per byte of input are printed.
//!
//! divan rather than criterion: it builds in a fraction of the time (no plotting, no
//! rayon/serde stack: it matters on a shared 2-core machine), reports throughput and
//! allocation counts out of the box, and takes arguments and const generics per benchmark,
//! which is how the input files and PostgreSQL versions are spelled here.
//!
//! Lint and fix benchmarks will join these once those commands exist (same inputs, same
//! harness).

mod inputs;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use clap::Parser;
use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use pgconf::model::config_set::{AutoConf, ConfigSet, LoadOptions};
use pgconf::model::fs::MemFs;
use pgconf::model::hba::{HbaOptions, load_hba};
use pgconf::model::ident::load_ident;
use pgconf::model::version::PgVersion;
use pgconf::source::SourceFile;
use pgconf::syntax::auth::{AuthFile, AuthLines, TokenizeRules};
use pgconf::syntax::conf::ConfFile;

/// Counts allocations (divan's profiler) when `PGCONF_BENCH_ALLOC=1`, else the system
/// allocator untouched: the counts show that a tree costs a few allocations per file, not per
/// line, but they add rows to every benchmark and a little time to every allocation.
struct Alloc;

static PROFILER: divan::AllocProfiler = divan::AllocProfiler::system();
static PROFILE_ALLOCS: AtomicBool = AtomicBool::new(false);

// SAFETY: both allocators are the system allocator underneath (the profiler only counts), so
// memory from either may be freed or grown by the other.
unsafe impl GlobalAlloc for Alloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if PROFILE_ALLOCS.load(Relaxed) {
            unsafe { PROFILER.alloc(layout) }
        } else {
            unsafe { System.alloc(layout) }
        }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if PROFILE_ALLOCS.load(Relaxed) {
            unsafe { PROFILER.dealloc(ptr, layout) }
        } else {
            unsafe { System.dealloc(ptr, layout) }
        }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if PROFILE_ALLOCS.load(Relaxed) {
            unsafe { PROFILER.realloc(ptr, layout, new_size) }
        } else {
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }
}

#[global_allocator]
static ALLOC: Alloc = Alloc;

fn main() {
    PROFILE_ALLOCS.store(
        std::env::var_os("PGCONF_BENCH_ALLOC").is_some_and(|v| v == "1"),
        Relaxed,
    );
    memory_report();
    divan::main();
}

fn v(major: u8) -> PgVersion {
    PgVersion::new(major).expect("supported version")
}

fn conf_input(name: &str) -> &'static [u8] {
    match name {
        "big.conf" => &inputs::BIG_CONF,
        "big_active.conf" => &inputs::BIG_ACTIVE,
        "active_x10.conf" => &inputs::ACTIVE_X10,
        "active17.conf" => &inputs::ACTIVE17,
        "pg17.sample" => inputs::SAMPLE17,
        "debian15" => inputs::DEBIAN15_CONF,
        _ => unreachable!("{name}"),
    }
}

fn hba_input(name: &str) -> &'static [u8] {
    match name {
        "big_hba.conf" => &inputs::BIG_HBA,
        "hba_2k.conf" => &inputs::HBA_2K,
        "debian15" => inputs::DEBIAN15_HBA,
        _ => unreachable!("{name}"),
    }
}

/// Syntax trees: `SourceFile::new` (line index) + the lossless tree, from bytes in memory.
mod parse {
    use super::*;

    /// postgresql.conf: line index and tree.
    #[divan::bench(args = ["big.conf", "big_active.conf", "active_x10.conf", "pg17.sample"])]
    fn conf(bencher: Bencher, name: &str) {
        let bytes = conf_input(name);
        bencher
            .counter(BytesCount::new(bytes.len()))
            .with_inputs(|| bytes.to_vec())
            .bench_local_values(|bytes| {
                let source = SourceFile::new("postgresql.conf", bytes);
                let tree = ConfFile::parse(&source);
                (source, tree)
            });
    }

    /// pg_hba.conf: physical lines and the logical lines and tokens of one version's reader
    /// (17: continuations, no length limits; 13: the 12–13 `fgets` limits).
    #[divan::bench(args = ["big_hba.conf", "hba_2k.conf", "debian15"], consts = [17, 13])]
    fn hba<const MAJOR: u8>(bencher: Bencher, name: &str) {
        let bytes = hba_input(name);
        let rules = TokenizeRules::for_version(v(MAJOR));
        bencher
            .counter(BytesCount::new(bytes.len()))
            .with_inputs(|| bytes.to_vec())
            .bench_local_values(|bytes| {
                let source = SourceFile::new("pg_hba.conf", bytes);
                let file = AuthFile::parse(source.bytes());
                let lines = AuthLines::build(&file, source.bytes(), rules);
                (source, file, lines)
            });
    }

    /// Every file of the shared corpus of one kind, one after the other.
    #[divan::bench(args = ["conf", "auto", "hba", "ident"])]
    fn corpus(bencher: Bencher, kind: &str) {
        let Some(files) = super::corpus(kind) else {
            return;
        };
        let rules = TokenizeRules::for_version(v(17));
        let is_conf = matches!(kind, "conf" | "auto");
        bencher
            .counter(BytesCount::new(inputs::total(files)))
            .bench_local(|| {
                for (path, bytes) in files {
                    let source = SourceFile::new(path.clone(), bytes.clone());
                    if is_conf {
                        black_box(ConfFile::parse(&source));
                    } else {
                        let file = AuthFile::parse(source.bytes());
                        black_box(AuthLines::build(&file, source.bytes(), rules));
                    }
                }
            });
    }
}

/// The config model: includes resolved, every setting checked against the catalog, hba
/// records typed. Files come from an in-memory file system, so this is CPU only.
mod model {
    use super::*;

    fn conf_fs(name: &str) -> (MemFs, PathBuf, usize) {
        match name {
            "includes" => {
                let mut fs = MemFs::new();
                for (path, bytes) in inputs::INCLUDE_SET.iter() {
                    fs.insert(path.clone(), bytes);
                }
                let main = inputs::INCLUDE_SET[0].0.clone();
                (fs, main, inputs::total(&inputs::INCLUDE_SET))
            }
            _ => {
                let bytes = conf_input(name);
                let path = PathBuf::from("/etc/postgresql/17/main/postgresql.conf");
                (MemFs::new().with(&path, bytes), path, bytes.len())
            }
        }
    }

    /// `ConfigSet::load`: read, include, evaluate (what `show` computes for postgresql.conf).
    #[divan::bench(args = ["includes", "debian15", "big.conf", "big_active.conf", "active_x10.conf"])]
    fn conf_load(bencher: Bencher, name: &str) {
        let (fs, main, size) = conf_fs(name);
        let options = LoadOptions {
            version: v(17),
            auto: AutoConf::None,
            roots: None,
        };
        bencher
            .counter(BytesCount::new(size))
            .bench_local(|| ConfigSet::load(&fs, &main, &options).expect("loads"));
    }

    /// `load_hba`: tokens, `@file`/include expansion, typed records and the view rows.
    #[divan::bench(args = ["big_hba.conf", "hba_2k.conf", "debian15"])]
    fn hba_load(bencher: Bencher, name: &str) {
        let bytes = hba_input(name);
        let path = Path::new("/etc/postgresql/17/main/pg_hba.conf");
        let fs = MemFs::new().with(path, bytes);
        let opts = HbaOptions {
            ssl_enabled: true,
            ..HbaOptions::default()
        };
        bencher
            .counter(BytesCount::new(bytes.len()))
            .bench_local(|| load_hba(&fs, path, v(17), &opts).expect("loads"));
    }

    /// `load_ident` on Debian's default pg_ident.conf.
    #[divan::bench]
    fn ident_load(bencher: Bencher) {
        let path = Path::new("/etc/postgresql/17/main/pg_ident.conf");
        let fs = MemFs::new().with(path, inputs::DEBIAN15_IDENT);
        bencher
            .counter(BytesCount::new(inputs::DEBIAN15_IDENT.len()))
            .bench_local(|| load_ident(&fs, path, v(17)).expect("loads"));
    }

    /// Every postgresql.conf of the corpus through the model, as `pgconf show` would.
    #[divan::bench(args = ["conf", "hba"])]
    fn corpus(bencher: Bencher, kind: &str) {
        let Some(files) = super::corpus(kind) else {
            return;
        };
        let mut fs = MemFs::new();
        for (path, bytes) in files {
            fs.insert(path.clone(), bytes);
        }
        let options = LoadOptions {
            version: v(17),
            auto: AutoConf::None,
            roots: None,
        };
        let opts = HbaOptions {
            ssl_enabled: true,
            ..HbaOptions::default()
        };
        bencher
            .counter(BytesCount::new(inputs::total(files)))
            .bench_local(|| {
                for (path, _) in files {
                    if kind == "conf" {
                        black_box(ConfigSet::load(&fs, path, &options).ok());
                    } else {
                        black_box(load_hba(&fs, path, v(17), &opts).ok());
                    }
                }
            });
    }
}

/// `pgconf show --format json FILE` in-process (real files in a temporary folder, output
/// thrown away): parse, model and JSON rendering, without process start.
mod show {
    use super::*;

    static DIR: LazyLock<PathBuf> = LazyLock::new(|| {
        let dir = std::env::temp_dir().join(format!("pgconf-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        for (name, bytes) in [
            ("postgresql.conf", inputs::DEBIAN15_CONF),
            ("big.conf", &inputs::BIG_CONF[..]),
            ("big_active.conf", &inputs::BIG_ACTIVE[..]),
            ("pg_hba.conf", inputs::DEBIAN15_HBA),
            ("big_hba.conf", &inputs::BIG_HBA[..]),
        ] {
            std::fs::write(dir.join(name), bytes).expect("write input");
        }
        dir
    });

    #[divan::bench(args = ["postgresql.conf", "big.conf", "big_active.conf", "pg_hba.conf", "big_hba.conf"])]
    fn json(bencher: Bencher, name: &str) {
        let path = DIR.join(name);
        let size = std::fs::metadata(&path).expect("input").len() as usize;
        let kind = if name.contains("hba") { "hba" } else { "conf" };
        let cli = pgconf::cli::Cli::try_parse_from([
            "pgconf".as_ref(),
            "show".as_ref(),
            "--format=json".as_ref(),
            "--pg-version=17".as_ref(),
            format!("--kind={kind}").as_ref(),
            path.as_os_str(),
        ])
        .expect("arguments");
        bencher.counter(BytesCount::new(size)).bench_local(|| {
            pgconf::cli::run(&cli, &mut io::sink(), &mut io::sink()).expect("show runs")
        });
    }
}

/// Corpus files of a kind, read once.
fn corpus(kind: &str) -> Option<&'static [(PathBuf, Vec<u8>)]> {
    static CORPUS: LazyLock<Vec<(&str, Option<inputs::Files>)>> = LazyLock::new(|| {
        ["conf", "auto", "hba", "ident"]
            .into_iter()
            .map(|k| (k, inputs::corpus(k)))
            .collect()
    });
    CORPUS
        .iter()
        .find(|(k, _)| *k == kind)
        .and_then(|(_, files)| files.as_deref())
}

/// Bytes of syntax tree per byte of input (everything the tree and line index hold, by
/// capacity), printed once before the timings.
fn memory_report() {
    use pgconf::syntax::auth::{AuthLine, PhysLine, Token};
    use pgconf::syntax::conf::ConfLine;
    use std::mem::size_of;
    eprintln!("tree bytes per input byte (line index + tree, by capacity):");
    for name in ["big.conf", "big_active.conf"] {
        let bytes = conf_input(name);
        let source = SourceFile::new(name, bytes.to_vec());
        let tree = ConfFile::parse(&source);
        let index = source.line_count() * size_of::<u32>();
        let tree_bytes = tree.lines.capacity() * size_of::<ConfLine>();
        eprintln!(
            "  {name:<16} {:>9} B in, {:>9} B index + {:>10} B tree = {:.2} B/B ({} B per line)",
            bytes.len(),
            index,
            tree_bytes,
            (index + tree_bytes) as f64 / bytes.len() as f64,
            size_of::<ConfLine>()
        );
    }
    let bytes = hba_input("big_hba.conf");
    let source = SourceFile::new("pg_hba.conf", bytes.to_vec());
    let file = AuthFile::parse(source.bytes());
    let lines = AuthLines::build(&file, source.bytes(), TokenizeRules::for_version(v(17)));
    let index = source.line_count() * size_of::<u32>();
    let tree_bytes = file.lines.capacity() * size_of::<PhysLine>()
        + lines.lines.capacity() * size_of::<AuthLine>()
        + lines.tokens.capacity() * size_of::<Token>()
        + lines.joints.capacity() * size_of::<pgconf::source::Span>();
    eprintln!(
        "  {:<16} {:>9} B in, {:>9} B index + {:>10} B tree = {:.2} B/B (physical + logical lines, tokens)",
        "big_hba.conf",
        bytes.len(),
        index,
        tree_bytes,
        (index + tree_bytes) as f64 / bytes.len() as f64,
    );
}
