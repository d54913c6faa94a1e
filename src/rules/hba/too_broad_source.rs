//! PG4004 hba-too-broad-source: a host* record (not `reject`) that admits every address:
//! `all`, or an IP with an all-zero mask (`0.0.0.0/0`, `::/0`, `0.0.0.0 0.0.0.0`; with a zero
//! mask the address part does not matter).

use std::net::IpAddr;

use crate::diagnostic::{Diagnostic, Label};
use crate::model::hba::{AuthMethod, HbaAddress};
use crate::rules::Context;
use crate::rules::hba::{address_location, address_text, token_location};

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(hba) = &ctx.server.hba else {
        return;
    };
    if !ctx.hba_uses().every_address() {
        return;
    }
    for rec in hba.records() {
        if rec.method == AuthMethod::Reject || rec.warning.is_some() {
            continue;
        }
        // Nearly every record of a big file is an IPv4 network read in place: one test of
        // its mask rules it out, without building its `HbaAddress`.
        if rec.ipv4_network().is_some_and(|(_, mask)| mask != 0) {
            continue;
        }
        let what = match hba.address(rec) {
            Some(HbaAddress::All) => "every address, IPv4 and IPv6",
            Some(HbaAddress::Ip { mask, .. }) if is_zero(mask) => {
                if mask.is_ipv4() {
                    "every IPv4 address"
                } else {
                    "every IPv6 address"
                }
            }
            _ => continue,
        };
        let Some((path, span)) = address_location(&hba.sources, rec) else {
            continue;
        };
        let mut reporter = ctx.reporter("PG4004", path, out);
        let address = address_text(&hba.sources, rec);
        let message = if rec.method == AuthMethod::Trust {
            format!("{address} admits {what}, and trust asks for nothing")
        } else {
            format!(
                "{address} admits {what}: {} authentication is the only barrier",
                rec.method.name()
            )
        };
        let d = reporter.report(span, message);
        let (mp, ms) = token_location(&hba.sources, rec.method_at);
        d.secondary
            .push(Label::new(ctx.path(mp), ms, "the only check left"));
        d.notes.push(
            "list the client networks instead; for ClickPipes, `pgconf regions REGION` prints \
             one /32 record per egress address"
                .into(),
        );
    }
}

fn is_zero(mask: IpAddr) -> bool {
    match mask {
        IpAddr::V4(m) => m.is_unspecified(),
        IpAddr::V6(m) => m.is_unspecified(),
    }
}
