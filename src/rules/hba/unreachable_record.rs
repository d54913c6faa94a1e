//! PG4001 hba-unreachable-record: a record no connection can reach, because an earlier record
//! matches every connection it would match (`check_hba` takes the first match and never falls
//! through). Reported only when the file proves it: connection type, address, database and
//! user are each covered. Host names are compared as `check_hostname` does (case-insensitive,
//! `.suffix`); role membership (`+group`), regexes against other names, `samehost`/`samenet`
//! against addresses, and anything the server's catalog or DNS decides count as "not
//! covered", so an uncertain case is never reported.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::Hash;
use std::net::IpAddr;

use foldhash::fast::RandomState;

use crate::diagnostic::{Diagnostic, Label, smallvec};
use crate::model::hba::{AuthName, AuthNames, ConnType, HbaAddress, HbaFile, HbaRecord};
use crate::rules::Context;
use crate::rules::hba::record_location;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(hba) = &ctx.server.hba else {
        return;
    };
    let records = hba.records();
    let mut index = EarlierRecords::new(hba);
    for (j, later) in records.iter().enumerate() {
        // A record with a warning (hostssl with SSL off) matches nothing and shadows nothing.
        if later.warning.is_some() {
            continue;
        }
        let Some(earlier) = index
            .first_covering_then_add(hba, j, later)
            .map(|i| &records[i])
        else {
            continue;
        };
        let (path, span) = record_location(hba, later);
        let (epath, espan) = record_location(hba, earlier);
        let same_file = epath == path;
        let mut reporter = ctx.reporter("PG4001", path, out);
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
        d.secondary = smallvec![Label::new(
            ctx.path(epath),
            espan,
            "matches first (no fall-through)",
        )];
        d.notes
            .push("put more specific records before broader ones, or remove this one".into());
    }
}

/// The records seen so far, indexed so that finding the first one that covers a network
/// record looks only at records whose address could contain it: 20,000 records are not
/// compared pairwise. [`covers`] stays the judge; the index only narrows the candidates.
struct EarlierRecords {
    /// Each record's network, decoded once by the pass that counts them: decoding an address
    /// through the view again was a fifth of this rule.
    kinds: Vec<Kind>,
    /// Live records whose address is `all` or an IP with a mask that is not contiguous: the
    /// only ones besides networks that can cover a network (a host name, `samehost`,
    /// `samenet` or a `local` record never does, and scanning the `local` records of
    /// Debian's header was a fifth of this rule).
    always: Vec<u32>,
    v4: Networks<u32>,
    v6: Networks<u128>,
    /// The later records of the networks that have more than one, by the network's first
    /// record. Nearly every network holds one record: a `Vec` per network was an allocation
    /// per record, and a link per record 20 pages of a big file's 20,000 records.
    more: HashMap<u32, Vec<u32>, RandomState>,
}

/// What the index needs of a record's address.
#[derive(Clone, Copy)]
enum Kind {
    /// Not a contiguous network, or a record with a warning.
    Other,
    V4(u8, u32),
    /// Decoded again when its turn comes: IPv6 networks are few, and a `u128` here would
    /// triple this list.
    V6,
}

/// The contiguous networks of one family seen so far.
struct Networks<N> {
    /// By prefix length, the first record of each network of that length, for the lengths
    /// in use. A table per length keeps an IPv4 entry at 8 bytes, network and record, as
    /// these tables are most of this rule's memory (16-byte entries were 40 more pages for
    /// 20,000 networks); each is sized once from the count of its networks, as growing them
    /// by rehashing was about a tenth of linting a big file.
    tables: Vec<Option<HashMap<N, u32, RandomState>>>,
    /// The lengths in use, ascending: a file uses few, and a lookup tries only those.
    lengths: Vec<u8>,
}

impl EarlierRecords {
    /// An empty index for `records`, with their networks decoded and counted.
    fn new(hba: &HbaFile) -> Self {
        let mut v4 = vec![0u32; 33];
        let mut v6 = vec![0u32; 129];
        let kinds = hba
            .records()
            .iter()
            .map(|rec| {
                if rec.warning.is_some() {
                    return Kind::Other;
                }
                match network(hba.address(rec)) {
                    Some(Network::V4(len, net)) => {
                        v4[usize::from(len)] += 1;
                        Kind::V4(len, net)
                    }
                    Some(Network::V6(len, _)) => {
                        v6[usize::from(len)] += 1;
                        Kind::V6
                    }
                    None => Kind::Other,
                }
            })
            .collect();
        EarlierRecords {
            kinds,
            always: Vec::new(),
            v4: Networks::sized(&v4),
            v6: Networks::sized(&v6),
            more: HashMap::default(),
        }
    }

