//! PG4007 stale-clickpipes-ip: a record whose address is one of the old ap-southeast-3
//! (Jakarta) addresses that outdated copies of the ClickPipes list name. Those never carry
//! ClickPipes traffic; the message names the addresses that do.

use crate::diagnostic::Diagnostic;
use crate::model::clickpipes::StaleAddresses;
use crate::model::hba::HbaAddress;
use crate::rules::Context;
use crate::rules::hba::address_location;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(hba) = &ctx.server.hba else {
        return;
    };
    let stale_addresses = StaleAddresses::get();
    for rec in hba.records() {
        let Some(HbaAddress::Ip { addr, .. }) = hba.address(rec) else {
            continue;
        };
        let Some(stale) = stale_addresses.find(addr) else {
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
