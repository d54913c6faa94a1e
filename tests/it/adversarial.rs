//! Adversarial inputs (issue 7): each runs the real binary (`pgconf show --format json`) on
//! files in a temporary folder and asserts the exit status, a clear message naming the file
//! (and the line where there is one), and that the run ends: a child still running after
//! [`TIMEOUT`] is killed and the test fails. A child killed by a signal (abort, OOM killer)
//! fails the test too. Nothing here asserts how fast a run is.
//!
//! **Sizes.** `cargo test` builds debug, so the default tests use inputs a debug build reads
//! in a second or two (1 MB, 512 KB for hba/ident, a 1 MB line, 20 000 lines). The full sizes
//! of the issue (a 50 MB file, a 10 MB single line, a million short lines; 10 MB files for
//! hba/ident) and the include fan-out on disk are `#[ignore]`d twins that `.ci/run` runs in
//! release:
//! `cargo test --release --test it adversarial -- --include-ignored`.
//!
//! **Memory.** For the big inputs the child's peak RSS (`VmHWM`, polled while it runs) must
//! stay under `64 MiB + k × input`, and its address space is limited (`RLIMIT_AS`) to twice
//! that plus 256 MiB, so a blow-up aborts the child instead of swapping the machine. Measured in release: conf 12× (50 MB of
//! `name = value # comment` lines), hba 41×, ident 36× (every row of the views is materialised
//! as strings); `k` is 16 for conf and 64 for hba/ident. The bound catches anything worse than
//! linear, not a fat constant.
//!
//! **Root.** Tests run as root here, and root reads any file whatever its mode. The
//! permission-denied cases therefore run the child as `nobody` (uid/gid 65534) when the test
//! runs as root, which needs the binary and the temporary folder to be reachable by others;
//! if they are not, the case is skipped with a `SKIPPED` line on stderr. The same error path
//! is also tested in-process through a `FileSystem` that answers `PermissionDenied`, which
//! needs no privileges.

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pgconf::model::config_set::{AutoConf, ConfigSet, LoadOptions};
use pgconf::model::fs::{DirEntry, FileSystem, MemFs};
use pgconf::model::version::PgVersion;
use serde_json::Value;

/// A run still going after this is killed and fails its test.
const TIMEOUT: Duration = Duration::from_secs(60);
const MIB: u64 = 1 << 20;

/// How one run of the binary ended.
struct Run {
    code: i32,
    stdout_path: PathBuf,
    stderr: String,
    peak_rss: u64,
    _out_dir: tempfile::TempDir,
}

impl Run {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&fs::read(&self.stdout_path).expect("stdout file")).into_owned()
    }

    /// Stdout as JSON, the escapes `\udc80`–`\udcff` (bytes that are not UTF-8) read as U+FFFD.
    fn json(&self) -> Value {
        let text = self.stdout();
        let mut clean = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(i) = rest.find('\\') {
            clean.push_str(&rest[..i]);
            let esc = &rest[i..];
            let lone = esc.len() >= 6
                && esc.as_bytes()[1] == b'u'
                && u16::from_str_radix(&esc[2..6], 16)
                    .is_ok_and(|c| (0xdc80..=0xdcff).contains(&c));
            if lone {
                clean.push('\u{fffd}');
                rest = &esc[6..];
            } else {
                // The backslash and the character it escapes, so `\\udc80` stays literal.
                let n = 1 + esc[1..].chars().next().map_or(0, char::len_utf8);
                clean.push_str(&esc[..n]);
                rest = &esc[n..];
            }
        }
        clean.push_str(rest);
        serde_json::from_str(&clean).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {text}"))
    }

    /// The last `n` bytes of stdout (big outputs are not read whole).
    fn stdout_tail(&self, n: u64) -> String {
        use std::io::{Read, Seek, SeekFrom};
        let mut f = fs::File::open(&self.stdout_path).expect("stdout file");
        let len = f.metadata().expect("metadata").len();
        f.seek(SeekFrom::Start(len.saturating_sub(n)))
            .expect("seek");
        let mut buf = Vec::new();
        f.read_to_end(&mut buf).expect("read");
        String::from_utf8_lossy(&buf).into_owned()
    }
}

/// What [`run`] runs unless told otherwise.
const SHOW: &[&str] = &["show", "--format", "json"];

/// `pgconf show --format json ARGS` in `dir`.
fn show(dir: &Path, args: &[&str]) -> Run {
    run(dir, args, None, None)
}

