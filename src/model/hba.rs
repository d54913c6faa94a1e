//! Typed `pg_hba.conf` records and the rows of `pg_hba_file_rules`, per major version, as
//! `load_hba`, `parse_hba_line` and `parse_hba_auth_opt` (hba.c) and `fill_hba_line`
//! (hbafuncs.c in 15+, hba.c before) build them.
//!
//! The build modelled is a Linux server with OpenSSL, GSSAPI, PAM and OpenLDAP (Debian's
//! packages); `sspi` and `bsd` are "not supported by this build".

pub mod address;
pub mod first_match;
pub(crate) mod load;
mod regex;

use std::net::{IpAddr, Ipv6Addr};
use std::path::Path;
use std::sync::OnceLock;

use serde::Serialize;

use crate::model::fs::FileSystem;
use crate::model::version::PgVersion;
use crate::source::Span;

pub use load::{AuthLoadError, AuthSources, FieldTokens, TokLine, TokLineError, TokRef, TokenAt};

use address::{Numeric, cidr_mask, format_ip, parse_numeric_host, plain_ipv4_network};

/// Server settings that change how pg_hba.conf is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HbaOptions {
    /// `ssl` (the oracle runs with `ssl = on`); off makes `hostssl` lines warn.
    pub ssl_enabled: bool,
    /// `oauth_validator_libraries` (18), needed by `oauth` lines.
    pub oauth_validator_libraries: Vec<String>,
    /// `db_user_namespace` (12–16): refuses `md5`.
    pub db_user_namespace: bool,
}

/// `local`, `host`, `hostssl`, `hostnossl`, `hostgssenc`, `hostnogssenc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ConnType {
    Local,
    Host,
    HostSsl,
    HostNoSsl,
    HostGssEnc,
    HostNoGssEnc,
}

impl ConnType {
    pub fn name(self) -> &'static str {
        match self {
            ConnType::Local => "local",
            ConnType::Host => "host",
            ConnType::HostSsl => "hostssl",
            ConnType::HostNoSsl => "hostnossl",
            ConnType::HostGssEnc => "hostgssenc",
            ConnType::HostNoGssEnc => "hostnogssenc",
        }
    }
}

/// Authentication methods (`UserAuth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AuthMethod {
    Trust,
    Reject,
    Ident,
    Peer,
    Password,
    Md5,
    ScramSha256,
    Gss,
    Sspi,
    Pam,
    Bsd,
    Ldap,
    Cert,
    Radius,
    OAuth,
}

impl AuthMethod {
    /// `hba_authname`.
    pub fn name(self) -> &'static str {
        match self {
            AuthMethod::Trust => "trust",
            AuthMethod::Reject => "reject",
            AuthMethod::Ident => "ident",
            AuthMethod::Peer => "peer",
            AuthMethod::Password => "password",
            AuthMethod::Md5 => "md5",
            AuthMethod::ScramSha256 => "scram-sha-256",
            AuthMethod::Gss => "gss",
            AuthMethod::Sspi => "sspi",
            AuthMethod::Pam => "pam",
            AuthMethod::Bsd => "bsd",
            AuthMethod::Ldap => "ldap",
            AuthMethod::Cert => "cert",
            AuthMethod::Radius => "radius",
            AuthMethod::OAuth => "oauth",
        }
    }
}

/// One database or role name of a record, where it was written: a view of its token
/// ([`HbaFile::databases`], [`HbaFile::users`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthName<'a> {
    /// The de-quoted name.
    pub text: &'a [u8],
    /// Started with `"`: not a keyword, not `+group`.
    pub quoted: bool,
    /// 16+: starts with `/` (quoted or not).
    pub regex: bool,
    pub at: TokRef,
}

impl AuthName<'_> {
    pub fn is_keyword(&self, k: &str) -> bool {
        !self.quoted && self.text == k.as_bytes()
    }
}

/// The names of one column of a record, in order, each read from its token.
#[derive(Clone)]
pub struct AuthNames<'a> {
    sources: &'a AuthSources,
    /// 16+ reads a name starting with `/` as a regular expression.
    regexes: bool,
    tokens: std::slice::Iter<'a, TokRef>,
}

impl<'a> Iterator for AuthNames<'a> {
    type Item = AuthName<'a>;

    #[inline]
    fn next(&mut self) -> Option<AuthName<'a>> {
        let at = *self.tokens.next()?;
        let (text, quoted) = self.sources.text_and_quoted(at);
        Some(AuthName {
            text,
            quoted,
            regex: self.regexes && text.first() == Some(&b'/'),
            at,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.tokens.size_hint()
    }
}

impl ExactSizeIterator for AuthNames<'_> {}

/// The address column, as [`HbaFile::address`] shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HbaAddress<'a> {
    All,
    SameHost,
    SameNet,
    /// A host name (or anything `getaddrinfo(AI_NUMERICHOST)` rejects with `EAI_NONAME`); a
    /// leading `.` is a suffix match.
    Hostname(&'a str),
    /// Address and mask of the same family; the mask need not be contiguous.
    Ip {
        addr: IpAddr,
        mask: IpAddr,
    },
}

/// The address column as a record keeps it: an IPv4 network in place (nearly every address
/// of a big file), anything wider in [`HbaFile`]'s side table. 12 bytes, where an
/// [`HbaAddress`] of two `IpAddr`s and a `String` was 40.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Address {
    All,
    SameHost,
    SameNet,
    V4 {
        addr: u32,
        mask: u32,
    },
    /// An index into [`HbaFile`]'s `wide_addresses`.
    Wide(u32),
}

/// An address that does not fit a record: a host name or an IPv6 network.
#[derive(Debug, Clone)]
enum WideAddress {
    Hostname(String),
    V6 { addr: Ipv6Addr, mask: Ipv6Addr },
}

/// Where [`HbaFile`]'s tokenized lines are. A line is named by a number ([`HbaFile::line`],
/// [`HbaRecord::line`]) that grows in server order.
#[derive(Debug)]
enum Lines {
    /// The main file's (this id's) lines as written, those with fields or an error: nearly
    /// always so (no `@file`, no include directive), and then a list of them would only
    /// repeat its `AuthLine`s. A line's number is its `AuthLine`'s index.
    AsWritten(u32),
    /// After includes and `@file`s; a line's number is its index. Their errors are taken
    /// out at the load (into [`HbaFile`]'s failures).
    Listed(Vec<TokLine>),
}

/// Yes / no / cannot tell without the server's host (host names, samehost, roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    Yes,
    No,
    Unknown,
}

/// A parsed record that loads (the view's rows with a `rule_number`). Its names and address
/// are read through its [`HbaFile`] ([`HbaFile::databases`], [`HbaFile::users`],
/// [`HbaFile::address`]), which holds the tokens they point at.
#[derive(Debug, Clone)]
pub struct HbaRecord {
    pub file: u32,
    pub line_number: u32,
    pub conn_type: ConnType,
    /// The tokens of the database names, then of the role names.
    names: Names,
    /// Where the role names start in `names`.
    first_user: u32,
    /// `None` for `local`.
    address: Option<Address>,
    pub method: AuthMethod,
    /// The option columns, for the few records that have any: an index into
    /// [`HbaFile`]'s side table ([`HbaFile::options`], [`HbaFile::option_tokens`]).
    options: Option<u32>,
    /// A warning that does not stop the line from loading.
    pub warning: Option<RecordWarning>,
    /// The record's line: [`HbaFile::line`].
    pub line: u32,
    /// Where the address, the separate mask column and the method were written (for lint
    /// labels and edits; they may come from an `@file`).
    pub address_at: Option<TokRef>,
    pub mask_at: Option<TokRef>,
    pub method_at: TokRef,
}

