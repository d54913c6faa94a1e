//! PG4007 stale-clickpipes-ip: a record whose address is one of the old ap-southeast-3
//! (Jakarta) addresses that outdated copies of the ClickPipes list name. Those never carry
//! ClickPipes traffic; the message names the addresses that do.

use std::net::{IpAddr, Ipv4Addr};

use crate::diagnostic::Diagnostic;
use crate::model::clickpipes::{STALE_ADDRESSES, stale_address};
use crate::model::hba::HbaAddress;
use crate::rules::Context;
use crate::rules::hba::address_location;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(hba) = &ctx.server.hba else {
        return;
    };
    // The stale IPv4 addresses as integers, decoded once for the run: `stale_address`
    // compares `Option<IpAddr>`s and is asked only of the records these tests let through
    // (asked of every record, it was most of this rule). Their range is tested first: two
    // comparisons rule out most addresses, where searching the list was ~30 instructions.
    let stale_v4: Vec<u32> = STALE_ADDRESSES
        .iter()
        .filter_map(|s| s.ip.parse::<Ipv4Addr>().ok())
        .map(u32::from)
        .collect();
    let lowest = stale_v4.iter().copied().min().unwrap_or(u32::MAX);
    let highest = stale_v4.iter().copied().max().unwrap_or(0);
    for rec in hba.records() {
        let Some(HbaAddress::Ip { addr, .. }) = hba.address(rec) else {
            continue;
        };
        if let IpAddr::V4(a) = addr {
            let a = u32::from(a);
            if a < lowest || a > highest || !stale_v4.contains(&a) {
                continue;
            }
        }
        let Some(stale) = stale_address(addr) else {
            continue;
        };
        let Some((path, span)) = address_location(&hba.sources, rec) else {
            continue;
        };
        let mut reporter = ctx.reporter("PG4007", path, out);
        let d = reporter.report(
            span,
            format!(
                "{} is not a ClickPipes egress address (outdated {} list); the current list \
                 has {} instead",
                stale.ip,
                stale.region,
                join(stale.replaced_by)
            ),
        );
        d.notes.push(format!("{} was {}", stale.ip, stale.why));
        d.notes.push(format!(
            "add one record per current address (`pgconf regions {}` lists them) and remove \
             this one",
            stale.region
        ));
    }
}

/// `a, b and c`.
fn join(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
