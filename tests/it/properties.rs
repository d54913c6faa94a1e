//! Properties of the readers over generated inputs (proptest), in the normal test suite:
//! printing a parsed file gives its bytes back exactly (conf, hba, ident), reading never
//! panics in any version 12–18, and the config model over small in-memory trees with includes
//! never panics and names only lines that exist. The fuzz targets in `fuzz/` check the same
//! properties at depth; these keep them in every `cargo test`. Case counts are modest so this
//! file runs in a few seconds in a debug build; `PROPTEST_CASES=10000` runs more.

use std::path::Path;

use pgconf::model::config_set::{AutoConf, ConfigSet, ItemKind, LoadOptions};
use pgconf::model::fs::MemFs;
use pgconf::model::hba::{HbaOptions, load_hba};
use pgconf::model::ident::load_ident;
use pgconf::model::version::PgVersion;
use pgconf::source::SourceFile;
use pgconf::syntax::auth::{AuthFile, AuthLines, TokenizeRules};
use pgconf::syntax::conf::{ConfFile, LineItem, TokenKind, parse_bytes, quote_value};
use proptest::prelude::*;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(cases),
        ..ProptestConfig::default()
    }
}

/// Lines (1-based) a message may name in a file: up to one past the last line.
fn line_in_range(line: u32, bytes: &[u8]) -> bool {
    line as usize <= bytes.iter().filter(|&&b| b == b'\n').count() + 1
}

/// Bytes that stress the readers: the grammar's punctuation, blanks and line ends, NUL,
/// a BOM's first byte and bytes that are not UTF-8, besides anything at all.
fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => any::<u8>(),
        2 => prop::sample::select(
            b" \t\r\n\n\n#='\"\\,.-+_:/@0x1aZ\0\x0b\x0c\xef\xbb\xbf\x80\xff".to_vec()
        ),
    ]
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(interesting_byte(), 0..max)
}

fn line_end() -> impl Strategy<Value = &'static [u8]> {
    prop::sample::select(vec![&b"\n"[..], b"\r\n", b"\r", b"", b"\n\n"])
}

/// One near-valid postgresql.conf line: `name [=] value [# comment]` from pieces that are
/// mostly right and sometimes not.
fn conf_line() -> impl Strategy<Value = Vec<u8>> {
    let name = prop::sample::select(vec![
        &b"shared_buffers"[..],
        b"work_mem",
        b"x.y",
        b"include",
        b"include_dir",
        b"include_if_exists",
        b"\xef\xbb\xbfport",
        b"caf\xc3\xa9",
        b"\xff",
        b"1bad",
        b"",
    ]);
    let blank = prop::sample::select(vec![&b""[..], b" ", b"\t", b"  \r", b"\x0c"]);
    let eq = prop::sample::select(vec![&b"="[..], b"", b" = ", b"=="]);
    let value = prop_oneof![
        prop::sample::select(vec![
            &b"128MB"[..],
            b"on",
            b"-1",
            b"0x1F",
            b"1.5e3",
            b".",
            b"/var/run",
            b"'a.conf'",
            b"''",
            b"'it''s'",
            b"'\\n\\101\\'",
            b"'unterminated",
            b"'a\0b'",
            b"",
        ])
        .prop_map(<[u8]>::to_vec),
        bytes(12).prop_map(|v| quote_value(&v)),
        bytes(8),
    ];
    let comment = prop::sample::select(vec![&b""[..], b"# note", b"#'", b" #\xff"]);
    (blank.clone(), name, blank, eq, value, comment, line_end()).prop_map(
        |(indent, name, gap, eq, value, comment, end)| {
            [indent, name, gap, eq, &value, comment, end].concat()
        },
    )
}

fn conf_text() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(conf_line(), 0..12).prop_map(|lines| lines.concat())
}

/// Asserts the lossless properties of a conf file.
fn check_conf(bytes: &[u8]) {
    let source = SourceFile::new("/p/postgresql.conf", bytes.to_vec());
    let tree = ConfFile::parse(&source);
    assert_eq!(tree.print(bytes), bytes);
    assert_eq!(tree.lines.len(), source.line_count());
    let mut at = 0;
    for line in &tree.lines {
        for (_, span) in line.pieces() {
            assert_eq!(span.start, at, "pieces tile the line");
            at = span.end;
        }
    }
    assert_eq!(at as usize, bytes.len());
    for (_, setting) in tree.settings() {
        let _ = setting.value_bytes(bytes);
    }
}