// The records of a big file are one block on huge pages: at 104 bytes or less, 20,000 of
// them fit one (2 MiB zeroed, not 4). Holding nothing to drop, they cost nothing to free.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<HbaRecord>() <= 104);
const _: () = assert!(!std::mem::needs_drop::<HbaRecord>());

impl HbaRecord {
    /// The record's address when it is an IPv4 address and mask, as the record keeps them
    /// (address, mask): for rules asked of every record of a big file, which need two
    /// integers and would otherwise have [`HbaFile::address`] build two `IpAddr`s to take
    /// apart again. `None` for `local`, `all`, `samehost`, `samenet`, host names and IPv6.
    #[inline]
    pub fn ipv4_network(&self) -> Option<(u32, u32)> {
        match self.address {
            Some(Address::V4 { addr, mask }) => Some((addr, mask)),
            _ => None,
        }
    }
}

/// A record's option tokens and its `options` column. Nearly every record has neither: an
/// index into a side table leaves a record nothing to drop.
#[derive(Debug, Clone)]
struct RecordOptions {
    tokens: Box<[TokRef]>,
    column: Vec<String>,
}

/// The tokens of a record's names. One database and one role (nearly every record) are kept
/// in the record; longer lists are a range of [`HbaFile`]'s `name_tokens`. A name is its
/// token: the de-quoted text is the token's own (a copy of each name was 24 bytes of the
/// record and most of the cost of reading it).
#[derive(Debug, Clone, Copy)]
enum Names {
    Two([TokRef; 2]),
    Listed { start: u32, end: u32 },
}

/// Why a record that loads can never match (the view shows it in `error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordWarning {
    /// `hostssl` with `ssl = off`.
    SslDisabled,
}

impl RecordWarning {
    pub fn message(self) -> &'static str {
        match self {
            RecordWarning::SslDisabled => "hostssl record cannot match because SSL is disabled",
        }
    }
}

/// `check_db` / `check_role` for a non-replication connection, without the catalog.
fn names_match(names: AuthNames<'_>, name: &str, database: bool) -> Match {
    let mut result = Match::No;
    for n in names {
        if n.is_keyword("all") {
            return Match::Yes;
        }
        let unknown = n.regex
            || (database
                && (n.is_keyword("sameuser")
                    || n.is_keyword("samerole")
                    || n.is_keyword("samegroup")))
            || (!database && !n.quoted && n.text.first() == Some(&b'+'));
        if database && n.is_keyword("replication") {
            continue;
        }
        if unknown {
            result = Match::Unknown;
        } else if n.text == name.as_bytes() {
            return Match::Yes;
        }
    }
    result
}

/// One row of `pg_hba_file_rules`. `rule_number` and `file_name` exist in 16+ only and are
/// left out of the JSON before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HbaRuleRow {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_number: Option<Option<u32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    pub line_number: u32,
    #[serde(rename = "type")]
    pub conn_type: Option<String>,
    pub database: Option<Vec<String>>,
    pub user_name: Option<Vec<String>>,
    pub address: Option<String>,
    pub netmask: Option<String>,
    pub auth_method: Option<String>,
    pub options: Option<Vec<String>>,
    pub error: Option<String>,
}

/// A loaded pg_hba.conf: every file read, the typed records, the view.
#[derive(Debug)]
pub struct HbaFile {
    pub version: PgVersion,
    pub sources: AuthSources,
    /// The tokenized lines in server order (after includes): [`HbaFile::lines`].
    lines: Lines,
    records: Vec<HbaRecord>,
    /// The option columns of the records that have any ([`HbaRecord`]'s `options`).
    record_options: Vec<RecordOptions>,
    /// The name tokens of records with more than one database or role ([`Names::Listed`]).
    name_tokens: Vec<TokRef>,
    /// The host names and IPv6 networks of the records ([`Address::Wide`]).
    wide_addresses: Vec<WideAddress>,
    /// Built on first use: only `show` and a few findings need them, and formatting every
    /// address into `String`s was a fifth of a load (the lines, records and failures hold
    /// everything a row says).
    rows: OnceLock<Vec<HbaRuleRow>>,
    /// The lines the server rejects: the line ([`HbaFile::line`]) and why.
    failures: Vec<(u32, LineError)>,
    load_ok: bool,
}

impl HbaFile {
    pub fn view_rows(&self) -> &[HbaRuleRow] {
        self.rows.get_or_init(|| self.rows().collect())
    }

