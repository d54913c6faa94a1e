//! PG4001 hba-unreachable-record: a record no connection can reach, because an earlier record
//! matches every connection it would match (`check_hba` takes the first match and never falls
//! through). Reported only when the file proves it: connection type, address, database and
//! user are each covered. Host names are compared as `check_hostname` does (case-insensitive,
//! `.suffix`); role membership (`+group`), regexes against other names, `samehost`/`samenet`
//! against addresses, and anything the server's catalog or DNS decides count as "not
//! covered", so an uncertain case is never reported.

use std::net::IpAddr;

use crate::diagnostic::{Diagnostic, Label};
use crate::model::hba::{AuthName, ConnType, HbaAddress, HbaRecord};
use crate::rules::Context;
use crate::rules::hba::record_location;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(hba) = &ctx.server.hba else {
        return;
    };
    // A record with a warning (hostssl with SSL off) matches nothing and shadows nothing.
    let live: Vec<&HbaRecord> = hba
        .records()
        .iter()
        .filter(|r| r.warning.is_none())
        .collect();
    for (j, later) in live.iter().enumerate() {
        let Some(earlier) = live[..j].iter().find(|e| covers(e, later)) else {
            continue;
        };
        let (path, span) = record_location(hba, later);
        let path = path.to_path_buf();
        let (epath, espan) = record_location(hba, earlier);
        let epath = epath.to_path_buf();
        let same_file = epath == path;
        let mut reporter = ctx.reporter("PG4001", &path, out);
        let d = reporter.report(
            span,
            format!(
                "this record is never used: {} matches every connection it would match, and \
                 the first match wins",
                if same_file {
                    format!("line {}", earlier.line_number)
                } else {
                    format!(
                        "line {} of {}",
                        earlier.line_number, hba.sources.files[earlier.file as usize].display
                    )
                }
            ),
        );
        d.secondary
            .push(Label::new(epath, espan, "matches first (no fall-through)"));
        d.notes
            .push("put more specific records before broader ones, or remove this one".into());
    }
}

/// Whether every connection `later` matches is matched by `earlier`.
fn covers(earlier: &HbaRecord, later: &HbaRecord) -> bool {
    type_covers(earlier.conn_type, later.conn_type)
        && address_covers(earlier.address.as_ref(), later.address.as_ref())
        && names_cover(&earlier.databases, &later.databases, true)
        && names_cover(&earlier.users, &later.users, false)
}

/// Connection types: `host` takes every TCP connection. SSL and GSSAPI encryption exclude
/// each other (the startup packet negotiates one), so an SSL connection is never
/// GSS-encrypted and a GSS-encrypted one never uses SSL.
fn type_covers(earlier: ConnType, later: ConnType) -> bool {
    use ConnType::*;
    match (earlier, later) {
        (a, b) if a == b => true,
        (Host, b) => b != Local,
        (HostNoGssEnc, HostSsl) | (HostNoSsl, HostGssEnc) => true,
        _ => false,
    }
}

fn address_covers(earlier: Option<&HbaAddress>, later: Option<&HbaAddress>) -> bool {
    let (Some(e), Some(l)) = (earlier, later) else {
        // Both local: no address column.
        return earlier.is_none() && later.is_none();
    };
    match (e, l) {
        (HbaAddress::All, _) => true,
        (HbaAddress::SameHost, HbaAddress::SameHost) => true,
        // The server's own addresses lie in its own networks.
        (HbaAddress::SameNet, HbaAddress::SameHost | HbaAddress::SameNet) => true,
        (HbaAddress::Ip { addr: a1, mask: m1 }, HbaAddress::Ip { addr: a2, mask: m2 }) => {
            ip_covers(*a1, *m1, *a2, *m2)
        }
        (HbaAddress::Hostname(h1), HbaAddress::Hostname(h2)) => hostname_covers(h1, h2),
        _ => false,
    }
}

/// `{c : c & m2 == a2 & m2}` ⊆ `{c : c & m1 == a1 & m1}` within one family: every bit the
/// earlier mask fixes is fixed by the later one, to the same value. Holds for masks that are
/// not contiguous too.
fn ip_covers(a1: IpAddr, m1: IpAddr, a2: IpAddr, m2: IpAddr) -> bool {
    let bits = |ip: IpAddr| match ip {
        IpAddr::V4(v) => (false, u128::from(u32::from(v))),
        IpAddr::V6(v) => (true, u128::from(v)),
    };
    let ((f1, a1), (g1, m1), (f2, a2), (g2, m2)) = (bits(a1), bits(m1), bits(a2), bits(m2));
    if f1 != f2 || f1 != g1 || f2 != g2 {
        return false;
    }
    m1 & !m2 == 0 && (a1 & m1) == (a2 & m1)
}

