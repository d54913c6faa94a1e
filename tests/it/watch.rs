//! `pgconf watch` as a person uses it: the result changes after an edit, a save by rename, a
//! delete and a re-create; Ctrl-C ends it with status 130.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Waits for a summary line containing `want`; fails after a generous timeout.
fn expect_summary(lines: &mpsc::Receiver<String>, want: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(200))
            && line.contains("pgconf watch:")
            && line.contains(want)
        {
            return;
        }
    }
    panic!("no summary with {want:?} in time");
}

#[cfg(unix)]
#[test]
fn watch_follows_edits_renames_deletes_and_stops_on_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("postgresql.conf");
    std::fs::write(&conf, "wal_level = replica\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pgconf"))
        .args(["watch", "--select", "PG6001", "--format", "concise"])
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    expect_summary(&lines, "1 error,");

    // An edit in place.
    std::thread::sleep(Duration::from_millis(300));
    std::fs::write(&conf, "wal_level = logical\n").unwrap();
    expect_summary(&lines, "0 errors");

    // A save by rename, as vim and most editors do it.
    let tmp = dir.path().join(".postgresql.conf.swp");
    std::fs::write(&tmp, "wal_level = minimal\n").unwrap();
    std::fs::rename(&tmp, &conf).unwrap();
    expect_summary(&lines, "1 error,");

    // Deleted, then created again.
    std::fs::remove_file(&conf).unwrap();
    expect_summary(&lines, "0 errors");
    std::fs::write(&conf, "wal_level = replica\n").unwrap();
    expect_summary(&lines, "1 error,");

    let pid = child.id().to_string();
    Command::new("kill").args(["-INT", &pid]).status().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
}