    /// The `pg_hba_file_rules` rows, one per line in server order, each built when it is
    /// reached: `show` writes them one at a time instead of holding them all (about half of
    /// its memory on a big file). Each line is either a record (`records`, in line order) or
    /// a failure (`failures`, in line order).
    pub fn rows(&self) -> impl Iterator<Item = HbaRuleRow> + '_ {
        let new_cols = self.version.at_least(16);
        let mut records = self.records.iter().peekable();
        let mut failures = self.failures.iter().peekable();
        let mut rule_number = 0u32;
        self.numbered_lines().map(move |(index, line)| {
            let file_name =
                new_cols.then(|| self.sources.files[line.file as usize].display.clone());
            let mut row = HbaRuleRow {
                rule_number: None,
                file_name,
                line_number: line.line_number,
                conn_type: None,
                database: None,
                user_name: None,
                address: None,
                netmask: None,
                auth_method: None,
                options: None,
                error: None,
            };
            let record = records.next_if(|r| r.line == index);
            let err_msg = match record {
                Some(rec) => rec.warning.map(|w| w.message().to_string()),
                None => failures
                    .next_if(|(i, _)| *i == index)
                    .and_then(|(_, e)| e.in_view.then(|| e.message.clone())),
            };
            if err_msg.is_none() {
                rule_number += 1;
            }
            if new_cols {
                row.rule_number = Some(err_msg.is_none().then_some(rule_number));
            }
            row.error = err_msg;
            if let Some(rec) = record {
                self.fill_row(&mut row, rec);
            }
            row
        })
    }

    pub fn records(&self) -> &[HbaRecord] {
        &self.records
    }

    /// The tokenized line numbered `line` ([`HbaRecord::line`], [`HbaFile::failures`]); its
    /// error is not in it (see [`HbaFile::failures`]).
    pub fn line(&self, line: u32) -> Option<TokLine> {
        match &self.lines {
            Lines::AsWritten(file) => {
                let own = &self.sources.files[*file as usize].lines;
                let auth = own.lines.get(line as usize)?;
                let (start, end) = own.token_range(line as usize);
                // A line without fields is not a tokenized line unless the reader rejected it.
                if start == end && own.error(line as usize).is_none() {
                    return None;
                }
                Some(TokLine::as_written(*file, line, auth.line_number))
            }
            Lines::Listed(lines) => lines.get(line as usize).cloned(),
        }
    }

    /// The tokenized lines in server order (one per view row); errors as for
    /// [`HbaFile::line`].
    pub fn lines(&self) -> impl Iterator<Item = TokLine> + '_ {
        self.numbered_lines().map(|(_, line)| line)
    }

    /// [`HbaFile::lines`] with their numbers.
    fn numbered_lines(&self) -> impl Iterator<Item = (u32, TokLine)> + '_ {
        let count = match &self.lines {
            Lines::AsWritten(file) => self.sources.files[*file as usize].lines.lines.len(),
            Lines::Listed(lines) => lines.len(),
        };
        (0..count as u32).filter_map(|line| Some((line, self.line(line)?)))
    }

    /// The database column's names, in order.
    pub fn databases<'a>(&'a self, rec: &'a HbaRecord) -> AuthNames<'a> {
        self.names(&self.name_tokens(rec)[..rec.first_user as usize])
    }

    /// The role column's names, in order.
    pub fn users<'a>(&'a self, rec: &'a HbaRecord) -> AuthNames<'a> {
        self.names(&self.name_tokens(rec)[rec.first_user as usize..])
    }

    fn name_tokens<'a>(&'a self, rec: &'a HbaRecord) -> &'a [TokRef] {
        match &rec.names {
            Names::Two(tokens) => tokens,
            Names::Listed { start, end } => &self.name_tokens[*start as usize..*end as usize],
        }
    }

    fn names<'a>(&'a self, tokens: &'a [TokRef]) -> AuthNames<'a> {
        AuthNames {
            sources: &self.sources,
            regexes: self.version.at_least(16),
            tokens: tokens.iter(),
        }
    }

    /// The address column; `None` for `local`.
    pub fn address(&self, rec: &HbaRecord) -> Option<HbaAddress<'_>> {
        Some(match rec.address? {
            Address::All => HbaAddress::All,
            Address::SameHost => HbaAddress::SameHost,
            Address::SameNet => HbaAddress::SameNet,
            Address::V4 { addr, mask } => HbaAddress::Ip {
                addr: IpAddr::V4(addr.into()),
                mask: IpAddr::V4(mask.into()),
            },
            Address::Wide(i) => match &self.wide_addresses[i as usize] {
                WideAddress::Hostname(h) => HbaAddress::Hostname(h),
                WideAddress::V6 { addr, mask } => HbaAddress::Ip {
                    addr: IpAddr::V6(*addr),
                    mask: IpAddr::V6(*mask),
                },
            },
        })
    }

    /// Whether a TCP connection from `ip` for `database`/`user` (non-SSL-specific, not
    /// replication) matches `rec`, as far as the file alone tells.
    pub fn matches_tcp(&self, rec: &HbaRecord, ip: IpAddr, database: &str, user: &str) -> Match {
        if rec.conn_type == ConnType::Local {
            return Match::No;
        }
        let addr = match self.address(rec) {
            Some(HbaAddress::All) => Match::Yes,
            Some(HbaAddress::Ip { addr, mask }) => match (ip, addr, mask) {
                (IpAddr::V4(c), IpAddr::V4(a), IpAddr::V4(m)) => {
                    let (c, a, m) = (u32::from(c), u32::from(a), u32::from(m));
                    if c & m == a & m {
                        Match::Yes
                    } else {
                        Match::No
                    }
                }
                (IpAddr::V6(c), IpAddr::V6(a), IpAddr::V6(m)) => {
                    let (c, a, m) = (u128::from(c), u128::from(a), u128::from(m));
                    if c & m == a & m {
                        Match::Yes
                    } else {
                        Match::No
                    }
                }
                _ => Match::No,
            },
            _ => Match::Unknown,
        };
        let db = names_match(self.databases(rec), database, true);
        let us = names_match(self.users(rec), user, false);
        [addr, db, us]
            .into_iter()
            .fold(Match::Yes, |acc, m| match (acc, m) {
                (Match::No, _) | (_, Match::No) => Match::No,
                (Match::Unknown, _) | (_, Match::Unknown) => Match::Unknown,
                _ => Match::Yes,
            })
    }

    fn record_options(&self, rec: &HbaRecord) -> Option<&RecordOptions> {
        rec.options
            .and_then(|i| self.record_options.get(i as usize))
    }

    /// A record's option tokens as written (`name=value`), in order.
    pub fn option_tokens(&self, rec: &HbaRecord) -> &[TokRef] {
        self.record_options(rec).map_or(&[], |o| &o.tokens)
    }

    /// A record's `options` column.
    pub fn options(&self, rec: &HbaRecord) -> &[String] {
        self.record_options(rec).map_or(&[], |o| &o.column)
    }

    /// What the postmaster requires to load the file: no failing line and at least one rule.
    pub fn load_ok(&self) -> bool {
        self.load_ok
    }

    /// Every line the server rejects, in server order, with what it logs.
    pub fn failures(&self) -> impl Iterator<Item = (TokLine, &LineError)> {
        self.failures
            .iter()
            .filter_map(|(i, e)| Some((self.line(*i)?, e)))
    }

    /// The span of a token in its file.
    pub fn span(&self, at: TokRef) -> Span {
        self.sources.token(at).span
    }
}

/// Reads `path` (and its `@file`s and includes) as a server of `version` does.
/// `Err` only when the main file cannot be read.
pub fn load_hba(
    fs: &dyn FileSystem,
    path: &Path,
    version: PgVersion,
    opts: &HbaOptions,
) -> Result<HbaFile, AuthLoadError> {
    let (mut loader, main) = load::Loader::start(fs, path, version)?;
    let listed = loader.tokenize_main_if_changed(main);
    let sources = loader.sources;
    // Nearly every line is a record: sized once.
    let mut out = Parsed {
        records: Vec::with_capacity(match &listed {
            load::MainLines::AsWritten { with_fields } => *with_fields,
            load::MainLines::Listed(lines) => lines.len(),
        }),
        ..Parsed::default()
    };
    let mut failures = Vec::new();
    // A listed file's lines are moved into `Lines::Listed` after the loop, which takes their
    // errors out of them.
    let (lines, mut list) = match listed {
        load::MainLines::AsWritten { .. } => (Lines::AsWritten(main), Vec::new()),
        load::MainLines::Listed(list) => (Lines::Listed(Vec::new()), list),
    };
    // Each line with its number (`HbaFile::line`) and error, for either kind of lines: one
    // loop, so that `parse_hba_line` has one caller and is inlined (as a call it was ~25
    // instructions a record more).
    let own_source = &sources.files[main as usize];
    let own = &own_source.lines;
    let own_lines = match lines {
        Lines::AsWritten(_) => &own.lines[..],
        Lines::Listed(_) => &[],
    };
    // A line's fields are found here, from its tokens, rather than again from a `TokLine`.
    let own_lines = own_lines.iter().enumerate().filter_map(|(index, auth)| {
        let tokens = own.token_range(index);
        let fields = match own.error(index) {
            Some(e) => Err(LineError {
                message: e.message().to_string(),
                in_view: true,
                at: None,
            }),
            None if tokens.0 == tokens.1 => return None,
            None => Ok(own_source.fields_in(main, tokens)),
        };
        Some((index as u32, main, auth.line_number, fields))
    });
    let listed_lines = list.iter_mut().enumerate().map(|(index, line)| {
        let fields = match line.err.take() {
            Some(e) => Err(LineError {
                message: e.message,
                in_view: true,
                at: e.at,
            }),
            None => Ok(sources.line_field_iter(line)),
        };
        (index as u32, line.file, line.line_number, fields)
    });
    for (index, file, line_number, fields) in own_lines.chain(listed_lines) {
        let parsed = fields.and_then(|fields| {
            let line = (file, line_number, index);
            parse_hba_line(&sources, fields, line, version, opts, &mut out)
        });
        if let Err(e) = parsed {
            failures.push((index, e));
        }
    }
    let lines = match lines {
        Lines::Listed(_) => Lines::Listed(list),
        as_written => as_written,
    };
    let load_ok = failures.is_empty() && !out.records.is_empty();
    Ok(HbaFile {
        version,
        sources,
        lines,
        records: out.records,
        record_options: out.options,
        name_tokens: out.name_tokens,
        wide_addresses: out.wide_addresses,
        rows: OnceLock::new(),
        failures,
        load_ok,
    })
}

