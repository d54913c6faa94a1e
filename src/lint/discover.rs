//! From the paths a user gives to the servers they configure.
//!
//! Folders are walked for the well-known names (`postgresql.conf`, `pg_hba.conf`,
//! `pg_ident.conf`, `postgresql.auto.conf`); other `.conf` files in a walk are only read when
//! a server includes them. Each `postgresql.conf` starts a server; its auth files are the ones
//! `hba_file`/`ident_file` name when those exist, else the ones beside it. A file given by
//! name (as pre-commit passes them) is linted as part of the server that reads it, found by
//! looking for a `postgresql.conf` in its folder and up to three folders above; an hba or
//! ident file that belongs to no server is linted alone.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::server::ServerFiles;
use crate::model::config_set::{AutoConf, ConfigSet, ItemKind, LoadOptions};
use crate::model::fs::FileSystem;
use crate::model::paths;
use crate::model::version::PgVersion;

/// What a file is, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    Conf,
    Auto,
    Hba,
    Ident,
    /// Any other file: only read when a server includes it.
    Other,
}

/// The role a file name suggests.
pub fn role_of(path: &Path) -> FileRole {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name == "postgresql.auto.conf" {
        FileRole::Auto
    } else if name.contains("hba") {
        FileRole::Hba
    } else if name.contains("ident") {
        FileRole::Ident
    } else if name == "postgresql.conf" || name.ends_with("postgresql.conf") {
        FileRole::Conf
    } else {
        FileRole::Other
    }
}

/// Folders a walk never enters.
fn skipped_dir(name: &str) -> bool {
    name.starts_with('.') && name.len() > 1 || matches!(name, "target" | "node_modules")
}

/// Groups `inputs` into servers. `version_of` gives the version to read a conf file with
/// (it matters for include paths in 12–14).
pub fn discover(
    fs: &dyn FileSystem,
    inputs: &[PathBuf],
    version_of: &(dyn Fn(&Path) -> PgVersion + Sync),
) -> Vec<ServerFiles> {
    discover_loaded(fs, inputs, version_of)
        .into_iter()
        .map(|d| d.files)
        .collect()
}

/// A server found by [`discover_loaded`], with the configuration set read to find its files
/// (loaded with the version `version_of` gave, `AutoConf::Discover` and no roots).
pub struct Discovered {
    pub files: ServerFiles,
    pub conf: Option<ConfigSet>,
}

/// [`discover`], keeping each server's configuration set so that it need not be read and
/// evaluated again (see [`ConfigSet::includes_within`]).
pub fn discover_loaded(
    fs: &dyn FileSystem,
    inputs: &[PathBuf],
    version_of: &(dyn Fn(&Path) -> PgVersion + Sync),
) -> Vec<Discovered> {
    let mut explicit: Vec<PathBuf> = Vec::new();
    let mut walked: Vec<PathBuf> = Vec::new();
    for input in inputs {
        if fs.is_dir(input) {
            let enter = |name: &std::ffi::OsStr| !skipped_dir(&name.to_string_lossy());
            walked.extend(
                fs.files_below(input, &enter)
                    .into_iter()
                    .filter(|p| role_of(p) != FileRole::Other),
            );
        } else {
            explicit.push(input.clone());
        }
    }

    let mut servers: Vec<Discovered> = Vec::new();
    // Every file some server already reads, by absolute path.
    let mut claimed: BTreeSet<PathBuf> = BTreeSet::new();
    // The main files of the servers so far, by absolute path: a set, since a tree of
    // thousands of servers made comparing with each a quadratic cost.
    let mut mains: HashSet<PathBuf> = HashSet::new();
    // The main files' sets are loaded in parallel up front (reading them is most of
    // discovery, and lint keeps them); grouping below stays in order.
    let mains_given: Vec<(PathBuf, &PathBuf)> = {
        let mut seen = HashSet::new();
        walked
            .iter()
            .chain(&explicit)
            .filter(|p| role_of(p) == FileRole::Conf)
            .map(|p| (absolute(p), p))
            .filter(|(abs, _)| seen.insert(abs.clone()))
            .collect()
    };
    let mut preloaded: HashMap<PathBuf, Found> = super::map_in_order(mains_given, |(abs, p)| {
        (abs, server_of(fs, p, version_of(p)))
    })
    .into_iter()
    .collect();
    let mut add_server =
        |conf: &Path, claimed: &mut BTreeSet<PathBuf>, servers: &mut Vec<Discovered>| {
            let abs = absolute(conf);
            let found = preloaded.remove(&abs);
            if !mains.insert(abs) {
                return;
            }
            let found = found.unwrap_or_else(|| server_of(fs, conf, version_of(conf)));
            claimed.extend(found.read.iter().cloned());
            servers.push(Discovered {
                files: found.server,
                conf: found.set,
            });
        };

    // Main files first: walked postgresql.conf files, then explicit conf files.
    for path in walked.iter().chain(&explicit) {
        if role_of(path) == FileRole::Conf {
            add_server(path, &mut claimed, &mut servers);
        }
    }
    // Explicit files that no server has claimed yet: find the server that reads them.
    for path in &explicit {
        let abs = absolute(path);
        if claimed.contains(&abs) || !fs.exists(path) {
            continue;
        }
        if let Some(main) = enclosing_main(fs, path, version_of) {
            add_server(&main, &mut claimed, &mut servers);
        }
    }
    // What is left stands alone.
    let mut alone: Vec<&PathBuf> = explicit.iter().chain(&walked).collect();
    alone.sort();
    alone.dedup();
    for path in alone {
        if claimed.contains(&absolute(path)) {
            continue;
        }
        let role = role_of(path);
        let server = match role {
            FileRole::Hba => ServerFiles {
                hba: Some(path.clone()),
                ..ServerFiles::default()
            },
            FileRole::Ident => ServerFiles {
                ident: Some(path.clone()),
                ..ServerFiles::default()
            },
            // An auto file, or any file named explicitly, is linted as a conf file.
            FileRole::Auto | FileRole::Conf | FileRole::Other => ServerFiles {
                conf: Some(path.clone()),
                ..ServerFiles::default()
            },
        };
        claimed.insert(absolute(path));
        servers.push(Discovered {
            files: server,
            conf: None,
        });
    }
    servers
}

