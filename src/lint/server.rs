//! The files of one server, loaded for one PostgreSQL version: what every rule looks at.

use std::path::{Path, PathBuf};

use crate::diagnostic::Sources;
use crate::edits::placement::commented_default;
use crate::model::config_set::{AutoConf, ConfigSet, Item, ItemKind, LoadOptions};
use crate::model::fs::FileSystem;
use crate::model::hba::{HbaFile, HbaOptions, load_hba};
use crate::model::ident::{IdentFile, load_ident};
use crate::model::value::parse_bool;
use crate::model::version::PgVersion;
use crate::source::{SourceFile, Span};

/// Which files make up one server. Any of them may be absent: an hba file is linted alone
/// when nothing else belongs with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerFiles {
    /// `postgresql.conf` (or a file linted as one).
    pub conf: Option<PathBuf>,
    pub hba: Option<PathBuf>,
    pub ident: Option<PathBuf>,
}

impl ServerFiles {
    /// The files named, conf first.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        [&self.conf, &self.hba, &self.ident]
            .into_iter()
            .filter_map(|p| p.as_deref())
    }
}

/// A file of the server that could not be read at all: a problem for the tool (exit 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableFile {
    pub path: PathBuf,
    pub message: String,
}

/// Where the includes of a linted server may lead: the paths the user gave. PG3006 reports
/// includes that leave them; unless `follow_outside` is set, those are not read either.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncludeScope {
    /// Absolute folders: the folders given and the folders of the files given. The main
    /// file's own folder is added when the server is loaded.
    pub roots: Vec<PathBuf>,
    /// `--follow-outside-includes`: read such includes anyway (they are still reported).
    pub follow_outside: bool,
}

/// One server's files, parsed and evaluated.
#[derive(Debug)]
pub struct Server {
    pub version: PgVersion,
    /// Whether the version was given or detected, rather than assumed (the newest).
    pub version_known: bool,
    pub files: ServerFiles,
    pub conf: Option<ConfigSet>,
    pub hba: Option<HbaFile>,
    pub ident: Option<IdentFile>,
    pub unreadable: Vec<UnreadableFile>,
    /// The scope includes were checked against, when linting paths a user gave (with the
    /// main file's folder added); `None` when loaded without one.
    pub include_scope: Option<IncludeScope>,
}

impl Server {
    /// Reads the files of one server. Problems inside the files become the models' items and
    /// rows; a file that cannot be read at all is recorded in `unreadable`.
    pub fn load(
        fs: &dyn FileSystem,
        files: ServerFiles,
        version: PgVersion,
        version_known: bool,
    ) -> Server {
        Self::load_scoped(fs, files, version, version_known, None)
    }

    /// [`Server::load`], with includes confined to `scope` (see [`IncludeScope`]).
    pub fn load_scoped(
        fs: &dyn FileSystem,
        files: ServerFiles,
        version: PgVersion,
        version_known: bool,
        scope: Option<&IncludeScope>,
    ) -> Server {
        Self::load_reusing(fs, files, version, version_known, scope, None)
    }

    /// [`Server::load_scoped`], taking the configuration set `discovered` instead of reading
    /// the files again when it is what this load would read: the same version, the auto file
    /// looked for, and no include leading outside the scope. (Discovery loads every main file
    /// with `AutoConf::Discover` and no roots to find its auth files.)
    pub fn load_reusing(
        fs: &dyn FileSystem,
        files: ServerFiles,
        version: PgVersion,
        version_known: bool,
        scope: Option<&IncludeScope>,
        discovered: Option<ConfigSet>,
    ) -> Server {
        let mut discovered = discovered;
        let include_scope = scope.map(|scope| {
            let mut scope = scope.clone();
            let main_dir = files.conf.as_ref().and_then(|p| {
                crate::model::paths::absolute(p, version)
                    .parent()
                    .map(Path::to_path_buf)
            });
            scope.roots.extend(main_dir);
            scope
        });
        let mut unreadable = Vec::new();
        let conf = files.conf.as_ref().and_then(|path| {
            // An auto file linted on its own is the main file; reading it again as its own
            // auto file would make every line its own duplicate.
            let is_auto = path
                .file_name()
                .is_some_and(|n| n.eq_ignore_ascii_case("postgresql.auto.conf"));
            let options = LoadOptions {
                version,
                auto: if is_auto {
                    AutoConf::None
                } else {
                    AutoConf::Discover
                },
                roots: include_scope
                    .as_ref()
                    .filter(|scope| !scope.follow_outside)
                    .map(|scope| scope.roots.clone()),
            };
            if let Some(set) = discovered.take()
                && !is_auto
                && set.version == version
                && options
                    .roots
                    .as_ref()
                    .is_none_or(|roots| set.includes_within(roots))
            {
                return Some(set);
            }
            ConfigSet::load(fs, path, &options)
                .map_err(|e| {
                    unreadable.push(UnreadableFile {
                        path: path.clone(),
                        message: e.to_string(),
                    })
                })
                .ok()
        });
        let hba_options = conf.as_ref().map(hba_options).unwrap_or(HbaOptions {
            // Alone, hba lines are judged as on a server with ssl = on, which is what
            // hostssl lines are written for.
            ssl_enabled: true,
            ..HbaOptions::default()
        });
        let hba = files.hba.as_ref().and_then(|path| {
            load_hba(fs, path, version, &hba_options)
                .map_err(|e| {
                    unreadable.push(UnreadableFile {
                        path: path.clone(),
                        message: e.to_string(),
                    })
                })
                .ok()
        });
        let ident = files.ident.as_ref().and_then(|path| {
            load_ident(fs, path, version)
                .map_err(|e| {
                    unreadable.push(UnreadableFile {
                        path: path.clone(),
                        message: e.to_string(),
                    })
                })
                .ok()
        });
        Server {
            version,
            version_known,
            files,
            conf,
            hba,
            ident,
            unreadable,
            include_scope,
        }
    }