/// The records [`parse_hba_line`] makes, and their side tables.
#[derive(Default)]
struct Parsed {
    records: Vec<HbaRecord>,
    options: Vec<RecordOptions>,
    name_tokens: Vec<TokRef>,
    wide_addresses: Vec<WideAddress>,
}

impl Parsed {
    /// A network, in place when it is IPv4; `None` when address and mask are not of one
    /// family.
    fn network(&mut self, addr: IpAddr, mask: IpAddr) -> Option<Address> {
        match (addr, mask) {
            (IpAddr::V4(addr), IpAddr::V4(mask)) => Some(Address::V4 {
                addr: addr.into(),
                mask: mask.into(),
            }),
            (IpAddr::V6(addr), IpAddr::V6(mask)) => Some(self.wide(WideAddress::V6 { addr, mask })),
            _ => None,
        }
    }

    fn wide(&mut self, address: WideAddress) -> Address {
        self.wide_addresses.push(address);
        Address::Wide((self.wide_addresses.len() - 1) as u32)
    }
}

impl HbaFile {
    fn fill_row(&self, row: &mut HbaRuleRow, rec: &HbaRecord) {
        row.conn_type = Some(rec.conn_type.name().to_string());
        row.database = Some(self.databases(rec).map(|n| lossy(n.text)).collect());
        row.user_name = Some(self.users(rec).map(|n| lossy(n.text)).collect());
        match self.address(rec) {
            None => {}
            Some(HbaAddress::All) => row.address = Some("all".into()),
            Some(HbaAddress::SameHost) => row.address = Some("samehost".into()),
            Some(HbaAddress::SameNet) => row.address = Some("samenet".into()),
            Some(HbaAddress::Hostname(h)) => row.address = Some(h.to_string()),
            Some(HbaAddress::Ip { addr, mask }) => {
                row.address = Some(format_ip(addr));
                row.netmask = Some(format_ip(mask));
            }
        }
        row.auth_method = Some(rec.method.name().to_string());
        let options = self.options(rec);
        row.options = (!options.is_empty()).then(|| options.to_vec());
    }
}

fn lossy(b: &[u8]) -> String {
    crate::source::text::escape_bytes(b)
}

/// Option values gathered by `parse_hba_auth_opt`.
#[derive(Default)]
struct OptState {
    usermap: Option<String>,
    clientcert: ClientCert,
    pamservice: Option<String>,
    ldapserver: Option<String>,
    ldapport: i64,
    ldapscheme: Option<String>,
    ldaptls: bool,
    ldapprefix: Option<String>,
    ldapsuffix: Option<String>,
    ldapbasedn: Option<String>,
    ldapbinddn: Option<String>,
    ldapbindpasswd: Option<String>,
    ldapsearchattribute: Option<String>,
    ldapsearchfilter: Option<String>,
    ldapscope: i64,
    krb_realm: Option<String>,
    include_realm: bool,
    radiusservers: Option<(String, usize)>,
    radiussecrets: Option<(String, usize)>,
    radiusports: Option<(String, usize)>,
    radiusidentifiers: Option<(String, usize)>,
    issuer: Option<String>,
    scope: Option<String>,
    validator: Option<String>,
    delegate_ident_mapping: bool,
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum ClientCert {
    #[default]
    Off,
    Ca,
    Full,
}

/// Why the server rejects a line: a tokenizer error or `parse_hba_line` returning NULL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// What the server logs (`errmsg`).
    pub message: String,
    /// Whether `pg_hba_file_rules.error` shows it. Some checks only log and leave `err_msg`
    /// unset (the view then shows a row of nulls with a rule number).
    pub in_view: bool,
    /// The token the error is about; `None` for the line as a whole (a missing field).
    pub at: Option<TokRef>,
}

impl LineError {
    /// Points the error at `tok` unless it already points somewhere.
    fn or_at(mut self, tok: TokRef) -> Self {
        self.at.get_or_insert(tok);
        self
    }
}

type LineResult<T> = Result<T, LineError>;

fn fail<T>(msg: impl Into<String>) -> LineResult<T> {
    Err(LineError {
        message: msg.into(),
        in_view: true,
        at: None,
    })
}

fn fail_at<T>(tok: TokRef, msg: impl Into<String>) -> LineResult<T> {
    fail(msg).map_err(|e| e.or_at(tok))
}

/// A failure the server logs without setting `err_msg`.
fn log_only<T>(msg: impl Into<String>) -> LineResult<T> {
    Err(LineError {
        message: msg.into(),
        in_view: false,
        at: None,
    })
}

