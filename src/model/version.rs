//! PostgreSQL major versions that pgconf models.

use std::fmt;
use std::str::FromStr;

/// A supported PostgreSQL major version, 12 to 18.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PgVersion(u8);

impl PgVersion {
    pub const OLDEST: PgVersion = PgVersion(12);
    pub const NEWEST: PgVersion = PgVersion(18);
    pub const ALL: [PgVersion; 7] = [
        PgVersion(12),
        PgVersion(13),
        PgVersion(14),
        PgVersion(15),
        PgVersion(16),
        PgVersion(17),
        PgVersion(18),
    ];

    /// `Some` for 12..=18.
    pub fn new(major: u8) -> Option<Self> {
        (Self::OLDEST.0..=Self::NEWEST.0)
            .contains(&major)
            .then_some(PgVersion(major))
    }

    pub fn major(self) -> u8 {
        self.0
    }

    /// Whether this version is `major` or newer.
    pub fn at_least(self, major: u8) -> bool {
        self.0 >= major
    }
}

impl Default for PgVersion {
    fn default() -> Self {
        Self::NEWEST
    }
}

impl fmt::Display for PgVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why a version string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsupportedVersion(pub String);

impl fmt::Display for UnsupportedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unsupported PostgreSQL version {:?}: pgconf models majors 12 to 18",
            self.0
        )
    }
}

impl std::error::Error for UnsupportedVersion {}

impl FromStr for PgVersion {
    type Err = UnsupportedVersion;

    /// Accepts `16`, `16.4`, and the contents of a `PG_VERSION` file (`16\n`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let major = s.trim().split('.').next().unwrap_or("");
        major
            .parse::<u8>()
            .ok()
            .and_then(PgVersion::new)
            .ok_or_else(|| UnsupportedVersion(s.trim().to_string()))
    }
}

/// The version of the cluster a file belongs to: a `PG_VERSION` file beside it (a data
/// directory), else a Debian-style `/etc/postgresql/N/<cluster>/` folder.
pub fn detect_version(
    fs: &dyn crate::model::fs::FileSystem,
    file: &std::path::Path,
) -> Option<PgVersion> {
    let dir = file.parent()?;
    if let Ok(bytes) = fs.read(&dir.join("PG_VERSION"))
        && let Ok(v) = String::from_utf8_lossy(&bytes).parse()
    {
        return Some(v);
    }
    let cluster_parent = dir.parent()?;
    let grand = cluster_parent.parent()?;
    if grand.file_name()? == "postgresql" {
        return cluster_parent.file_name()?.to_str()?.parse().ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_majors_and_pg_version_files() {
        assert_eq!("16".parse(), Ok(PgVersion(16)));
        assert_eq!("15.4".parse(), Ok(PgVersion(15)));
        assert_eq!("12\n".parse(), Ok(PgVersion(12)));
        assert!("11".parse::<PgVersion>().is_err());
        assert!("19".parse::<PgVersion>().is_err());
        assert!("x".parse::<PgVersion>().is_err());
    }
}
