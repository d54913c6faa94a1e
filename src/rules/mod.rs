//! The rules: a static, sorted registry of every rule's metadata ([`RULES`]), the selection
//! of which rules run and how loudly ([`RuleSelection`]), and the checks ([`CHECKS`]), one
//! file per rule in a family folder. Checks are pure: they read a loaded [`Server`] and the
//! [`Settings`], and report through a [`Reporter`]; they never do I/O.

mod checks;
mod registry;
mod selection;

pub mod cdc;
pub mod conf;
pub mod hba;
pub mod include;
pub mod meta;
pub mod style;
pub mod syntax;

use std::path::Path;

pub use checks::{CHECKS, Check};
pub use registry::{
    DOCS_BASE_URL, Family, FixAvailability, RULES, RuleMeta, did_you_mean, find_rule, rule_index,
};
pub use selection::{RuleSelection, RuleSelector, SelectionError, UnknownSelector};

use crate::diagnostic::Diagnostic;
use crate::lint::Reporter;
use crate::lint::server::Server;
use crate::settings::Settings;

/// What a check sees.
pub struct Context<'a> {
    pub server: &'a Server,
    pub settings: &'a Settings,
}

impl Context<'_> {
    /// A reporter for rule `code` about `file`. Codes are the registry's own constants, so a
    /// missing one is a bug caught by the registry tests.
    pub fn reporter<'o>(
        &self,
        code: &'static str,
        file: &'o Path,
        out: &'o mut Vec<Diagnostic>,
    ) -> Reporter<'o> {
        let meta = find_rule(code).unwrap_or(&RULES[0]);
        Reporter::new(meta, file, out)
    }
}
