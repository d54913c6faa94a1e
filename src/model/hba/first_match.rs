//! Which `pg_hba.conf` record a connection uses: `check_hba` (hba.c) takes the **first** record
//! whose connection type, database, role and address all match, and that record alone decides
//! (`reject`, another method, or none at all: "no pg_hba.conf entry").
//!
//! The analysis is offline, so some questions have no answer from the files: role membership
//! (`+group`, `samerole`), host names (DNS), `samehost`/`samenet` (the server's interfaces), a
//! `/regex` this module does not evaluate, and a named database when the query's database is
//! not known. Such records are reported as *uncertain* before the first record that certainly
//! matches (the *decisive* one), never silently skipped or taken.
//!
//! # Cost
//!
//! A [`FirstMatchIndex`] is built once per query (user, database, SSL), because those are fixed
//! for a whole analysis: every record's connection type, database and role are judged once
//! (O(records)); what remains per record is its address. Records with a CIDR address go into
//! one hash table per prefix length, keyed by the masked network, keeping per key only the first
//! record that certainly matches and the uncertain ones before it. Records whose address does
//! not depend on the client (`all`, host names, `samehost`, `samenet`) are folded into one
//! ordered list. An address lookup is then one hash probe per prefix length in use (at most 33
//! for IPv4, 129 for IPv6) plus the size of the answer: O(records + addresses × prefix lengths),
//! not O(records × addresses). Only masks that are not contiguous (`255.0.255.0`, which the
//! server accepts) are scanned linearly, and only up to the decisive record.

use std::cell::Cell;
use std::collections::HashMap;
use std::net::IpAddr;

use regex_automata::meta::Regex;

use super::{AuthName, AuthNames, ConnType, HbaAddress, HbaFile, HbaRecord};

/// The connection being matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchQuery<'a> {
    /// The role name the client sends.
    pub user: &'a str,
    /// The database name, or `None` for "not known" (any database): a record naming specific
    /// databases then matches only maybe.
    pub database: Option<&'a str>,
    /// Whether the TCP connection is SSL-encrypted (`hostssl` vs `hostnossl`).
    pub ssl: bool,
    /// A physical replication connection (`replication=true`), which matches only the
    /// `replication` keyword. Logical replication (`replication=database`, what ClickPipes
    /// uses) is matched by database name like any connection, so this is `false` for it.
    pub physical_replication: bool,
}

/// Why a record may or may not match: what the files alone cannot tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Uncertainty {
    /// `+group`, `samerole`, `samegroup`: role membership lives in the catalog.
    RoleMembership,
    /// A `/regex` name (16+) beyond the simple patterns this module evaluates.
    Regex,
    /// A host name: matching needs reverse and forward DNS on the server.
    HostName,
    /// `samehost` / `samenet`: the server's own interfaces.
    ServerAddresses,
    /// A named database (or `sameuser`, or a database regex) while the query's database is
    /// not known.
    Database,
}

impl Uncertainty {
    /// Why, in a few words, for messages.
    pub fn reason(self) -> &'static str {
        match self {
            Uncertainty::RoleMembership => "role membership is in the database, not the files",
            Uncertainty::Regex => "its regular expression is beyond what is evaluated offline",
            Uncertainty::HostName => "a host name matches only after DNS lookups on the server",
            Uncertainty::ServerAddresses => "samehost/samenet depend on the server's interfaces",
            Uncertainty::Database => {
                "it names databases, and the pipe's database is not configured"
            }
        }
    }
}

/// The answer for one client address.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FirstMatch {
    /// Index (into the records given to the index) of the first record that certainly
    /// matches; `None` when no record does.
    pub decisive: Option<usize>,
    /// Records before `decisive` that may match, in file order, with why it is unknown. Any of
    /// them may be the one the server really uses.
    pub uncertain: Vec<(usize, Uncertainty)>,
}

/// Whether a record matches, on some of its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    No,
    Yes,
    Maybe(Uncertainty),
}

impl Verdict {
    /// Both must hold: `No` wins, then the first uncertainty.
    fn and(self, other: Verdict) -> Verdict {
        match (self, other) {
            (Verdict::No, _) | (_, Verdict::No) => Verdict::No,
            (Verdict::Maybe(u), _) | (_, Verdict::Maybe(u)) => Verdict::Maybe(u),
            _ => Verdict::Yes,
        }
    }
}

