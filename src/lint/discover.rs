//! From the paths a user gives to the servers they configure.
//!
//! Folders are walked for the well-known names (`postgresql.conf`, `pg_hba.conf`,
//! `pg_ident.conf`, `postgresql.auto.conf`); other `.conf` files in a walk are only read when
//! a server includes them. Each `postgresql.conf` starts a server; its auth files are the ones
//! `hba_file`/`ident_file` name when those exist, else the ones beside it. A file given by
//! name (as pre-commit passes them) is linted as part of the server that reads it, found by
//! looking for a `postgresql.conf` in its folder and up to three folders above; an hba or
//! ident file that belongs to no server is linted alone.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::server::ServerFiles;
use crate::model::config_set::{AutoConf, ConfigSet, LoadOptions};
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
    let plan = Plan::new(fs, inputs);
    let parallel = plan.mains.len() > 1;
    let mains = super::map_in_order(plan.mains.clone(), parallel, |main| {
        load_main(fs, &main, version_of(&main))
    });
    let mut claimed = HashSet::new();
    let mut servers = Vec::with_capacity(mains.len());
    for main in mains {
        claimed.extend(main.read);
        servers.push(main.server);
    }
    servers.extend(plan.rest(fs, &mut claimed, version_of, &|_| {}));
    servers
}

/// Marks a server's auth files as read by it, once they are settled (see [`Plan::rest`]).
pub fn claim_auth_files(claimed: &mut HashSet<PathBuf>, files: &ServerFiles) {
    claimed.extend(files.hba.iter().chain(&files.ident).map(|p| absolute(p)));
}

/// The inputs walked, before any file is read: the main files (each starts a server, in
/// server order) and what is left to group once their servers are known. Main files are
/// loaded by the caller ([`load_main`]), so that a run can lint each server as soon as it is
/// read instead of holding every server's files at once.
pub struct Plan {
    /// Walked `postgresql.conf` files, then conf files given by name; once each.
    pub mains: Vec<PathBuf>,
    /// The main files' absolute paths.
    main_set: HashSet<PathBuf>,
    /// Files given by name.
    explicit: Vec<PathBuf>,
    /// Files with a well-known name found in the folders given.
    walked: Vec<PathBuf>,
}

impl Plan {
    pub fn new(fs: &dyn FileSystem, inputs: &[PathBuf]) -> Plan {
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
        // A set, since a tree of thousands of servers made comparing with each main file a
        // quadratic cost.
        let mut main_set = HashSet::new();
        let mains = walked
            .iter()
            .chain(&explicit)
            .filter(|p| role_of(p) == FileRole::Conf && main_set.insert(absolute(p)))
            .cloned()
            .collect();
        Plan {
            mains,
            main_set,
            explicit,
            walked,
        }
    }

    /// The servers after the main files' ones: for each file given by name that no server
    /// reads, the server that does (a `postgresql.conf` above it); then every file left, alone.
    /// `claimed` holds every file the main files' servers read (absolute paths). `settle`
    /// decides a found server's auth files as the caller will lint them (an `hba_file` outside
    /// the paths given gives way to the file beside postgresql.conf), so that the file the
    /// server reads is the one claimed and not linted a second time alone.
    pub fn rest(
        &self,
        fs: &dyn FileSystem,
        claimed: &mut HashSet<PathBuf>,
        version_of: &dyn Fn(&Path) -> PgVersion,
        settle: &dyn Fn(&mut ServerFiles),
    ) -> Vec<Discovered> {
        let mut mains = self.main_set.clone();
        let mut servers = Vec::new();
        for path in &self.explicit {
            if claimed.contains(&absolute(path)) || !fs.exists(path) {
                continue;
            }
            if let Some(main) = enclosing_main(fs, path, version_of)
                && mains.insert(absolute(&main))
            {
                let mut found = load_main(fs, &main, version_of(&main));
                settle(&mut found.server.files);
                claimed.extend(found.read);
                claim_auth_files(claimed, &found.server.files);
                servers.push(found.server);
            }
        }
        let mut alone: Vec<&PathBuf> = self.explicit.iter().chain(&self.walked).collect();
        alone.sort();
        alone.dedup();
        for path in alone {
            if !claimed.insert(absolute(path)) {
                continue;
            }
            let files = match role_of(path) {
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
            servers.push(Discovered { files, conf: None });
        }
        servers
    }
}

/// A main file's server, and every file it reads (absolute paths): what grouping the other
/// files needs.
pub struct MainServer {
    pub server: Discovered,
    pub read: Vec<PathBuf>,
}

/// Reads the main file `conf` with `version` to find its server's files.
pub fn load_main(fs: &dyn FileSystem, conf: &Path, version: PgVersion) -> MainServer {
    let found = server_of(fs, conf, version);
    MainServer {
        server: Discovered {
            files: found.server,
            conf: found.set,
        },
        read: found.read,
    }
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
            set.last_value(name)
                .map(|value| paths::resolve(set.main_dir(), value, version))
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
