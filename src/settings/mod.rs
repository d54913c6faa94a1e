//! pgconf's own settings: `pgconf.toml` found by walking up from each input (or named with
//! `--config`), read with `toml_edit` + serde, and resolved together with the command line into
//! one immutable [`Settings`] (ripgrep's low/high args split). Errors carry the file, line and
//! column of the offending key or value.

mod options;

pub use options::{Options, SeverityName, SizeValue, VersionValue};

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde_spanned::Spanned;

use crate::diagnostic::Severity;
use crate::model::clickpipes::egress_ips;
use crate::model::fs::{FileSystem, os_message};
use crate::model::version::PgVersion;
use crate::rules::{RuleSelection, RuleSelector};

/// File names looked for in each folder, in order.
pub const SETTINGS_FILE_NAMES: [&str; 2] = ["pgconf.toml", ".pgconf.toml"];

/// What the command line says, before resolution. `None`/empty means "not given".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CliOverrides {
    /// `--config FILE`: use this file instead of discovering one.
    pub config: Option<PathBuf>,
    pub user: Option<String>,
    pub database: Option<String>,
    /// `--region`, repeatable; replaces the file's `regions`.
    pub regions: Vec<String>,
    pub pg_version: Option<String>,
    /// `--select`; replaces the file's `select`.
    pub select: Vec<String>,
    /// `--ignore`; added to the file's `ignore`.
    pub ignore: Vec<String>,
    pub fail_level: Option<Severity>,
    /// `--no-inline-ignores`: audits see everything `pgconf:` comments would hide.
    pub no_inline_ignores: bool,
    /// `--allow-source CIDR`, repeatable; added to the file's `allow-sources`.
    pub allow_sources: Vec<String>,
    /// `--allow-any-source`: without a region, the fix writes the documented 0.0.0.0/0 record.
    pub allow_any_source: bool,
    /// `--hostssl`: records the fix writes are `hostssl`.
    pub hostssl: bool,
    /// `--follow-outside-includes`: read includes that lead outside the paths given.
    pub follow_outside_includes: bool,
}

/// Everything resolved: what the linter reads and never changes.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The `pgconf.toml` these settings came from, if any.
    pub config_file: Option<PathBuf>,
    pub postgres: PostgresSettings,
    pub clickpipes: ClickPipesSettings,
    pub rules: RuleSelection,
    /// Exit with 1 when a diagnostic is at or above this.
    pub fail_level: Severity,
    /// Whether `# pgconf: ignore…` comments are honoured.
    pub inline_ignores: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostgresSettings {
    /// The major version to check against; `None` means "detect, else newest".
    pub version: Option<PgVersion>,
    /// The minor version when one was given (`16.4`), for version-specific advice.
    pub minor: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClickPipesSettings {
    pub user: String,
    pub database: String,
    /// Canonical region names, known to [`crate::model::clickpipes`].
    pub regions: Vec<String>,
    pub min_wal_senders: u32,
    pub min_replication_slots: u32,
    pub recommended_replication_slots: u32,
    pub min_slot_wal_keep_size_mb: u64,
    /// Networks besides the regions' addresses that must reach the server (SSH bastions).
    pub allow_sources: Vec<ipnetwork::IpNetwork>,
    /// Without a region, fix with the documented `0.0.0.0/0` record.
    pub allow_any_source: bool,
    /// Records written by fixes are `hostssl`.
    pub hostssl: bool,
}

impl Default for ClickPipesSettings {
    fn default() -> Self {
        Self {
            user: "clickpipes_user".into(),
            database: "all".into(),
            regions: Vec::new(),
            min_wal_senders: 2,
            min_replication_slots: 1,
            recommended_replication_slots: 4,
            min_slot_wal_keep_size_mb: 100 * 1024,
            allow_sources: Vec::new(),
            allow_any_source: false,
            hostssl: false,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            config_file: None,
            postgres: PostgresSettings::default(),
            clickpipes: ClickPipesSettings::default(),
            rules: RuleSelection::default(),
            fail_level: Severity::Error,
            inline_ignores: true,
        }
    }
}

/// Why settings could not be read or resolved. The tool cannot run (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    /// The settings file, or `None` for a command-line value.
    pub file: Option<PathBuf>,
    /// 1-based line and column of the offending key or value, when known.
    pub location: Option<(usize, usize)>,
    /// The offending line, for display under the message.
    pub line_text: Option<String>,
    pub message: String,
}