    /// The first record before `j` (lowest index) that covers `later`, the `j`th record,
    /// which is then added.
    fn first_covering_then_add(
        &mut self,
        hba: &HbaFile,
        j: usize,
        later: &HbaRecord,
    ) -> Option<usize> {
        let records = hba.records();
        let covering = |i: &usize| covers(hba, &records[*i], later);
        let Ok(record) = u32::try_from(j) else {
            return None;
        };
        let net = match self.kinds.get(j) {
            Some(&Kind::V4(len, net)) => Network::V4(len, net),
            Some(Kind::V6) => network(hba.address(later))?,
            _ => return self.first_covering_not_network(hba, j, record, later),
        };
        let always = self.always.iter().map(|&i| i as usize).find(covering);
        let found = match net {
            Network::V4(len, net) => {
                self.v4
                    .first_covering_then_add(&mut self.more, len, net, record, &covering)
            }
            Network::V6(len, net) => {
                self.v6
                    .first_covering_then_add(&mut self.more, len, net, record, &covering)
            }
        };
        match (always, found) {
            (Some(a), Some(f)) => Some(a.min(f)),
            (a, f) => a.or(f),
        }
    }

    /// [`Self::first_covering_then_add`] for a record whose address is not a contiguous
    /// network: few such records, so every earlier one is looked at. Kept out of line, off
    /// the path of the networks that are nearly every record of a big file.
    #[cold]
    #[inline(never)]
    fn first_covering_not_network(
        &mut self,
        hba: &HbaFile,
        j: usize,
        record: u32,
        later: &HbaRecord,
    ) -> Option<usize> {
        let records = hba.records();
        if matches!(
            hba.address(later),
            Some(HbaAddress::All | HbaAddress::Ip { .. })
        ) {
            self.always.push(record);
        }
        (0..j)
            .filter(|&i| records[i].warning.is_none())
            .find(|&i| covers(hba, &records[i], later))
    }
}

impl<N: Copy + Eq + Hash + PrefixBits> Networks<N> {
    /// Empty tables for the lengths that `counts` (networks per prefix length) has.
    fn sized(counts: &[u32]) -> Self {
        let mut lengths = Vec::new();
        let tables = counts
            .iter()
            .zip(0u8..)
            .map(|(&n, len)| {
                (n > 0).then(|| {
                    lengths.push(len);
                    HashMap::with_capacity_and_hasher(n as usize, RandomState::default())
                })
            })
            .collect();
        Networks { tables, lengths }
    }

    /// The first record of a network containing `net`/`len` that is `covering`; then
    /// `record` joins its own network, found by the same probe that looked for earlier
    /// records of it.
    fn first_covering_then_add(
        &mut self,
        more: &mut HashMap<u32, Vec<u32>, RandomState>,
        len: u8,
        net: N,
        record: u32,
        covering: &impl Fn(&usize) -> bool,
    ) -> Option<usize> {
        let in_network = |more: &HashMap<u32, Vec<u32>, RandomState>, first: u32| {
            let later = more.get(&first).map_or(&[][..], Vec::as_slice);
            std::iter::once(&first)
                .chain(later)
                .map(|&i| i as usize)
                .find(covering)
        };
        let mut best = None;
        for &p in self.lengths.iter().take_while(|&&p| p < len) {
            if let Some(i) = self.tables[usize::from(p)]
                .as_ref()
                .and_then(|table| table.get(&net.masked(p)))
                .and_then(|&first| in_network(more, first))
            {
                best = Some(best.map_or(i, |b: usize| b.min(i)));
            }
        }
        // Counted by `new`, so the table is there.
        let Some(Some(table)) = self.tables.get_mut(usize::from(len)) else {
            return best;
        };
        match table.entry(net) {
            Entry::Occupied(e) => {
                let first = *e.get();
                if let Some(i) = in_network(more, first) {
                    best = Some(best.map_or(i, |b: usize| b.min(i)));
                }
                more.entry(first).or_default().push(record);
            }
            Entry::Vacant(e) => {
                e.insert(record);
            }
        }
        best
    }
}

/// A network address of one family: its first `len` bits.
trait PrefixBits {
    fn masked(self, len: u8) -> Self;
}

impl PrefixBits for u32 {
    fn masked(self, len: u8) -> u32 {
        self & u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
    }
}

impl PrefixBits for u128 {
    fn masked(self, len: u8) -> u128 {
        self & u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0)
    }
}

/// A contiguous network: prefix length and network address, in its family's width.
enum Network {
    V4(u8, u32),
    V6(u8, u128),
}

