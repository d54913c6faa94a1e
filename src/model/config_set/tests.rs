use super::*;
use crate::model::fs::MemFs;

fn v(major: u8) -> PgVersion {
    PgVersion::new(major).unwrap()
}

fn load(fs: &MemFs, major: u8) -> ConfigSet {
    ConfigSet::load(
        fs,
        Path::new("/d/postgresql.conf"),
        &LoadOptions {
            version: v(major),
            auto: AutoConf::Discover,
            roots: None,
        },
    )
    .unwrap()
}

/// (file, line, name or None for an error row) of the view's rows.
fn rows(set: &ConfigSet) -> Vec<(String, u32, Option<String>)> {
    set.view_rows()
        .map(|item| {
            let name = set
                .setting(item)
                .map(|s| String::from_utf8_lossy(s.name).into_owned());
            (set.display_path(item.file), item.line, name)
        })
        .collect()
}

fn row(file: &str, line: u32, name: Option<&str>) -> (String, u32, Option<String>) {
    (file.to_string(), line, name.map(str::to_string))
}

#[test]
fn includes_are_spliced_where_they_stand_and_auto_conf_comes_last() {
    let fs = MemFs::new()
        .with(
            "/d/postgresql.conf",
            "work_mem = 1MB\ninclude 'sub/a.conf'\nwork_mem = 3MB\n",
        )
        .with(
            "/d/sub/a.conf",
            "work_mem = 2MB\ninclude_if_exists 'nope.conf'\n",
        )
        .with(
            "/d/postgresql.auto.conf",
            "# Do not edit\nwork_mem = '4MB'\n",
        );
    let set = load(&fs, 16);
    assert_eq!(
        rows(&set),
        vec![
            row("postgresql.conf", 1, Some("work_mem")),
            row("sub/a.conf", 1, Some("work_mem")),
            row("postgresql.conf", 3, Some("work_mem")),
            row("postgresql.auto.conf", 2, Some("work_mem")),
        ]
    );
    assert!(set.startup.ok, "{:?}", set.startup.errors);
    assert_eq!(set.startup.values["work_mem"], "4096");
    let applied: Vec<bool> = set.view_rows().map(|i| i.applied).collect();
    assert_eq!(applied, vec![false, false, false, true]);
}

#[test]
fn include_dir_keeps_conf_files_in_byte_order() {
    let fs = MemFs::new()
        .with("/d/postgresql.conf", "include_dir 'conf.d'\n")
        .with("/d/conf.d/b.conf", "b.x = 1\n")
        .with("/d/conf.d/B.conf", "b.y = 1\n")
        .with("/d/conf.d/a.conf", "a.x = 1\n")
        .with("/d/conf.d/.hidden.conf", "h.x = 1\n")
        .with("/d/conf.d/.conf", "h.y = 1\n")
        .with("/d/conf.d/d.CONF", "d.x = 1\n")
        .with("/d/conf.d/e.conf~", "e.x = 1\n")
        .with("/d/conf.d/sub.conf/x.conf", "s.x = 1\n");
    let set = load(&fs, 15);
    let names: Vec<_> = rows(&set).into_iter().map(|r| r.2.unwrap()).collect();
    assert_eq!(names, vec!["b.y", "a.x", "b.x"]);
}

#[test]
fn missing_include_is_an_error_row_on_the_directive_line() {
    let fs = MemFs::new().with(
        "/d/postgresql.conf",
        "a.b = 1\ninclude 'missing.conf'\nc.d = 2\n",
    );
    let set = load(&fs, 16);
    assert_eq!(
        rows(&set),
        vec![
            row("postgresql.conf", 1, Some("a.b")),
            row("postgresql.conf", 2, None),
            row("postgresql.conf", 3, Some("c.d")),
        ]
    );
    assert!(!set.startup.ok);
    assert_eq!(
        set.items[1].error.as_deref(),
        Some("could not open file \"missing.conf\"")
    );
    assert!(set.items.iter().all(|i| !i.applied), "all or nothing");
}

