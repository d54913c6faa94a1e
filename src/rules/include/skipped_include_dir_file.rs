//! PG3004 skipped-include-dir-file: a file in an `include_dir` folder that the server passes
//! over without a word, because its name does not end in exactly `.conf` (`x.CONF`,
//! `x.conf~`, `x.conf.bak`), starts with a dot, or is shorter than 6 bytes (`.conf`). Only
//! names that look meant as configuration (`conf` in them) are reported; a README in the
//! folder is not. The finding is at the `include_dir` directive, since the skipped file
//! itself is never read.

use crate::diagnostic::Diagnostic;
use crate::model::paths::{display_relative, os_bytes};
use crate::rules::Context;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(set) = &ctx.server.conf else {
        return;
    };
    let mut seen = std::collections::HashSet::new();
    for entry in &set.skipped_dir_entries {
        let Some(name) = entry.path.file_name() else {
            continue;
        };
        let name = os_bytes(name);
        let lower = name.to_ascii_lowercase();
        if !lower.windows(4).any(|w| w == b"conf") || !seen.insert(entry.path.clone()) {
            continue;
        }
        let shown = display_relative(&entry.path, set.main_dir());
        let reason = if name.first() == Some(&b'.') {
            if name.len() < 6 {
                "a name must be at least 6 bytes and not start with a dot".to_string()
            } else {
                "names starting with a dot are hidden files, which the server skips".to_string()
            }
        } else if lower.ends_with(b".conf") {
            let suffix = String::from_utf8_lossy(&name[name.len() - 5..]).into_owned();
            format!("the suffix `{suffix}` is not `.conf`: the server compares it case-sensitively")
        } else if let Some(at) = lower.windows(5).rposition(|w| w == b".conf") {
            let rest = String::from_utf8_lossy(&name[at + 5..]).into_owned();
            format!(
                "the name ends in `{rest}` after `.conf`, which looks like a backup or a \
                 package manager's leftover"
            )
        } else {
            "only names ending in `.conf` are read".to_string()
        };
        let path = set.files[entry.file].source.path().to_path_buf();
        let mut reporter = ctx.reporter("PG3004", &path, out);
        let d = reporter.report(entry.span, format!("include_dir skips `{shown}`: {reason}"));
        d.notes.push(
            "the settings in a skipped file never take effect, and the server logs nothing \
             about it; rename the file to end in `.conf` if it is meant to be read, else delete \
             it"
            .into(),
        );
    }
}