/// `hostname_match`: exact (case-insensitive), or a `.suffix` pattern.
fn hostname_covers(earlier: &str, later: &str) -> bool {
    let (e, l) = (earlier.to_ascii_lowercase(), later.to_ascii_lowercase());
    if e == l {
        return true;
    }
    // Every name `later` admits ends with `later` (itself a suffix pattern or a full name),
    // so it ends with `earlier` too when `later` does and is longer.
    e.starts_with('.') && l.len() > e.len() && l.ends_with(&e)
}

/// What one database or user token stands for, as `check_db` / `check_role` read it.
#[derive(PartialEq, Eq)]
enum Name<'a> {
    All,
    SameUser,
    SameRole,
    Replication,
    Group(&'a [u8]),
    Regex(&'a [u8]),
    Literal(&'a [u8]),
}

fn classify(n: &AuthName, database: bool) -> Name<'_> {
    if n.is_keyword("all") {
        return Name::All;
    }
    if database {
        if n.is_keyword("sameuser") {
            return Name::SameUser;
        }
        if n.is_keyword("samerole") || n.is_keyword("samegroup") {
            return Name::SameRole;
        }
        if n.is_keyword("replication") {
            return Name::Replication;
        }
    } else if !n.quoted && n.text.first() == Some(&b'+') {
        return Name::Group(&n.text[1..]);
    }
    if n.regex {
        return Name::Regex(&n.text);
    }
    Name::Literal(&n.text)
}

/// Every name a token of `later` admits is admitted by some token of `earlier`.
/// `replication` (physical replication connections only) is matched by nothing but itself;
/// `all` matches every other kind of connection.
fn names_cover(earlier: &[AuthName], later: &[AuthName], database: bool) -> bool {
    let earlier: Vec<Name<'_>> = earlier.iter().map(|n| classify(n, database)).collect();
    later.iter().all(|n| {
        let l = classify(n, database);
        match l {
            Name::Replication => earlier.contains(&Name::Replication),
            _ => earlier.contains(&Name::All) || earlier.contains(&l),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn v4(s: &str) -> IpAddr {
        IpAddr::V4(s.parse::<Ipv4Addr>().unwrap_or(Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn ip_containment_with_contiguous_and_odd_masks() {
        let c = |a1, m1, a2, m2| ip_covers(v4(a1), v4(m1), v4(a2), v4(m2));
        assert!(c("10.0.0.0", "255.0.0.0", "10.1.0.0", "255.255.0.0"));
        assert!(c("10.9.9.9", "255.0.0.0", "10.1.2.3", "255.255.255.255"));
        assert!(!c("10.1.0.0", "255.255.0.0", "10.0.0.0", "255.0.0.0"));
        assert!(!c("10.0.0.0", "255.0.0.0", "11.0.0.0", "255.0.0.0"));
        // 255.0.255.0 fixes octets 1 and 3; a /16 leaves octet 3 free.
        assert!(!c("10.0.5.0", "255.0.255.0", "10.1.0.0", "255.255.0.0"));
        assert!(c("10.0.5.0", "255.0.255.0", "10.1.5.0", "255.255.255.0"));
        assert!(c("0.0.0.0", "0.0.0.0", "192.168.1.1", "255.255.255.255"));
        let v6: IpAddr = "::".parse().unwrap_or(v4("0.0.0.0"));
        assert!(!ip_covers(v4("0.0.0.0"), v4("0.0.0.0"), v6, v6));
    }

    #[test]
    fn host_names() {
        assert!(hostname_covers("DB.example.com", "db.example.COM"));
        assert!(hostname_covers(".example.com", "db.example.com"));
        assert!(hostname_covers(".example.com", ".a.example.com"));
        assert!(!hostname_covers(".example.com", "example.com"));
        assert!(!hostname_covers("db.example.com", ".example.com"));
        assert!(!hostname_covers(".example.com", "badexample.com"));
    }

    #[test]
    fn connection_types() {
        use ConnType::*;
        assert!(type_covers(Host, HostSsl));
        assert!(!type_covers(HostSsl, Host));
        assert!(!type_covers(Host, Local));
        assert!(type_covers(HostNoGssEnc, HostSsl));
        assert!(!type_covers(HostNoSsl, HostSsl));
    }
}