/// `parse_hba_line`: the record of a line with fields `fields` pushed to `out`, with what
/// does not fit it in `out`'s side tables. `line` is the line's file, its number in that
/// file and its number in [`HbaFile::line`]. Pushed rather than returned: a record moved
/// through a `Result` and then into the list was a `memcpy` more per record.
fn parse_hba_line(
    src: &AuthSources,
    mut fields: load::LineFieldIter<'_>,
    (file, line_number, index): (u32, u32, u32),
    version: PgVersion,
    opts: &HbaOptions,
    out: &mut Parsed,
) -> LineResult<()> {
    let v = version.major();
    let Some(tokens) = fields.next() else {
        return fail("end-of-line before database specification");
    };
    let ct = match tokens.single(src) {
        Ok(tok) => tok,
        Err(second) => return fail_at(second, "multiple values specified for connection type"),
    };
    let (ct_tok, ct_text) = (ct.at, ct.text());
    let mut warning = None;
    // Compared with `==`, a word at a time, as in `parse_method`.
    let conn_type = match ct_text {
        t if t == b"local" => ConnType::Local,
        t if t == b"host" => ConnType::Host,
        t if t == b"hostssl" => {
            if !opts.ssl_enabled {
                warning = Some(RecordWarning::SslDisabled);
            }
            ConnType::HostSsl
        }
        t if t == b"hostnossl" => ConnType::HostNoSsl,
        t if t == b"hostgssenc" => ConnType::HostGssEnc,
        t if t == b"hostnogssenc" => ConnType::HostNoGssEnc,
        other => {
            return fail_at(
                ct_tok,
                format!("invalid connection type \"{}\"", lossy(other)),
            );
        }
    };

    // The database names are checked before the role column is looked for, as the server
    // does (a bad regex there is reported rather than a missing column).
    let missing_db = "end-of-line before database specification";
    let Some(db_tokens) = fields.next() else {
        return fail(missing_db);
    };
    let first_db = names_column(src, db_tokens, version, missing_db)?;
    let missing_role = "end-of-line before role specification";
    let Some(user_tokens) = fields.next() else {
        return fail(missing_role);
    };
    let first_role = names_column(src, user_tokens, version, missing_role)?;
    let names = if db_tokens.len() == 1 && user_tokens.len() == 1 {
        Names::Two([first_db, first_role])
    } else {
        let start = out.name_tokens.len() as u32;
        out.name_tokens
            .extend(db_tokens.iter().chain(user_tokens.iter()));
        Names::Listed {
            start,
            end: out.name_tokens.len() as u32,
        }
    };
    let first_user = db_tokens.len() as u32;

    let mut address = None;
    let (mut address_at, mut mask_at) = (None, None);
    if conn_type != ConnType::Local {
        let Some(tokens) = fields.next() else {
            return fail("end-of-line before IP address specification");
        };
        let address_tok = match tokens.single(src) {
            Ok(tok) => tok,
            Err(second) => return fail_at(second, "multiple values specified for host address"),
        };
        let tok = address_tok.at;
        address_at = Some(tok);
        // Nearly every address of a big file is a plain IPv4 network (`10.1.2.0/24`), read
        // in one pass: what the reading below makes of it. Bytes that read so have no quote
        // and no line joint, so they are the token's text (not looked up: a call), and no
        // keyword.
        address = Some(
            if let Some((addr, mask)) = plain_ipv4_network(address_tok.written()) {
                Address::V4 { addr, mask }
            } else {
                let (text, quoted) = (address_tok.text(), address_tok.quoted());
                if !quoted && text == b"all" {
                    Address::All
                } else if !quoted && text == b"samehost" {
                    Address::SameHost
                } else if !quoted && text == b"samenet" {
                    Address::SameNet
                } else {
                    let slash = text.iter().position(|&c| c == b'/');
                    let host = &text[..slash.unwrap_or(text.len())];
                    match parse_numeric_host(host) {
                        Numeric::NoName => {
                            if slash.is_some() {
                                return fail_at(
                                    tok,
                                    format!(
                                        "specifying both host name and CIDR mask is invalid: \"{}\"",
                                        lossy(text)
                                    ),
                                );
                            }
                            out.wide(WideAddress::Hostname(lossy(host)))
                        }
                        Numeric::Ip(addr) => match slash {
                            Some(i) => match cidr_mask(&text[i + 1..], addr.is_ipv6())
                                .and_then(|mask| out.network(addr, mask))
                            {
                                Some(network) => network,
                                None => {
                                    return fail_at(
                                        tok,
                                        format!("invalid CIDR mask in address \"{}\"", lossy(text)),
                                    );
                                }
                            },
                            None => {
                                let Some(tokens) = fields.next() else {
                                    return fail("end-of-line before netmask specification");
                                };
                                let (mask_tok, mtext) = match tokens.single(src) {
                                    Ok(tok) => (tok.at, tok.text()),
                                    Err(second) => {
                                        return fail_at(
                                            second,
                                            "multiple values specified for netmask",
                                        );
                                    }
                                };
                                mask_at = Some(mask_tok);
                                let mask = match parse_numeric_host(mtext) {
                                    Numeric::Ip(m) => m,
                                    Numeric::NoName => {
                                        return fail_at(
                                            mask_tok,
                                            format!(
                                                "invalid IP mask \"{}\": Name or service not known",
                                                lossy(mtext)
                                            ),
                                        );
                                    }
                                };
                                let Some(network) = out.network(addr, mask) else {
                                    return fail_at(mask_tok, "IP address and mask do not match");
                                };
                                network
                            }
                        },
                    }
                }
            },
        );
    }

    let Some(tokens) = fields.next() else {
        return fail("end-of-line before authentication method");
    };
    let method_name = match tokens.single(src) {
        Ok(tok) => tok,
        Err(second) => {
            return fail_at(second, "multiple values specified for authentication type");
        }
    };
    let method_tok = method_name.at;
    let method = parse_method(method_name, conn_type, v, opts).map_err(|e| e.or_at(method_tok))?;
    // Nearly every record has no option column and a method that shows none: nothing is
    // collected or checked for it then.
    let options = if fields.len() == 0 && shows_no_options(method) {
        None
    } else {
        let tokens: Box<[TokRef]> = fields.flat_map(FieldTokens::iter).collect();
        let column = parse_options(src, &tokens, conn_type, method, v, opts)
            .map_err(|e| e.or_at(method_tok))?;
        (!tokens.is_empty() || !column.is_empty()).then(|| {
            out.options.push(RecordOptions { tokens, column });
            (out.options.len() - 1) as u32
        })
    };
    out.records.push(HbaRecord {
        file,
        line_number,
        conn_type,
        names,
        first_user,
        address,
        method,
        options,
        warning,
        line: index,
        address_at,
        mask_at,
        method_at: method_tok,
    });
    Ok(())
}

/// The option columns (`parse_hba_auth_opt` for each, then the method's checks): the
/// `options` column. An error about a single option points at its token.
fn parse_options(
    src: &AuthSources,
    option_tokens: &[TokRef],
    conn_type: ConnType,
    method: AuthMethod,
    v: u8,
    opts: &HbaOptions,
) -> LineResult<Vec<String>> {
    let mut st = OptState {
        include_realm: matches!(method, AuthMethod::Gss | AuthMethod::Sspi),
        ..OptState::default()
    };
    for &tok in option_tokens {
        let text = src.text(tok);
        let Some(eq) = text.iter().position(|&c| c == b'=') else {
            return fail_at(
                tok,
                format!(
                    "authentication option not in name=value format: {}",
                    lossy(text)
                ),
            );
        };
        parse_auth_opt(&text[..eq], &text[eq + 1..], conn_type, method, v, &mut st)
            .map_err(|e| e.or_at(tok))?;
    }
    check_required(method, v, &mut st, opts)?;
    if method == AuthMethod::Cert {
        st.clientcert = ClientCert::Full;
    }
    Ok(option_column(method, &st))
}

/// The methods that require no option and show none by default: a record of one of them
/// without options (nearly every record) needs no [`OptState`], whose 25 fields were built,
/// checked and dropped for each. A test holds this to [`parse_options`].
fn shows_no_options(method: AuthMethod) -> bool {
    use AuthMethod as M;
    matches!(
        method,
        M::Trust | M::Reject | M::Ident | M::Peer | M::Password | M::Md5 | M::ScramSha256 | M::Pam
    )
}

/// The method column and its fit with the connection type.
fn parse_method(
    name: TokenAt<'_>,
    conn_type: ConnType,
    v: u8,
    opts: &HbaOptions,
) -> LineResult<AuthMethod> {
    // No method's name has a quote or a line joint: a token whose bytes in the file are one
    // is that name, and its text (a call to look up) is needed only when they are not.
    let named =
        method_named(name.written(), v, opts).or_else(|| method_named(name.text(), v, opts));
    let Some(mut method) = named else {
        return Err(invalid_method(name.text()));
    };
    if conn_type == ConnType::Local && method == AuthMethod::Ident {
        method = AuthMethod::Peer;
    }
    if conn_type == ConnType::Local && method == AuthMethod::Gss {
        return fail("gssapi authentication is not supported on local sockets");
    }
    if conn_type != ConnType::Local && method == AuthMethod::Peer {
        return fail("peer authentication is only supported on local sockets");
    }
    if conn_type != ConnType::HostSsl && method == AuthMethod::Cert {
        return fail("cert authentication is only supported on hostssl connections");
    }
    Ok(method)
}

/// The method a method column's text names, if this server takes it.
#[inline(always)]
fn method_named(mtext: &[u8], v: u8, opts: &HbaOptions) -> Option<AuthMethod> {
    // Each name compared with `==` rather than as a byte-string pattern: a pattern is
    // compared a byte at a time (26 instructions for `scram-sha-256`), `==` with a name of
    // known length a word at a time.
    Some(match mtext {
        m if m == b"trust" => AuthMethod::Trust,
        m if m == b"ident" => AuthMethod::Ident,
        m if m == b"peer" => AuthMethod::Peer,
        m if m == b"password" => AuthMethod::Password,
        m if m == b"gss" => AuthMethod::Gss,
        m if m == b"reject" => AuthMethod::Reject,
        m if m == b"md5" && !(opts.db_user_namespace && v <= 16) => AuthMethod::Md5,
        m if m == b"scram-sha-256" => AuthMethod::ScramSha256,
        m if m == b"pam" => AuthMethod::Pam,
        m if m == b"ldap" => AuthMethod::Ldap,
        m if m == b"cert" => AuthMethod::Cert,
        m if m == b"radius" => AuthMethod::Radius,
        m if m == b"oauth" && v >= 18 => AuthMethod::OAuth,
        _ => return None,
    })
}

