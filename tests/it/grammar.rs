//! Conformance with real PostgreSQL, without a server: `pgconf show` against the oracle's
//! answers committed in `grammar-tests/expected/`.
//!
//! The comparison is the one `shared/oracle/conformance` makes (see `grammar-tests/README.md`):
//! - conf: the `pg_file_settings` rows (file, line, name, setting, is-error) up to and including
//!   the first file-level error row; `startup.ok`; and when the server would start,
//!   `startup.values` for every parameter it names (names compared case-insensitively);
//! - hba / ident: every line the server lists, error or not, every column of the good lines,
//!   and no extra rows. `15-debian` is compared for hba only; on the other versions lines the
//!   npm builds reject as "not supported by this build" are skipped.
//!
//! Every case and version is checked, all disagreements are collected, and the test fails once
//! with the whole list. Case-versions listed in `grammar-tests/KNOWN-GAPS.md` are reported but
//! do not fail. `GRAMMAR_TESTS=<prefix>` (e.g. `hba/addr-`) runs only the matching cases;
//! `PGCONF_BIN=<path>` judges another binary instead of the one Cargo built.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

/// Each kind with the main file of its multi-file cases.
const KINDS: [(&str, &str); 3] = [
    ("conf", "postgresql.conf"),
    ("hba", "pg_hba.conf"),
    ("ident", "pg_ident.conf"),
];
const HBA_COLUMNS: [&str; 7] = [
    "type",
    "database",
    "user_name",
    "address",
    "netmask",
    "auth_method",
    "options",
];
const IDENT_COLUMNS: [&str; 3] = ["map_name", "sys_name", "pg_username"];
const LIST_COLUMNS: [&str; 3] = ["database", "user_name", "options"];
const NOT_IN_BUILD: &str = "not supported by this build";
/// Failing case-versions printed in full before the list is cut short.
const MAX_LISTED: usize = 300;

/// One case at one version, with what the oracle said.
struct Check {
    case: String,
    kind: &'static str,
    path: PathBuf,
    version: String,
    oracle: Value,
}

struct Outcome {
    case: String,
    version: String,
    diffs: Vec<String>,
}

#[test]
fn grammar_cases_agree_with_the_oracle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("grammar-tests");
    let filter = std::env::var("GRAMMAR_TESTS").unwrap_or_default();
    let gaps = read_known_gaps(&root.join("KNOWN-GAPS.md"));
    let (checks, mut problems) = collect_checks(&root, &filter);
    assert!(
        !checks.is_empty() || !filter.is_empty(),
        "no grammar-tests expectations found under {}",
        root.display()
    );

    let outcomes = run_parallel(&checks);
    let mut failed = Vec::new();
    let mut known = Vec::new();
    for o in outcomes.into_iter().filter(|o| !o.diffs.is_empty()) {
        if gaps.covers(&o.case, &o.version) {
            known.push(o);
        } else {
            failed.push(o);
        }
    }

    if !known.is_empty() {
        eprintln!("grammar-tests: {} known gap(s), not failing:", known.len());
        for o in &known {
            eprintln!("  KNOWN {} @{}: {}", o.case, o.version, o.diffs[0]);
        }
    }
    let total = checks.len();
    eprintln!(
        "grammar-tests: {} of {} case-versions agree, {} known gaps, {} failures",
        total - failed.len() - known.len(),
        total,
        known.len(),
        failed.len()
    );
    for o in failed.iter().take(MAX_LISTED) {
        let mut text = format!("{} @{}", o.case, o.version);
        for d in o.diffs.iter().take(5) {
            text.push_str("\n      ");
            text.push_str(d);
        }
        if o.diffs.len() > 5 {
            text.push_str(&format!("\n      … and {} more", o.diffs.len() - 5));
        }
        problems.push(text);
    }
    if failed.len() > MAX_LISTED {
        problems.push(format!(
            "… and {} more failing case-versions",
            failed.len() - MAX_LISTED
        ));
    }
    assert!(
        problems.is_empty(),
        "pgconf show disagrees with PostgreSQL on {} of {} case-versions:\n  {}",
        failed.len(),
        total,
        problems.join("\n  ")
    );
}

