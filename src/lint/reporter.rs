use std::path::Path;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Label, SmallVec};
use crate::rules::RuleMeta;
use crate::source::Span;

/// Where one rule reports findings about one file. Bound to the rule so a check cannot report
/// another rule's code, and to the file so labels need only a span.
pub struct Reporter<'a> {
    rule: &'static RuleMeta,
    /// Shared by every finding this reporter adds (see `rules::Context::path`).
    file: Arc<Path>,
    out: &'a mut Vec<Diagnostic>,
}

impl<'a> Reporter<'a> {
    pub fn new(rule: &'static RuleMeta, file: Arc<Path>, out: &'a mut Vec<Diagnostic>) -> Self {
        Self { rule, file, out }
    }

    pub fn rule(&self) -> &'static RuleMeta {
        self.rule
    }

    /// The bound file, to share with a finding's other labels and edits about it.
    pub fn file(&self) -> &Arc<Path> {
        &self.file
    }

    /// Adds a finding at `span` of the bound file, with the rule's default severity, and
    /// returns it so the check can add labels, notes or a fix.
    pub fn report(&mut self, span: Span, message: impl Into<Arc<str>>) -> &mut Diagnostic {
        let message = message.into();
        self.out.push(Diagnostic {
            code: self.rule.code,
            name: self.rule.name,
            severity: self.rule.severity,
            primary: Label::new(Arc::clone(&self.file), span, ""),
            message,
            secondary: SmallVec::new(),
            notes: Vec::new(),
            fix: None,
        });
        let last = self.out.len() - 1;
        &mut self.out[last]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::rules::find_rule;

    #[test]
    fn reports_carry_the_bound_rule_and_file() {
        let rule = find_rule("PG2003").expect("rule");
        let mut out = Vec::new();
        let mut r = Reporter::new(rule, Path::new("/p/a.conf").into(), &mut out);
        r.report(Span::new(3, 7), "set twice")
            .notes
            .push("note".into());
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].code, out[0].name), ("PG2003", "duplicate-setting"));
        assert_eq!(out[0].severity, Severity::Warning);
        assert_eq!(*out[0].primary.file, *Path::new("/p/a.conf"));
        assert_eq!(out[0].primary.span, Span::new(3, 7));
        assert_eq!(out[0].notes, ["note"]);
    }
}