/// A database or role column: each name checked ([`name`]); its first token.
#[inline(always)]
fn names_column(
    src: &AuthSources,
    tokens: FieldTokens<'_>,
    version: PgVersion,
    missing_message: &str,
) -> LineResult<TokRef> {
    // A field is never empty; the message is the server's for a missing column.
    let Some(first) = tokens.token(0, src) else {
        return fail(missing_message);
    };
    name(src, first, version)?;
    for i in 1..tokens.len() {
        if let Some(t) = tokens.token(i, src) {
            name(src, t, version)?;
        }
    }
    Ok(first.at)
}

/// A database or role token; 16+ compiles `/regex` tokens (`regcomp_auth_token`). The
/// record keeps the token: [`AuthNames`] reads the name from it. Always inlined: as a
/// call, its `LineResult` was written and tested for every name (~20 instructions).
#[inline(always)]
fn name(src: &AuthSources, t: TokenAt<'_>, version: PgVersion) -> LineResult<()> {
    // Only a name starting with `/` needs its text, and nearly none does.
    if version.at_least(16) && t.first_byte() == Some(b'/') {
        return regex_name(src, t.at);
    }
    Ok(())
}

/// [`name`] for a `/regex` token. Out of line and cold: its message made the frame of
/// every name.
#[cold]
#[inline(never)]
fn regex_name(src: &AuthSources, t: TokRef) -> LineResult<()> {
    let text = src.text(t);
    if let Some(pattern) = text.strip_prefix(b"/")
        && let Err(e) = regex::check(pattern)
    {
        return fail_at(
            t,
            format!("invalid regular expression \"{}\": {}", lossy(pattern), e),
        );
    }
    Ok(())
}

/// Why the server refuses a method name [`parse_method`] does not take. Out of line: the
/// messages made `parse_method`'s frame, set up for every record, a third of its cost.
#[cold]
fn invalid_method(mtext: &[u8]) -> LineError {
    let message = match mtext {
        // Refused only with `db_user_namespace` (12–16), `parse_method`'s guard.
        b"md5" => {
            "MD5 authentication is not supported when \"db_user_namespace\" is enabled".into()
        }
        b"sspi" | b"bsd" => format!(
            "invalid authentication method \"{}\": not supported by this build",
            lossy(mtext)
        ),
        other => format!("invalid authentication method \"{}\"", lossy(other)),
    };
    LineError {
        message,
        in_view: true,
        at: None,
    }
}

fn invalid_option(name: &str, methods: &str) -> LineResult<()> {
    fail(format!(
        "authentication option \"{name}\" is only valid for authentication methods {methods}"
    ))
}

fn require(method: AuthMethod, want: AuthMethod, name: &str, methods: &str) -> LineResult<()> {
    if method != want {
        return invalid_option(name, methods);
    }
    Ok(())
}

/// C `atoi`: leading white space, a sign, digits; anything else stops it.
fn atoi(s: &[u8]) -> i64 {
    let (neg, mut i) = crate::model::value::number::c_sign_prefix(s);
    let mut v: i64 = 0;
    while let Some(c) = s.get(i).filter(|c| c.is_ascii_digit()) {
        v = v.wrapping_mul(10).wrapping_add(i64::from(c - b'0'));
        i += 1;
    }
    let v = if neg { -v } else { v };
    // atoi returns an int: the server truncates to 32 bits.
    i64::from(v as i32)
}

/// `SplitGUCList`: comma-separated, white space trimmed, double quotes allowed; `None` on a
/// syntax error. Only the element count is needed.
fn split_guc_list(s: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut i = 0;
    let n = s.len();
    let ws = |c: u8| c.is_ascii_whitespace();
    while i < n && ws(s[i]) {
        i += 1;
    }
    if i == n {
        return Some(out);
    }
    loop {
        let mut item = Vec::new();
        if s.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match s.get(i) {
                    None => return None,
                    Some(b'"') if s.get(i + 1) == Some(&b'"') => {
                        item.push(b'"');
                        i += 2;
                    }
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        item.push(c);
                        i += 1;
                    }
                }
            }
        } else {
            let start = i;
            while i < n && s[i] != b',' && !ws(s[i]) {
                i += 1;
            }
            if i == start {
                return None;
            }
            item.extend_from_slice(&s[start..i]);
        }
        while i < n && ws(s[i]) {
            i += 1;
        }
        out.push(item);
        if i == n {
            return Some(out);
        }
        if s[i] != b',' {
            return None;
        }
        i += 1;
        while i < n && ws(s[i]) {
            i += 1;
        }
    }
}

