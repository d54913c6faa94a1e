//! Which rules run, how loudly, and where: resolved once from `pgconf.toml` and the command line
//! into an immutable [`RuleSelection`].

use std::fmt;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use super::registry::{RULES, RuleMeta, did_you_mean, rule_index};
use crate::diagnostic::{Diagnostic, Severity};

/// A code, a code prefix (`PG`, `PG6`, `PG60`) or a rule name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleSelector {
    /// Every rule whose code starts with this (upper-case) prefix.
    Prefix(String),
    /// One rule, by code or name: index into [`RULES`].
    Rule(usize),
}

/// A selector that names nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSelector {
    pub input: String,
    pub suggestion: Option<&'static str>,
}

impl fmt::Display for UnknownSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown rule code, prefix or name `{}`", self.input)?;
        if let Some(s) = self.suggestion {
            write!(f, " (did you mean `{s}`?)")?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownSelector {}

impl std::str::FromStr for RuleSelector {
    type Err = UnknownSelector;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let input = s.trim();
        if let Some(i) = rule_index(input) {
            return Ok(RuleSelector::Rule(i));
        }
        let upper = input.to_ascii_uppercase();
        let is_prefix = upper.len() <= 6
            && upper.starts_with("PG")
            && upper[2..].bytes().all(|b| b.is_ascii_digit());
        if is_prefix && RULES.iter().any(|r| r.code.starts_with(&upper)) {
            return Ok(RuleSelector::Prefix(upper));
        }
        Err(UnknownSelector {
            input: input.to_string(),
            suggestion: did_you_mean(input),
        })
    }
}

impl RuleSelector {
    pub fn matches(&self, index: usize) -> bool {
        match self {
            RuleSelector::Rule(i) => *i == index,
            RuleSelector::Prefix(p) => RULES.get(index).is_some_and(|r| r.code.starts_with(p)),
        }
    }

    /// More specific selectors win over less specific ones (ruff): `ignore = ["PG6"]` with
    /// `select = ["PG6001"]` keeps PG6001.
    fn specificity(&self) -> usize {
        match self {
            RuleSelector::Rule(_) => usize::MAX,
            RuleSelector::Prefix(p) => p.len(),
        }
    }
}

/// A selection that contradicts the rules' contract (e.g. ignoring a syntax rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectionError {
    pub message: String,
}

impl fmt::Display for SelectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SelectionError {}

/// Which rules are on, their severities, and per-file exceptions. Syntax rules (PG1xxx) are
/// always on: the server refuses those files whatever the selection says.
#[derive(Debug, Clone)]
pub struct RuleSelection {
    enabled: Vec<bool>,
    severity: Vec<Severity>,
    /// Whether `severity[i]` was configured rather than the rule's default. Only configured
    /// levels replace what a check reported: a rule with an error level and a warning level
    /// (PG6003 below 1 / below 4) reports each at its own level.
    overridden: Vec<bool>,
    per_file: Vec<PerFileIgnore>,
}

#[derive(Debug, Clone)]
struct PerFileIgnore {
    /// Patterns without `/` are matched against the file name, the others against the path
    /// relative to `base` (the folder of `pgconf.toml`), as ruff does.
    globs: GlobSet,
    name_only: bool,
    base: PathBuf,
    ignored: Vec<bool>,
}

impl Default for RuleSelection {
    fn default() -> Self {
        Self {
            enabled: vec![true; RULES.len()],
            severity: RULES.iter().map(|r| r.severity).collect(),
            overridden: vec![false; RULES.len()],
            per_file: Vec::new(),
        }
    }
}