impl SettingsError {
    fn cli(message: impl Into<String>) -> Self {
        Self {
            file: None,
            location: None,
            line_text: None,
            message: message.into(),
        }
    }

    fn in_file(
        file: &Path,
        text: &str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        let (location, line_text) = match span {
            Some(span) => {
                let start = span.start.min(text.len());
                let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
                let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
                let line = text[..start].matches('\n').count() + 1;
                let column = text
                    .get(line_start..start)
                    .map_or(1, |s| s.chars().count() + 1);
                let shown = text[line_start..line_end]
                    .trim_end_matches('\r')
                    .to_string();
                (Some((line, column)), Some(shown))
            }
            None => (None, None),
        };
        Self {
            file: Some(file.to_path_buf()),
            location,
            line_text,
            message: message.into(),
        }
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.location) {
            (Some(file), Some((line, col))) => write!(f, "{}:{line}:{col}: ", file.display())?,
            (Some(file), None) => write!(f, "{}: ", file.display())?,
            (None, _) => {}
        }
        f.write_str(&self.message)?;
        if let (Some(text), Some((line, col))) = (&self.line_text, self.location) {
            let gutter = line.to_string().len();
            let caret_pad: String = text
                .chars()
                .take(col - 1)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(
                f,
                "\n{:gutter$} |\n{line} | {text}\n{:gutter$} | {caret_pad}^",
                "", ""
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for SettingsError {}

/// The first settings file in the folder of `input` or any folder above it. `input` should be
/// absolute; a relative one is searched up to its first component.
pub fn discover(fs: &dyn FileSystem, input: &Path) -> Option<PathBuf> {
    let start = if fs.is_dir(input) {
        Some(input)
    } else {
        input.parent()
    };
    let mut dir = start;
    while let Some(d) = dir {
        let d = if d.as_os_str().is_empty() {
            Path::new(".")
        } else {
            d
        };
        if let Some(found) = settings_file_in(fs, d) {
            return Some(found);
        }
        if d == Path::new(".") {
            break;
        }
        dir = d.parent();
    }
    None
}

/// The settings file in `dir` itself, if any (one step of [`discover`]).
pub fn settings_file_in(fs: &dyn FileSystem, dir: &Path) -> Option<PathBuf> {
    SETTINGS_FILE_NAMES
        .iter()
        .map(|name| dir.join(name))
        .find(|candidate| fs.exists(candidate) && !fs.is_dir(candidate))
}

/// Reads and parses one settings file.
pub fn load(fs: &dyn FileSystem, path: &Path) -> Result<LoadedOptions, SettingsError> {
    let bytes = fs.read(path).map_err(|e| SettingsError {
        file: Some(path.to_path_buf()),
        location: None,
        line_text: None,
        message: format!("cannot read settings: {}", os_message(&e)),
    })?;
    let text = String::from_utf8(bytes.into_vec()).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
        SettingsError::in_file(
            path,
            &text,
            Some(offset..offset),
            "settings file is not valid UTF-8",
        )
    })?;
    parse(path, text)
}

/// Parses settings text that came from `path`.
pub fn parse(path: &Path, text: String) -> Result<LoadedOptions, SettingsError> {
    match toml_edit::de::from_str::<Options>(&text) {
        Ok(options) => Ok(LoadedOptions {
            path: path.to_path_buf(),
            text,
            options,
        }),
        Err(e) => {
            let message = e.message().trim_end().to_string();
            Err(SettingsError::in_file(path, &text, e.span(), message))
        }
    }
}

/// A parsed settings file, with its text so that resolution errors can point into it.
#[derive(Debug)]
pub struct LoadedOptions {
    pub path: PathBuf,
    pub text: String,
    pub options: Options,
}

/// Settings for `input`: `--config` if given, else the discovered file, else defaults; then
/// the command line on top.
pub fn settings_for(
    fs: &dyn FileSystem,
    input: &Path,
    cli: &CliOverrides,
) -> Result<Settings, SettingsError> {
    let file = match &cli.config {
        Some(path) => Some(path.clone()),
        None => discover(fs, input),
    };
    settings_from(fs, file.as_deref(), cli)
}

/// The settings of `file` (none: the defaults) with the command line's options.
pub fn settings_from(
    fs: &dyn FileSystem,
    file: Option<&Path>,
    cli: &CliOverrides,
) -> Result<Settings, SettingsError> {
    let loaded = file.map(|p| load(fs, p)).transpose()?;
    Settings::resolve(loaded.as_ref(), cli)
}

impl Settings {
    /// Resolves file options and command-line options into one value. The command line wins
    /// for scalars and `select`/`regions`; `ignore` lists are combined.
    pub fn resolve(
        file: Option<&LoadedOptions>,
        cli: &CliOverrides,
    ) -> Result<Settings, SettingsError> {
        let empty = Options::default();
        let (options, ctx) = match file {
            Some(f) => (&f.options, Some(f)),
            None => (&empty, None),
        };
        let err = |span: Range<usize>, msg: String| match ctx {
            Some(f) => SettingsError::in_file(&f.path, &f.text, Some(span), msg),
            None => SettingsError::cli(msg),
        };
        let mut settings = Settings {
            config_file: ctx.map(|f| f.path.clone()),
            ..Settings::default()
        };

        // [postgres]
        let version_text = match (
            &cli.pg_version,
            options.postgres.as_ref().and_then(|p| p.version.as_ref()),
        ) {
            (Some(v), _) => Some((v.clone(), None)),
            (None, Some(v)) => Some((
                match v.get_ref() {
                    VersionValue::Number(n) => n.to_string(),
                    VersionValue::Text(t) => t.clone(),
                },
                Some(v.span()),
            )),
            (None, None) => None,
        };
        if let Some((text, span)) = version_text {
            let major: PgVersion = text.parse().map_err(
                |e: crate::model::version::UnsupportedVersion| match span {
                    Some(span) => err(span, e.to_string()),
                    None => SettingsError::cli(format!("--pg-version: {e}")),
                },
            )?;
            let minor = text.trim().split('.').nth(1).and_then(|m| m.parse().ok());
            settings.postgres = PostgresSettings {
                version: Some(major),
                minor,
            };
        }

        // [clickpipes]
        let cp = options.clickpipes.as_ref();
        let c = &mut settings.clickpipes;
        if let Some(user) = cli.user.clone().or_else(|| {
            cp.and_then(|c| c.user.as_ref())
                .map(|s| s.get_ref().clone())
        }) {
            c.user = user;
        }
        if let Some(db) = cli.database.clone().or_else(|| {
            cp.and_then(|c| c.database.as_ref())
                .map(|s| s.get_ref().clone())
        }) {
            c.database = db;
        }
        let regions: Vec<(String, Option<Range<usize>>)> = if cli.regions.is_empty() {
            cp.and_then(|c| c.regions.as_ref())
                .map(|r| {
                    r.iter()
                        .map(|s| (s.get_ref().clone(), Some(s.span())))
                        .collect()
                })
                .unwrap_or_default()
        } else {
            cli.regions.iter().map(|r| (r.clone(), None)).collect()
        };
        for (name, span) in regions {
            let list = egress_ips();
            let Some(region) = list.region(&name) else {
                let mut msg = format!("unknown ClickPipes region `{name}`");
                if let Some(close) = list.closest_region(&name) {
                    msg.push_str(&format!(" (did you mean `{}`?)", close.name));
                }
                msg.push_str("; `pgconf regions` lists them");
                return Err(match span {
                    Some(span) => err(span, msg),
                    None => SettingsError::cli(format!("--region: {msg}")),
                });
            };
            if !c.regions.contains(&region.name) {
                c.regions.push(region.name.clone());
            }
        }
        let file_sources = cp
            .and_then(|c| c.allow_sources.as_ref())
            .map(|v| {
                v.iter()
                    .map(|s| (s.get_ref().clone(), Some(s.span())))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let cli_sources = cli.allow_sources.iter().map(|s| (s.clone(), None));
        for (text, span) in file_sources.into_iter().chain(cli_sources) {
            let net: ipnetwork::IpNetwork = text.parse().map_err(|e| {
                let msg = format!("allow-source `{text}` is not an address or CIDR: {e}");
                match span {
                    Some(span) => err(span, msg),
                    None => SettingsError::cli(format!("--allow-source: {msg}")),
                }
            })?;
            if !c.allow_sources.contains(&net) {
                c.allow_sources.push(net);
            }
        }
        c.allow_any_source = cli.allow_any_source;
        c.hostssl = cli.hostssl || cp.and_then(|c| c.hostssl).unwrap_or(false);
        if let Some(cp) = cp {
            let count = |v: &Option<Spanned<i64>>, target: &mut u32| -> Result<(), SettingsError> {
                if let Some(v) = v {
                    *target = u32::try_from(*v.get_ref()).map_err(|_| {
                        err(
                            v.span(),
                            format!(
                                "expected a count from 0 to {}, got {}",
                                u32::MAX,
                                v.get_ref()
                            ),
                        )
                    })?;
                }
                Ok(())
            };
            count(&cp.min_wal_senders, &mut c.min_wal_senders)?;
            count(&cp.min_replication_slots, &mut c.min_replication_slots)?;
            count(
                &cp.recommended_replication_slots,
                &mut c.recommended_replication_slots,
            )?;
            if let Some(size) = &cp.min_slot_wal_keep_size {
                c.min_slot_wal_keep_size_mb = size
                    .get_ref()
                    .megabytes()
                    .map_err(|m| err(size.span(), m))?;
            }
        }

        // [lint]
        let lint = options.lint.as_ref();
        let parse_list =
            |list: Option<&Vec<Spanned<String>>>| -> Result<Vec<RuleSelector>, SettingsError> {
                list.into_iter()
                    .flatten()
                    .map(|s| {
                        s.get_ref()
                            .parse()
                            .map_err(|e: crate::rules::UnknownSelector| {
                                err(s.span(), e.to_string())
                            })
                    })
                    .collect()
            };
        let parse_cli = |flag: &str, list: &[String]| -> Result<Vec<RuleSelector>, SettingsError> {
            list.iter()
                .flat_map(|s| s.split(','))
                .filter(|s| !s.trim().is_empty())
                .map(|s| {
                    s.parse().map_err(|e: crate::rules::UnknownSelector| {
                        SettingsError::cli(format!("{flag}: {e}"))
                    })
                })
                .collect()
        };
        let select = if cli.select.is_empty() {
            parse_list(lint.and_then(|l| l.select.as_ref()))?
        } else {
            parse_cli("--select", &cli.select)?
        };
        let mut ignore = parse_list(lint.and_then(|l| l.ignore.as_ref()))?;
        ignore.extend(parse_cli("--ignore", &cli.ignore)?);
        let mut severity = Vec::new();
        for (key, level) in lint.and_then(|l| l.severity.as_ref()).into_iter().flatten() {
            let selector = key
                .get_ref()
                .parse()
                .map_err(|e: crate::rules::UnknownSelector| err(key.span(), e.to_string()))?;
            severity.push((selector, Severity::from(*level.get_ref())));
        }
        let mut per_file = Vec::new();
        for (pattern, list) in lint
            .and_then(|l| l.per_file_ignores.as_ref())
            .into_iter()
            .flatten()
        {
            per_file.push((pattern.get_ref().clone(), parse_list(Some(list))?));
        }
        let base = ctx
            .and_then(|f| f.path.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default();
        settings.rules = RuleSelection::new(&select, &ignore, &severity, &per_file, &base)
            .map_err(|e| match ctx {
                Some(f) => SettingsError::in_file(&f.path, &f.text, None, e.message),
                None => SettingsError::cli(e.message),
            })?;
        settings.fail_level = cli
            .fail_level
            .or_else(|| {
                lint.and_then(|l| l.fail_level.as_ref())
                    .map(|l| Severity::from(*l.get_ref()))
            })
            .unwrap_or(Severity::Error);
        settings.inline_ignores = !cli.no_inline_ignores;
        Ok(settings)
    }
}

#[cfg(test)]
mod tests;
