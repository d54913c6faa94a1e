use super::*;
use crate::model::fs::MemFs;

fn load_text(text: &str) -> Result<LoadedOptions, SettingsError> {
    parse(Path::new("/p/pgconf.toml"), text.to_string())
}

fn resolve_text(text: &str, cli: &CliOverrides) -> Result<Settings, SettingsError> {
    Settings::resolve(Some(&load_text(text)?), cli)
}

#[test]
fn defaults_without_a_file() {
    let s = Settings::resolve(None, &CliOverrides::default()).expect("defaults");
    assert_eq!(s.clickpipes.user, "clickpipes_user");
    assert_eq!(s.clickpipes.database, "all");
    assert_eq!(s.clickpipes.min_slot_wal_keep_size_mb, 102400);
    assert_eq!(s.fail_level, Severity::Error);
    assert_eq!(s.postgres.version, None);
    assert!(s.inline_ignores);
    assert_eq!(s.rules.enabled_rules().count(), crate::rules::RULES.len());
}

#[test]
fn full_file_resolves() {
    let text = r#"
[postgres]
version = "16.9"

[clickpipes]
user = "cdc"
database = "app"
regions = ["EU-central-1", "gcp/us-east1"]
min-slot-wal-keep-size = "200GB"
recommended-replication-slots = 8

[lint]
select = ["PG2", "PG6"]
ignore = ["cdc-ssl"]
fail-level = "warning"
severity = { PG6004 = "error" }
per-file-ignores = { "*.auto.conf" = ["PG2003"] }
"#;
    let s = resolve_text(text, &CliOverrides::default()).expect("valid");
    assert_eq!(s.postgres.version.map(|v| v.major()), Some(16));
    assert_eq!(s.postgres.minor, Some(9));
    assert_eq!(s.clickpipes.user, "cdc");
    assert_eq!(s.clickpipes.regions, ["eu-central-1", "us-east1"]);
    assert_eq!(s.clickpipes.min_slot_wal_keep_size_mb, 200 * 1024);
    assert_eq!(s.clickpipes.recommended_replication_slots, 8);
    assert_eq!(s.fail_level, Severity::Warning);
    assert_eq!(s.rules.severity("PG6004"), Some(Severity::Error));
    assert!(
        !s.rules
            .is_enabled_for("PG6008", Path::new("/p/postgresql.conf"))
    );
    assert!(
        !s.rules
            .is_enabled_for("PG4001", Path::new("/p/pg_hba.conf"))
    );
    assert!(
        !s.rules
            .is_enabled_for("PG2003", Path::new("/data/postgresql.auto.conf"))
    );
    assert!(
        s.rules
            .is_enabled_for("PG2003", Path::new("/p/postgresql.conf"))
    );
    assert_eq!(s.config_file.as_deref(), Some(Path::new("/p/pgconf.toml")));
}

#[test]
fn command_line_wins() {
    let text = "[clickpipes]\nuser = \"cdc\"\nregions = [\"eu-central-1\"]\n[lint]\nselect = [\"PG6\"]\nignore = [\"PG6008\"]\n";
    let cli = CliOverrides {
        user: Some("other".into()),
        regions: vec!["us-east-2".into()],
        select: vec!["PG2,PG6".into()],
        ignore: vec!["PG2003".into()],
        pg_version: Some("13".into()),
        fail_level: Some(Severity::Info),
        no_inline_ignores: true,
        ..CliOverrides::default()
    };
    let s = resolve_text(text, &cli).expect("valid");
    assert_eq!(s.clickpipes.user, "other");
    assert_eq!(s.clickpipes.regions, ["us-east-2"]);
    assert_eq!(s.postgres.version.map(|v| v.major()), Some(13));
    let p = Path::new("/p/x.conf");
    assert!(s.rules.is_enabled_for("PG2001", p));
    assert!(!s.rules.is_enabled_for("PG2003", p));
    assert!(!s.rules.is_enabled_for("PG6008", p));
    assert!(!s.rules.is_enabled_for("PG4001", p));
    assert_eq!(s.fail_level, Severity::Info);
    assert!(!s.inline_ignores);
}

