//! PG4010 hba-network-without-ssl: records admit connections from the network while the server
//! has `ssl = off`, so passwords exchanges and all data cross the network unencrypted.

use crate::diagnostic::{Diagnostic, Label};
use crate::model::hba::{AuthMethod, ConnType};
use crate::model::value::{TypedValue, parse_value};
use crate::rules::Context;
use crate::rules::hba::{network_records, record_location};

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let server = ctx.server;
    let (Some(hba), Some(_)) = (&server.hba, &server.conf) else {
        // Without postgresql.conf, whether ssl is on is unknown.
        return;
    };
    let ssl_on = match (
        server.effective_value("ssl"),
        crate::model::catalog::Catalog::get(server.version).lookup(b"ssl"),
    ) {
        (Some(v), Some(p)) => parse_value(p, v, server.version) == Ok(TypedValue::Bool(true)),
        _ => false,
    };
    if ssl_on {
        return;
    }
    let open: Vec<_> = network_records(hba, |r| {
        matches!(r.conn_type, ConnType::Host | ConnType::HostNoSsl)
            && r.method != AuthMethod::Reject
    })
    .collect();
    let Some(first) = open.first() else {
        return;
    };
    let (path, span) = record_location(hba, first);
    let count = open.len();
    let mut reporter = ctx.reporter("PG4010", path, out);
    let d = reporter.report(
        span,
        format!(
            "ssl is off, yet {count} record{} admit{} connections from the network: logins and \
             data cross it unencrypted",
            if count == 1 { "" } else { "s" },
            if count == 1 { "s" } else { "" }
        ),
    );
    for rec in open.iter().skip(1).take(5) {
        let (p, s) = record_location(hba, rec);
        d.secondary.push(Label::new(p, s, "also from the network"));
    }
    match server
        .effective("ssl")
        .and_then(|item| server.item_location(item))
    {
        Some((p, s)) => d.secondary.push(Label::new(p, s, "ssl is turned off here")),
        None => d.notes.push("ssl is off by default".into()),
    }
    d.notes.push(
        "turn ssl on (with ssl_cert_file and ssl_key_file) and prefer hostssl records for \
         network clients"
            .into(),
    );
}