#[test]
fn self_inclusion_is_recursion_and_loops_hit_the_depth_limit() {
    let fs = MemFs::new().with("/d/postgresql.conf", "include 'postgresql.conf'\n");
    let set = load(&fs, 16);
    assert_eq!(
        set.items[0].error.as_deref(),
        Some("configuration file recursion")
    );
    let fs = MemFs::new()
        .with("/d/postgresql.conf", "include 'a.conf'\n")
        .with("/d/a.conf", "include 'b.conf'\n")
        .with("/d/b.conf", "include 'a.conf'\n");
    let set = load(&fs, 16);
    assert!(!set.startup.ok);
    assert!(
        set.startup.errors[0]
            .message
            .ends_with("maximum nesting depth exceeded"),
        "{:?}",
        set.startup.errors
    );
}

#[test]
fn the_view_stops_a_file_at_its_first_syntax_error_but_startup_reports_all() {
    let fs = MemFs::new().with(
        "/d/postgresql.conf",
        "a.b = 1\nbad line x\nc.d = 2\nworse = = 3\n",
    );
    let set = load(&fs, 17);
    assert_eq!(
        rows(&set),
        vec![
            row("postgresql.conf", 1, Some("a.b")),
            row("postgresql.conf", 2, None)
        ]
    );
    let messages: Vec<&str> = set
        .startup
        .errors
        .iter()
        .map(|m| m.message.as_str())
        .collect();
    assert_eq!(
        messages,
        vec![
            "syntax error in file \"postgresql.conf\" line 2, near token \"x\"",
            "syntax error in file \"postgresql.conf\" line 4, near token \"=\"",
        ]
    );
    // The auto file is not read after a syntax error in the main file.
}

#[test]
fn an_earlier_duplicate_with_the_same_spelling_is_never_validated() {
    let fs = MemFs::new().with("/d/postgresql.conf", "work_mem = bad\nwork_mem = 2MB\n");
    let set = load(&fs, 16);
    assert!(set.startup.ok, "{:?}", set.startup.errors);
    assert_eq!(set.startup.values["work_mem"], "2048");

    let fs = MemFs::new().with("/d/postgresql.conf", "WORK_MEM = bad\nwork_mem = 2MB\n");
    assert!(
        !load(&fs, 16).startup.ok,
        "a different spelling is validated"
    );

    let fs = MemFs::new().with("/d/postgresql.conf", "sort_mem = bad\nwork_mem = 2MB\n");
    assert!(!load(&fs, 16).startup.ok, "an alias is validated");
}

#[test]
fn unknown_names_fail_everything_but_dotted_names_are_placeholders() {
    let fs = MemFs::new().with("/d/postgresql.conf", "work_mem = 1MB\nfoo = 1\n");
    let set = load(&fs, 16);
    assert!(!set.startup.ok);
    assert_eq!(
        set.items[1].error.as_deref(),
        Some("unrecognized configuration parameter")
    );
    assert!(set.items.iter().all(|i| !i.applied));

    let fs = MemFs::new().with("/d/postgresql.conf", "foo.bar = 1\n");
    let set = load(&fs, 12);
    assert!(set.startup.ok);
    assert_eq!(set.startup.values["foo.bar"], "1");
}

#[test]
fn parameters_exist_per_version() {
    let fs = MemFs::new().with("/d/postgresql.conf", "wal_keep_segments = 32\n");
    assert!(load(&fs, 12).startup.ok);
    assert!(!load(&fs, 13).startup.ok);
    let fs = MemFs::new().with("/d/postgresql.conf", "max_slot_wal_keep_size = '100 GB'\n");
    assert!(!load(&fs, 12).startup.ok);
    let set = load(&fs, 13);
    assert_eq!(set.startup.values["max_slot_wal_keep_size"], "102400");
}

#[test]
fn error_at_end_of_file_without_newline_is_reported_on_the_line_before() {
    let fs = MemFs::new().with("/d/postgresql.conf", "a.b = 1\nwork_mem");
    let set = load(&fs, 16);
    assert_eq!(set.startup.errors[0].line, 1);
}

#[test]
fn empty_include_names_are_errors() {
    let fs = MemFs::new().with("/d/postgresql.conf", "include ''\ninclude_dir ' '\n");
    let set = load(&fs, 12);
    let errors: Vec<_> = set.items.iter().map(|i| i.error.as_deref()).collect();
    assert_eq!(
        errors,
        vec![
            Some("empty configuration file name"),
            Some("empty configuration directory name")
        ]
    );
}