#[test]
fn errors_point_at_the_offending_key_or_value() {
    let e = load_text("[lint]\nselect = [\"PG2\"]\nignor = []\n").unwrap_err();
    assert_eq!(e.location, Some((3, 1)), "{e}");
    assert!(e.message.contains("ignor"), "{e}");

    let e = resolve_text(
        "[lint]\nselect = [\"PG2\", \"PG2030\"]\n",
        &CliOverrides::default(),
    )
    .unwrap_err();
    assert_eq!(e.location, Some((2, 18)), "{e}");
    assert!(e.message.contains("PG2030"), "{e}");

    let e = resolve_text(
        "[clickpipes]\nregions = [\"eu-central1\"]\n",
        &CliOverrides::default(),
    )
    .unwrap_err();
    assert_eq!(e.location, Some((2, 12)), "{e}");
    assert!(e.message.contains("did you mean `eu-central-1`"), "{e}");

    let e = resolve_text("[postgres]\nversion = 11\n", &CliOverrides::default()).unwrap_err();
    assert_eq!(e.location, Some((2, 11)), "{e}");

    let e = resolve_text(
        "[lint]\nseverity = { PG6004 = \"fatal\" }\n",
        &CliOverrides::default(),
    )
    .unwrap_err();
    assert_eq!(e.location.map(|l| l.0), Some(2), "{e}");

    let e = resolve_text(
        "[clickpipes]\nmin-slot-wal-keep-size = \"100gb\"\n",
        &CliOverrides::default(),
    )
    .unwrap_err();
    assert_eq!(e.location, Some((2, 26)), "{e}");

    let shown = e.to_string();
    assert!(
        shown.starts_with("/p/pgconf.toml:2:26: unknown unit"),
        "{shown}"
    );
    assert!(
        shown.contains("2 | min-slot-wal-keep-size = \"100gb\""),
        "{shown}"
    );
}

#[test]
fn command_line_errors_name_the_flag() {
    let cli = CliOverrides {
        select: vec!["PG7".into()],
        ..CliOverrides::default()
    };
    let e = Settings::resolve(None, &cli).unwrap_err();
    assert!(e.message.starts_with("--select: unknown rule"), "{e}");
    assert_eq!(e.file, None);
    let cli = CliOverrides {
        ignore: vec!["PG1001".into()],
        ..CliOverrides::default()
    };
    assert!(Settings::resolve(None, &cli).is_err());
}

#[test]
fn discovery_walks_up_and_config_overrides() {
    let fs = MemFs::new()
        .with("/etc/pg/pgconf.toml", "[clickpipes]\nuser = \"top\"\n")
        .with(
            "/etc/pg/16/main/.pgconf.toml",
            "[clickpipes]\nuser = \"inner\"\n",
        )
        .with("/etc/pg/16/main/postgresql.conf", "")
        .with("/etc/pg/15/main/postgresql.conf", "")
        .with("/srv/other.toml", "[clickpipes]\nuser = \"explicit\"\n")
        .with("/tmp/x/pg_hba.conf", "");
    assert_eq!(
        discover(&fs, Path::new("/etc/pg/16/main/postgresql.conf")),
        Some("/etc/pg/16/main/.pgconf.toml".into())
    );
    assert_eq!(
        discover(&fs, Path::new("/etc/pg/15/main/postgresql.conf")),
        Some("/etc/pg/pgconf.toml".into())
    );
    assert_eq!(
        discover(&fs, Path::new("/etc/pg/15/main")),
        Some("/etc/pg/pgconf.toml".into())
    );
    assert_eq!(discover(&fs, Path::new("/tmp/x/pg_hba.conf")), None);

    let user = |input: &str, cli: &CliOverrides| {
        settings_for(&fs, Path::new(input), cli).map(|s| s.clickpipes.user)
    };
    assert_eq!(
        user("/etc/pg/15/main/postgresql.conf", &CliOverrides::default()),
        Ok("top".into())
    );
    let cli = CliOverrides {
        config: Some("/srv/other.toml".into()),
        ..CliOverrides::default()
    };
    assert_eq!(
        user("/etc/pg/16/main/postgresql.conf", &cli),
        Ok("explicit".into())
    );
    let cli = CliOverrides {
        config: Some("/srv/missing.toml".into()),
        ..CliOverrides::default()
    };
    let e = settings_for(&fs, Path::new("/tmp/x/pg_hba.conf"), &cli).unwrap_err();
    assert!(e.message.starts_with("cannot read settings"), "{e}");
}

#[test]
fn non_utf8_settings_point_at_the_bad_byte() {
    let fs = MemFs::new().with("/a/pgconf.toml", b"[lint]\nselect = [\"\xff\"]\n");
    let e = load(&fs, Path::new("/a/pgconf.toml")).unwrap_err();
    assert_eq!(e.location, Some((2, 12)), "{e}");
}
