//! Writes that never lose data: when the disk is full, the folder is read-only or the process
//! dies mid-write, `pgconf fix` and `pgconf set` leave the original file exactly as it was,
//! leave no temporary file behind (except after a kill), and fail with a diagnostic that names
//! the file and the operating system's reason, and exit status 2.
//!
//! Every step of a write is covered through the failpoints of `src/fix/write.rs`
//! (`PGCONF_FAILPOINT=<step>:<ERRNO>`), which always run. A real file-size limit
//! (`RLIMIT_FSIZE`) runs on every Unix too. A real full file system (a 64 KiB tmpfs) and a real
//! read-only bind mount need a mount namespace (`unshare -rm`); where the sandbox forbids one,
//! those tests say SKIPPED and pass.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A postgresql.conf that both commands change: `fix` adds `wal_level = logical`, `set`
/// replaces a value. The comments make it big enough to overflow the small file systems below.
fn conf() -> Vec<u8> {
    let mut text = b"max_connections = 100\n".to_vec();
    while text.len() < 40_000 {
        text.extend_from_slice(b"# a comment that must survive a failed write, byte for byte\n");
    }
    text
}

/// The two writing commands under test, as arguments after `pgconf`.
const COMMANDS: [&[&str]; 2] = [
    &["fix", "postgresql.conf"],
    &["set", "postgresql.conf", "max_connections", "200"],
];

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(mut command: Command) -> Outcome {
    let out = command.env("NO_COLOR", "1").output().expect("run pgconf");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn pgconf(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pgconf"));
    command.args(args).current_dir(dir);
    command
}

/// Names in `dir` of pgconf's temporary files.
fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".pgconf-"))
        .collect()
}

/// The file in `dir` is what it was, nothing is left behind, and the failure was reported
/// with status 2, the file's path and `reason`.
fn assert_failed_cleanly(
    dir: &Path,
    shown_dir: &Path,
    outcome: &Outcome,
    reason: &str,
    what: &str,
) {
    let file = dir.join("postgresql.conf");
    assert!(
        std::fs::read(&file).unwrap() == conf(),
        "{what}: the original changed"
    );
    assert_eq!(
        temp_files(dir),
        Vec::<String>::new(),
        "{what}: temporary file left"
    );
    assert_eq!(
        outcome.code, 2,
        "{what}: exit status; stderr: {}",
        outcome.stderr
    );
    assert!(
        !outcome
            .stdout
            .lines()
            .any(|l| l.starts_with("fixed ") || l.starts_with("set ")),
        "{what}: standard output claims a change that was not written:\n{}",
        outcome.stdout
    );
    let path = shown_dir.join("postgresql.conf");
    assert!(
        outcome
            .stderr
            .contains(&format!("could not write {}", path.display()))
            && outcome.stderr.contains(reason)
            && outcome.stderr.contains("the file is unchanged"),
        "{what}: the diagnostic should name {} and say {reason:?}:\n{}",
        path.display(),
        outcome.stderr
    );
}

#[test]
fn every_failing_step_of_a_write_leaves_the_original() {
    let cases = [
        ("create:EROFS", "Read-only file system"),
        ("create:EACCES", "Permission denied"),
        ("write:ENOSPC", "No space left on device"),
        ("write:EDQUOT", "Disk quota exceeded"),
        ("fsync:ENOSPC", "No space left on device"),
        ("fsync:EIO", "Input/output error"),
        ("rename:EROFS", "Read-only file system"),
        ("rename:EACCES", "Permission denied"),
    ];
    for (failpoint, reason) in cases {
        for args in COMMANDS {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("postgresql.conf"), conf()).unwrap();
            let mut command = pgconf(dir.path(), args);
            command.env("PGCONF_FAILPOINT", failpoint);
            let outcome = run(command);
            let what = format!("{} with {failpoint}", args[0]);
            assert_failed_cleanly(dir.path(), dir.path(), &outcome, reason, &what);
        }
    }
}

/// A drop-in that `set --into` would create is not created, and the include that would read
/// it is not added, when the disk is full or the folder read-only.
#[test]
fn a_failed_drop_in_creates_nothing() {
    for failpoint in ["create:EROFS", "write:ENOSPC", "rename:EACCES"] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("postgresql.conf"), conf()).unwrap();
        let args = [
            "set",
            "--into",
            "conf.d/90-cdc.conf",
            "postgresql.conf",
            "wal_level",
            "logical",
        ];
        let mut command = pgconf(dir.path(), &args);
        command.env("PGCONF_FAILPOINT", failpoint);
        let outcome = run(command);
        let drop_in = dir.path().join("conf.d/90-cdc.conf");
        assert_eq!(outcome.code, 2, "{failpoint}: {}", outcome.stderr);
        assert!(
            outcome
                .stderr
                .contains(&format!("could not write {}", drop_in.display())),
            "{failpoint}: {}",
            outcome.stderr
        );
        assert!(!drop_in.exists(), "{failpoint}: the drop-in was created");
        assert!(std::fs::read(dir.path().join("postgresql.conf")).unwrap() == conf());
        assert_eq!(temp_files(&dir.path().join("conf.d")), Vec::<String>::new());
    }
}

#[test]
fn without_a_failpoint_both_commands_write() {
    for args in COMMANDS {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("postgresql.conf");
        std::fs::write(&file, conf()).unwrap();
        let outcome = run(pgconf(dir.path(), args));
        assert_ne!(outcome.code, 2, "{}: {}", args[0], outcome.stderr);
        assert!(
            std::fs::read(&file).unwrap() != conf(),
            "{}: nothing written",
            args[0]
        );
        assert_eq!(temp_files(dir.path()), Vec::<String>::new());
    }
}

