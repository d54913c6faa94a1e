//! Expected values are the answers of real servers (`pg-oracle`), not guesses.

use super::*;
use crate::model::fs::MemFs;
use std::path::Path;

fn v(major: u8) -> PgVersion {
    PgVersion::new(major).expect("12..=18")
}

fn ssl_on() -> HbaOptions {
    HbaOptions {
        ssl_enabled: true,
        ..HbaOptions::default()
    }
}

fn load(fs: &MemFs, major: u8) -> HbaFile {
    match load_hba(fs, Path::new("/d/pg_hba.conf"), v(major), &ssl_on()) {
        Ok(f) => f,
        Err(e) => panic!("main file missing in test: {e}"),
    }
}

fn one(text: &str, major: u8) -> Vec<HbaRuleRow> {
    let fs = MemFs::new().with("/d/pg_hba.conf", text);
    load(&fs, major).view_rows().to_vec()
}

fn err(text: &str, major: u8) -> Option<String> {
    one(text, major).first().and_then(|r| r.error.clone())
}

#[test]
fn good_rows_match_the_view() {
    let rows = one(
        "host    sameuser,db1    +admins,bob     127.0.0.1/32            scram-sha-256\n\
         local   \"all\"           \"postgres\"                              peer map=mymap\n\
         host all all 10/8 md5\n",
        16,
    );
    let r = &rows[0];
    assert_eq!(r.rule_number, Some(Some(1)));
    assert_eq!(r.file_name.as_deref(), Some("pg_hba.conf"));
    assert_eq!(r.conn_type.as_deref(), Some("host"));
    assert_eq!(r.database, Some(vec!["sameuser".into(), "db1".into()]));
    assert_eq!(r.user_name, Some(vec!["+admins".into(), "bob".into()]));
    assert_eq!(r.address.as_deref(), Some("127.0.0.1"));
    assert_eq!(r.netmask.as_deref(), Some("255.255.255.255"));
    assert_eq!(r.auth_method.as_deref(), Some("scram-sha-256"));
    assert_eq!(r.options, None);
    assert_eq!(rows[1].database, Some(vec!["all".into()]));
    assert_eq!(rows[1].options, Some(vec!["map=mymap".into()]));
    assert_eq!(rows[1].address, None);
    assert_eq!(rows[2].address.as_deref(), Some("0.0.0.10"));
    assert_eq!(rows[2].netmask.as_deref(), Some("255.0.0.0"));
}

#[test]
fn columns_per_version() {
    let json = serde_json::to_value(&one("local all all trust\n", 12)[0]).unwrap_or_default();
    assert!(json.get("rule_number").is_none() && json.get("file_name").is_none());
    let json = serde_json::to_value(&one("local all all trust\n", 16)[0]).unwrap_or_default();
    assert_eq!(json["rule_number"], 1);
    assert_eq!(json["type"], "local");
    assert!(json["options"].is_null());
}

#[test]
fn error_messages() {
    assert_eq!(
        err("host all all 127.0.0.1 md5\n", 16).as_deref(),
        Some("invalid IP mask \"md5\": Name or service not known")
    );
    assert_eq!(
        err("host all all example.com/24 md5\n", 14).as_deref(),
        Some("specifying both host name and CIDR mask is invalid: \"example.com/24\"")
    );
    assert_eq!(
        err("host all all 0.0.0.0/0,::/0 md5\n", 18).as_deref(),
        Some("multiple values specified for host address")
    );
    assert_eq!(
        err("HOST all all all md5\n", 13).as_deref(),
        Some("invalid connection type \"HOST\"")
    );
    assert_eq!(
        err("local db1 ,db2 all trust\n", 16).as_deref(),
        Some("invalid authentication method \"all\"")
    );
    assert_eq!(
        err("local \"abc all trust\n", 17).as_deref(),
        Some("end-of-line before role specification")
    );
    assert_eq!(
        err("local all all md5 map=x\n", 18).as_deref(),
        Some(
            "authentication option \"map\" is only valid for authentication methods ident, peer, gssapi, sspi, cert, and oauth"
        )
    );
    assert_eq!(
        err("hostssl all all all cert clientcert=0\n", 12).as_deref(),
        Some("clientcert can not be set to \"no-verify\" when using \"cert\" authentication")
    );
    assert_eq!(
        err("hostssl all all all cert clientcert=verify-ca\n", 14).as_deref(),
        Some("clientcert can only be set to \"verify-full\" when using \"cert\" authentication")
    );
    assert_eq!(
        err("host all all all oauth issuer=x scope=y\n", 18).as_deref(),
        Some("oauth_validator_libraries must be set for authentication method oauth")
    );
    assert_eq!(
        err("host all all all oauth\n", 17).as_deref(),
        Some("invalid authentication method \"oauth\"")
    );
    assert_eq!(
        err("local /( all trust\n", 16).as_deref(),
        Some("invalid regular expression \"(\": parentheses () not balanced")
    );
    assert_eq!(err("local /( all trust\n", 15), None);
}