/// Every (case, version) pair with an expectation, plus problems with the tree itself.
fn collect_checks(root: &Path, filter: &str) -> (Vec<Check>, Vec<String>) {
    let mut checks = Vec::new();
    let mut problems = Vec::new();
    for (kind, main) in KINDS {
        let cases_dir = root.join(kind);
        let expected_dir = root.join("expected").join(kind);
        let mut with_expectation = BTreeSet::new();
        for file in sorted_entries(&expected_dir) {
            let Some(name) = file.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let Some(case) = name.strip_suffix(".json") else {
                continue;
            };
            with_expectation.insert(case.to_string());
            let id = format!("{kind}/{case}");
            if !id.starts_with(filter) {
                continue;
            }
            let Some(path) = case_main_file(&cases_dir, case, main) else {
                problems.push(format!("{id}: expectation without a case"));
                continue;
            };
            let expected = match fs::read_to_string(&file)
                .map_err(|e| e.to_string())
                .and_then(|t| parse_json(&t))
            {
                Ok(Value::Object(m)) => m,
                Ok(_) => {
                    problems.push(format!("{id}: expectation is not a JSON object"));
                    continue;
                }
                Err(e) => {
                    problems.push(format!("{id}: unreadable expectation: {e}"));
                    continue;
                }
            };
            for (version, oracle) in expected {
                // 15-debian exists for the methods the npm builds lack; only hba uses it.
                if version.ends_with("-debian") && kind != "hba" {
                    continue;
                }
                if oracle.get("query_error").is_some() {
                    continue;
                }
                checks.push(Check {
                    case: id.clone(),
                    kind,
                    path: path.clone(),
                    version,
                    oracle,
                });
            }
        }
        for entry in sorted_entries(&cases_dir) {
            let Some(name) = entry.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            let case = name.strip_suffix(".conf").unwrap_or(name);
            let id = format!("{kind}/{case}");
            if id.starts_with(filter) && !with_expectation.contains(case) {
                problems.push(format!(
                    "{id}: case without expectation (run grammar-tests/regenerate)"
                ));
            }
        }
    }
    (checks, problems)
}

/// `<kind>/<case>.conf`, or the main file of the folder `<kind>/<case>/`.
fn case_main_file(cases_dir: &Path, case: &str, main: &str) -> Option<PathBuf> {
    let single = cases_dir.join(format!("{case}.conf"));
    if single.is_file() {
        return Some(single);
    }
    let folder = cases_dir.join(case).join(main);
    folder.is_file().then_some(folder)
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.sort();
    out
}

fn run_parallel(checks: &[Check]) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(checks.len()));
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(8));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(check) = checks.get(i) else { break };
                    let diffs = judge(check);
                    let outcome = Outcome {
                        case: check.case.clone(),
                        version: check.version.clone(),
                        diffs,
                    };
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((i, outcome));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, o)| o).collect()
}

fn judge(check: &Check) -> Vec<String> {
    let major = check.version.split('-').next().unwrap_or(&check.version);
    let ours = match pgconf_show(check.kind, major, &check.path) {
        Ok(v) => v,
        Err(e) => return vec![e],
    };
    let mut diffs = Vec::new();
    if ours.get("kind").and_then(Value::as_str) != Some(check.kind) {
        diffs.push(format!(
            "JSON \"kind\" is {}, want {:?}",
            show(ours.get("kind")),
            check.kind
        ));
    }
    if ours.get("pg_version").and_then(Value::as_u64) != major.parse().ok() {
        diffs.push(format!(
            "JSON \"pg_version\" is {}, want {major}",
            show(ours.get("pg_version"))
        ));
    }
    diffs.extend(match check.kind {
        "conf" => compare_conf(&check.oracle, &ours),
        "hba" => compare_lines(
            &check.oracle,
            &ours,
            &HBA_COLUMNS,
            check.version.ends_with("-debian"),
        ),
        _ => compare_lines(&check.oracle, &ours, &IDENT_COLUMNS, false),
    });
    diffs
}