/// What one address key of one prefix length leads to.
#[derive(Debug, Default)]
struct Bucket {
    /// The first record here that certainly matches.
    decisive: Option<u32>,
    /// Records here before `decisive` that may match.
    uncertain: Vec<(u32, Uncertainty)>,
}

impl Bucket {
    fn add(&mut self, record: u32, verdict: Verdict) {
        if self.decisive.is_some() {
            return;
        }
        match verdict {
            Verdict::Yes => self.decisive = Some(record),
            Verdict::Maybe(u) => self.uncertain.push((record, u)),
            Verdict::No => {}
        }
    }
}

/// Records of one address family with a contiguous mask, by prefix length.
#[derive(Debug)]
struct PrefixTables<K> {
    /// `(prefix length, network → bucket)`, one entry per length in use.
    tables: Vec<(u32, HashMap<K, Bucket>)>,
}

impl<K: Copy + Eq + std::hash::Hash> Default for PrefixTables<K> {
    fn default() -> Self {
        Self { tables: Vec::new() }
    }
}

impl<K: Copy + Eq + std::hash::Hash> PrefixTables<K> {
    fn add(&mut self, len: u32, network: K, record: u32, verdict: Verdict) {
        let table = match self.tables.iter().position(|(l, _)| *l == len) {
            Some(i) => &mut self.tables[i].1,
            None => {
                self.tables.push((len, HashMap::new()));
                let last = self.tables.len() - 1;
                &mut self.tables[last].1
            }
        };
        table.entry(network).or_default().add(record, verdict);
    }
}

/// A record whose mask is not a prefix: compared one by one.
#[derive(Debug)]
struct Irregular {
    record: u32,
    addr: IpAddr,
    mask: IpAddr,
    verdict: Verdict,
}

/// First-match answers for one query, for any number of client addresses.
#[derive(Debug)]
pub struct FirstMatchIndex {
    /// Client-independent records (address `all`, host names, samehost/samenet) that may or
    /// do match, before the first that certainly does.
    fixed_uncertain: Vec<(u32, Uncertainty)>,
    fixed_decisive: Option<u32>,
    v4: PrefixTables<u32>,
    v6: PrefixTables<u128>,
    irregular: Vec<Irregular>,
    /// Hash probes and record comparisons made by lookups, so tests can bound the work.
    comparisons: Cell<u64>,
}

impl FirstMatchIndex {
    /// Judges every record once for `query`; addresses are left for [`Self::first_match`].
    pub fn build(hba: &HbaFile, query: &MatchQuery<'_>) -> FirstMatchIndex {
        let mut index = FirstMatchIndex {
            fixed_uncertain: Vec::new(),
            fixed_decisive: None,
            v4: PrefixTables::default(),
            v6: PrefixTables::default(),
            irregular: Vec::new(),
            comparisons: Cell::new(0),
        };
        let mut regexes = RegexCache::default();
        for (i, record) in hba.records().iter().enumerate() {
            let Ok(i) = u32::try_from(i) else {
                break;
            };
            // The connection type (no token to read), then the role column, which rules out
            // nearly every record of a file written for other roles: `No` wins whatever the
            // other columns say, and the database column is read only for the rest.
            let conn_type = conn_type_verdict(record.conn_type, query);
            if conn_type == Verdict::No {
                continue;
            }
            let role = record_role_verdict(hba, record, query.user, &mut regexes);
            if role == Verdict::No {
                continue;
            }
            let verdict = conn_type
                .and(database_verdict(hba.databases(record), query, &mut regexes))
                .and(role);
            if verdict == Verdict::No {
                continue;
            }
            let fixed = match hba.address(record) {
                None => continue,
                Some(HbaAddress::All) => Verdict::Yes,
                Some(HbaAddress::SameHost | HbaAddress::SameNet) => {
                    Verdict::Maybe(Uncertainty::ServerAddresses)
                }
                Some(HbaAddress::Hostname(_)) => Verdict::Maybe(Uncertainty::HostName),
                Some(HbaAddress::Ip { addr, mask }) => {
                    index.add_network(i, addr, mask, verdict);
                    continue;
                }
            };
            if index.fixed_decisive.is_none() {
                match fixed.and(verdict) {
                    Verdict::Yes => index.fixed_decisive = Some(i),
                    Verdict::Maybe(u) => index.fixed_uncertain.push((i, u)),
                    Verdict::No => {}
                }
            }
        }
        index
    }

