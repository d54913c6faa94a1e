//! PG4001 hba-unreachable-record: a record no connection can reach, because an earlier record
//! matches every connection it would match (`check_hba` takes the first match and never falls
//! through). Reported only when the file proves it: connection type, address, database and
//! user are each covered. Host names are compared as `check_hostname` does (case-insensitive,
//! `.suffix`); role membership (`+group`), regexes against other names, `samehost`/`samenet`
//! against addresses, and anything the server's catalog or DNS decides count as "not
//! covered", so an uncertain case is never reported.

use std::collections::HashMap;
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

/// The contiguous networks of one family seen so far.
struct Networks<N> {
    /// By prefix length, the first record of each network of that length, for the lengths
    /// in use. A table per length keeps an IPv4 entry at 8 bytes, network and record, as
    /// these tables are most of this rule's memory (16-byte entries were 40 more pages for
    /// 20,000 networks); each is sized once from the count of its networks.
    tables: Vec<Option<FirstOfNetwork<N>>>,
    /// The lengths in use, ascending: a file uses few, and a lookup tries only those.
    lengths: Vec<u8>,
}

impl EarlierRecords {
    /// An empty index for `records`, sized from a count of their networks. The networks are
    /// not kept: decoded from the record in place, one is cheaper to decode again when its
    /// turn comes than to store and load (a list of them was a third of this rule).
    fn new(hba: &HbaFile) -> Self {
        let mut v4 = vec![0u32; 33];
        let mut v6 = vec![0u32; 129];
        for rec in hba.records() {
            // Sizing needs no more than an upper bound: an IPv4 mask is counted at its
            // leading ones whether it is contiguous or not, with a warning or not (a table
            // with room to spare, or one never asked), which keeps this pass to a few
            // instructions a record.
            if let Some((_, mask)) = rec.ipv4_network() {
                v4[mask.leading_ones() as usize] += 1;
            } else if rec.warning.is_none()
                && let Some(Network::V6(len, _)) = wide_network(hba, rec)
            {
                v6[usize::from(len)] += 1;
            }
        }
        EarlierRecords {
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
        let Some(net) = network(hba, later) else {
            return self.first_covering_not_network(hba, j, record, later);
        };
        // Empty in most files: asked out of line, off the path of every network record.
        let always = if self.always.is_empty() {
            None
        } else {
            first_of(&self.always, &covering)
        };
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

impl<N: PrefixBits> Networks<N> {
    /// Empty tables for the lengths that `counts` (networks per prefix length) has.
    fn sized(counts: &[u32]) -> Self {
        let mut lengths = Vec::new();
        let tables = counts
            .iter()
            .zip(0u8..)
            .map(|(&n, len)| {
                (n > 0).then(|| {
                    lengths.push(len);
                    FirstOfNetwork::with_room_for(n as usize)
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
        // A network of the shortest length in use (nearly every record of a big file, whose
        // networks are all of one length) has no shorter ones to look in: that search, and
        // what it keeps on the stack, stays out of line.
        let mut best = if self.lengths.first().is_some_and(|&p| p < len) {
            self.first_in_shorter(more, len, net, covering)
        } else {
            None
        };
        // Counted by `new`, so the table is there.
        let Some(Some(table)) = self.tables.get_mut(usize::from(len)) else {
            return best;
        };
        if let Some(first) = table.first_or_insert(net, record) {
            if let Some(i) = in_network(more, first, covering) {
                best = Some(best.map_or(i, |b: usize| b.min(i)));
            }
            more.entry(first).or_default().push(record);
        }
        best
    }
}

impl<N: PrefixBits> Networks<N> {
    /// The first record that is `covering` among those of the networks shorter than `len`
    /// that contain `net`.
    #[inline(never)]
    fn first_in_shorter(
        &self,
        more: &HashMap<u32, Vec<u32>, RandomState>,
        len: u8,
        net: N,
        covering: &impl Fn(&usize) -> bool,
    ) -> Option<usize> {
        let mut best = None;
        for &p in self.lengths.iter().take_while(|&&p| p < len) {
            if let Some(i) = self.tables[usize::from(p)]
                .as_ref()
                .and_then(|table| table.get(net.masked(p)))
                .and_then(|first| in_network(more, first, covering))
            {
                best = Some(best.map_or(i, |b: usize| b.min(i)));
            }
        }
        best
    }
}

/// The first record of network `first`'s records (its first, then `more`'s list of it) that
/// is `covering`.
fn in_network(
    more: &HashMap<u32, Vec<u32>, RandomState>,
    first: u32,
    covering: &impl Fn(&usize) -> bool,
) -> Option<usize> {
    let later = more.get(&first).map_or(&[][..], Vec::as_slice);
    first_of(std::slice::from_ref(&first).iter().chain(later), covering)
}

/// The first of `records` that is `covering`.
#[inline(never)]
fn first_of<'a>(
    records: impl IntoIterator<Item = &'a u32>,
    covering: &impl Fn(&usize) -> bool,
) -> Option<usize> {
    records.into_iter().map(|&i| i as usize).find(covering)
}

/// The first record of each network of one prefix length, by network: open addressing with
/// linear probing, a slot being the top bits of the network times a constant (Fibonacci
/// hashing, which spreads networks that differ by a multiple of a power of two, as a file's
/// usually do). It does only what this rule asks, find or insert, each a probe of a few
/// instructions: a `HashMap`'s entry (hash, group probe, then a second probe to insert) was
/// half of this rule.
struct FirstOfNetwork<N> {
    /// (network, first record); a record of [`NO_RECORD`] marks a free slot. A power of two
    /// in count, never more than two thirds full, so that a probe ends soon at a free slot.
    slots: Vec<(N, u32)>,
    /// 64 minus the slot count's bits: a network's slot is its hash shifted right by this.
    shift: u32,
}

/// A free slot of [`FirstOfNetwork`]: no record has this index (a file of 4 billion records
/// is far beyond the 1 GiB a file is read up to).
const NO_RECORD: u32 = u32::MAX;

impl<N: PrefixBits> FirstOfNetwork<N> {
    fn with_room_for(networks: usize) -> Self {
        let slots = (networks + networks / 2 + 1).next_power_of_two();
        FirstOfNetwork {
            slots: vec![(N::default(), NO_RECORD); slots],
            shift: 64 - slots.trailing_zeros(),
        }
    }

    /// Where the probe for `net` starts.
    fn home(&self, net: N) -> usize {
        (net.spread().wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The first record of network `net`.
    fn get(&self, net: N) -> Option<u32> {
        let wrap = self.slots.len() - 1;
        let mut at = self.home(net);
        loop {
            let (key, first) = self.slots[at];
            if first == NO_RECORD {
                return None;
            }
            if key == net {
                return Some(first);
            }
            at = (at + 1) & wrap;
        }
    }

    /// The first record of network `net` if it has one; else `record` becomes it.
    fn first_or_insert(&mut self, net: N, record: u32) -> Option<u32> {
        let wrap = self.slots.len() - 1;
        let mut at = self.home(net);
        loop {
            let (key, first) = self.slots[at];
            if first == NO_RECORD {
                self.slots[at] = (net, record);
                return None;
            }
            if key == net {
                return Some(first);
            }
            at = (at + 1) & wrap;
        }
    }
}

/// A network address of one family, in its width.
trait PrefixBits: Copy + Eq + Default {
    /// The first `len` bits.
    fn masked(self, len: u8) -> Self;
    /// 64 bits holding every bit of the address, for [`FirstOfNetwork`]'s hash.
    fn spread(self) -> u64;
}

impl PrefixBits for u32 {
    fn masked(self, len: u8) -> u32 {
        self & u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
    }

    fn spread(self) -> u64 {
        u64::from(self)
    }
}

impl PrefixBits for u128 {
    fn masked(self, len: u8) -> u128 {
        self & u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0)
    }

    fn spread(self) -> u64 {
        (self ^ (self >> 64)) as u64
    }
}

/// A contiguous network: prefix length and network address, in its family's width.
enum Network {
    V4(u8, u32),
    V6(u8, u128),
}

/// The network of a record whose address is a contiguous network. An IPv4 address is read
/// from the record in place (nearly every record of a big file), anything else through
/// [`HbaFile::address`], out of line. Asked twice of each record, so always inlined.
#[inline(always)]
fn network(hba: &HbaFile, rec: &HbaRecord) -> Option<Network> {
    let Some((a, m)) = rec.ipv4_network() else {
        return wide_network(hba, rec);
    };
    // A mask is contiguous when nothing is left of it after its leading ones (shifted in 64
    // bits, as a shift by 32 is none in 32).
    let len = m.leading_ones();
    ((u64::from(m) << len) as u32 == 0).then_some(Network::V4(len as u8, a & m))
}

/// [`network`] for an IPv6 address. In its own width: a `u128` bit count is a long software
/// popcount on the baseline x86-64 this is built for.
#[cold]
#[inline(never)]
fn wide_network(hba: &HbaFile, rec: &HbaRecord) -> Option<Network> {
    let Some(HbaAddress::Ip {
        addr: IpAddr::V6(a),
        mask: IpAddr::V6(m),
    }) = hba.address(rec)
    else {
        return None;
    };
    let (a, m) = (u128::from(a), u128::from(m));
    let len = m.leading_ones();
    (m.checked_shl(len).unwrap_or(0) == 0).then_some(Network::V6(len as u8, a & m))
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