/// The network of a record whose address is a contiguous network. Each family in its own
/// width: a `u128` bit count is a long software popcount on the baseline x86-64 this is
/// built for.
fn network(address: Option<HbaAddress<'_>>) -> Option<Network> {
    let Some(HbaAddress::Ip { addr, mask }) = address else {
        return None;
    };
    // A mask is contiguous when nothing is left of it after its leading ones.
    match (addr, mask) {
        (IpAddr::V4(a), IpAddr::V4(m)) => {
            let (a, m) = (u32::from(a), u32::from(m));
            let len = m.leading_ones();
            (m.checked_shl(len).unwrap_or(0) == 0).then_some(Network::V4(len as u8, a & m))
        }
        (IpAddr::V6(a), IpAddr::V6(m)) => {
            let (a, m) = (u128::from(a), u128::from(m));
            let len = m.leading_ones();
            (m.checked_shl(len).unwrap_or(0) == 0).then_some(Network::V6(len as u8, a & m))
        }
        _ => None,
    }
}

/// Whether every connection `later` matches is matched by `earlier`.
fn covers(hba: &HbaFile, earlier: &HbaRecord, later: &HbaRecord) -> bool {
    type_covers(earlier.conn_type, later.conn_type)
        && address_covers(hba.address(earlier), hba.address(later))
        && names_cover(hba.databases(earlier), hba.databases(later), true)
        && names_cover(hba.users(earlier), hba.users(later), false)
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

fn address_covers(earlier: Option<HbaAddress<'_>>, later: Option<HbaAddress<'_>>) -> bool {
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
            ip_covers(a1, m1, a2, m2)
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

fn classify<'a>(n: &AuthName<'a>, database: bool) -> Name<'a> {
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
        return Name::Regex(n.text);
    }
    Name::Literal(n.text)
}

/// Every name a token of `later` admits is admitted by some token of `earlier`.
/// `replication` (physical replication connections only) is matched by nothing but itself;
/// `all` matches every other kind of connection.
fn names_cover(earlier: AuthNames<'_>, mut later: AuthNames<'_>, database: bool) -> bool {
    let earlier: Vec<Name<'_>> = earlier.map(|n| classify(&n, database)).collect();
    later.all(|n| {
        let l = classify(&n, database);
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

#[cfg(test)]
mod index_tests {
    use super::*;
    use crate::model::fs::MemFs;
    use crate::model::hba::{HbaOptions, load_hba};
    use crate::model::version::PgVersion;
    use std::path::Path;

    /// The index finds exactly the record a pairwise scan finds, on a file mixing nested
    /// networks, both families, masks in a separate column (some not contiguous), `all`,
    /// host names and `local`.
    #[test]
    fn the_index_agrees_with_a_pairwise_scan() {
        let mut text = String::new();
        let mut next = crate::testing::xorshift64(0x2545_F491_4F6C_DD1Du64);
        for i in 0..600 {
            let r = next();
            let user = ["all", "app", "rep"][(r % 3) as usize];
            let db = ["all", "db1", "replication"][((r >> 2) % 3) as usize];
            let address = match (r >> 4) % 9 {
                0 => "all".to_string(),
                1 => "host.example.com".to_string(),
                2 => format!("10.{}.0.0 255.{}.255.0", (r >> 8) % 4, (r >> 12) % 2 * 255),
                3 => format!("fd00:{:x}::/{}", (r >> 8) % 4, 16 + (r >> 12) % 100),
                _ => format!(
                    "10.{}.{}.{}/{}",
                    (r >> 8) % 4,
                    (r >> 12) % 4,
                    (r >> 16) % 4,
                    [8, 16, 24, 30, 32][((r >> 20) % 5) as usize]
                ),
            };
            let kind = ["host", "hostssl", "hostnossl"][((r >> 24) % 3) as usize];
            if i % 50 == 0 {
                text.push_str("local all all peer\n");
            }
            text.push_str(&format!("{kind} {db} {user} {address} scram-sha-256\n"));
        }
        let fs = MemFs::new().with("/d/pg_hba.conf", &text);
        // With SSL off, the hostssl records carry a warning: they neither shadow nor are
        // shadowed, and the index must skip them as the pairwise scan does.
        for ssl_enabled in [true, false] {
            let opts = HbaOptions {
                ssl_enabled,
                ..HbaOptions::default()
            };
            let hba = load_hba(
                &fs,
                Path::new("/d/pg_hba.conf"),
                PgVersion::new(16).unwrap(),
                &opts,
            )
            .unwrap();
            let records = hba.records();
            let live = records.iter().filter(|r| r.warning.is_none()).count();
            assert!(live > 300 && (ssl_enabled || live < records.len()));
            let mut index = EarlierRecords::new(&hba);
            let mut found = 0;
            for (j, later) in records.iter().enumerate() {
                if later.warning.is_some() {
                    continue;
                }
                let brute = records[..j]
                    .iter()
                    .position(|e| e.warning.is_none() && covers(&hba, e, later));
                assert_eq!(
                    index.first_covering_then_add(&hba, j, later),
                    brute,
                    "record {j}, ssl {ssl_enabled}"
                );
                found += usize::from(brute.is_some());
            }
            assert!(
                found > 50,
                "the input has shadowed records to find ({found})"
            );
        }
    }
}
