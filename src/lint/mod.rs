//! Running rules over files: the [`Reporter`] a rule check writes its findings to, and inline
//! `# pgconf:` suppressions applied to the findings before they are rendered or fixed.
//!
//! The order of a lint run, once the checks exist:
//! 1. every enabled check reports through a [`Reporter`] bound to its rule;
//! 2. [`crate::rules::RuleSelection::apply`] drops per-file ignores and sets severities;
//! 3. [`suppression::apply`] removes what `pgconf:` comments silence and adds PG9001/PG9002;
//! 4. the result goes to a renderer (`crate::render`) and/or the fixer.

pub mod discover;
mod reporter;
mod secrets;
pub mod server;
pub mod suppression;

pub use reporter::Reporter;

use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::model::fs::FileSystem;
use crate::rules::{CHECKS, Context, rule_index};
use crate::settings::Settings;
use server::Server;
use suppression::FileSuppressions;

/// Runs every enabled rule over one server and returns the findings, selection and inline
/// suppressions applied, sorted by file and position.
pub fn lint(server: &Server, settings: &Settings) -> Vec<Diagnostic> {
    let ctx = Context::new(server, settings);
    let mut found = Vec::new();
    for (code, check) in CHECKS {
        if rule_index(code).is_some_and(|i| settings.rules.is_enabled(i)) {
            check(&ctx, &mut found);
        }
    }
    // The rules' shared indexes are not needed past here: freed before the findings are
    // sorted, the run's peak of memory (big_active.conf: 32,000 findings).
    drop(ctx);
    let found = settings.rules.apply(found);
    let mut found = if settings.inline_ignores {
        suppression::apply(found, &suppressions(server), &settings.rules, server)
    } else {
        found
    };
    secrets::redact(&mut found, &secrets::secrets_of(server));
    crate::render::sort_diagnostics(&mut found);
    found
}

/// `items` mapped by `f`, in order; in parallel when `parallel` (see [`worth_parallel`]).
pub fn map_in_order<T: Send, R: Send>(
    items: Vec<T>,
    parallel: bool,
    f: impl Fn(T) -> R + Sync + Send,
) -> Vec<R> {
    use rayon::prelude::*;
    if parallel && items.len() > 1 {
        items.into_par_iter().map(f).collect()
    } else {
        items.into_iter().map(f).collect()
    }
}

/// Whether `count` servers, whose files are `files`, are worth rayon's pool. Starting it costs
/// two thread starts, their stacks' page faults and its workers' spinning: about half a
/// millisecond on a 2-core VM, what linting some 20 KB of configuration takes. One Debian
/// cluster (36 KB, its auth files linted alone besides) is done sooner on one thread.
pub fn worth_parallel<'p>(
    fs: &dyn FileSystem,
    count: usize,
    files: impl Iterator<Item = &'p Path>,
) -> bool {
    /// Enough servers to be worth it whatever their size; their sizes are not looked up.
    const MANY: usize = 8;
    /// Enough bytes to be worth it for fewer servers.
    const BIG: u64 = 64 << 10;
    count > MANY || (count > 1 && files.filter_map(|p| fs.len(p)).sum::<u64>() >= BIG)
}
/// The `# pgconf:` directives of every file of the server.
fn suppressions(server: &Server) -> Vec<FileSuppressions> {
    let mut out = Vec::new();
    if let Some(set) = &server.conf {
        for file in &set.files {
            out.push(FileSuppressions::for_conf(&file.source, &file.tree));
        }
    }
    let auth = server
        .hba
        .iter()
        .flat_map(|h| h.sources.files.iter())
        .chain(server.ident.iter().flat_map(|i| i.sources.files.iter()));
    for file in auth {
        out.push(FileSuppressions::for_auth(&file.source, &file.lines.lines));
    }
    out
}