/// `parse_hba_auth_opt`.
fn parse_auth_opt(
    name: &[u8],
    val: &[u8],
    conn_type: ConnType,
    method: AuthMethod,
    v: u8,
    st: &mut OptState,
) -> LineResult<()> {
    use AuthMethod as M;
    // USE_LDAP builds reset the scope on every option.
    st.ldapscope = 2;
    let sval = lossy(val);
    match name {
        b"map" => {
            let ok = matches!(method, M::Ident | M::Peer | M::Gss | M::Sspi | M::Cert)
                || (v >= 18 && method == M::OAuth);
            if !ok {
                return invalid_option(
                    "map",
                    if v >= 18 {
                        "ident, peer, gssapi, sspi, cert, and oauth"
                    } else {
                        "ident, peer, gssapi, sspi, and cert"
                    },
                );
            }
            st.usermap = Some(sval);
        }
        b"clientcert" => {
            if conn_type != ConnType::HostSsl {
                return fail("clientcert can only be configured for \"hostssl\" rows");
            }
            if v >= 14 {
                match val {
                    b"verify-full" => st.clientcert = ClientCert::Full,
                    b"verify-ca" => {
                        if method == M::Cert {
                            return fail(
                                "clientcert can only be set to \"verify-full\" when using \"cert\" authentication",
                            );
                        }
                        st.clientcert = ClientCert::Ca;
                    }
                    _ => return log_only(format!("invalid value for clientcert: \"{sval}\"")),
                }
            } else {
                match val {
                    b"1" | b"verify-ca" => st.clientcert = ClientCert::Ca,
                    b"verify-full" => st.clientcert = ClientCert::Full,
                    b"0" | b"no-verify" => {
                        if method == M::Cert {
                            return fail(if v == 12 {
                                "clientcert can not be set to \"no-verify\" when using \"cert\" authentication"
                            } else {
                                "clientcert cannot be set to \"no-verify\" when using \"cert\" authentication"
                            });
                        }
                        st.clientcert = ClientCert::Off;
                    }
                    _ => return log_only(format!("invalid value for clientcert: \"{sval}\"")),
                }
            }
        }
        b"clientname" if v >= 14 => {
            if conn_type != ConnType::HostSsl {
                return fail("clientname can only be configured for \"hostssl\" rows");
            }
            if !matches!(val, b"CN" | b"DN") {
                return log_only(format!("invalid value for clientname: \"{sval}\""));
            }
        }
        b"pamservice" => {
            require(method, M::Pam, "pamservice", "pam")?;
            st.pamservice = Some(sval);
        }
        b"pam_use_hostname" => require(method, M::Pam, "pam_use_hostname", "pam")?,
        b"ldapurl" => {
            require(method, M::Ldap, "ldapurl", "ldap")?;
            parse_ldap_url(val, st)?;
        }
        b"ldaptls" => {
            require(method, M::Ldap, "ldaptls", "ldap")?;
            st.ldaptls = val == b"1";
        }
        b"ldapscheme" => {
            require(method, M::Ldap, "ldapscheme", "ldap")?;
            st.ldapscheme = Some(sval);
        }
        b"ldapserver" => {
            require(method, M::Ldap, "ldapserver", "ldap")?;
            st.ldapserver = Some(sval);
        }
        b"ldapport" => {
            require(method, M::Ldap, "ldapport", "ldap")?;
            st.ldapport = atoi(val);
            if st.ldapport == 0 {
                return fail(format!("invalid LDAP port number: \"{sval}\""));
            }
        }
        b"ldapbinddn" => {
            require(method, M::Ldap, "ldapbinddn", "ldap")?;
            st.ldapbinddn = Some(sval);
        }
        b"ldapbindpasswd" => {
            require(method, M::Ldap, "ldapbindpasswd", "ldap")?;
            st.ldapbindpasswd = Some(sval);
        }
        b"ldapsearchattribute" => {
            require(method, M::Ldap, "ldapsearchattribute", "ldap")?;
            st.ldapsearchattribute = Some(sval);
        }
        b"ldapsearchfilter" => {
            require(method, M::Ldap, "ldapsearchfilter", "ldap")?;
            st.ldapsearchfilter = Some(sval);
        }
        b"ldapbasedn" => {
            require(method, M::Ldap, "ldapbasedn", "ldap")?;
            st.ldapbasedn = Some(sval);
        }
        b"ldapprefix" => {
            require(method, M::Ldap, "ldapprefix", "ldap")?;
            st.ldapprefix = Some(sval);
        }
        b"ldapsuffix" => {
            require(method, M::Ldap, "ldapsuffix", "ldap")?;
            st.ldapsuffix = Some(sval);
        }
        b"krb_realm" => {
            if !matches!(method, M::Gss | M::Sspi) {
                return invalid_option("krb_realm", "gssapi and sspi");
            }
            st.krb_realm = Some(sval);
        }
        b"include_realm" => {
            if !matches!(method, M::Gss | M::Sspi) {
                return invalid_option("include_realm", "gssapi and sspi");
            }
            st.include_realm = val == b"1";
        }
        b"compat_realm" | b"upn_username" => {
            if method != M::Sspi {
                return invalid_option(&lossy(name), "sspi");
            }
        }
        b"radiusservers" => {
            require(method, M::Radius, "radiusservers", "radius")?;
            let Some(list) = split_guc_list(val) else {
                return log_only(format!("could not parse RADIUS server list \"{sval}\""));
            };
            for server in &list {
                if !radius_server_resolves(server) {
                    return log_only(format!(
                        "could not translate RADIUS server name \"{}\" to address: Name or service not known",
                        lossy(server)
                    ));
                }
            }
            st.radiusservers = Some((sval, list.len()));
        }
        b"radiusports" => {
            require(method, M::Radius, "radiusports", "radius")?;
            let Some(list) = split_guc_list(val) else {
                return fail(format!("invalid RADIUS port number: \"{sval}\""));
            };
            if list.iter().any(|p| atoi(p) == 0) {
                return log_only(format!("invalid RADIUS port number: \"{sval}\""));
            }
            st.radiusports = Some((sval, list.len()));
        }
        b"radiussecrets" => {
            require(method, M::Radius, "radiussecrets", "radius")?;
            let Some(list) = split_guc_list(val) else {
                return log_only(format!("could not parse RADIUS secret list \"{sval}\""));
            };
            st.radiussecrets = Some((sval, list.len()));
        }
        b"radiusidentifiers" => {
            require(method, M::Radius, "radiusidentifiers", "radius")?;
            let Some(list) = split_guc_list(val) else {
                return log_only(format!(
                    "could not parse RADIUS identifiers list \"{sval}\""
                ));
            };
            st.radiusidentifiers = Some((sval, list.len()));
        }
        b"issuer" if v >= 18 => {
            require(method, M::OAuth, "issuer", "oauth")?;
            st.issuer = Some(sval);
        }
        b"scope" if v >= 18 => {
            require(method, M::OAuth, "scope", "oauth")?;
            st.scope = Some(sval);
        }
        b"validator" if v >= 18 => {
            require(method, M::OAuth, "validator", "oauth")?;
            st.validator = Some(sval);
        }
        b"delegate_ident_mapping" if v >= 18 => {
            require(method, M::OAuth, "delegate_ident_mapping", "oauth")?;
            st.delegate_ident_mapping = val == b"1";
        }
        _ => {
            return fail(format!(
                "unrecognized authentication option name: \"{}\"",
                lossy(name)
            ));
        }
    }
    Ok(())
}

/// The server resolves each RADIUS server with `getaddrinfo` at load time. pgconf does no
/// DNS: numeric addresses and names are accepted, except the reserved `.invalid` domain.
fn radius_server_resolves(name: &[u8]) -> bool {
    if matches!(parse_numeric_host(name), Numeric::Ip(_)) {
        return true;
    }
    let lower = name.to_ascii_lowercase();
    !(name.is_empty() || lower.ends_with(b".invalid") || lower == b"invalid")
}

/// OpenLDAP `ldap_url_parse` (simplified): `ldap[s]://host[:port]/basedn?attrs?scope?filter`.
fn parse_ldap_url(val: &[u8], st: &mut OptState) -> LineResult<()> {
    let s = lossy(val);
    let err = |code: &str| fail(format!("could not parse LDAP URL \"{s}\": {code}"));
    let trimmed = s
        .strip_prefix('<')
        .and_then(|x| x.strip_suffix('>'))
        .unwrap_or(&s);
    let trimmed = trimmed.strip_prefix("URL:").unwrap_or(trimmed);
    let Some(sep) = trimmed.find("://") else {
        return err("Time limit exceeded");
    };
    let scheme = trimmed[..sep].to_ascii_lowercase();
    if !matches!(scheme.as_str(), "ldap" | "ldaps" | "ldapi") {
        return err("Time limit exceeded");
    }
    if scheme == "ldapi" {
        return fail(format!("unsupported LDAP URL scheme: {scheme}"));
    }
    let rest = &trimmed[sep + 3..];
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let (host, port) = match hostport.rfind(':') {
        Some(i) if !hostport.starts_with('[') || hostport[..i].ends_with(']') => {
            let p: i64 = hostport[i + 1..].parse().unwrap_or(0);
            (&hostport[..i], p)
        }
        _ => (hostport, 0),
    };
    let port = if port == 0 {
        if scheme == "ldaps" { 636 } else { 389 }
    } else {
        port
    };
    st.ldapscheme = Some(scheme);
    if !host.is_empty() {
        st.ldapserver = Some(host.to_string());
    }
    st.ldapport = port;
    st.ldapscope = 0;
    if let Some(path) = path {
        let mut parts = path.splitn(4, '?');
        let dn = parts.next().unwrap_or("");
        if !dn.is_empty() {
            st.ldapbasedn = Some(pct_decode(dn));
        }
        if let Some(attrs) = parts.next()
            && !attrs.is_empty()
        {
            st.ldapsearchattribute = attrs.split(',').next().map(pct_decode);
        }
        if let Some(scope) = parts.next() {
            st.ldapscope = match scope.to_ascii_lowercase().as_str() {
                "" | "base" => 0,
                "one" | "onelevel" => 1,
                "sub" | "subtree" => 2,
                "children" | "subordinate" => 3,
                _ => return err("Strong(er) authentication required"),
            };
        }
        if let Some(filter) = parts.next() {
            let f = filter.split('?').next().unwrap_or("");
            if !f.is_empty() {
                st.ldapsearchfilter = Some(pct_decode(f));
            }
        }
    }
    Ok(())
}

