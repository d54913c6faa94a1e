//! A real Debian cluster's files: `pg_createcluster 15` (postgresql-common) writes the
//! postgresql.conf and pg_hba.conf every Debian/Ubuntu server starts with. Linted for
//! ClickPipes us-east-2, the default cluster is not ready: `cdc-wal-level` (wal_level is
//! replica), `cdc-listen-addresses` (localhost only) and `cdc-hba-access` (no record for the
//! ClickPipes addresses) are errors at the lines that say so, and nothing else is an error.
//! `cdc-slot-wal-keep-size` is a warning there too, rightly: the default -1 is unbounded.
//!
//! Needs root and postgresql-common with postgresql-15 (`.ci/scenario` installs them); skips
//! with a message otherwise. Everything goes into a temporary folder (configuration root via
//! `PG_CLUSTER_CONF_ROOT`, data, log, socket) and the cluster is dropped afterwards.

use std::path::{Path, PathBuf};
use std::process::Command;

const VERSION: &str = "15";
const CLUSTER: &str = "pgconf_scenario";

/// The temporary cluster; dropped (pg_dropcluster, then the folder) when it goes out of scope.
struct TempCluster {
    root: PathBuf,
}

impl TempCluster {
    fn conf_root(&self) -> PathBuf {
        // Named `postgresql` so that pgconf finds the version from the path as it does for
        // /etc/postgresql/15/main.
        self.root.join("postgresql")
    }

    fn conf_dir(&self) -> PathBuf {
        self.conf_root().join(VERSION).join(CLUSTER)
    }

    fn create() -> Result<TempCluster, String> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let root =
            std::env::temp_dir().join(format!("pgconf-scenario-{}-{stamp}", std::process::id()));
        let cluster = TempCluster { root };
        let log_dir = cluster.root.join("log");
        std::fs::create_dir_all(&log_dir).map_err(|e| format!("{}: {e}", log_dir.display()))?;
        // The cluster owner (postgres) must reach the data, log and socket folders.
        for dir in [&cluster.root, &log_dir] {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let output = Command::new("pg_createcluster")
            .env("PG_CLUSTER_CONF_ROOT", cluster.conf_root())
            .arg("--datadir")
            .arg(cluster.root.join("data"))
            .arg("--logfile")
            .arg(log_dir.join("postgresql.log"))
            .arg("--socketdir")
            .arg(cluster.root.join("socket"))
            .args([VERSION, CLUSTER])
            .output()
            .map_err(|e| format!("pg_createcluster: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "pg_createcluster failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(cluster)
    }
}

impl Drop for TempCluster {
    fn drop(&mut self) {
        let _ = Command::new("pg_dropcluster")
            .env("PG_CLUSTER_CONF_ROOT", self.conf_root())
            .args([VERSION, CLUSTER])
            .output();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Why the scenario cannot run here, if it cannot.
fn missing_requirement() -> Option<String> {
    let on_path = |tool: &str| {
        std::env::var_os("PATH")
            .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(tool).is_file()))
    };
    if !on_path("pg_createcluster") || !on_path("pg_dropcluster") {
        return Some("pg_createcluster is not installed (postgresql-common)".into());
    }
    if !Path::new("/usr/lib/postgresql/15/bin/initdb").is_file() {
        return Some("PostgreSQL 15 is not installed (postgresql-15)".into());
    }
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    if uid != "0" {
        return Some("pg_createcluster needs root".into());
    }
    None
}

/// 1-based number of the first line of `text` that starts with `prefix`.
fn line_starting(text: &str, prefix: &str) -> usize {
    match text.lines().position(|l| l.starts_with(prefix)) {
        Some(i) => i + 1,
        None => panic!("no line starting with {prefix:?} in the generated file"),
    }
}

#[test]
fn debian_default_cluster_is_not_clickpipes_ready() {
    if let Some(why) = missing_requirement() {
        eprintln!("SKIPPED debian_default_cluster_is_not_clickpipes_ready: {why} (.ci/scenario)");
        return;
    }
    let cluster = match TempCluster::create() {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    let dir = cluster.conf_dir();
    let conf = std::fs::read_to_string(dir.join("postgresql.conf")).expect("postgresql.conf");
    let hba = std::fs::read_to_string(dir.join("pg_hba.conf")).expect("pg_hba.conf");

    let output = Command::new(env!("CARGO_BIN_EXE_pgconf"))
        .args(["lint", "--format", "json", "--region", "us-east-2"])
        .arg(&dir)
        .output()
        .expect("run pgconf");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "exit status\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON output");
    let diagnostics = json["diagnostics"].as_array().expect("diagnostics");
    let found: Vec<(String, String, String, u64)> = diagnostics
        .iter()
        .map(|d| {
            let file = d["file"].as_str().unwrap_or_default();
            let name = Path::new(file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["severity"].as_str().unwrap_or_default().to_string(),
                name,
                d["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    for f in &found {
        eprintln!("finding: {} {} {}:{}", f.0, f.1, f.2, f.3);
    }

    // The end of pg_hba.conf, where records for the missing addresses go: the line after the
    // last when the file ends with a line ending.
    let hba_end = hba.lines().count() + usize::from(hba.ends_with('\n'));
    let expected = [
        (
            "PG6001",
            "error",
            "postgresql.conf",
            line_starting(&conf, "#wal_level = "),
        ),
        (
            "PG6004",
            "warning",
            "postgresql.conf",
            line_starting(&conf, "#max_slot_wal_keep_size = "),
        ),
        ("PG6005", "error", "pg_hba.conf", hba_end),
        (
            "PG6006",
            "error",
            "postgresql.conf",
            line_starting(&conf, "#listen_addresses = "),
        ),
    ];
    let mut family6: Vec<(&str, &str, &str, usize)> = found
        .iter()
        .filter(|f| f.0.starts_with("PG6"))
        .map(|f| (f.0.as_str(), f.1.as_str(), f.2.as_str(), f.3 as usize))
        .collect();
    family6.sort();
    assert_eq!(
        family6, expected,
        "ClickPipes findings on the default cluster"
    );
    let other_errors: Vec<_> = found
        .iter()
        .filter(|f| !f.0.starts_with("PG6") && f.1 == "error")
        .collect();
    assert!(
        other_errors.is_empty(),
        "errors from other rules on a default cluster: {other_errors:?}"
    );
    // The hba finding names each us-east-2 address with the record to add.
    let hba_finding = diagnostics
        .iter()
        .find(|d| d["code"] == "PG6005")
        .expect("PG6005");
    let notes = hba_finding["notes"].to_string();
    for ip in [
        "3.131.130.196",
        "3.23.172.68",
        "3.20.208.150",
        "3.132.20.192",
        "18.119.76.110",
        "3.134.185.180",
    ] {
        assert!(
            notes.contains(&format!("host all clickpipes_user {ip}/32 scram-sha-256")),
            "{ip} missing from {notes}"
        );
    }
    drop(cluster);
}