/// Like [`show`], with the child's address space limited to `limit` bytes.
fn show_within(dir: &Path, args: &[&str], limit: u64) -> Run {
    run_command(dir, SHOW, args, None, Some(limit))
}

/// `pgconf lint --format json ARGS` in `dir`, the address space limited to `limit` bytes.
fn lint_within(dir: &Path, args: &[&str], limit: u64) -> Run {
    run_command(dir, &["lint", "--format", "json"], args, None, Some(limit))
}

/// Runs the binary with `show --format json` and `args`, as `uid` when given and with
/// `RLIMIT_AS` at `memory` when given (an allocation beyond it aborts the child, which fails
/// the test); kills it and panics after [`TIMEOUT`].
///
/// The peak RSS is the child's `VmHWM`, polled every few milliseconds while it runs. (Not
/// `ru_maxrss`: Linux carries the parent's high-water mark into a child across `exec`, so it
/// reports this whole test process.)
fn run(dir: &Path, args: &[&str], uid: Option<u32>, memory: Option<u64>) -> Run {
    run_command(dir, SHOW, args, uid, memory)
}

/// [`run`] with another subcommand and its options first.
// The child is reaped by `waitpid` (to poll it with a deadline), which clippy cannot see.
#[allow(clippy::zombie_processes)]
fn run_command(
    dir: &Path,
    command: &[&str],
    args: &[&str],
    uid: Option<u32>,
    memory: Option<u64>,
) -> Run {
    let out_dir = tempfile::tempdir().expect("tempdir");
    let stdout_path = out_dir.path().join("stdout");
    let stderr_path = out_dir.path().join("stderr");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pgconf"));
    cmd.args(command)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(fs::File::create(&stdout_path).expect("stdout file"))
        .stderr(fs::File::create(&stderr_path).expect("stderr file"));
    if let Some(uid) = uid {
        cmd.uid(uid).gid(uid);
    }
    if let Some(limit) = memory {
        // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                let rlimit = libc::rlimit {
                    rlim_cur: limit,
                    rlim_max: limit,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &rlimit) == 0 {
                    Ok(())
                } else {
                    Err(io::Error::last_os_error())
                }
            });
        }
    }
    let started = Instant::now();
    let mut child = cmd.spawn().expect("spawn pgconf");
    let pid = child.id() as libc::pid_t;
    let status_file = format!("/proc/{pid}/status");
    let mut peak_rss = 0u64;
    let status = loop {
        if let Some(hwm) = vm_hwm(&status_file) {
            peak_rss = peak_rss.max(hwm);
        }
        let mut status = 0;
        // SAFETY: waits for our own child with a valid pointer; WNOHANG never blocks.
        let reaped = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if reaped == pid {
            break status;
        }
        assert_eq!(reaped, 0, "waitpid: {}", io::Error::last_os_error());
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("pgconf {command:?} {args:?} was still running after {TIMEOUT:?}: killed");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let secs = started.elapsed().as_secs_f64();
    if libc::WIFSIGNALED(status) {
        panic!(
            "pgconf {command:?} {args:?} was killed by signal {} (abort: out of its memory limit?): {}",
            libc::WTERMSIG(status),
            read_lossy(&stderr_path)
        );
    }
    let code = libc::WEXITSTATUS(status);
    assert_ne!(code, 101, "pgconf panicked: {}", read_lossy(&stderr_path));
    eprintln!(
        "adversarial: show {args:?}: exit {code}, {secs:.2} s, peak RSS {} MiB",
        peak_rss / MIB
    );
    Run {
        code,
        stdout_path,
        stderr: read_lossy(&stderr_path),
        peak_rss,
        _out_dir: out_dir,
    }
}

/// `VmHWM` of a running process, in bytes.
fn vm_hwm(status_file: &str) -> Option<u64> {
    let text = fs::read_to_string(status_file).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

fn read_lossy(path: &Path) -> String {
    String::from_utf8_lossy(&fs::read(path).unwrap_or_default()).into_owned()
}

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("mkdir");
    }
    fs::write(&path, bytes).expect("write");
    path
}

