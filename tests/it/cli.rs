//! The command line as users and scripts meet it: help texts (snapshots), exit codes, colour,
//! completions and the man page.

use std::process::Command;

fn pgconf(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pgconf"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .expect("run pgconf");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const SUBCOMMANDS: &[&[&str]] = &[
    &["show"],
    &["lint"],
    &["fix"],
    &["watch"],
    &["set"],
    &["unset"],
    &["hba", "add"],
    &["hba", "remove"],
    &["rules"],
    &["explain"],
    &["regions"],
    &["completions"],
    &["man"],
];

#[test]
fn every_subcommand_has_help_with_examples() {
    let (code, top, _) = pgconf(&["--help"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("help", top);
    for sub in SUBCOMMANDS {
        let mut args = sub.to_vec();
        args.push("--help");
        let (code, out, err) = pgconf(&args);
        assert_eq!(code, 0, "{sub:?}: {err}");
        assert!(out.contains("Examples:"), "{sub:?} --help has no examples");
        insta::assert_snapshot!(format!("help-{}", sub.join("-")), out);
    }
}

#[test]
fn version_and_usage_errors() {
    let (code, out, _) = pgconf(&["--version"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("pgconf "));
    let (code, _, err) = pgconf(&["lint", "--no-such-flag"]);
    assert_eq!(code, 2, "bad arguments exit 2");
    assert!(err.contains("--no-such-flag"));
    let (code, _, err) = pgconf(&["lint", "/definitely/not/here"]);
    assert_eq!(code, 2);
    assert!(err.contains("No such file"), "{err}");
    let (code, _, err) = pgconf(&["lint", "--select", "PG9999x", "."]);
    assert_eq!(code, 2, "an unknown rule is a usage error: {err}");
}

#[test]
fn lint_exit_codes_follow_the_fail_level() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("postgresql.conf"),
        "wal_level = logical\nssl = off\n",
    )
    .unwrap();
    let path = dir.path().to_str().unwrap();
    let (code, out, _) = pgconf(&["lint", "--select", "PG6001", path]);
    assert_eq!(code, 0, "{out}");
    std::fs::write(dir.path().join("postgresql.conf"), "wal_level = replica\n").unwrap();
    let (code, out, _) = pgconf(&["lint", "--select", "PG6001", "--format", "concise", path]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("PG6001"));
}

#[test]
fn no_color_means_no_escape_codes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("postgresql.conf"),
        "wal_level = replica\nbad = = 1\n",
    )
    .unwrap();
    let (_, out, _) = pgconf(&["lint", dir.path().to_str().unwrap()]);
    assert!(out.contains("PG1001"), "{out}");
    assert!(!out.contains('\u{1b}'), "escape codes with NO_COLOR");
}

#[test]
fn completions_and_man_page_are_generated() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let (code, out, _) = pgconf(&["completions", shell]);
        assert_eq!(code, 0);
        assert!(
            out.contains("lint") && out.contains("fix"),
            "{shell} completions"
        );
    }
    let (code, out, _) = pgconf(&["man"]);
    assert_eq!(code, 0);
    assert!(out.contains(".TH pgconf 1"));
    assert!(out.contains("PGCONF LINT") && out.contains("region"));
}

#[test]
fn secrets_are_not_echoed_in_findings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("postgresql.conf"),
        "primary_conninfo = 'host=a password=Sup3rSecret'\nprimary_conninfo = 'x'\nssl_passphrase_command = 'echo hunter22'\nwork_mem = 'echo hunter22'\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pg_hba.conf"),
        "host all all 10.0.0.0/8 ldap ldapserver=l ldapbasedn=dc=x ldapbinddn=cn=a ldapbindpasswd=Hidden123 ldapsearchattribute=uid ldapport=bad\n",
    )
    .unwrap();
    for format in ["concise", "json", "sarif", "github"] {
        let (_, out, _) = pgconf(&["lint", "--format", format, dir.path().to_str().unwrap()]);
        assert!(
            out.contains("PG2002"),
            "{format}: the finding is there: {out}"
        );
        for secret in ["Sup3rSecret", "hunter22", "Hidden123"] {
            assert!(!out.contains(secret), "{format} output echoes {secret}");
        }
    }
}

/// Debian's postgresql.conf names `/etc/postgresql/N/main/pg_hba.conf`; linted from a
/// repository, the file beside it stands in, and it is linted once, as the server's.
#[test]
fn the_auth_file_beside_stands_in_once_for_one_named_outside() {
    let outside = tempfile::tempdir().unwrap();
    let named = outside.path().join("pg_hba.conf");
    std::fs::write(&named, "local all all peer\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("postgresql.conf"),
        format!("hba_file = '{}'\n", named.display()),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pg_hba.conf"),
        "host all all 0.0.0.0/0 trust\n",
    )
    .unwrap();
    let path = dir.path().to_str().unwrap();
    let (_, out, _) = pgconf(&["lint", "--select", "PG4012", "--format", "concise", path]);
    let lines: Vec<&str> = out.lines().filter(|l| l.contains("PG4012")).collect();
    assert_eq!(lines.len(), 1, "one finding, from the file beside: {out}");
    assert!(
        lines[0].starts_with(dir.path().join("pg_hba.conf").to_str().unwrap()),
        "{out}"
    );
}

#[test]
fn an_hba_file_outside_the_paths_given_is_not_read_unless_asked() {
    let outside = tempfile::tempdir().unwrap();
    let hba = outside.path().join("pg_hba.conf");
    std::fs::write(&hba, "host all all 0.0.0.0/0 trust\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("postgresql.conf"),
        format!("hba_file = '{}'\n", hba.display()),
    )
    .unwrap();
    let path = dir.path().to_str().unwrap();
    let (_, out, _) = pgconf(&["lint", "--select", "PG4012", "--format", "concise", path]);
    assert!(
        !out.contains("PG4012"),
        "the outside hba file was read: {out}"
    );
    let (_, out, _) = pgconf(&[
        "lint",
        "--follow-outside-includes",
        "--select",
        "PG4012",
        "--format",
        "concise",
        path,
    ]);
    assert!(
        out.contains("PG4012"),
        "--follow-outside-includes reads it: {out}"
    );
}