    fn add_network(&mut self, record: u32, addr: IpAddr, mask: IpAddr, verdict: Verdict) {
        match (addr, mask) {
            (IpAddr::V4(a), IpAddr::V4(m)) => {
                let (a, m) = (u32::from(a), u32::from(m));
                if m.leading_ones() + m.trailing_zeros() == 32 {
                    self.v4.add(m.leading_ones(), a & m, record, verdict);
                    return;
                }
            }
            (IpAddr::V6(a), IpAddr::V6(m)) => {
                let (a, m) = (u128::from(a), u128::from(m));
                if m.leading_ones() + m.trailing_zeros() == 128 {
                    self.v6.add(m.leading_ones(), a & m, record, verdict);
                    return;
                }
            }
            // A mask of the other family never loads; nothing can match it.
            _ => return,
        }
        self.irregular.push(Irregular {
            record,
            addr,
            mask,
            verdict,
        });
    }

    /// The first record a TCP connection from `ip` would use, and the uncertain ones before it.
    pub fn first_match(&self, ip: IpAddr) -> FirstMatch {
        let mut work = 0u64;
        let mut bound = self.fixed_decisive.unwrap_or(u32::MAX);
        let mut uncertain: Vec<(u32, Uncertainty)> = Vec::new();
        let take = |bucket: &Bucket, bound: &mut u32, uncertain: &mut Vec<_>| {
            if let Some(d) = bucket.decisive {
                *bound = (*bound).min(d);
            }
            uncertain.extend_from_slice(&bucket.uncertain);
        };
        match ip {
            IpAddr::V4(v4) => {
                let ip = u32::from(v4);
                for (len, table) in &self.v4.tables {
                    work += 1;
                    let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
                    if let Some(bucket) = table.get(&(ip & mask)) {
                        take(bucket, &mut bound, &mut uncertain);
                    }
                }
            }
            IpAddr::V6(v6) => {
                let ip = u128::from(v6);
                for (len, table) in &self.v6.tables {
                    work += 1;
                    let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
                    if let Some(bucket) = table.get(&(ip & mask)) {
                        take(bucket, &mut bound, &mut uncertain);
                    }
                }
            }
        }
        for rec in &self.irregular {
            if rec.record >= bound {
                break;
            }
            work += 1;
            if !masked_equal(ip, rec.addr, rec.mask) {
                continue;
            }
            match rec.verdict {
                Verdict::Yes => {
                    bound = rec.record;
                    break;
                }
                Verdict::Maybe(u) => uncertain.push((rec.record, u)),
                Verdict::No => {}
            }
        }
        uncertain.extend(self.fixed_uncertain.iter().take_while(|(r, _)| *r < bound));
        uncertain.retain(|(r, _)| *r < bound);
        work += uncertain.len() as u64;
        uncertain.sort_unstable_by_key(|(r, _)| *r);
        self.comparisons.set(self.comparisons.get() + work);
        FirstMatch {
            decisive: (bound != u32::MAX).then_some(bound as usize),
            uncertain: uncertain
                .into_iter()
                .map(|(r, u)| (r as usize, u))
                .collect(),
        }
    }

    /// Hash probes and record comparisons made by [`Self::first_match`] so far.
    pub fn comparisons(&self) -> u64 {
        self.comparisons.get()
    }
}

/// A record's verdict on connection type, database and role, ignoring its address: for
/// questions that name no client address ("does any record let this user in?").
#[inline]
pub fn verdict_without_address(
    hba: &HbaFile,
    record: &HbaRecord,
    query: &MatchQuery<'_>,
) -> Verdict {
    let mut regexes = RegexCache::default();
    // The role column first: it rules out nearly every record of a file written for other
    // roles, and `No` wins whatever the other columns say.
    let role = record_role_verdict(hba, record, query.user, &mut regexes);
    if role == Verdict::No {
        return Verdict::No;
    }
    conn_type_verdict(record.conn_type, query)
        .and(database_verdict(hba.databases(record), query, &mut regexes))
        .and(role)
}