/// The server fails some lines without a message: the row has a rule number and nulls.
#[test]
fn silent_failures() {
    for major in [12, 16] {
        let rows = one("hostssl all all all trust clientcert=bogus\n", major);
        assert_eq!(rows[0].error, None);
        assert_eq!(rows[0].conn_type, None);
        assert_eq!(rows[0].auth_method, None);
    }
    assert_eq!(
        one("hostssl all all all trust clientcert=bogus\n", 16)[0].rule_number,
        Some(Some(1))
    );
    // 12–13 log a RADIUS count mismatch only; 14+ put it in the error column.
    let radius =
        "host all all all radius radiusservers=\"127.0.0.1,127.0.0.2\" radiussecrets=\"a,b,c\"\n";
    assert_eq!(one(radius, 13)[0].error, None);
    assert_eq!(
        one(radius, 14)[0].error.as_deref(),
        Some(
            "the number of RADIUS secrets (3) must be 1 or the same as the number of RADIUS servers (2)"
        )
    );
    let fs = MemFs::new().with(
        "/d/pg_hba.conf",
        "hostssl all all all trust clientcert=bogus\n",
    );
    assert!(!load(&fs, 16).load_ok());
}

#[test]
fn clientcert_by_version() {
    let line = "hostssl all all all trust clientcert=1\n";
    assert_eq!(
        one(line, 12)[0].options,
        Some(vec!["clientcert=verify-ca".into()])
    );
    assert_eq!(one(line, 14)[0].conn_type, None);
    let cert = "hostssl all all all cert\n";
    assert_eq!(
        one(cert, 18)[0].options,
        Some(vec!["clientcert=verify-full".into()])
    );
}

#[test]
fn at_files_and_their_errors() {
    let fs = MemFs::new()
        .with(
            "/d/pg_hba.conf",
            "host @dbs.txt @users.txt ::1/128 md5\nlocal @missing all trust\n",
        )
        .with("/d/dbs.txt", "db1\ndb2, \"db 3\"\n")
        .with("/d/users.txt", "alice\n+group2\n");
    let f = load(&fs, 16);
    let rows = f.view_rows();
    assert_eq!(
        rows[0].database,
        Some(vec!["db1".into(), "db2".into(), "db 3".into()])
    );
    assert_eq!(
        rows[0].user_name,
        Some(vec!["alice".into(), "+group2".into()])
    );
    assert_eq!(
        rows[0].netmask.as_deref(),
        Some("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
    );
    assert_eq!(
        rows[1].error.as_deref(),
        Some("could not open file \"missing\": No such file or directory")
    );
    assert_eq!(
        load(&fs, 12).view_rows()[1].error.as_deref(),
        Some(
            "could not open secondary authentication file \"@missing\" as \"missing\": No such file or directory"
        )
    );
    // Record spans point into the file the token came from.
    let rec = &f.records()[0];
    let db3 = f.databases(rec).nth(2).expect("three databases");
    assert_eq!(f.sources.files[db3.at.file as usize].display, "dbs.txt");
    assert_eq!(f.span(db3.at), crate::source::Span::new(9, 15));
}

#[test]
fn include_directives_are_16_plus() {
    let fs = MemFs::new()
        .with(
            "/d/pg_hba.conf",
            "include incl/extra.conf\ninclude_if_exists nothere.conf\ninclude_dir incl\ninclude nothere.conf\n",
        )
        .with("/d/incl/extra.conf", "local all carol md5\n")
        .with("/d/incl/10-z.conf", "local all dave reject\n");
    let rows = load(&fs, 16).view_rows().to_vec();
    let got: Vec<(Option<String>, u32, Option<Vec<String>>)> = rows
        .iter()
        .map(|r| (r.file_name.clone(), r.line_number, r.user_name.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                Some("incl/extra.conf".into()),
                1,
                Some(vec!["carol".into()])
            ),
            (Some("incl/10-z.conf".into()), 1, Some(vec!["dave".into()])),
            (
                Some("incl/extra.conf".into()),
                1,
                Some(vec!["carol".into()])
            ),
            (Some("pg_hba.conf".into()), 4, None),
        ]
    );
    assert_eq!(
        rows[3].error.as_deref(),
        Some("could not open file \"nothere.conf\": No such file or directory")
    );
    let old = load(&fs, 15).view_rows().to_vec();
    assert_eq!(
        old[0].error.as_deref(),
        Some("invalid connection type \"include\"")
    );
    assert_eq!(old.len(), 4);
}