#[cfg(unix)]
#[test]
fn a_fix_killed_mid_write_leaves_the_original_intact() {
    for failpoint in ["write", "after-temp-write", "rename"] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("postgresql.conf");
        std::fs::write(&file, conf()).unwrap();
        let mut command = pgconf(dir.path(), COMMANDS[0]);
        command.env("PGCONF_FAILPOINT", failpoint);
        let outcome = run(command);
        assert_eq!(
            outcome.code, -1,
            "{failpoint}: killed by SIGABRT, not an exit"
        );
        assert!(
            std::fs::read(&file).unwrap() == conf(),
            "{failpoint}: original changed"
        );
    }
}

/// A real "file too large" from the kernel: the child may not write files over 2 KiB
/// (`ulimit -f`), with SIGXFSZ ignored so the write returns EFBIG instead of killing it.
#[cfg(unix)]
#[test]
fn a_file_size_limit_leaves_the_original() {
    for args in COMMANDS {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("postgresql.conf"), conf()).unwrap();
        let mut command = Command::new("sh");
        command
            .args(["-c", "ulimit -f 4 && trap '' XFSZ && exec \"$@\"", "sh"])
            .arg(env!("CARGO_BIN_EXE_pgconf"))
            .args(args)
            .current_dir(dir.path());
        let outcome = run(command);
        let what = format!("{} under ulimit -f", args[0]);
        assert_failed_cleanly(dir.path(), dir.path(), &outcome, "File too large", &what);
    }
}

/// How [`in_mount_namespace`] prepares the folder the command runs in.
#[derive(Clone, Copy)]
enum Mount {
    /// A 64 KiB tmpfs holding the files: too small for a second copy of them.
    FullDisk,
    /// The folder bind-mounted read-only over itself.
    ReadOnly,
}

/// Runs `pgconf args` in `work/mnt`, a copy of `files` mounted as `mount` says, inside a new
/// user and mount namespace, and copies what the folder holds afterwards to `work/after`.
/// `None` when this sandbox cannot make the namespace or the mount.
fn in_mount_namespace(files: &Path, work: &Path, mount: Mount, args: &[&str]) -> Option<Outcome> {
    const SCRIPT: &str = r#"
        src=$1 mnt=$2 after=$3 mode=$4; shift 4
        if [ "$mode" = full ]; then
            mount -t tmpfs -o size=64k pgconf-test "$mnt" || exit 97
            cp -a "$src/." "$mnt/" || exit 98
        else
            cp -a "$src/." "$mnt/" || exit 98
            { mount --bind "$mnt" "$mnt" && mount -o remount,bind,ro "$mnt"; } || exit 97
        fi
        cd "$mnt" && "$@" 2>"$after.err"
        echo $? >"$after.rc"
        cp -a "$mnt/." "$after/"
    "#;
    let (mnt, after) = (work.join("mnt"), work.join("after"));
    std::fs::create_dir_all(&mnt).unwrap();
    std::fs::create_dir_all(&after).unwrap();
    let mode = match mount {
        Mount::FullDisk => "full",
        Mount::ReadOnly => "ro",
    };
    let status = Command::new("unshare")
        .args(["-rm", "sh", "-c", SCRIPT, "sh"])
        .args([files, &mnt, &after])
        .arg(mode)
        .arg(env!("CARGO_BIN_EXE_pgconf"))
        .args(args)
        .env("NO_COLOR", "1")
        .output();
    let rc_file = PathBuf::from(format!("{}.rc", after.display()));
    let Ok(rc) = std::fs::read_to_string(&rc_file) else {
        let why = match status {
            Ok(out) => String::from_utf8_lossy(&out.stderr).into_owned(),
            Err(e) => e.to_string(),
        };
        eprintln!("SKIPPED: needs a mount namespace (unshare -rm) and tmpfs/bind mounts: {why}");
        return None;
    };
    Some(Outcome {
        code: rc.trim().parse().unwrap_or(-1),
        stdout: status
            .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
            .unwrap_or_default(),
        stderr: std::fs::read_to_string(format!("{}.err", after.display())).unwrap_or_default(),
    })
}

fn assert_mounted_failure(mount: Mount, reason: &str) {
    for args in COMMANDS {
        let work = tempfile::tempdir().unwrap();
        let files = work.path().join("files");
        std::fs::create_dir(&files).unwrap();
        std::fs::write(files.join("postgresql.conf"), conf()).unwrap();
        let Some(outcome) = in_mount_namespace(&files, work.path(), mount, args) else {
            return;
        };
        let what = format!("{} on a {reason} folder", args[0]);
        let mnt = work.path().join("mnt");
        assert_failed_cleanly(&work.path().join("after"), &mnt, &outcome, reason, &what);
    }
}

/// Needs privileges: a real full disk (a 64 KiB tmpfs in a mount namespace).
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_leaves_the_original() {
    assert_mounted_failure(Mount::FullDisk, "No space left on device");
}

/// Needs privileges: a real read-only folder (a read-only bind mount in a mount namespace), which
/// root cannot write either, unlike a folder without write permission.
#[cfg(target_os = "linux")]
#[test]
fn a_read_only_folder_leaves_the_original() {
    assert_mounted_failure(Mount::ReadOnly, "Read-only file system");
}