fn pct_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (
                (b[i + 1] as char).to_digit(16),
                (b[i + 2] as char).to_digit(16),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    crate::source::text::escape_bytes(&out)
}

/// The per-method checks after all options (`MANDATORY_AUTH_ARG` and friends).
fn check_required(
    method: AuthMethod,
    v: u8,
    st: &mut OptState,
    opts: &HbaOptions,
) -> LineResult<()> {
    match method {
        AuthMethod::Ldap => {
            if st.ldapprefix.is_some() || st.ldapsuffix.is_some() {
                if st.ldapbasedn.is_some()
                    || st.ldapbinddn.is_some()
                    || st.ldapbindpasswd.is_some()
                    || st.ldapsearchattribute.is_some()
                    || st.ldapsearchfilter.is_some()
                {
                    return fail(if v >= 18 {
                        "cannot mix options for simple bind and search+bind modes"
                    } else {
                        "cannot use ldapbasedn, ldapbinddn, ldapbindpasswd, ldapsearchattribute, ldapsearchfilter, or ldapurl together with ldapprefix"
                    });
                }
            } else if st.ldapbasedn.is_none() {
                return fail(
                    "authentication method \"ldap\" requires argument \"ldapbasedn\", \"ldapprefix\", or \"ldapsuffix\" to be set",
                );
            }
            if st.ldapsearchattribute.is_some() && st.ldapsearchfilter.is_some() {
                return fail("cannot use ldapsearchattribute together with ldapsearchfilter");
            }
        }
        AuthMethod::Radius => {
            let Some((_, nserv)) = &st.radiusservers else {
                return fail(
                    "authentication method \"radius\" requires argument \"radiusservers\" to be set",
                );
            };
            let Some((_, nsec)) = &st.radiussecrets else {
                return fail(
                    "authentication method \"radius\" requires argument \"radiussecrets\" to be set",
                );
            };
            if *nserv == 0 {
                return fail("list of RADIUS servers cannot be empty");
            }
            if *nsec == 0 {
                return fail("list of RADIUS secrets cannot be empty");
            }
            let count_ok = |n: usize, zero_ok: bool| (zero_ok && n == 0) || n == 1 || n == *nserv;
            let checks = [
                ("secrets", Some(*nsec), false),
                ("ports", st.radiusports.as_ref().map(|p| p.1), true),
                (
                    "identifiers",
                    st.radiusidentifiers.as_ref().map(|p| p.1),
                    true,
                ),
            ];
            for (what, n, zero_ok) in checks {
                let n = n.unwrap_or(0);
                if !count_ok(n, zero_ok) {
                    let message = format!(
                        "the number of RADIUS {what} ({n}) must be 1 or the same as the number of RADIUS servers ({nserv})"
                    );
                    // 12–13 only log the mismatch; the line still fails.
                    if v <= 13 {
                        return log_only(message);
                    }
                    return fail(message);
                }
            }
        }
        AuthMethod::OAuth => {
            if st.scope.is_none() {
                return fail(
                    "authentication method \"oauth\" requires argument \"scope\" to be set",
                );
            }
            if st.issuer.is_none() {
                return fail(
                    "authentication method \"oauth\" requires argument \"issuer\" to be set",
                );
            }
            let libs: Vec<&str> = opts
                .oauth_validator_libraries
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .collect();
            if libs.is_empty() {
                return fail(
                    "oauth_validator_libraries must be set for authentication method oauth",
                );
            }
            match &st.validator {
                None if libs.len() == 1 => st.validator = Some(libs[0].to_string()),
                None => {
                    return fail(
                        "authentication method \"oauth\" requires argument \"validator\" to be set when \"oauth_validator_libraries\" contains multiple options",
                    );
                }
                Some(val) if libs.contains(&val.as_str()) => {}
                Some(val) => {
                    return fail(format!(
                        "validator \"{val}\" is not permitted by oauth_validator_libraries"
                    ));
                }
            }
            if st.delegate_ident_mapping && st.usermap.is_some() {
                return fail("map cannot be used in combination with delegate_ident_mapping");
            }
        }
        _ => {}
    }
    Ok(())
}

/// `get_hba_options` (hbafuncs.c): the `options` column.
fn option_column(method: AuthMethod, st: &OptState) -> Vec<String> {
    let mut o = Vec::new();
    if matches!(method, AuthMethod::Gss | AuthMethod::Sspi) {
        if st.include_realm {
            o.push("include_realm=true".to_string());
        }
        if let Some(r) = &st.krb_realm {
            o.push(format!("krb_realm={r}"));
        }
    }
    if let Some(m) = &st.usermap {
        o.push(format!("map={m}"));
    }
    match st.clientcert {
        ClientCert::Off => {}
        ClientCert::Ca => o.push("clientcert=verify-ca".into()),
        ClientCert::Full => o.push("clientcert=verify-full".into()),
    }
    if let Some(p) = &st.pamservice {
        o.push(format!("pamservice={p}"));
    }
    if method == AuthMethod::Ldap {
        if let Some(x) = &st.ldapserver {
            o.push(format!("ldapserver={x}"));
        }
        if st.ldapport != 0 {
            o.push(format!("ldapport={}", st.ldapport));
        }
        if let Some(x) = &st.ldapscheme {
            o.push(format!("ldapscheme={x}"));
        }
        if st.ldaptls {
            o.push("ldaptls=true".into());
        }
        for (k, v) in [
            ("ldapprefix", &st.ldapprefix),
            ("ldapsuffix", &st.ldapsuffix),
            ("ldapbasedn", &st.ldapbasedn),
            ("ldapbinddn", &st.ldapbinddn),
            ("ldapbindpasswd", &st.ldapbindpasswd),
            ("ldapsearchattribute", &st.ldapsearchattribute),
            ("ldapsearchfilter", &st.ldapsearchfilter),
        ] {
            if let Some(v) = v {
                o.push(format!("{k}={v}"));
            }
        }
        if st.ldapscope != 0 {
            o.push(format!("ldapscope={}", st.ldapscope));
        }
    }
    if method == AuthMethod::Radius {
        for (k, v) in [
            ("radiusservers", &st.radiusservers),
            ("radiussecrets", &st.radiussecrets),
            ("radiusidentifiers", &st.radiusidentifiers),
            ("radiusports", &st.radiusports),
        ] {
            if let Some((s, _)) = v {
                o.push(format!("{k}={s}"));
            }
        }
    }
    if method == AuthMethod::OAuth {
        for (k, v) in [
            ("issuer", &st.issuer),
            ("scope", &st.scope),
            ("validator", &st.validator),
        ] {
            if let Some(v) = v {
                o.push(format!("{k}={v}"));
            }
        }
        if st.delegate_ident_mapping {
            o.push("delegate_ident_mapping=true".into());
        }
    }
    o
}

#[cfg(test)]
mod tests;

/// The partial ARE syntax check shared with pg_ident.
pub(crate) fn regex_check(re: &[u8]) -> Result<(), &'static str> {
    regex::check(re)
}