/// Runs `pgconf show`; it must exit 0 and print one JSON value.
fn pgconf_show(kind: &str, major: &str, path: &Path) -> Result<Value, String> {
    // PGCONF_BIN judges another build (a release binary, a stand-in) with the same cases.
    let bin = std::env::var_os("PGCONF_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_pgconf")),
        PathBuf::from,
    );
    let out = Command::new(bin)
        .args([
            "show",
            "--format",
            "json",
            "--kind",
            kind,
            "--pg-version",
            major,
        ])
        .arg(path)
        .output()
        .map_err(|e| format!("could not run pgconf: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stderr = stderr.trim();
    let skip = stderr.chars().count().saturating_sub(300);
    let tail: String = stderr.chars().skip(skip).collect();
    if !out.status.success() {
        return Err(format!("pgconf show failed ({}): {tail}", out.status));
    }
    parse_json(&String::from_utf8_lossy(&out.stdout))
        .map_err(|e| format!("pgconf show printed no valid JSON ({e}); stderr: {tail}"))
}

/// Parses JSON, reading the escapes `\udc80`–`\udcff` as U+FFFD.
///
/// The oracle is Python: a byte that is not UTF-8 comes back as a lone surrogate escape, which
/// serde_json rejects. pgconf prints such bytes as U+FFFD, so both sides compare as U+FFFD.
fn parse_json(text: &str) -> Result<Value, String> {
    let mut clean = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        clean.push_str(&rest[..at]);
        let esc = &rest[at..];
        let lone = esc.len() >= 6
            && esc.as_bytes()[1] == b'u'
            && u16::from_str_radix(&esc[2..6], 16).is_ok_and(|c| (0xdc80..=0xdcff).contains(&c));
        if lone {
            clean.push_str("\\ufffd");
            rest = &esc[6..];
        } else {
            // Copy the backslash and the character it escapes, so `\\udc80` stays literal.
            let n = esc[1..].chars().next().map_or(1, |c| 1 + c.len_utf8());
            clean.push_str(&esc[..n]);
            rest = &esc[n..];
        }
    }
    clean.push_str(rest);
    serde_json::from_str(&clean).map_err(|e| e.to_string())
}

/// `pg_file_settings` rows up to and including the first file-level error, then the startup
/// verdict and, when the server would start, the value of every parameter it names.
fn compare_conf(oracle: &Value, ours: &Value) -> Vec<String> {
    let mut diffs = Vec::new();
    let want = conf_rows(oracle);
    let got = conf_rows(ours);
    for i in 0..want.len().max(got.len()) {
        let (w, g) = (want.get(i), got.get(i));
        if w != g {
            diffs.push(format!(
                "row {}: server {}, pgconf {}",
                i + 1,
                show_row(w),
                show_row(g)
            ));
            break;
        }
    }
    let empty = Value::Null;
    let ws = oracle.get("startup").unwrap_or(&empty);
    let gs = ours.get("startup").unwrap_or(&empty);
    if let Some(w_ok) = ws.get("ok") {
        let w_ok = truthy(Some(w_ok));
        if w_ok != truthy(gs.get("ok")) {
            let msgs: Vec<&str> = ws
                .get("messages")
                .and_then(Value::as_array)
                .map(|ms| {
                    ms.iter()
                        .filter_map(|m| m.get("message").and_then(Value::as_str))
                        .collect()
                })
                .unwrap_or_default();
            let msgs: String = msgs.join("; ").chars().take(300).collect();
            diffs.push(format!(
                "startup ok: server {w_ok} ({msgs}), pgconf {}",
                show(gs.get("ok"))
            ));
        } else if w_ok {
            let got_values: BTreeMap<String, &Value> = gs
                .get("values")
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, v)| (k.to_lowercase(), v)).collect())
                .unwrap_or_default();
            if let Some(want_values) = ws.get("values").and_then(Value::as_object) {
                for (k, v) in want_values {
                    let g = got_values.get(&k.to_lowercase()).copied().unwrap_or(&empty);
                    if g != v {
                        diffs.push(format!("startup value {k}: server {v}, pgconf {g}"));
                    }
                }
            }
        }
    }
    diffs
}