    /// The item that sets `name` last (effective), if the conf files set it.
    pub fn effective(&self, name: &str) -> Option<&Item> {
        let set = self.conf.as_ref()?;
        let catalog = crate::model::catalog::Catalog::get(self.version);
        set.items.iter().rev().find(|item| {
            set.setting(item)
                .is_some_and(|s| catalog.sets(s.name, name))
        })
    }

    /// The effective value of `name` (de-quoted), if set.
    pub fn effective_value(&self, name: &str) -> Option<&[u8]> {
        let set = self.conf.as_ref()?;
        Some(set.setting(self.effective(name)?)?.value)
    }

    /// Every item setting `name` (any spelling, aliases included), in server order.
    pub fn assignments<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Item> + 'a {
        let catalog = crate::model::catalog::Catalog::get(self.version);
        self.conf.iter().flat_map(move |set| {
            set.items.iter().filter(move |item| {
                set.setting(item)
                    .is_some_and(|s| catalog.sets(s.name, name))
            })
        })
    }

    /// Path and span of an item's setting (the whole `name = value`), for labels.
    pub fn item_location(&self, item: &Item) -> Option<(&Path, Span)> {
        let set = self.conf.as_ref()?;
        let path = set.files[item.file].source.path();
        match &item.kind {
            ItemKind::Setting { setting, .. } => {
                Some((path, setting.name.span.cover(setting.value.span)))
            }
            ItemKind::FileError { span } => Some((path, span.unwrap_or_default())),
        }
    }

    /// Where a setting that no file sets would go: the commented-out default line of the main
    /// file (`#wal_level = replica`), else the end of the main file.
    pub fn absent_setting_location(&self, name: &str) -> Option<(&Path, Span)> {
        let set = self.conf.as_ref()?;
        let main = &set.files[set.main];
        if let Some(found) = commented_default(set, set.main, name) {
            return Some((main.source.path(), found.comment));
        }
        Some((main.source.path(), Span::empty(main.source.len())))
    }
}

/// The settings of postgresql.conf that change how pg_hba.conf loads.
fn hba_options(set: &ConfigSet) -> HbaOptions {
    HbaOptions {
        ssl_enabled: set.last_value("ssl").and_then(parse_bool).unwrap_or(false),
        oauth_validator_libraries: set
            .last_value("oauth_validator_libraries")
            .map(|v| {
                String::from_utf8_lossy(v)
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        db_user_namespace: set
            .last_value("db_user_namespace")
            .and_then(parse_bool)
            .unwrap_or(false),
    }
}

impl Server {
    /// Every file of the server, conf files first, then hba, then ident files.
    pub fn sources(&self) -> impl Iterator<Item = &SourceFile> {
        let conf = self
            .conf
            .iter()
            .flat_map(|set| set.files.iter().map(|f| &f.source));
        let hba = self
            .hba
            .iter()
            .flat_map(|h| h.sources.files.iter().map(|f| &f.source));
        let ident = self
            .ident
            .iter()
            .flat_map(|i| i.sources.files.iter().map(|f| &f.source));
        conf.chain(hba).chain(ident)
    }
}

impl Sources for Server {
    fn source(&self, path: &Path) -> Option<&SourceFile> {
        self.sources().find(|s| s.path() == path)
    }
}