#[test]
fn continuation_lines_keep_their_first_line_number() {
    let text = "local all all \\\n  trust\nlocal all all reject\n";
    let rows = one(text, 14);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].line_number, 3);
    let old = one(text, 12);
    assert_eq!(
        old[0].error.as_deref(),
        Some("invalid authentication method \"\\\"")
    );
    assert_eq!(
        old[1].error.as_deref(),
        Some("invalid connection type \"trust\"")
    );
}

#[test]
fn hostssl_without_ssl_warns_but_loads() {
    let fs = MemFs::new().with("/d/pg_hba.conf", "hostssl all all all md5\n");
    let f = match load_hba(
        &fs,
        Path::new("/d/pg_hba.conf"),
        v(16),
        &HbaOptions::default(),
    ) {
        Ok(f) => f,
        Err(e) => panic!("{e}"),
    };
    let r = &f.view_rows()[0];
    assert_eq!(
        r.error.as_deref(),
        Some("hostssl record cannot match because SSL is disabled")
    );
    assert_eq!(r.rule_number, Some(None));
    assert_eq!(r.conn_type.as_deref(), Some("hostssl"));
    assert!(f.load_ok());
}

#[test]
fn load_ok_and_unreadable_main_file() {
    let fs = MemFs::new().with("/d/pg_hba.conf", "# only comments\n");
    assert!(!load(&fs, 16).load_ok());
    let fs = MemFs::new().with("/d/pg_hba.conf", "local all all trust\n");
    assert!(load(&fs, 16).load_ok());
    let missing = load_hba(&fs, Path::new("/d/nope.conf"), v(16), &ssl_on());
    assert!(missing.is_err());
}

#[test]
fn first_match_helper() {
    let fs = MemFs::new().with(
        "/d/pg_hba.conf",
        "host all all 10.0.0.0 255.0.255.0 md5\nhost db1 +g all md5\nhost all all host.example md5\n",
    );
    let f = load(&fs, 16);
    let r = f.records();
    let ip = |s: &str| s.parse::<IpAddr>().unwrap_or(IpAddr::from([0, 0, 0, 0]));
    assert_eq!(f.matches_tcp(&r[0], ip("10.9.0.7"), "x", "y"), Match::Yes);
    assert_eq!(f.matches_tcp(&r[0], ip("10.9.1.7"), "x", "y"), Match::No);
    assert_eq!(f.matches_tcp(&r[0], ip("::1"), "x", "y"), Match::No);
    assert_eq!(f.matches_tcp(&r[1], ip("1.2.3.4"), "db2", "y"), Match::No);
    assert_eq!(
        f.matches_tcp(&r[1], ip("1.2.3.4"), "db1", "y"),
        Match::Unknown
    );
    assert_eq!(
        f.matches_tcp(&r[2], ip("1.2.3.4"), "x", "y"),
        Match::Unknown
    );
}