/// (file, line, name, setting, is_error) of each row, up to and including the first error row:
/// the server's view stops reading a file there.
type ConfRow = (Option<String>, Value, Value, Value, bool);

fn conf_rows(answer: &Value) -> Vec<ConfRow> {
    let mut out = Vec::new();
    for r in answer
        .get("rows")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let is_error = r.get("name").is_none_or(Value::is_null);
        let field = |k: &str| {
            if is_error {
                Value::Null
            } else {
                r.get(k).cloned().unwrap_or(Value::Null)
            }
        };
        let file = r
            .get("sourcefile")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(normalize_path);
        let line = r.get("sourceline").cloned().unwrap_or(Value::Null);
        out.push((file, line, field("name"), field("setting"), is_error));
        if is_error {
            break;
        }
    }
    out
}

fn show_row(row: Option<&ConfRow>) -> String {
    match row {
        None => "no row".into(),
        Some((file, line, name, setting, err)) => format!(
            "({}, {line}, {name}, {setting}, error={err})",
            file.as_deref().unwrap_or("null")
        ),
    }
}

/// Every line the server lists, matched by (file base name, line number): error or not, and
/// every column of good lines; then no row the server does not list.
fn compare_lines(oracle: &Value, ours: &Value, columns: &[&str], debian: bool) -> Vec<String> {
    type Key = (String, Option<i64>);
    let key = |row: &Value| -> Key {
        let file = row.get("file_name").and_then(Value::as_str).unwrap_or("");
        let base = Path::new(file)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("");
        (
            base.to_string(),
            row.get("line_number").and_then(Value::as_i64),
        )
    };
    let rows = |v: &Value| -> Vec<Value> {
        v.get("rows")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };

    let mut diffs = Vec::new();
    let mut want: BTreeMap<Key, Value> = BTreeMap::new();
    let mut skipped = BTreeSet::new();
    for row in rows(oracle) {
        let error = row.get("error").and_then(Value::as_str).unwrap_or("");
        if !debian && error.contains(NOT_IN_BUILD) {
            skipped.insert(row.get("line_number").and_then(Value::as_i64));
        } else {
            want.insert(key(&row), row);
        }
    }
    let mut got: BTreeMap<Key, Value> = rows(ours).into_iter().map(|r| (key(&r), r)).collect();
    // Before 16 the server has no file_name column: match on the line number alone.
    if want.keys().all(|(file, _)| file.is_empty()) {
        got = got
            .into_iter()
            .map(|((_, line), row)| ((String::new(), line), row))
            .collect();
    }
    for (k, w) in &want {
        let where_ = match (k.0.is_empty(), k.1) {
            (true, Some(l)) => format!("line {l}"),
            (true, None) => "line ?".to_string(),
            (false, l) => format!("{}:line {}", k.0, l.map_or("?".into(), |l| l.to_string())),
        };
        let Some(g) = got.remove(k) else {
            diffs.push(format!("{where_}: server lists it, pgconf does not"));
            continue;
        };
        let (w_err, g_err) = (truthy(w.get("error")), truthy(g.get("error")));
        if w_err != g_err {
            diffs.push(format!(
                "{where_}: server error={}, pgconf error={}",
                show(w.get("error")),
                show(g.get("error"))
            ));
        } else if !w_err {
            for &c in columns {
                let (mut wv, mut gv) = (
                    w.get(c).cloned().unwrap_or(Value::Null),
                    g.get(c).cloned().unwrap_or(Value::Null),
                );
                if LIST_COLUMNS.contains(&c) {
                    wv = as_list(wv);
                    gv = as_list(gv);
                }
                if wv != gv {
                    diffs.push(format!("{where_}: {c}: server {wv}, pgconf {gv}"));
                }
            }
        }
    }
    for (file, line) in got.keys() {
        if !skipped.contains(line) {
            let at = line.map_or("?".into(), |l| l.to_string());
            let file = if file.is_empty() {
                String::new()
            } else {
                format!("{file}:")
            };
            diffs.push(format!(
                "{file}line {at}: pgconf lists a row the server does not"
            ));
        }
    }
    diffs
}