/// `check_ip` for a mask that is not a prefix.
fn masked_equal(ip: IpAddr, addr: IpAddr, mask: IpAddr) -> bool {
    match (ip, addr, mask) {
        (IpAddr::V4(c), IpAddr::V4(a), IpAddr::V4(m)) => {
            (u32::from(c) ^ u32::from(a)) & u32::from(m) == 0
        }
        (IpAddr::V6(c), IpAddr::V6(a), IpAddr::V6(m)) => {
            (u128::from(c) ^ u128::from(a)) & u128::from(m) == 0
        }
        _ => false,
    }
}

/// The connection-type column (`check_hba`'s `conntype` tests) for a TCP connection.
fn conn_type_verdict(conn_type: ConnType, query: &MatchQuery<'_>) -> Verdict {
    let yes = match conn_type {
        ConnType::Local => false,
        ConnType::Host | ConnType::HostNoGssEnc => true,
        ConnType::HostSsl => query.ssl,
        ConnType::HostNoSsl => !query.ssl,
        // The client would have to ask for GSSAPI encryption; ClickPipes never does.
        ConnType::HostGssEnc => false,
    };
    if yes { Verdict::Yes } else { Verdict::No }
}

/// `check_db`.
fn database_verdict(
    names: AuthNames<'_>,
    query: &MatchQuery<'_>,
    regexes: &mut RegexCache,
) -> Verdict {
    let mut result = Verdict::No;
    let maybe = |result: &mut Verdict, u| {
        if *result == Verdict::No {
            *result = Verdict::Maybe(u);
        }
    };
    for name in names {
        if query.physical_replication {
            // A physical walsender matches the `replication` keyword and nothing else.
            if name.is_keyword("replication") {
                return Verdict::Yes;
            }
            continue;
        }
        if name.is_keyword("all") {
            return Verdict::Yes;
        }
        if name.is_keyword("replication") {
            continue;
        }
        let Some(db) = query.database else {
            maybe(&mut result, Uncertainty::Database);
            continue;
        };
        if name.is_keyword("sameuser") {
            if db == query.user {
                return Verdict::Yes;
            }
        } else if name.is_keyword("samerole") || name.is_keyword("samegroup") {
            // A role is a member of itself (`is_member_of_role_nosuper`).
            if db == query.user {
                return Verdict::Yes;
            }
            maybe(&mut result, Uncertainty::RoleMembership);
        } else if name.regex {
            match regexes.is_match(name.text, db) {
                Some(true) => return Verdict::Yes,
                Some(false) => {}
                None => maybe(&mut result, Uncertainty::Regex),
            }
        } else if name.text == db.as_bytes() {
            return Verdict::Yes;
        }
    }
    result
}

/// `check_role`: the first name that matches, else the first uncertainty.
///
/// Inlined, and each name's text taken once: it is asked of every record of a file, which
/// mostly names other roles, and the calls and the text's look-ups were most of its cost.
#[inline]
fn role_verdict(names: AuthNames<'_>, user: &str, regexes: &mut RegexCache) -> Verdict {
    let mut result = Verdict::No;
    for name in names {
        match role_name_verdict(&name, user, regexes) {
            Verdict::Yes => return Verdict::Yes,
            Verdict::Maybe(u) if result == Verdict::No => result = Verdict::Maybe(u),
            _ => {}
        }
    }
    result
}

/// [`role_verdict`] of a record's role column, its only name read without the list.
#[inline(always)]
fn record_role_verdict(
    hba: &HbaFile,
    record: &HbaRecord,
    user: &str,
    regexes: &mut RegexCache,
) -> Verdict {
    match only_user(hba, record) {
        Some(name) => role_name_verdict(&name, user, regexes),
        None => role_verdict(hba.users(record), user, regexes),
    }
}