/// Needs /work/shared (the corpus); skipped when it is absent. Every corpus file prints back
/// unchanged and loads on every version without panicking.
#[test]
fn corpus_round_trips_and_loads() {
    let dir = Path::new("/work/shared/corpus/hba");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let file = crate::syntax::auth::AuthFile::parse(&bytes);
        assert_eq!(file.print(&bytes), bytes, "{}", path.display());
        for major in 12..=18 {
            let _ = load_hba(&crate::model::fs::RealFs, &path, v(major), &ssl_on());
        }
    }
}

#[test]
fn includes_that_fan_out_stop_at_the_expansion_budget() {
    // A 16+ server re-reads an included file each time: ten self-includes, ten levels deep,
    // never finish. pgconf stops with one error line once the repeats cost its budget.
    let fs = MemFs::new().with("/d/pg_hba.conf", "include pg_hba.conf\n".repeat(10));
    let hba = load(&fs, 16);
    let rows = hba.view_rows();
    let stops: Vec<_> = rows
        .iter()
        .filter_map(|r| r.error.as_deref())
        .filter(|e| e.contains("pgconf stopped expanding includes"))
        .collect();
    assert_eq!(stops.len(), 1, "{:?}", rows.last());
    // At most one row per 64 bytes of budget (each line read again costs 64).
    assert!(rows.len() < 300_000, "{} rows", rows.len());
    assert!(!hba.load_ok());
}

#[test]
fn an_at_file_on_every_line_is_within_the_budget() {
    // Every reference re-reads the file from the cache and is charged; 20 000 of a short
    // list stay far below the budget.
    let fs = MemFs::new()
        .with(
            "/d/pg_hba.conf",
            "host all @admins 10.0.0.0/8 scram-sha-256\n".repeat(20_000),
        )
        .with("/d/admins", "alice, bob, carol\n");
    let hba = load(&fs, 16);
    assert!(
        hba.load_ok(),
        "{:?}",
        hba.view_rows().iter().find(|r| r.error.is_some())
    );
    assert_eq!(hba.records().len(), 20_000);
}

#[test]
fn methods_that_show_no_options_need_no_option_state() {
    use AuthMethod as M;
    let methods = [
        M::Trust,
        M::Reject,
        M::Ident,
        M::Peer,
        M::Password,
        M::Md5,
        M::ScramSha256,
        M::Gss,
        M::Sspi,
        M::Pam,
        M::Bsd,
        M::Ldap,
        M::Cert,
        M::Radius,
        M::OAuth,
    ];
    let src = AuthSources::default();
    let opts = HbaOptions {
        oauth_validator_libraries: vec!["v".into()],
        ..ssl_on()
    };
    let mut skipped = 0;
    for method in methods.into_iter().filter(|&m| shows_no_options(m)) {
        for major in 12..=18 {
            for conn_type in [ConnType::Local, ConnType::Host, ConnType::HostSsl] {
                let full = parse_options(&src, &[], conn_type, method, major, &opts);
                assert_eq!(full, Ok(Vec::new()), "{method:?} {conn_type:?} {major}");
                skipped += 1;
            }
        }
    }
    assert_eq!(skipped, 8 * 7 * 3);
}

#[test]
fn refused_method_messages() {
    let ns = HbaOptions {
        db_user_namespace: true,
        ..HbaOptions::default()
    };
    // What `parse_method` makes of a name, before its fit with the connection type.
    let msg = |m: &str, v: u8, opts: &HbaOptions| {
        method_named(m.as_bytes(), v, opts).ok_or_else(|| invalid_method(m.as_bytes()).message)
    };
    let md5_ns = "MD5 authentication is not supported when \"db_user_namespace\" is enabled";
    assert_eq!(msg("md5", 16, &ns), Err(md5_ns.to_string()));
    assert_eq!(msg("md5", 17, &ns), Ok(AuthMethod::Md5));
    assert_eq!(msg("md5", 12, &HbaOptions::default()), Ok(AuthMethod::Md5));
    for m in ["sspi", "bsd"] {
        assert_eq!(
            msg(m, 18, &ns),
            Err(format!(
                "invalid authentication method \"{m}\": not supported by this build"
            ))
        );
    }
    assert_eq!(
        msg("oauth", 17, &ns),
        Err("invalid authentication method \"oauth\"".to_string())
    );
    assert_eq!(msg("oauth", 18, &ns), Ok(AuthMethod::OAuth));
    assert_eq!(
        msg("MD5", 16, &ns),
        Err("invalid authentication method \"MD5\"".to_string())
    );
}

