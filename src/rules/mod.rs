//! The rules: a static, sorted registry of every rule's metadata ([`RULES`]), the selection
//! of which rules run and how loudly ([`RuleSelection`]), and the checks ([`CHECKS`]), one
//! file per rule in a family folder. Checks are pure: they read a loaded [`Server`] and the
//! [`Settings`], and report through a [`Reporter`]; they never do I/O.

mod checks;
mod registry;
mod selection;
mod setting_index;

pub mod cdc;
pub mod conf;
pub mod hba;
pub mod include;
pub mod meta;
pub mod style;
pub mod syntax;

use std::cell::OnceCell;
use std::path::Path;

pub use checks::{CHECKS, Check};
pub use registry::{
    DOCS_BASE_URL, Family, FixAvailability, RULES, RuleMeta, did_you_mean, find_rule, rule_index,
};
pub use selection::{RuleSelection, RuleSelector, SelectionError, UnknownSelector};
pub use setting_index::{SettingEntry, SettingIndex};

use crate::diagnostic::Diagnostic;
use crate::lint::Reporter;
use crate::lint::server::Server;
use crate::settings::Settings;

/// What a check sees.
pub struct Context<'a> {
    pub server: &'a Server,
    pub settings: &'a Settings,
    /// Built on first use: not every selection runs a rule that reads settings.
    setting_index: OnceCell<Option<SettingIndex<'a>>>,
}

impl<'a> Context<'a> {
    pub fn new(server: &'a Server, settings: &'a Settings) -> Self {
        Self {
            server,
            settings,
            setting_index: OnceCell::new(),
        }
    }

    /// The server's postgresql.conf settings with their parameters; `None` without a
    /// postgresql.conf.
    pub fn setting_index(&self) -> Option<&SettingIndex<'a>> {
        self.setting_index
            .get_or_init(|| self.server.conf.as_ref().map(SettingIndex::new))
            .as_ref()
    }

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
