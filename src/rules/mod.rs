//! The rules: a static, sorted registry of every rule's metadata ([`RULES`]), and the
//! selection of which rules run and how loudly ([`RuleSelection`]), resolved once from
//! `pgconf.toml` and the command line.
//!
//! A rule's check lives in its own file in a family folder (added with the checks); this module
//! only knows what every rule is called, how serious it is by default, and where its page is.

mod registry;
mod selection;

pub use registry::{
    DOCS_BASE_URL, Family, FixAvailability, RULES, RuleMeta, did_you_mean, find_rule, rule_index,
};
pub use selection::{RuleSelection, RuleSelector, SelectionError, UnknownSelector};
