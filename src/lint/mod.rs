//! Running rules over files: the [`Reporter`] a rule check writes its findings to, and inline
//! `# pgconf:` suppressions applied to the findings before they are rendered or fixed.
//!
//! The order of a lint run, once the checks exist:
//! 1. every enabled check reports through a [`Reporter`] bound to its rule;
//! 2. [`crate::rules::RuleSelection::apply`] drops per-file ignores and sets severities;
//! 3. [`suppression::apply`] removes what `pgconf:` comments silence and adds PG9001/PG9002;
//! 4. the result goes to a renderer (`crate::render`) and/or the fixer.

mod reporter;
pub mod suppression;

pub use reporter::Reporter;