impl RuleSelection {
    /// `select` empty means every rule. Per-file patterns are relative to `base`.
    pub fn new(
        select: &[RuleSelector],
        ignore: &[RuleSelector],
        severity: &[(RuleSelector, Severity)],
        per_file_ignores: &[(String, Vec<RuleSelector>)],
        base: &Path,
    ) -> Result<Self, SelectionError> {
        let all = [RuleSelector::Prefix("PG".into())];
        let select = if select.is_empty() { &all[..] } else { select };
        let mut out = RuleSelection::default();
        for (i, rule) in RULES.iter().enumerate() {
            let best = |sels: &[RuleSelector]| {
                sels.iter()
                    .filter(|s| s.matches(i))
                    .map(RuleSelector::specificity)
                    .max()
            };
            out.enabled[i] = match (best(select), best(ignore)) {
                (Some(s), Some(ig)) => s > ig,
                (Some(_), None) => true,
                (None, _) => false,
            };
            if !rule.suppressible() {
                if ignore
                    .iter()
                    .any(|s| matches!(s, RuleSelector::Rule(r) if *r == i))
                {
                    return Err(unsuppressible(rule, "ignored"));
                }
                out.enabled[i] = true;
            }
        }
        for (selector, level) in severity {
            for (i, rule) in RULES.iter().enumerate() {
                if !selector.matches(i) {
                    continue;
                }
                if !rule.suppressible() && *level != Severity::Error {
                    if matches!(selector, RuleSelector::Rule(_)) {
                        return Err(unsuppressible(rule, "lowered below error"));
                    }
                    continue;
                }
                out.severity[i] = *level;
                out.overridden[i] = true;
            }
        }
        for (pattern, selectors) in per_file_ignores {
            let glob = Glob::new(pattern).map_err(|e| SelectionError {
                message: format!("invalid per-file-ignores pattern `{pattern}`: {}", e.kind()),
            })?;
            let globs = GlobSetBuilder::new()
                .add(glob)
                .build()
                .map_err(|e| SelectionError {
                    message: format!("invalid per-file-ignores pattern `{pattern}`: {}", e.kind()),
                })?;
            let ignored = (0..RULES.len())
                .map(|i| RULES[i].suppressible() && selectors.iter().any(|s| s.matches(i)))
                .collect();
            out.per_file.push(PerFileIgnore {
                globs,
                name_only: !pattern.contains('/'),
                base: base.to_path_buf(),
                ignored,
            });
        }
        Ok(out)
    }

    /// Whether the rule at `index` in [`RULES`] runs at all.
    pub fn is_enabled(&self, index: usize) -> bool {
        self.enabled.get(index).copied().unwrap_or(false)
    }

    /// Whether the rule with this code runs for findings in `file`.
    pub fn is_enabled_for(&self, code: &str, file: &Path) -> bool {
        rule_index(code).is_some_and(|i| self.is_enabled_at(i, file))
    }

    /// Whether the rule at `index` in [`RULES`] runs for findings in `file`.
    fn is_enabled_at(&self, index: usize, file: &Path) -> bool {
        self.is_enabled(index)
            && !self
                .per_file
                .iter()
                .any(|p| p.ignored[index] && p.matches(file))
    }

    /// The severity diagnostics of the rule with this code get.
    pub fn severity(&self, code: &str) -> Option<Severity> {
        rule_index(code).map(|i| self.severity[i])
    }

    /// The enabled rules.
    pub fn enabled_rules(&self) -> impl Iterator<Item = &'static RuleMeta> + '_ {
        RULES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.enabled[*i])
            .map(|(_, r)| r)
    }

    /// Drops diagnostics of rules that are off (globally or for their file) and applies the
    /// configured severity overrides; without one, a finding keeps the level its check gave.
    pub fn apply(&self, mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
        // Findings come in runs of one rule (PG2003's 32,000 on a big file): the registry is
        // searched once per run, not twice per finding. Kept in place: a finding moves only
        // when an earlier one was dropped (collecting moved every 280-byte finding).
        let mut last: Option<(&str, Option<usize>)> = None;
        diagnostics.retain_mut(|d| {
            let rule = match last {
                Some((code, rule)) if code == d.code => rule,
                _ => {
                    let rule = rule_index(d.code);
                    last = Some((d.code, rule));
                    rule
                }
            };
            let Some(i) = rule.filter(|&i| self.is_enabled_at(i, &d.primary.file)) else {
                return false;
            };
            if self.overridden[i] {
                d.severity = self.severity[i];
            }
            true
        });
        diagnostics
    }
}

impl PerFileIgnore {
    fn matches(&self, file: &Path) -> bool {
        if self.name_only {
            return file
                .file_name()
                .is_some_and(|n| self.globs.is_match(Path::new(n)));
        }
        let relative = file.strip_prefix(&self.base).unwrap_or(file);
        self.globs.is_match(relative) || self.globs.is_match(file)
    }
}

