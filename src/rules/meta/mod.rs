//! Family 9: pgconf's own directives. PG9001 (unknown-suppression) and PG9002
//! (unused-suppression) are found by [`crate::lint::suppression::apply`], which runs after
//! every check because it needs their findings; the checks here only give the two rules their
//! entries in [`crate::rules::CHECKS`], so that they are selected, listed and tested like the
//! others.

use crate::diagnostic::Diagnostic;
use crate::rules::Context;

/// PG9001 and PG9002: reported by the suppression pass, nothing to do here.
pub fn reported_by_suppression_pass(_ctx: &Context<'_>, _out: &mut Vec<Diagnostic>) {}