/// One name of the role column against `user`.
#[inline(always)]
fn role_name_verdict(name: &AuthName<'_>, user: &str, regexes: &mut RegexCache) -> Verdict {
    let text = name.text;
    if name.regex {
        match regexes.is_match(text, user) {
            Some(true) => Verdict::Yes,
            Some(false) => Verdict::No,
            None => Verdict::Maybe(Uncertainty::Regex),
        }
    } else if let (false, Some((b'+', role))) = (name.quoted, text.split_first()) {
        if role == user.as_bytes() {
            Verdict::Yes
        } else {
            Verdict::Maybe(Uncertainty::RoleMembership)
        }
    } else if text == user.as_bytes() || name.is_keyword("all") {
        Verdict::Yes
    } else {
        Verdict::No
    }
}

/// The role column's name when it is the only one (nearly every record), read from the
/// record's own token: for a question asked of every record of a big file, going through
/// the list of names (its slice, the iterator and the loop) was a third of the answer.
#[inline(always)]
fn only_user<'h>(hba: &'h HbaFile, record: &HbaRecord) -> Option<AuthName<'h>> {
    let super::Names::Two([_, at]) = record.names else {
        return None;
    };
    let (text, quoted) = hba.sources.text_and_quoted(at);
    Some(AuthName {
        text,
        quoted,
        // As `AuthNames` reads it: 16+ takes a name starting with `/` for a regex.
        regex: hba.version.at_least(16) && text.first() == Some(&b'/'),
        at,
    })
}

/// `/regex` tokens compiled once per analysis; `None` for patterns left uncertain. The table
/// is made for the first regex: most files have none, and a `RandomState` per record
/// judged was a tenth of [`verdict_without_address`].
#[derive(Default)]
struct RegexCache {
    compiled: Option<HashMap<Vec<u8>, Option<Regex>>>,
}

impl RegexCache {
    /// Whether the token's pattern (after the `/`) finds a match in `subject`, as
    /// `regexec_auth_token` does (unanchored search); `None` when not evaluated.
    fn is_match(&mut self, token: &[u8], subject: &str) -> Option<bool> {
        let compiled = self
            .compiled
            .get_or_insert_default()
            .entry(token.to_vec())
            .or_insert_with(|| compile_simple(token.get(1..).unwrap_or_default()));
        compiled.as_ref().map(|re| re.is_match(subject))
    }
}