fn unsuppressible(rule: &RuleMeta, what: &str) -> SelectionError {
    SelectionError {
        message: format!(
            "{} ({}) cannot be {what}: the server refuses files with syntax errors",
            rule.code, rule.name
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Label;
    use crate::source::Span;

    fn sel(list: &[&str]) -> Vec<RuleSelector> {
        list.iter()
            .map(|s| s.parse().expect("test selector"))
            .collect()
    }

    fn enabled(s: &RuleSelection) -> Vec<&'static str> {
        s.enabled_rules().map(|r| r.code).collect()
    }

    #[test]
    fn parses_codes_prefixes_and_names() {
        assert_eq!(
            "PG2003".parse(),
            Ok(RuleSelector::Rule(rule_index("PG2003").unwrap_or(0)))
        );
        assert_eq!(
            "duplicate-setting".parse::<RuleSelector>(),
            "PG2003".parse()
        );
        assert_eq!("pg6".parse(), Ok(RuleSelector::Prefix("PG6".into())));
        assert_eq!("PG60".parse(), Ok(RuleSelector::Prefix("PG60".into())));
        let err = "PG7".parse::<RuleSelector>().unwrap_err();
        assert_eq!(err.input, "PG7");
        let err = "duplicate-settings".parse::<RuleSelector>().unwrap_err();
        assert_eq!(err.suggestion, Some("duplicate-setting"));
        assert!("PG20031".parse::<RuleSelector>().is_err());
    }

    #[test]
    fn select_ignore_with_specificity_and_syntax_always_on() {
        let s = RuleSelection::new(&sel(&["PG6"]), &sel(&["PG6001"]), &[], &[], Path::new("/"))
            .unwrap();
        let expected = [
            "PG1001", "PG1002", "PG1003", "PG6002", "PG6003", "PG6004", "PG6005",
        ];
        assert_eq!(enabled(&s)[..7], expected);
        assert_eq!(enabled(&s).len(), 3 + 8);
        let s = RuleSelection::new(&[], &sel(&["PG6"]), &[], &[], Path::new("/")).unwrap();
        assert!(!enabled(&s).iter().any(|c| c.starts_with("PG6")));
        let s = RuleSelection::new(&sel(&["cdc-ssl"]), &sel(&["PG6"]), &[], &[], Path::new("/"))
            .unwrap();
        assert_eq!(enabled(&s), ["PG1001", "PG1002", "PG1003", "PG6008"]);
        assert!(RuleSelection::new(&[], &sel(&["PG1001"]), &[], &[], Path::new("/")).is_err());
    }

    #[test]
    fn severity_overrides_and_per_file_ignores() {
        let sev = vec![
            ("PG6".parse().unwrap(), Severity::Info),
            ("PG1".parse().unwrap(), Severity::Info),
        ];
        let pfi = vec![
            ("conf.d/*.conf".to_string(), sel(&["PG2003"])),
            ("*.auto.conf".to_string(), sel(&["PG2"])),
        ];
        let s = RuleSelection::new(&[], &[], &sev, &pfi, Path::new("/etc/pg")).unwrap();
        assert_eq!(s.severity("PG6001"), Some(Severity::Info));
        assert_eq!(s.severity("PG1001"), Some(Severity::Error));
        assert!(!s.is_enabled_for("PG2003", Path::new("/etc/pg/conf.d/a.conf")));
        assert!(s.is_enabled_for("PG2003", Path::new("/etc/pg/postgresql.conf")));
        assert!(!s.is_enabled_for("PG2001", Path::new("/data/postgresql.auto.conf")));
        let diag = |code: &'static str, file: &str| Diagnostic {
            code,
            name: "x",
            severity: Severity::Error,
            message: "".into(),
            primary: Label::new(std::path::Path::new(file), Span::new(0, 0), ""),
            secondary: smallvec::smallvec![],
            notes: vec![],
            fix: None,
        };
        let out = s.apply(vec![
            diag("PG2003", "/etc/pg/conf.d/a.conf"),
            diag("PG6001", "/etc/pg/postgresql.conf"),
        ]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].severity, Severity::Info);
        // Without an override a finding keeps the level its check chose.
        let plain = RuleSelection::default();
        let mut warning = diag("PG6003", "/etc/pg/postgresql.conf");
        warning.severity = Severity::Warning;
        assert_eq!(plain.apply(vec![warning])[0].severity, Severity::Warning);
        let bad = vec![("[".to_string(), sel(&["PG2"]))];
        assert!(RuleSelection::new(&[], &[], &[], &bad, Path::new("/")).is_err());
    }
}