struct Found {
    server: ServerFiles,
    set: Option<ConfigSet>,
    /// Every file the server reads (absolute paths).
    read: Vec<PathBuf>,
}

/// The files of the server whose main file is `conf`.
fn server_of(fs: &dyn FileSystem, conf: &Path, version: PgVersion) -> Found {
    let mut read = vec![absolute(conf)];
    let dir = conf.parent().unwrap_or_else(|| Path::new("."));
    let mut hba = None;
    let mut ident = None;
    let set = ConfigSet::load(
        fs,
        conf,
        &LoadOptions {
            version,
            auto: AutoConf::Discover,
            roots: None,
        },
    )
    .ok();
    if let Some(set) = &set {
        read.extend(set.files.iter().map(|f| f.path.clone()));
        let named = |name: &str| {
            set.items.iter().rev().find_map(|item| match &item.kind {
                ItemKind::Setting { name: n, value, .. }
                    if n.eq_ignore_ascii_case(name.as_bytes()) =>
                {
                    Some(paths::resolve(set.main_dir(), value, version))
                }
                _ => None,
            })
        };
        hba = named("hba_file").filter(|p| fs.exists(p) && !fs.is_dir(p));
        ident = named("ident_file").filter(|p| fs.exists(p) && !fs.is_dir(p));
    }
    let beside = |name: &str| {
        let p = dir.join(name);
        (fs.exists(&p) && !fs.is_dir(&p)).then_some(p)
    };
    let hba = hba.or_else(|| beside("pg_hba.conf"));
    let ident = ident.or_else(|| beside("pg_ident.conf"));
    read.extend(hba.iter().map(|p| absolute(p)));
    read.extend(ident.iter().map(|p| absolute(p)));
    Found {
        server: ServerFiles {
            conf: Some(conf.to_path_buf()),
            hba,
            ident,
        },
        set,
        read,
    }
}

/// A `postgresql.conf` in the folder of `file` or up to three folders above whose server
/// reads `file`.
fn enclosing_main(
    fs: &dyn FileSystem,
    file: &Path,
    version_of: &dyn Fn(&Path) -> PgVersion,
) -> Option<PathBuf> {
    let target = absolute(file);
    let mut dir = file.parent();
    for _ in 0..4 {
        let d = dir?;
        let candidate = d.join("postgresql.conf");
        if fs.exists(&candidate) && absolute(&candidate) != target {
            let found = server_of(fs, &candidate, version_of(&candidate));
            if found.read.contains(&target) {
                return Some(candidate);
            }
        }
        dir = d
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .or_else(|| {
                // A relative path's last parent is the working directory.
                (d != Path::new(".")).then_some(Path::new("."))
            });
    }
    None
}

fn absolute(path: &Path) -> PathBuf {
    paths::absolute(path, PgVersion::NEWEST)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fs::MemFs;

    fn v(_: &Path) -> PgVersion {
        PgVersion::NEWEST
    }

    fn tree() -> MemFs {
        MemFs::new()
            .with("/r/a/postgresql.conf", "include_dir 'conf.d'\n")
            .with("/r/a/conf.d/10.conf", "work_mem = 1MB\n")
            .with("/r/a/pg_hba.conf", "local all all peer\n")
            .with("/r/b/pg_hba.conf", "local all all peer\n")
            .with("/r/c/nginx.conf", "worker_processes 1;\n")
    }

    #[test]
    fn a_walk_finds_servers_and_lone_auth_files_but_not_other_conf_files() {
        let servers = discover(&tree(), &[PathBuf::from("/r")], &v);
        assert_eq!(
            servers,
            vec![
                ServerFiles {
                    conf: Some("/r/a/postgresql.conf".into()),
                    hba: Some("/r/a/pg_hba.conf".into()),
                    ident: None,
                },
                ServerFiles {
                    hba: Some("/r/b/pg_hba.conf".into()),
                    ..ServerFiles::default()
                },
            ]
        );
    }

    #[test]
    fn an_included_file_given_by_name_brings_its_server() {
        let servers = discover(&tree(), &[PathBuf::from("/r/a/conf.d/10.conf")], &v);
        assert_eq!(servers.len(), 1);
        assert_eq!(servers[0].conf, Some("/r/a/postgresql.conf".into()));
    }

    #[test]
    fn hba_file_setting_points_at_the_auth_file() {
        let fs = MemFs::new()
            .with(
                "/etc/pg/postgresql.conf",
                "hba_file = '/etc/pg/auth/hba.conf'\n",
            )
            .with("/etc/pg/auth/hba.conf", "local all all peer\n");
        let servers = discover(&fs, &[PathBuf::from("/etc/pg")], &v);
        assert_eq!(servers.len(), 1, "{servers:?}");
        assert_eq!(servers[0].hba, Some("/etc/pg/auth/hba.conf".into()));
    }
}