#[test]
fn includes_outside_the_roots_are_recorded_not_read() {
    let fs = MemFs::new()
        .with(
            "/d/postgresql.conf",
            "include '/etc/other.conf'\ninclude_dir '../elsewhere'\ninclude 'sub/../in.conf'\n",
        )
        .with("/etc/other.conf", "work_mem = bad\n")
        .with("/elsewhere/a.conf", "work_mem = bad\n")
        .with("/d/in.conf", "work_mem = 1MB\n");
    let set = ConfigSet::load(
        &fs,
        Path::new("/d/postgresql.conf"),
        &LoadOptions {
            version: v(16),
            auto: AutoConf::None,
            roots: Some(vec![PathBuf::from("/d")]),
        },
    )
    .unwrap();
    let errors: Vec<_> = set
        .items
        .iter()
        .map(|i| (i.line, i.error.as_deref()))
        .collect();
    assert_eq!(
        errors,
        [
            (1, Some(NOT_READ_OUTSIDE_ROOTS)),
            (2, Some(NOT_READ_OUTSIDE_ROOTS)),
            (1, None),
        ]
    );
    assert_eq!(set.files.len(), 2);
    // Not a server error: the set still starts.
    assert!(set.startup.ok, "{:?}", set.startup.errors);
}

#[test]
fn include_dir_records_the_files_it_skips() {
    let fs = MemFs::new()
        .with("/d/postgresql.conf", "include_dir 'conf.d'\n")
        .with("/d/conf.d/a.conf", "")
        .with("/d/conf.d/b.CONF", "")
        .with("/d/conf.d/.h.conf", "")
        .with("/d/conf.d/c.conf~", "");
    let set = load(&fs, 16);
    let skipped: Vec<_> = set
        .skipped_dir_entries
        .iter()
        .map(|e| e.path.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        skipped,
        ["/d/conf.d/.h.conf", "/d/conf.d/b.CONF", "/d/conf.d/c.conf~"]
    );
}

#[test]
fn includes_that_fan_out_stop_at_the_expansion_budget() {
    // Ten lines including a file that includes back ten times: 10^10 reads for the server,
    // which never finishes; pgconf stops once the files read again cost its budget.
    let fan = |target: &str| format!("include '{target}'\n").repeat(10);
    let fs = MemFs::new()
        .with("/d/postgresql.conf", fan("a.conf"))
        .with("/d/a.conf", fan("b.conf"))
        .with("/d/b.conf", fan("a.conf"));
    let set = load(&fs, 16);
    assert!(!set.startup.ok);
    assert!(set.files.len() < 100_000, "{} files read", set.files.len());
    let last = set.startup.errors.last().expect("an error");
    assert!(
        last.message.contains("pgconf stopped expanding includes"),
        "{}",
        last.message
    );
    let stops = set
        .startup
        .errors
        .iter()
        .filter(|m| m.message.contains("pgconf stopped"))
        .count();
    assert_eq!(stops, 1, "the load stops at the first refusal");
}

#[test]
fn a_file_included_many_times_is_within_the_budget() {
    // Repeats are charged, but ordinary ones stay far below the budget.
    let fs = MemFs::new()
        .with("/d/postgresql.conf", "include 'common.conf'\n".repeat(2000))
        .with("/d/common.conf", "work_mem = 4MB\n");
    let set = load(&fs, 16);
    assert!(set.startup.ok, "{:?}", set.startup.errors.first());
    assert_eq!(set.files.len(), 2001);
}

#[test]
fn values_are_borrowed_unless_de_quoting_changes_more_than_the_quotes() {
    let text = "a.plain = 'x y'\na.empty = ''\na.doubled = 'it''s'\na.escaped = 'a\\tb'\n\
                a.octal = '\\101'\na.bare = on\na.number = 1.5\n";
    let fs = MemFs::new().with("/d/postgresql.conf", text);
    let set = load(&fs, 17);
    let got: Vec<(&[u8], &[u8], bool)> = set
        .items
        .iter()
        .map(|item| {
            let ItemKind::Setting { dequoted, .. } = &item.kind else {
                panic!("a setting");
            };
            let view = set.setting(item).expect("a setting");
            (view.name, view.value, dequoted.is_some())
        })
        .collect();
    let want: Vec<(&[u8], &[u8], bool)> = vec![
        (b"a.plain", b"x y", false),
        (b"a.empty", b"", false),
        (b"a.doubled", b"it's", true),
        (b"a.escaped", b"a\tb", true),
        (b"a.octal", b"A", true),
        (b"a.bare", b"on", false),
        (b"a.number", b"1.5", false),
    ];
    assert_eq!(got, want);
}