/// One near-valid pg_hba.conf or pg_ident.conf line.
fn auth_line() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        4 => prop::sample::select(vec![
            &b"local"[..], b"host", b"hostssl", b"hostnossl", b"hostgssenc", b"all",
            b"sameuser", b"+admins", b"\"all\"", b"db1,db2", b"db1, db2", b"@users",
            b"@missing", b"127.0.0.1/32", b"::1/128", b"10.0.0.0", b"255.0.0.0",
            b"samenet", b".example.com", b"trust", b"md5", b"scram-sha-256", b"cert",
            b"ldap", b"ldapserver=x", b"map=m", b"clientcert=verify-full", b"/^a.*$",
            b"/[", b"\\1", b"\"quoted user\"", b"\"unterminated", b"include", b"include_dir",
            b"a.conf", b"d", b"#", b"\\", b",",
        ])
        .prop_map(<[u8]>::to_vec),
        1 => bytes(6),
    ];
    let sep = prop::sample::select(vec![&b" "[..], b"\t", b"   ", b"", b" \\\n "]);
    (prop::collection::vec((token, sep), 0..7), line_end()).prop_map(|(tokens, end)| {
        let mut line = Vec::new();
        for (t, s) in tokens {
            line.extend_from_slice(&t);
            line.extend_from_slice(s);
        }
        line.extend_from_slice(end);
        line
    })
}

fn auth_text() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(auth_line(), 0..10).prop_map(|lines| lines.concat())
}

/// The physical layout round-trips and every version's logical lines stay in the file.
fn check_auth(bytes: &[u8]) {
    let file = AuthFile::parse(bytes);
    assert_eq!(file.print(bytes), bytes);
    for version in PgVersion::ALL {
        let lines = AuthLines::build(&file, bytes, TokenizeRules::for_version(version));
        for (index, line) in lines.lines.iter().enumerate() {
            assert!(line.span.end as usize <= bytes.len());
            for field in lines.fields_of(index) {
                for token in lines.tokens_of(&field) {
                    assert!(token.span.end as usize <= bytes.len());
                    let _ = lines.text(token, bytes);
                }
            }
        }
    }
}

/// Loads pg_hba.conf (with an `@users` file and an included file beside it) and
/// pg_ident.conf in every version; checks each row's line against its own file.
fn check_auth_model(main: &[u8], users: &[u8], included: &[u8]) {
    let fs = MemFs::new()
        .with("/p/pg_hba.conf", main)
        .with("/p/pg_ident.conf", main)
        .with("/p/users", users)
        .with("/p/a.conf", included)
        .with("/p/d/b.conf", included);
    for version in PgVersion::ALL {
        let opts = HbaOptions {
            ssl_enabled: true,
            ..HbaOptions::default()
        };
        let hba = load_hba(&fs, Path::new("/p/pg_hba.conf"), version, &opts)
            .expect("the main file exists");
        assert_eq!(hba.view_rows().len(), hba.lines().count());
        for (row, line) in hba.view_rows().iter().zip(hba.lines()) {
            assert_eq!(row.line_number, line.line_number);
            let file = hba.sources.files[line.file as usize].source.bytes();
            assert!(line_in_range(line.line_number, file));
        }
        let ident =
            load_ident(&fs, Path::new("/p/pg_ident.conf"), version).expect("the main file exists");
        assert_eq!(ident.view_rows().len(), ident.lines.len());
        for (row, line) in ident.view_rows().iter().zip(&ident.lines) {
            assert_eq!(row.line_number, line.line_number);
            let file = ident.sources.files[line.file as usize].source.bytes();
            assert!(line_in_range(line.line_number, file));
        }
    }
}

/// Paths of the small trees of the config-model property; include lines name them.
const TREE: [&str; 5] = [
    "/p/postgresql.conf",
    "/p/a.conf",
    "/p/conf.d/b.conf",
    "/p/conf.d/sub/c.conf",
    "/p/postgresql.auto.conf",
];