/// Compiles a PostgreSQL ARE that means the same in Rust's syntax: literals, `.`, `^`, `$`,
/// `*`, `+`, `?`, `|`, plain groups, bracket lists of literals and ranges, and `\` before
/// punctuation. Anything else (`{n}`, `(?`, `[[:alpha:]]`, `\d`, ARE directors) is `None`.
pub(crate) fn compile_simple(pattern: &[u8]) -> Option<Regex> {
    let text = std::str::from_utf8(pattern).ok()?;
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut in_brackets = false;
    while i < bytes.len() {
        let c = bytes[i];
        if in_brackets {
            match c {
                b']' => in_brackets = false,
                b'[' | b'\\' | b'&' | b'~' => return None,
                b'-' if bytes.get(i + 1) == Some(&b'-') => return None,
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b'\\' => {
                let next = *bytes.get(i + 1)?;
                if next.is_ascii_alphanumeric() {
                    return None;
                }
                i += 2;
                continue;
            }
            b'[' => {
                in_brackets = true;
                if bytes.get(i + 1) == Some(&b'^') {
                    i += 1;
                }
                // A `]` right after `[` or `[^` is a literal in both dialects.
                if bytes.get(i + 1) == Some(&b']') {
                    i += 1;
                }
            }
            b'(' if bytes.get(i + 1) == Some(&b'?') => return None,
            b'{' | b'}' => return None,
            b'*' if i == 0 => return None,
            _ if c.is_ascii_alphanumeric()
                || b"_-.^$*+?|() !\"#%',/:;<=>@`~".contains(&c)
                || !c.is_ascii() => {}
            _ => return None,
        }
        i += 1;
    }
    if in_brackets {
        return None;
    }
    Regex::new(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fs::MemFs;
    use crate::model::hba::{HbaFile, HbaOptions, load_hba};
    use crate::model::version::PgVersion;
    use std::path::Path;

    fn load(text: &str, major: u8) -> HbaFile {
        let fs = MemFs::new().with("/d/pg_hba.conf", text);
        let version = PgVersion::new(major).expect("12..=18");
        let opts = HbaOptions {
            ssl_enabled: true,
            ..HbaOptions::default()
        };
        match load_hba(&fs, Path::new("/d/pg_hba.conf"), version, &opts) {
            Ok(f) => f,
            Err(e) => panic!("{e}"),
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    const CLICKPIPES: MatchQuery<'static> = MatchQuery {
        user: "clickpipes_user",
        database: None,
        ssl: true,
        physical_replication: false,
    };

    /// `(decisive line, [uncertain lines])` for `ip`.
    fn answer(file: &HbaFile, query: &MatchQuery<'_>, addr: &str) -> (Option<u32>, Vec<u32>) {
        let index = FirstMatchIndex::build(file, query);
        let m = index.first_match(ip(addr));
        let line = |i: usize| file.records()[i].line_number;
        (
            m.decisive.map(line),
            m.uncertain.iter().map(|(i, _)| line(*i)).collect(),
        )
    }

    #[test]
    fn first_record_wins_and_order_matters() {
        let f = load(
            "host all all 3.131.130.196/32 reject\n\
             host all clickpipes_user 3.131.130.0/24 scram-sha-256\n\
             host all all 0.0.0.0/0 md5\n",
            16,
        );
        assert_eq!(answer(&f, &CLICKPIPES, "3.131.130.196"), (Some(1), vec![]));
        assert_eq!(answer(&f, &CLICKPIPES, "3.131.130.7"), (Some(2), vec![]));
        assert_eq!(answer(&f, &CLICKPIPES, "9.9.9.9"), (Some(3), vec![]));
        assert_eq!(answer(&f, &CLICKPIPES, "::1"), (None, vec![]));
    }

    #[test]
    fn connection_types() {
        let f = load(
            "local all all trust\n\
             hostgssenc all all 0.0.0.0/0 trust\n\
             hostnossl all all 0.0.0.0/0 reject\n\
             hostssl all all 10.0.0.0/8 scram-sha-256\n\
             hostnogssenc all all 0.0.0.0/0 md5\n",
            16,
        );
        assert_eq!(answer(&f, &CLICKPIPES, "10.1.2.3"), (Some(4), vec![]));
        assert_eq!(answer(&f, &CLICKPIPES, "11.1.2.3"), (Some(5), vec![]));
        let plain = MatchQuery {
            ssl: false,
            ..CLICKPIPES
        };
        assert_eq!(answer(&f, &plain, "10.1.2.3"), (Some(3), vec![]));
    }

    #[test]
    fn replication_keyword_matches_physical_replication_only() {
        let f = load(
            "host replication clickpipes_user 0.0.0.0/0 scram-sha-256\n\
             host postgres,replication all 0.0.0.0/0 md5\n",
            16,
        );
        let db = MatchQuery {
            database: Some("app"),
            ..CLICKPIPES
        };
        assert_eq!(answer(&f, &db, "1.2.3.4"), (None, vec![]));
        let physical = MatchQuery {
            physical_replication: true,
            ..db
        };
        assert_eq!(answer(&f, &physical, "1.2.3.4"), (Some(1), vec![]));
        let postgres = MatchQuery {
            database: Some("postgres"),
            ..CLICKPIPES
        };
        assert_eq!(answer(&f, &postgres, "1.2.3.4"), (Some(2), vec![]));
        // Database unknown: a named database may be the pipe's.
        assert_eq!(answer(&f, &CLICKPIPES, "1.2.3.4"), (None, vec![2]));
    }

    #[test]
    fn unknowable_records_are_uncertain_not_skipped() {
        let f = load(
            "host all +admins 0.0.0.0/0 reject\n\
             host all all db.example.com md5\n\
             host all all samenet trust\n\
             host samerole all 0.0.0.0/0 trust\n\
             host all +clickpipes_user 3.0.0.0/8 scram-sha-256\n\
             host all all 0.0.0.0/0 scram-sha-256\n",
            16,
        );
        let db = MatchQuery {
            database: Some("app"),
            ..CLICKPIPES
        };
        assert_eq!(answer(&f, &db, "3.1.2.3"), (Some(5), vec![1, 2, 3, 4]));
        assert_eq!(answer(&f, &db, "4.1.2.3"), (Some(6), vec![1, 2, 3, 4]));
        // sameuser and samerole with the user's own name as the database do match.
        let own = MatchQuery {
            database: Some("clickpipes_user"),
            ..CLICKPIPES
        };
        assert_eq!(answer(&f, &own, "4.1.2.3"), (Some(4), vec![1, 2, 3]));
    }

    #[test]
    fn regexes_simple_ones_evaluated() {
        let f = load(
            "host all \"/^click.*_user$\" 1.0.0.0/8 scram-sha-256\n\
             host all /^x{2}$ 2.0.0.0/8 md5\n\
             host all /^admin 2.0.0.0/8 reject\n\
             host /^ana all 2.0.0.0/8 reject\n\
             host all all 2.0.0.0/8 scram-sha-256\n",
            16,
        );
        assert_eq!(answer(&f, &CLICKPIPES, "1.1.1.1"), (Some(1), vec![]));
        // Line 2's `{2}` is not evaluated; line 3 does not match; line 4 names databases.
        assert_eq!(answer(&f, &CLICKPIPES, "2.1.1.1"), (Some(5), vec![2, 4]));
        let db = MatchQuery {
            database: Some("analytics"),
            ..CLICKPIPES
        };
        assert_eq!(answer(&f, &db, "2.1.1.1"), (Some(4), vec![2]));
        assert!(compile_simple(b"^a[b-d]+\\.x$").is_some());
        assert!(compile_simple(b"[[:alpha:]]").is_none());
        assert!(compile_simple(b"\\d+").is_none());
        // Built without the Unicode tables (Cargo.toml): what is evaluated needs none, and a
        // `.` still matches a whole non-ASCII character.
        let re = compile_simple("^r.le_é[a-zé]+$".as_bytes()).unwrap();
        assert!(re.is_match("rôle_été"));
        assert!(!re.is_match("rôle_Été"));
        assert!(compile_simple(b"^a.b$").unwrap().is_match("a\u{1F600}b"));
    }

    #[test]
    fn irregular_masks_and_ipv6() {
        let f = load(
            "host all all 10.0.0.1 255.0.255.0 reject\n\
             host all all 2001:db8::/32 reject\n\
             host all all ::/0 scram-sha-256\n\
             host all all 10.0.0.0/8 md5\n",
            16,
        );
        assert_eq!(answer(&f, &CLICKPIPES, "10.9.0.7"), (Some(1), vec![]));
        assert_eq!(answer(&f, &CLICKPIPES, "10.9.1.7"), (Some(4), vec![]));
        assert_eq!(answer(&f, &CLICKPIPES, "2001:db8::5"), (Some(2), vec![]));
        assert_eq!(answer(&f, &CLICKPIPES, "2001:db9::5"), (Some(3), vec![]));
    }

    /// 20,000 records × 175 addresses: a linear scan per address would make 3.5 million
    /// comparisons; the index makes a few per prefix length in use. No timing involved.
    #[test]
    fn twenty_thousand_records_are_not_scanned_per_address() {
        let mut text = String::new();
        for i in 0..20_000u32 {
            let (a, b, c) = (10 + (i >> 16) % 200, (i >> 8) & 0xff, i & 0xff);
            let len = [32, 24, 16, 30][i as usize % 4];
            let user = if i % 3 == 0 { "all" } else { "app_user" };
            text.push_str(&format!(
                "host all {user} {a}.{b}.{c}.0/{len} scram-sha-256\n"
            ));
        }
        text.push_str("host all all 0.0.0.0/0 reject\n");
        let f = load(&text, 16);
        assert_eq!(f.records().len(), 20_001);
        let index = FirstMatchIndex::build(&f, &CLICKPIPES);
        let ips = crate::model::clickpipes::egress_ips().all_ips();
        assert_eq!(ips.len(), 175);
        for addr in &ips {
            let m = index.first_match(*addr);
            // None of the generated networks contains a ClickPipes address.
            assert_eq!(m.decisive, Some(20_000), "{addr}");
        }
        let per_address = index.comparisons() / ips.len() as u64;
        assert!(
            per_address <= 33,
            "{per_address} comparisons per address: the lookup has become a scan"
        );
    }
}
