//! PG4005 hba-host-bits-set: an address with bits set outside its mask (`10.1.2.3/8`). The
//! server accepts it and compares only the masked bits, so the record admits the whole
//! network; the safe fix writes that network address, editing only the address token.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, smallvec};
use crate::model::hba::HbaAddress;
use crate::model::hba::address::format_ip;
use crate::rules::Context;
use crate::rules::hba::{address_text, token_location};

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(hba) = &ctx.server.hba else {
        return;
    };
    if !ctx.hba_uses().host_bits() {
        return;
    }
    for rec in hba.records() {
        // Nearly every record of a big file is an IPv4 network read in place: one test of
        // its bits rules it out, without building its `HbaAddress`.
        if rec
            .ipv4_network()
            .is_some_and(|(addr, mask)| addr & !mask == 0)
        {
            continue;
        }
        let Some(HbaAddress::Ip { addr, mask }) = hba.address(rec) else {
            continue;
        };
        let Some(network) = network_if_host_bits(addr, mask) else {
            continue;
        };
        let Some(tok) = rec.address_at else {
            continue;
        };
        let (path, span) = token_location(&hba.sources, tok);
        let text = hba.sources.text(tok);
        // Keep the `/len` exactly as written; only the address part changes.
        let suffix = text
            .iter()
            .position(|&c| c == b'/')
            .map_or(&[][..], |i| &text[i..]);
        let mut written = format_ip(network).into_bytes();
        written.extend_from_slice(suffix);
        let replacement = if hba.sources.quoted(tok) || written.contains(&b' ') {
            [&b"\""[..], &written, b"\""].concat()
        } else {
            written.clone()
        };
        let shown = crate::source::text::escape_bytes(&written);
        let network_shown = match rec.mask_at {
            Some(m) => format!(
                "{shown} {}",
                crate::source::text::escape_bytes(hba.sources.text(m))
            ),
            None => shown.clone(),
        };
        let mut reporter = ctx.reporter("PG4005", path, out);
        let file = Arc::clone(reporter.file());
        let d = reporter.report(
            span,
            format!(
                "{} has host bits set beyond its mask; the server ignores them, so the record \
                 admits the whole network {network_shown}",
                address_text(&hba.sources, rec)
            ),
        );
        d.notes.push(format!(
            "if one host was meant, use {}/{} instead",
            format_ip(addr),
            if addr.is_ipv4() { 32 } else { 128 }
        ));
        d.fix = Some(Fix {
            title: format!("write the network address {shown}").into(),
            applicability: Applicability::Safe,
            edits: smallvec![Edit {
                file,
                span,
                replacement: replacement.into(),
            }],
        });
    }
}

/// The network of `addr`/`mask` when `addr` has bits set beyond the mask; `None` when it
/// has not, or for a mask of the other family. The bits are compared as integers: asked of
/// every record, building and comparing `IpAddr`s was most of this rule.
fn network_if_host_bits(addr: IpAddr, mask: IpAddr) -> Option<IpAddr> {
    match (addr, mask) {
        (IpAddr::V4(a), IpAddr::V4(m)) => {
            let (a, m) = (u32::from(a), u32::from(m));
            (a & !m != 0).then(|| IpAddr::V4(Ipv4Addr::from(a & m)))
        }
        (IpAddr::V6(a), IpAddr::V6(m)) => {
            let (a, m) = (u128::from(a), u128::from(m));
            (a & !m != 0).then(|| IpAddr::V6(Ipv6Addr::from(a & m)))
        }
        _ => None,
    }
}