/// The `startup.errors` of a conf run as `(file, line, message)`.
fn startup_errors(json: &Value) -> Vec<(String, u64, String)> {
    json["startup"]["errors"]
        .as_array()
        .expect("startup.errors")
        .iter()
        .map(|e| {
            (
                e["sourcefile"].as_str().unwrap_or_default().to_string(),
                e["sourceline"].as_u64().unwrap_or(0),
                e["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Asserts a conf run found one error at `file`:`line` whose message contains `needle`.
#[track_caller]
fn assert_conf_error(run: &Run, file: &str, line: u64, needle: &str) {
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let json = run.json();
    assert_eq!(json["startup"]["ok"], Value::Bool(false));
    let errors = startup_errors(&json);
    assert!(
        errors
            .iter()
            .any(|(f, l, m)| f == file && *l == line && m.contains(needle)),
        "no error at {file}:{line} containing {needle:?} in {errors:#?}"
    );
}

/// The `(line_number, error)` of each row of an hba or ident run.
fn view_errors(run: &Run) -> Vec<(u64, Option<String>)> {
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    run.json()["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["line_number"].as_u64().unwrap_or(0),
                r["error"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[track_caller]
fn assert_view_error(run: &Run, line: u64, needle: &str) {
    let rows = view_errors(run);
    assert!(
        rows.iter()
            .any(|(l, e)| *l == line && e.as_deref().is_some_and(|e| e.contains(needle))),
        "no row at line {line} with error containing {needle:?} in {rows:?}"
    );
}

/// The RSS bound for `input` bytes at `factor` bytes per byte.
fn rss_bound(input: u64, factor: u64) -> u64 {
    64 * MIB + factor * input
}

/// The address-space limit of a child whose RSS bound is `bound`.
fn as_limit(bound: u64) -> u64 {
    2 * bound + 256 * MIB
}

#[track_caller]
fn assert_peak_within(run: &Run, bound: u64, what: &str) {
    assert!(
        run.peak_rss < bound,
        "peak RSS {} MiB for {what} exceeds {} MiB",
        run.peak_rss / MIB,
        bound / MIB
    );
}

#[track_caller]
fn assert_peak_linear(run: &Run, input: u64, factor: u64) {
    let bound = rss_bound(input, factor);
    assert!(
        run.peak_rss < bound,
        "peak RSS {} MiB for {} MiB of input exceeds {} MiB (64 MiB + {factor}x)",
        run.peak_rss / MIB,
        input / MIB,
        bound / MIB
    );
}

// ---------------------------------------------------------------------------------------------
// Big inputs

/// `size` bytes of dense setting lines, then one bad line that must be reported at its number.
fn big_conf(size: usize) {
    let d = dir();
    let line = b"shared_buffers = 128MB          # a comment here\n";
    let count = size / line.len();
    let mut text = line.repeat(count);
    text.extend_from_slice(b"oops = = 1\n");
    write(d.path(), "postgresql.conf", &text);
    let limit = as_limit(rss_bound(text.len() as u64, 16));
    let run = show_within(d.path(), &["postgresql.conf"], limit);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let tail = run.stdout_tail(4096);
    let expected = format!(
        "syntax error in file \\\"postgresql.conf\\\" line {}, near token \\\"=\\\"",
        count + 1
    );
    assert!(tail.contains(&expected), "{expected} not in {tail}");
    assert_peak_linear(&run, text.len() as u64, 16);
}

fn big_auth(kind: &str, line: &[u8], bad: &[u8], needle: &str, size: usize) {
    let d = dir();
    let count = size / line.len();
    let mut text = line.repeat(count);
    text.extend_from_slice(bad);
    write(d.path(), "file.conf", &text);
    let limit = as_limit(rss_bound(text.len() as u64, 64));
    let run = show_within(d.path(), &["--kind", kind, "file.conf"], limit);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let tail = run.stdout_tail(4096);
    assert!(
        tail.contains(&format!("\"line_number\": {}", count + 1)) && tail.contains(needle),
        "last row is not the bad line {}: {tail}",
        count + 1
    );
    assert_peak_linear(&run, text.len() as u64, 64);
}

fn big_hba(size: usize) {
    big_auth(
        "hba",
        b"host  all  all  10.0.0.0/8  scram-sha-256\n",
        b"host all\n",
        "end-of-line before role specification",
        size,
    );
}

fn big_ident(size: usize) {
    big_auth(
        "ident",
        b"mymap   sysuser   pguser\n",
        b"mymap sysuser\n",
        "missing entry at end of line",
        size,
    );
}

#[test]
fn big_conf_file() {
    big_conf(1 << 20);
}

#[test]
#[ignore = "50 MB: run in release from .ci/run"]
fn big_conf_file_50_mb() {
    big_conf(50 << 20);
}

#[test]
fn big_hba_and_ident_files() {
    big_hba(512 << 10);
    big_ident(512 << 10);
}

#[test]
#[ignore = "10 MB: run in release from .ci/run"]
fn big_hba_and_ident_files_10_mb() {
    big_hba(10 << 20);
    big_ident(10 << 20);
}

/// One long line: a good quoted value, a value whose quote never closes (each later quote
/// used to rescan the line), and for hba the versions' line and token limits.
fn long_line(size: usize) {
    let d = dir();
    let mut good = b"search_path = '".to_vec();
    good.extend(std::iter::repeat_n(b'a', size));
    good.extend_from_slice(b"'\n");
    write(d.path(), "good.conf", &good);
    let run = show(d.path(), &["good.conf"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout_tail(200).contains("\"errors\": []"));

    let mut open = b"x = ".to_vec();
    open.extend(b"'\\".repeat(size / 2));
    write(d.path(), "open.conf", &open);
    let run = show(d.path(), &["open.conf"]);
    assert_conf_error(&run, "open.conf", 1, "line 1, near token \"'\"");

    let mut hba = b"host all ".to_vec();
    hba.extend(std::iter::repeat_n(b'u', size));
    hba.extend_from_slice(b" 127.0.0.1/32 trust\n");
    write(d.path(), "pg_hba.conf", &hba);
    let run = show(d.path(), &["--pg-version", "13", "pg_hba.conf"]);
    assert_view_error(&run, 1, "authentication file line too long");
    let run = show(d.path(), &["--pg-version", "15", "pg_hba.conf"]);
    assert_view_error(&run, 1, "authentication file token too long");
    let run = show(d.path(), &["--pg-version", "16", "pg_hba.conf"]);
    let rows = view_errors(&run);
    assert_eq!(rows, vec![(1, None)], "a long role name is fine in 16+");
}

#[test]
fn one_long_line() {
    long_line(1 << 20);
}

#[test]
#[ignore = "10 MB: run in release from .ci/run"]
fn ten_mb_single_line() {
    long_line(10 << 20);
}

fn short_lines(count: usize) {
    let d = dir();
    // Linear in lines, with what a line costs in release builds plus about a quarter: a
    // million `a=1` lines peak at ~500 MB (item, its name and value, the startup message
    // naming the line, the syntax tree), a million hba records at ~610 MB (physical and
    // logical line, fields, tokens, the typed record). Rows are written as they are made.
    let bound = 32 * MIB + 640 * count as u64;
    // Unknown parameter names: every line is an error the server logs.
    write(d.path(), "postgresql.conf", b"a=1\n".repeat(count));
    let run = show_within(d.path(), &["postgresql.conf"], as_limit(bound));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let tail = run.stdout_tail(4096);
    let expected = format!(
        "unrecognized configuration parameter \\\"a\\\" in file \\\"postgresql.conf\\\" line {count}"
    );
    assert!(tail.contains(&expected), "{expected} not in {tail}");
    assert_peak_within(&run, bound, &format!("{count} conf lines"));

    write(
        d.path(),
        "pg_hba.conf",
        b"local all all trust\n".repeat(count),
    );
    let bound = 32 * MIB + 768 * count as u64;
    let run = show_within(d.path(), &["pg_hba.conf"], as_limit(bound));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout_tail(4096)
            .contains(&format!("\"line_number\": {count}"))
    );
    assert_peak_within(&run, bound, &format!("{count} hba lines"));
}

#[test]
fn many_short_lines() {
    short_lines(20_000);
}

#[test]
#[ignore = "a million lines: run in release from .ci/run"]
fn a_million_short_lines() {
    short_lines(1_000_000);
}

/// Every line an unknown name of its own: each is measured against the catalog for a
/// suggestion, which once took over a minute for 100,000 names.
fn distinct_unknown_names(count: usize) {
    let d = dir();
    let text: String = (0..count)
        .map(|i| format!("unknown_param_{i} = 1\n"))
        .collect();
    write(d.path(), "postgresql.conf", &text);
    // Every line is a finding, held until the document is written.
    let bound = 64 * MIB + 4096 * count as u64;
    let run = lint_within(
        d.path(),
        &["--select", "PG2001", "postgresql.conf"],
        as_limit(bound),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let tail = run.stdout_tail(4096);
    let last = format!("unknown_param_{}", count - 1);
    assert!(tail.contains(&last), "{last} not in {tail}");
    assert_peak_within(&run, bound, &format!("{count} unknown names"));
}

#[test]
fn many_distinct_unknown_names() {
    distinct_unknown_names(5_000);
}

#[test]
#[ignore = "200,000 names: run in release from .ci/run"]
fn two_hundred_thousand_distinct_unknown_names() {
    distinct_unknown_names(200_000);
}

// ---------------------------------------------------------------------------------------------
// Odd bytes

#[test]
fn nul_bytes() {
    let d = dir();
    write(
        d.path(),
        "postgresql.conf",
        b"port = 5433\nwork_mem = '1\0MB'\n\0\nshared_buffers = 1\0\n",
    );
    let run = show(d.path(), &["postgresql.conf"]);
    assert_conf_error(
        &run,
        "postgresql.conf",
        3,
        "syntax error in file \"postgresql.conf\" line 3",
    );

    write(
        d.path(),
        "pg_hba.conf",
        b"local all all trust\nhost\0 all all 1.2.3.4/32 md5\n",
    );
    for version in ["13", "16"] {
        let run = show(d.path(), &["--pg-version", version, "pg_hba.conf"]);
        let rows = view_errors(&run);
        assert_eq!(rows.first(), Some(&(1, None)), "{version}: {rows:?}");
        assert!(rows.iter().any(|(_, e)| e.is_some()), "{version}: {rows:?}");
    }
}

#[test]
fn invalid_utf8_everywhere() {
    let d = dir();
    // In a name, a value, a comment, an included file's name and that file's contents.
    let included = d.path().join(OsStr::from_bytes(b"inc\xff.conf"));
    fs::write(&included, b"work_mem = '\xc3\x28' # \xfe\n\xff\xfe = 1\n").expect("write");
    write(
        d.path(),
        "postgresql.conf",
        b"# \xff\xfe\nsearch_path = '\xe2\x82' # \x80\ninclude 'inc\xff.conf'\n",
    );
    let run = show(d.path(), &["postgresql.conf"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    let rows = json["rows"].as_array().expect("rows");
    assert_eq!(rows[0]["setting"], "\u{fffd}\u{fffd}");
    // The bad bytes come back as lone surrogates: JSON that keeps every byte.
    let raw = run.stdout();
    assert!(raw.contains("\\udce2\\udc82"), "{raw}");
    let errors = startup_errors(&json);
    assert!(
        // File names are shown lossily (U+FFFD), values and names losslessly.
        errors.iter().any(|(f, l, m)| f == "inc\u{fffd}.conf"
            && *l == 2
            && m.starts_with("unrecognized configuration parameter")),
        "{errors:?}"
    );

    // A database named \xff and a host named \xc3( are fine to the server; a method is not.
    write(
        d.path(),
        "pg_hba.conf",
        b"local \xff all trust\nhost all all \xc3\x28 md5\nlocal all all \xff\n",
    );
    let run = show(d.path(), &["pg_hba.conf"]);
    let rows = view_errors(&run);
    assert_eq!(rows[..2], [(1, None), (2, None)], "{rows:?}");
    assert_view_error(&run, 3, "invalid authentication method");
}

#[test]
fn byte_order_mark() {
    let d = dir();
    // The server reads the BOM as part of the first name, as pgconf does.
    write(d.path(), "postgresql.conf", "\u{feff}port = 5433\n");
    let run = show(d.path(), &["postgresql.conf"]);
    assert_conf_error(
        &run,
        "postgresql.conf",
        1,
        "unrecognized configuration parameter \"\u{feff}port\"",
    );

    write(d.path(), "pg_hba.conf", "\u{feff}local all all trust\n");
    let run = show(d.path(), &["pg_hba.conf"]);
    assert_view_error(&run, 1, "invalid connection type");
}

#[test]
fn lone_carriage_returns() {
    let d = dir();
    // CR is a blank to the conf lexer, not a line end: the next setting runs on.
    write(
        d.path(),
        "postgresql.conf",
        b"port = 5433\rwork_mem = 1MB\n\r",
    );
    let run = show(d.path(), &["postgresql.conf"]);
    assert_conf_error(&run, "postgresql.conf", 1, "near token \"work_mem\"");

    write(
        d.path(),
        "pg_hba.conf",
        b"local all all trust\rhost all all all md5\n\r",
    );
    let run = show(d.path(), &["pg_hba.conf"]);
    assert_view_error(&run, 1, "");
}

// ---------------------------------------------------------------------------------------------
// Includes

#[test]
fn deeply_nested_includes() {
    let d = dir();
    for i in 0..20 {
        write(
            d.path(),
            &format!("f{i}.conf"),
            format!("include 'f{}.conf'\n", i + 1),
        );
    }
    write(d.path(), "postgresql.conf", "include 'f0.conf'\n");
    let run = show(d.path(), &["postgresql.conf"]);
    // The main file is depth 0; f9.conf is depth 10 and may not include f10.conf.
    assert_conf_error(&run, "f9.conf", 1, "maximum nesting depth exceeded");

    for i in 0..20 {
        write(
            d.path(),
            &format!("h{i}.conf"),
            format!("include h{}.conf\n", i + 1),
        );
    }
    write(d.path(), "pg_hba.conf", "include h0.conf\n");
    let run = show(d.path(), &["--pg-version", "16", "pg_hba.conf"]);
    assert_view_error(&run, 1, "maximum nesting depth exceeded");
}

#[test]
fn cyclic_includes() {
    let d = dir();
    write(d.path(), "postgresql.conf", "include 'postgresql.conf'\n");
    let run = show(d.path(), &["postgresql.conf"]);
    assert_conf_error(&run, "postgresql.conf", 1, "configuration file recursion");

    write(d.path(), "a.conf", "port = 5433\ninclude 'b.conf'\n");
    write(d.path(), "b.conf", "include 'a.conf'\n");
    write(d.path(), "main.conf", "include 'a.conf'\n");
    let run = show(d.path(), &["main.conf"]);
    // main 0, a 1, b 2, ..., b 10: b.conf may not include a.conf at depth 11.
    assert_conf_error(&run, "b.conf", 1, "maximum nesting depth exceeded");

    // 12-15: a self-referencing @file (the server runs out of stack).
    write(d.path(), "users", "@users\n");
    write(d.path(), "hba2.conf", "local all @users trust\n");
    let run = show(
        d.path(),
        &["--kind", "hba", "--pg-version", "14", "hba2.conf"],
    );
    assert_view_error(&run, 1, "self-referencing @file");
}

/// Fan-out: ten includes of a file that includes back ten times. The server re-reads each
/// and would need 10^10 reads; pgconf stops once the repeats cost its expansion budget. The
/// model's unit tests check this in memory; this runs it on disk, in release.
#[test]
#[ignore = "tens of thousands of file reads: run in release from .ci/run"]
fn includes_that_fan_out() {
    let d = dir();
    write(d.path(), "x.conf", "include 'y.conf'\n".repeat(10));
    write(d.path(), "y.conf", "include 'x.conf'\n".repeat(10));
    write(d.path(), "fan.conf", "include 'x.conf'\n");
    let run = show(d.path(), &["fan.conf"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let errors = startup_errors(&run.json());
    let (file, _, message) = errors.last().expect("errors");
    assert!(
        message.contains("pgconf stopped expanding includes") && file.ends_with(".conf"),
        "{message}"
    );

    // pg_hba 16+: a self-include with fan-out.
    write(d.path(), "pg_hba.conf", "include pg_hba.conf\n".repeat(10));
    let run = show(d.path(), &["--pg-version", "16", "pg_hba.conf"]);
    assert!(
        view_errors(&run)
            .iter()
            .any(|(_, e)| e.as_deref().is_some_and(|e| e.contains("pgconf stopped"))),
    );
}

#[test]
fn include_dir_with_symlink_loops() {
    let d = dir();
    let conf_d = d.path().join("conf.d");
    fs::create_dir(&conf_d).expect("mkdir");
    write(&conf_d, "a.conf", "port = 5433\n");
    symlink(".", conf_d.join("here.conf")).expect("symlink"); // a directory: skipped
    symlink("..", conf_d.join("up.conf")).expect("symlink"); // a directory: skipped
    symlink("loop.conf", conf_d.join("loop.conf")).expect("symlink"); // ELOOP
    symlink("loopdir", d.path().join("loopdir")).expect("symlink");
    write(d.path(), "postgresql.conf", "include_dir 'conf.d'\n");
    let run = show(d.path(), &["postgresql.conf"]);
    assert_conf_error(
        &run,
        "postgresql.conf",
        1,
        "could not open configuration file \"conf.d/loop.conf\": Too many levels of symbolic links",
    );
    let json = run.json();
    assert_eq!(json["rows"][0]["name"], "port", "a.conf is read first");

    write(d.path(), "loop_dir.conf", "include_dir 'loopdir'\n");
    let run = show(d.path(), &["loop_dir.conf"]);
    assert_conf_error(
        &run,
        "loop_dir.conf",
        1,
        "could not open configuration directory \"loopdir\": Too many levels of symbolic links",
    );

    write(
        d.path(),
        "pg_hba.conf",
        "include_dir conf.d\ninclude_dir loopdir\n",
    );
    let run = show(d.path(), &["--pg-version", "16", "pg_hba.conf"]);
    assert_view_error(&run, 2, "could not open directory \"loopdir\"");
}

#[test]
fn include_of_dev_zero() {
    let d = dir();
    write(
        d.path(),
        "postgresql.conf",
        "port = 5433\ninclude '/dev/zero'\n",
    );
    let run = show(d.path(), &["postgresql.conf"]);
    assert_conf_error(
        &run,
        "postgresql.conf",
        2,
        "could not open configuration file \"/dev/zero\": not a regular file",
    );

    write(
        d.path(),
        "pg_hba.conf",
        "local all @/dev/zero trust\ninclude /dev/zero\n",
    );
    let run = show(d.path(), &["--pg-version", "16", "pg_hba.conf"]);
    assert_view_error(
        &run,
        1,
        "could not open file \"/dev/zero\": not a regular file",
    );
    assert_view_error(
        &run,
        2,
        "could not open file \"/dev/zero\": not a regular file",
    );

    let run = show(d.path(), &["/dev/zero"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("/dev/zero") && run.stderr.contains("not a regular file"),
        "{}",
        run.stderr
    );
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("path");
    // SAFETY: a valid NUL-terminated path.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
    assert_eq!(rc, 0, "mkfifo: {}", io::Error::last_os_error());
}

#[test]
fn include_of_a_fifo() {
    // Opening a FIFO for reading blocks until a writer comes: pgconf must never open it.
    let d = dir();
    mkfifo(&d.path().join("fifo.conf"));
    write(d.path(), "postgresql.conf", "include 'fifo.conf'\n");
    let run = show(d.path(), &["postgresql.conf"]);
    assert_conf_error(
        &run,
        "postgresql.conf",
        1,
        "could not open configuration file \"fifo.conf\": not a regular file",
    );

    fs::create_dir(d.path().join("conf.d")).expect("mkdir");
    mkfifo(&d.path().join("conf.d/pipe.conf"));
    write(d.path(), "dir.conf", "include_dir 'conf.d'\n");
    let run = show(d.path(), &["dir.conf"]);
    assert_conf_error(
        &run,
        "dir.conf",
        1,
        "\"conf.d/pipe.conf\": not a regular file",
    );

    write(
        d.path(),
        "pg_hba.conf",
        "include fifo.conf\nlocal all @fifo.conf trust\n",
    );
    let run = show(d.path(), &["--pg-version", "17", "pg_hba.conf"]);
    assert_view_error(&run, 1, "not a regular file");
    assert_view_error(&run, 2, "not a regular file");

    let run = show(d.path(), &["fifo.conf"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
}

#[test]
fn a_directory_where_a_file_is_expected() {
    let d = dir();
    fs::create_dir(d.path().join("sub.conf")).expect("mkdir");
    write(
        d.path(),
        "postgresql.conf",
        "port = 5433\ninclude 'sub.conf'\n",
    );
    let run = show(d.path(), &["postgresql.conf"]);
    // The server opens the directory, and its lexer fails reading "line 1" of it.
    assert_conf_error(
        &run,
        "sub.conf",
        1,
        "input in flex scanner failed at file \"sub.conf\" line 1",
    );

    write(d.path(), "pg_hba.conf", "local all @sub.conf trust\n");
    let run = show(d.path(), &["--pg-version", "13", "pg_hba.conf"]);
    assert_view_error(&run, 1, "Is a directory");

    let run = show(d.path(), &["sub.conf"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("sub.conf") && run.stderr.to_lowercase().contains("is a directory"),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// Permissions

/// The uid to run the child as so that file modes apply: none when not root; `nobody` when
/// root and the binary and `dir` are reachable by others; `Err` (skip) otherwise.
fn unprivileged(dir: &Path) -> Result<Option<u32>, String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())?;
    let reachable = |path: &Path| {
        path.ancestors()
            .skip(1)
            .all(|p| fs::metadata(p).is_ok_and(|m| m.permissions().mode() & 0o001 != 0))
    };
    let bin = Path::new(env!("CARGO_BIN_EXE_pgconf"));
    if !reachable(bin) || !reachable(&dir.join("x")) {
        return Err(format!(
            "{} or {} is not reachable by other users",
            bin.display(),
            dir.display()
        ));
    }
    Ok(Some(65534))
}

#[test]
fn unreadable_file_or_folder() {
    let d = dir();
    let uid = match unprivileged(d.path()) {
        Ok(uid) => uid,
        Err(why) => {
            eprintln!("SKIPPED unreadable_file_or_folder (running as root): {why}");
            return;
        }
    };
    let secret = write(d.path(), "secret.conf", "port = 1\n");
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o000)).expect("chmod");
    let locked = d.path().join("locked.d");
    fs::create_dir(&locked).expect("mkdir");
    write(&locked, "x.conf", "port = 2\n");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).expect("chmod");
    for name in ["postgresql.conf", "pg_hba.conf"] {
        let path = write(
            d.path(),
            name,
            if name == "pg_hba.conf" {
                "include secret.conf\ninclude_dir locked.d\n"
            } else {
                "include 'secret.conf'\ninclude_dir 'locked.d'\n"
            },
        );
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
    }

    let run = self::run(d.path(), &["postgresql.conf"], uid, None);
    assert_conf_error(
        &run,
        "postgresql.conf",
        1,
        "could not open configuration file \"secret.conf\": Permission denied",
    );
    assert_conf_error(
        &run,
        "postgresql.conf",
        2,
        "could not open configuration directory \"locked.d\": Permission denied",
    );

    let hba = self::run(d.path(), &["--pg-version", "16", "pg_hba.conf"], uid, None);
    assert_view_error(
        &hba,
        1,
        "could not open file \"secret.conf\": Permission denied",
    );
    assert_view_error(&hba, 2, "could not open directory \"locked.d\"");

    let main = self::run(d.path(), &["secret.conf"], uid, None);
    assert_eq!(main.code, 2);
    assert!(
        main.stderr.contains("secret.conf") && main.stderr.contains("Permission denied"),
        "{}",
        main.stderr
    );
    // Let the temporary folder be removed.
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// A file system that refuses some paths with `PermissionDenied`, whoever runs the test.
struct Refusing {
    inner: MemFs,
    refused: Vec<PathBuf>,
}

impl Refusing {
    fn check(&self, path: &Path) -> io::Result<()> {
        if self.refused.iter().any(|r| r == path) {
            Err(io::Error::from(io::ErrorKind::PermissionDenied))
        } else {
            Ok(())
        }
    }
}

impl FileSystem for Refusing {
    fn read(&self, path: &Path) -> io::Result<pgconf::source::FileBytes> {
        self.check(path)?;
        self.inner.read(path)
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<DirEntry>> {
        self.check(path)?;
        self.inner.read_dir(path)
    }
    fn is_dir(&self, path: &Path) -> bool {
        self.inner.is_dir(path)
    }
    fn exists(&self, path: &Path) -> bool {
        self.inner.exists(path)
    }
    fn files_below(
        &self,
        root: &Path,
        enter: &dyn Fn(&std::ffi::OsStr) -> bool,
    ) -> Vec<std::path::PathBuf> {
        self.inner.files_below(root, enter)
    }
}

#[test]
fn permission_denied_through_the_file_system_trait() {
    let fs = Refusing {
        inner: MemFs::new()
            .with(
                "/d/postgresql.conf",
                "include 'secret.conf'\ninclude_dir 'locked.d'\n",
            )
            .with("/d/secret.conf", "port = 1\n")
            .with("/d/locked.d/x.conf", "port = 2\n"),
        refused: vec!["/d/secret.conf".into(), "/d/locked.d".into()],
    };
    let options = LoadOptions {
        version: PgVersion::new(16).expect("16"),
        auto: AutoConf::None,
        roots: None,
    };
    let set = ConfigSet::load(&fs, Path::new("/d/postgresql.conf"), &options).expect("main");
    let messages: Vec<(u32, &str)> = set
        .startup
        .errors
        .iter()
        .map(|m| (m.line, m.message.as_str()))
        .collect();
    assert!(!set.startup.ok);
    assert!(
        messages.iter().any(|(l, m)| *l == 1
            && m.starts_with("could not open configuration file \"secret.conf\"")
            && m.contains("ermission denied")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|(l, m)| *l == 2
            && m.starts_with("could not open configuration directory \"locked.d\"")),
        "{messages:?}"
    );
    let err = ConfigSet::load(&fs, Path::new("/d/secret.conf"), &options)
        .expect_err("the main file is refused");
    assert_eq!(err.error.kind(), io::ErrorKind::PermissionDenied);
    assert!(err.to_string().contains("/d/secret.conf"));
}