#[test]
fn first_byte_is_the_first_byte_of_the_text() {
    // Quoted, empty, joined and partly quoted tokens, and regexes.
    let text = "host \"/db\",\"\" a\\\nb 10.0.0.0/8 md5\nhost /x,\"q\"\"r\" +g\\\n all md5\nlocal a\"b\"c \\\n\"/y\" trust\n";
    for major in [12, 14, 16, 18] {
        let fs = MemFs::new().with("/d/pg_hba.conf", text);
        let f = load(&fs, major);
        for (file, loaded) in f.sources.files.iter().enumerate() {
            for token in 0..loaded.lines.tokens.len() {
                let r = TokRef {
                    file: file as u32,
                    token: token as u32,
                };
                assert_eq!(
                    f.sources.first_byte(r),
                    f.sources.text(r).first().copied(),
                    "{major} {r:?}"
                );
            }
        }
    }
}

/// The lines a load takes as written ([`load::Loader::tokenize_main_if_changed`]) are the
/// lines `tokenize_auth_file` makes: same lines, numbers, fields and errors.
#[test]
fn lines_taken_as_written_are_the_tokenized_lines() {
    let long_token = format!("host all {} 10.0.0.0/8 md5\n", "x".repeat(11_000));
    let texts = [
        "# @file in a comment, \"quoted\" and 'include x'\n\nhost all all 10.0.0.0/8 md5\n",
        "host \"@db\" all 10.0.0.0/8 md5 # @x\n  \n\tlocal all a@b trust\n",
        "host all @users 10.0.0.0/8 md5\n",
        "include other.conf\nhost all all 1.2.3.4/32 trust\n",
        "\"include\" other.conf\n",
        "include_dir conf.d\n",
        "include a b\nincluded all all 1.2.3.4/32 trust\ninclude_if_exists\n",
        "host all all 1.2.3.4/32 md5 \\\n ldapserver=x\nlocal all \"unterminated\n",
        &long_token,
    ];
    let (mut as_written, mut with_errors) = (0, 0);
    for text in texts {
        let fs = MemFs::new()
            .with("/d/pg_hba.conf", text)
            .with("/d/users", "bob\n")
            .with("/d/other.conf", "local all all peer\n");
        for major in 12..=18 {
            let start = || {
                load::Loader::start(&fs, Path::new("/d/pg_hba.conf"), v(major))
                    .expect("the main file exists")
            };
            let (mut loader, main) = start();
            let (mut listing, _) = start();
            let listed = listing.tokenize_main(main);
            let fields = |sources: &AuthSources, line: &TokLine| {
                sources
                    .fields(line)
                    .map(|f| f.iter().collect::<Vec<_>>())
                    .collect::<Vec<_>>()
            };
            let want: Vec<_> = listed
                .iter()
                .map(|l| {
                    let err = l.err.as_ref().map(|e| (e.message.clone(), e.at));
                    (
                        l.file,
                        l.line,
                        l.line_number,
                        fields(&listing.sources, l),
                        err,
                    )
                })
                .collect();
            let load::MainLines::AsWritten { with_fields } = loader.tokenize_main_if_changed(main)
            else {
                continue;
            };
            as_written += 1;
            with_errors += usize::from(want.iter().any(|l| l.4.is_some()));
            let own = &loader.sources.files[main as usize].lines;
            let got: Vec<_> = (0..own.lines.len())
                .filter_map(|i| {
                    let (start, end) = own.token_range(i);
                    let err = own.error(i).map(|e| (e.message().to_string(), None));
                    (start != end || err.is_some()).then(|| {
                        let line = TokLine::as_written(main, i as u32, own.lines[i].line_number);
                        let fields = fields(&loader.sources, &line);
                        (main, i as u32, line.line_number, fields, err)
                    })
                })
                .collect();
            assert_eq!(got, want, "{major} {text:?}");
            assert_eq!(with_fields, own.lines_with_fields(), "{major} {text:?}");
        }
    }
    // Include directives are lines as written before 16; `@users` never is. 12–15 refuse
    // the long token.
    assert_eq!((as_written, with_errors), (47, 4));
}