/// A list column: null is the empty list.
fn as_list(v: Value) -> Value {
    match v {
        Value::Null => Value::Array(Vec::new()),
        other => other,
    }
}

/// Python truthiness, as the reference script tests it.
fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
    }
}

fn show(v: Option<&Value>) -> String {
    v.map_or_else(|| "missing".to_string(), Value::to_string)
}

/// Lexical `os.path.normpath`: drops `.` and folds `x/..`.
fn normalize_path(p: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let absolute = p.starts_with('/');
    for c in Path::new(p).components() {
        match c {
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
            Component::ParentDir => {
                if parts.last().is_some_and(|l| l != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..".into());
                }
            }
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// Case-versions whose disagreement is known and explained, from `KNOWN-GAPS.md`: a markdown
/// table `| case | versions | reason |`. A case is `kind/name` (a `grammar-tests/` prefix and a
/// `.conf` suffix are allowed); versions are `all`, or a comma list of `16`, `15-debian`, or
/// `14+` (that major and later, Debian builds included).
struct KnownGaps(Vec<(String, Vec<String>)>);

impl KnownGaps {
    fn covers(&self, case: &str, version: &str) -> bool {
        let major: u32 = version
            .split('-')
            .next()
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
        self.0.iter().any(|(c, versions)| {
            c == case
                && versions.iter().any(|v| {
                    v == "all"
                        || v == version
                        || v.strip_suffix('+')
                            .and_then(|m| m.parse::<u32>().ok())
                            .is_some_and(|from| major >= from)
                })
        })
    }
}

fn read_known_gaps(path: &Path) -> KnownGaps {
    let text = fs::read_to_string(path).unwrap_or_default();
    let mut gaps = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if !line.starts_with('|') {
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let (Some(case), Some(versions)) = (cells.first(), cells.get(1)) else {
            continue;
        };
        let case = case.trim_matches('`');
        if case.is_empty()
            || case.eq_ignore_ascii_case("case")
            || case.chars().all(|c| c == '-' || c == ':')
        {
            continue;
        }
        let case = case.strip_prefix("grammar-tests/").unwrap_or(case);
        let case = case.strip_suffix(".conf").unwrap_or(case);
        let case = case.trim_end_matches('/').to_string();
        let versions = versions
            .split(',')
            .map(|v| v.trim().trim_matches('`').to_string())
            .filter(|v| !v.is_empty())
            .collect();
        gaps.push((case, versions));
    }
    KnownGaps(gaps)
}

#[test]
fn json_reader_maps_lone_surrogates_only() {
    let v = parse_json(r#"["d\udce9b", "a\\udce9", "\u00e9"]"#).unwrap_or(Value::Null);
    assert_eq!(v, serde_json::json!(["d\u{fffd}b", "a\\udce9", "é"]));
}

#[test]
fn paths_normalize_like_python() {
    assert_eq!(normalize_path("a/b/../../top.conf"), "top.conf");
    assert_eq!(normalize_path("./sub/../x.conf"), "x.conf");
    assert_eq!(normalize_path("../x.conf"), "../x.conf");
}

#[test]
fn known_gaps_table_is_read() {
    let dir = std::env::temp_dir().join(format!("pgconf-gaps-{}", std::process::id()));
    let _ = fs::create_dir_all(&dir);
    let file = dir.join("KNOWN-GAPS.md");
    let table = "| case | versions | reason |\n|---|---|---|\n\
                 | `grammar-tests/hba/x.conf` | 12, 15-debian | why |\n| conf/y | 17+ | why |\n";
    assert!(fs::write(&file, table).is_ok());
    let gaps = read_known_gaps(&file);
    let _ = fs::remove_dir_all(&dir);
    assert!(gaps.covers("hba/x", "12"));
    assert!(gaps.covers("hba/x", "15-debian"));
    assert!(!gaps.covers("hba/x", "15"));
    assert!(gaps.covers("conf/y", "18"));
    assert!(!gaps.covers("conf/y", "16"));
    assert!(!gaps.covers("case", "12"));
}
