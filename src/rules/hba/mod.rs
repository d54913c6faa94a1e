//! Family 4: pg_hba.conf and pg_ident.conf records, judged as `check_hba` uses them (first
//! match wins, no fall-through). The location helpers are shared with the syntax rules
//! PG1002/PG1003, which report on the same token lines.

pub mod host_bits_set;
pub mod hostnossl_replication_user;
pub mod md5_deprecated;
pub mod network_without_ssl;
pub mod no_records;
pub mod open_weak_method;
pub mod password_from_network;
pub mod removed_clientcert_value;
pub mod stale_clickpipes_ip;
pub mod too_broad_source;
pub mod trust_from_network;
pub mod unreachable_record;

use std::net::IpAddr;
use std::path::Path;

use crate::diagnostic::Label;
use crate::model::hba::{AuthSources, HbaAddress, HbaFile, HbaRecord, TokLine, TokRef};
use crate::rules::Context;
use crate::source::Span;
use crate::syntax::auth::{AuthLine, Token};

/// The file a token or line of the load was read from.
pub(crate) fn path(sources: &AuthSources, file: u32) -> &Path {
    sources.files[file as usize].source.path()
}

/// The physical-file line a tokenized line was built from.
pub(crate) fn auth_line<'a>(sources: &'a AuthSources, line: &TokLine) -> Option<&'a AuthLine> {
    sources
        .files
        .get(line.file as usize)?
        .lines
        .lines
        .get(line.line as usize)
}

/// The tokens written on the line itself (not those an `@file` supplies).
fn own_tokens<'a>(sources: &'a AuthSources, line: &TokLine) -> Vec<&'a Token> {
    let Some(file) = sources.files.get(line.file as usize) else {
        return Vec::new();
    };
    let auth = line.line as usize;
    if auth >= file.lines.lines.len() {
        return Vec::new();
    }
    file.lines
        .fields_of(auth)
        .flat_map(|f| file.lines.tokens_of(&f))
        .collect()
}

/// From the line's first token to its last: the record without its comment and blanks.
pub(crate) fn record_span(sources: &AuthSources, line: &TokLine) -> Span {
    let tokens = own_tokens(sources, line);
    match (tokens.first(), tokens.last()) {
        (Some(first), Some(last)) => first.span.cover(last.span),
        _ => auth_line(sources, line).map_or_else(Span::default, |l| l.span),
    }
}

/// An empty span just after the line's last token, where a missing field would go.
pub(crate) fn end_of_line(sources: &AuthSources, line: &TokLine) -> Span {
    match own_tokens(sources, line).last() {
        Some(last) => Span::empty(last.span.end),
        None => auth_line(sources, line).map_or_else(Span::default, |l| Span::empty(l.span.end)),
    }
}

/// Where a finding about a rejected line points: the token the server's error is about, else
/// the end of the line (where a missing field would go).
pub(crate) fn rejection_location<'a>(
    sources: &'a AuthSources,
    line: &TokLine,
    at: Option<TokRef>,
) -> (&'a Path, Span) {
    match at {
        Some(tok) => token_location(sources, tok),
        None => (path(sources, line.file), end_of_line(sources, line)),
    }
}

/// The label naming the rejected `line` as a whole, unless the finding at `file`/`span`
/// already covers exactly that.
pub(crate) fn rejected_line_label(
    ctx: &Context<'_>,
    sources: &AuthSources,
    line: &TokLine,
    file: &Path,
    span: Span,
) -> Option<Label> {
    let line_path = path(sources, line.file);
    let line_span = record_span(sources, line);
    if file == line_path && span == line_span {
        return None;
    }
    let shown = if line_span.is_empty() {
        auth_line(sources, line).map_or(line_span, |l| l.span)
    } else {
        line_span
    };
    Some(Label::new(
        ctx.path(line_path),
        shown,
        format!("the server rejects line {}", line.line_number),
    ))
}

/// Path and span of a token.
pub(crate) fn token_location(sources: &AuthSources, tok: TokRef) -> (&Path, Span) {
    (path(sources, tok.file), sources.token(tok).span)
}

/// Path and span of a record (its own line, first to last token).
pub(crate) fn record_location<'a>(hba: &'a HbaFile, rec: &HbaRecord) -> (&'a Path, Span) {
    match hba.line(rec.line) {
        Some(line) => (
            path(&hba.sources, line.file),
            record_span(&hba.sources, &line),
        ),
        None => (path(&hba.sources, rec.file), Span::default()),
    }
}

/// Whether every address the record admits is the server itself: loopback networks,
/// `samehost`, or the host name `localhost`.
pub(crate) fn local_only(address: HbaAddress<'_>) -> bool {
    match address {
        HbaAddress::SameHost => true,
        HbaAddress::Hostname(h) => h.eq_ignore_ascii_case("localhost"),
        HbaAddress::Ip { addr, mask } => match (addr, mask) {
            (IpAddr::V4(a), IpAddr::V4(m)) => {
                let (a, m) = (u32::from(a), u32::from(m));
                // Every admitted address shares the first octet 127 only if the mask fixes it.
                m & 0xff00_0000 == 0xff00_0000 && a >> 24 == 127
            }
            (IpAddr::V6(a), IpAddr::V6(m)) => u128::from(m) == u128::MAX && a.is_loopback(),
            _ => false,
        },
        HbaAddress::All | HbaAddress::SameNet => false,
    }
}

/// Records of host* type whose address admits more than the server itself, among those
/// `wanted`. Rules want a method or connection type few records have: that is asked first,
/// the address (the dearer test) only of those.
pub(crate) fn network_records(
    hba: &HbaFile,
    wanted: impl Fn(&HbaRecord) -> bool,
) -> impl Iterator<Item = &HbaRecord> {
    hba.records()
        .iter()
        .filter(move |r| wanted(r) && admits_network(hba, r))
}

/// Out of line: with the address test inlined, the filter was a call per record of a big
/// file, where the method test alone is a few instructions.
#[inline(never)]
fn admits_network(hba: &HbaFile, r: &HbaRecord) -> bool {
    r.warning.is_none() && hba.address(r).is_some_and(|a| !local_only(a))
}

/// The address as written, for messages: the token, plus the mask column if there is one.
pub(crate) fn address_text(sources: &AuthSources, rec: &HbaRecord) -> String {
    let text = |t: TokRef| crate::source::text::escape_bytes(sources.text(t));
    match (rec.address_at, rec.mask_at) {
        (Some(a), Some(m)) => format!("{} {}", text(a), text(m)),
        (Some(a), None) => text(a),
        _ => String::new(),
    }
}

/// The span of the address (and mask column when it is next to it in the same file).
pub(crate) fn address_location<'a>(
    sources: &'a AuthSources,
    rec: &HbaRecord,
) -> Option<(&'a Path, Span)> {
    let a = rec.address_at?;
    let (path, span) = token_location(sources, a);
    Some(match rec.mask_at {
        Some(m) if m.file == a.file => (path, span.cover(sources.token(m).span)),
        _ => (path, span),
    })
}

/// Where the "whole file is rejected" consequence is said once per rule page: the note.
pub(crate) const HBA_REJECTED_NOTE: &str = "one rejected line rejects the whole file: the server \
    does not start (\"could not load pg_hba.conf\"), and a reload keeps the previous rules \
    (\"pg_hba.conf was not reloaded\")";

/// `name=value` of an option token.
pub(crate) fn option_parts(text: &[u8]) -> Option<(&[u8], &[u8])> {
    let eq = text.iter().position(|&c| c == b'=')?;
    Some((&text[..eq], &text[eq + 1..]))
}

#[cfg(test)]
mod tests;