fn model_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::sample::select(vec![
            &b"include 'a.conf'\n"[..],
            b"include '../p/a.conf'\n",
            b"include_if_exists 'missing.conf'\n",
            b"include 'missing.conf'\n",
            b"include_dir 'conf.d'\n",
            b"include_dir '/p/conf.d/sub'\n",
            b"include '/p/postgresql.conf'\n",
            b"include 'postgresql.conf'\n",
            b"include 'conf.d'\n",
            b"include ''\n",
            b"include_dir 'nowhere'\n",
            b"data_directory = '/p/conf.d'\n",
            b"port = 5433\n",
            b"shared_buffers = 'lots'\n",
            b"no_such_parameter = 1\n",
            b"x.y = z\n",
        ])
        .prop_map(<[u8]>::to_vec),
        2 => conf_line(),
    ]
}

fn model_file() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(model_line(), 0..6).prop_map(|lines| lines.concat())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn conf_arbitrary_bytes_round_trip(bytes in bytes(300)) {
        check_conf(&bytes);
    }

    #[test]
    fn conf_near_valid_lines_round_trip(text in conf_text()) {
        check_conf(&text);
    }

    #[test]
    fn conf_quoted_values_read_back(
        value in bytes(40).prop_map(|v| v.into_iter().filter(|&b| b != 0 && b != b'\n').collect::<Vec<u8>>())
    ) {
        // What ALTER SYSTEM writes reads back as the value, when the value is one line of
        // a C string (no NUL, no LF).
        let line = [&b"x = "[..], &quote_value(&value)].concat();
        let tree = parse_bytes(&line);
        match &tree.lines[0].item {
            LineItem::Setting(s) => {
                prop_assert_eq!(s.value.kind, TokenKind::String);
                let read = s.value_bytes(&line);
                prop_assert_eq!(read.as_ref(), &value[..]);
            }
            other => prop_assert!(false, "did not parse: {:?}", other),
        }
    }

    #[test]
    fn auth_arbitrary_bytes_round_trip(bytes in bytes(300)) {
        check_auth(&bytes);
    }

    #[test]
    fn auth_near_valid_lines_round_trip(text in auth_text()) {
        check_auth(&text);
    }
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn hba_and_ident_models_never_panic(
        main in auth_text(),
        users in auth_text(),
        included in prop_oneof![auth_text(), Just(b"include a.conf\n".to_vec())],
    ) {
        check_auth_model(&main, &users, &included);
    }

    #[test]
    fn config_model_over_small_trees(
        files in prop::collection::vec(prop::option::weighted(0.8, model_file()), TREE.len()),
        major in 12u8..=18,
    ) {
        let mut fs = MemFs::new();
        fs.insert(TREE[0], files[0].clone().unwrap_or_default());
        for (path, file) in TREE.iter().zip(&files).skip(1) {
            if let Some(bytes) = file {
                fs.insert(*path, bytes);
            }
        }
        let options = LoadOptions {
            version: PgVersion::new(major).expect("12..=18"),
            auto: AutoConf::Discover,
            roots: None,
        };
        let set = ConfigSet::load(&fs, Path::new(TREE[0]), &options).expect("main exists");
        for file in &set.files {
            let bytes = file.source.bytes();
            prop_assert_eq!(file.tree.print(bytes), bytes);
        }
        for item in &set.items {
            prop_assert!(item.file < set.files.len());
            let bytes = set.files[item.file].source.bytes();
            prop_assert!(line_in_range(item.line, bytes), "line {} of {}", item.line, item.file);
            if let ItemKind::Setting { setting, .. } = &item.kind {
                prop_assert!(setting.value.span.end as usize <= bytes.len());
                // The borrowed name and value are what the tokens say, de-quoted.
                let view = set.setting(item).expect("a setting item");
                prop_assert_eq!(view.name, setting.name_bytes(bytes));
                prop_assert_eq!(view.value, &setting.value_bytes(bytes)[..]);
            }
        }
        for message in &set.startup.errors {
            prop_assert!(message.file < set.files.len());
            prop_assert!(line_in_range(message.line, set.files[message.file].source.bytes()));
        }
        prop_assert_eq!(set.startup.ok, set.startup.errors.is_empty());
    }
}
