//! PG6005 cdc-hba-access: for every ClickPipes egress address of the configured regions, the
//! pg_hba.conf record the server picks first for the ClickPipes user must exist, be `host` or
//! `hostssl`, and use `scram-sha-256`.
//!
//! ClickPipes opens a normal connection and a logical replication connection
//! (`replication=database`); both are matched by database name, so a record whose database
//! column is only the `replication` keyword (physical replication) does not count. The
//! connection is TCP, with TLS when the server has `ssl = on` (the pipe's default), never with
//! GSSAPI encryption.

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use super::setting::{effective, report_at};
use crate::diagnostic::{Applicability, Diagnostic, Fix, Label, Severity};
use crate::edits::hba_insert::{NewRecord, insert_records};
use crate::model::clickpipes::egress_ips;
use crate::model::hba::first_match::{
    FirstMatchIndex, MatchQuery, Uncertainty, Verdict, verdict_without_address,
};
use crate::model::hba::{AuthMethod, ConnType, HbaFile, HbaRecord};
use crate::model::value::TypedValue;
use crate::rules::Context;
use crate::rules::hba::local_only;
use crate::source::Span;

const RELOAD_NOTE: &str = "pg_hba.conf changes take effect on reload (SELECT pg_reload_conf())";

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let server = ctx.server;
    let Some(hba) = &server.hba else {
        return;
    };
    let Some(main) = hba.sources.files.first() else {
        return;
    };
    let main_path = main.source.path().to_path_buf();
    if !hba.load_ok() {
        report_unloadable(ctx, hba, &main_path, out);
        return;
    }
    let cp = &ctx.settings.clickpipes;
    let query = MatchQuery {
        user: &cp.user,
        database: (cp.database != "all").then_some(cp.database.as_str()),
        ssl: ssl_on(ctx),
        physical_replication: false,
    };
    let analysis = Analysis {
        ctx,
        hba,
        main_path,
        query,
    };
    if cp.regions.is_empty() && cp.allow_sources.is_empty() {
        analysis.without_region(out);
    } else {
        analysis.per_address(out);
    }
}

/// Whether ClickPipes' connection is SSL: the server's `ssl` (a pg_hba.conf alone is judged
/// as on a server with SSL, as its `hostssl` lines are written for).
fn ssl_on(ctx: &Context<'_>) -> bool {
    if ctx.server.conf.is_none() {
        return true;
    }
    effective(ctx, "ssl").is_some_and(|ssl| ssl.value == TypedValue::Bool(true))
}

/// A server refuses to start with an hba file that does not load (and keeps its old rules on
/// reload), so first-match answers about it would be about a file no server uses.
fn report_unloadable(
    ctx: &Context<'_>,
    hba: &HbaFile,
    main_path: &Path,
    out: &mut Vec<Diagnostic>,
) {
    let failing = hba
        .view_rows()
        .iter()
        .zip(hba.lines())
        .find(|(row, _)| row.conn_type.is_none());
    let (path, span, message) = match failing {
        Some((row, line)) => {
            let file = &hba.sources.files[line.file as usize];
            let span = file
                .lines
                .lines
                .get(line.line as usize)
                .map_or(Span::empty(0), |l| l.span);
            let why = row
                .error
                .as_deref()
                .unwrap_or("the server cannot use this line");
            (
                file.source.path().to_path_buf(),
                span,
                format!(
                    "pg_hba.conf does not load ({}, line {}: {why}), so ClickPipes access \
                     cannot be checked",
                    file.display, row.line_number
                ),
            )
        }
        None => {
            let len = hba.sources.files.first().map_or(0, |f| f.source.len());
            (
                main_path.to_path_buf(),
                Span::empty(len),
                "pg_hba.conf has no records, so the server admits no one and ClickPipes access \
                 cannot be checked"
                    .to_string(),
            )
        }
    };
    let Some(d) = report_at(ctx, "PG6005", &path, span, Severity::Error, message, out) else {
        return;
    };
    d.notes.push(
        "a server does not start with a pg_hba.conf that fails to load, and on reload keeps its \
         old rules; fix the pg_hba.conf errors first"
            .into(),
    );
}

/// What the first matching record does for one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// No record matches: "no pg_hba.conf entry for host".
    Uncovered,
    /// `reject`.
    Rejected,
    /// A method a ClickPipe cannot satisfy with a password.
    Unusable,
    /// Password-based but not SCRAM: works, not what ClickPipes documents.
    Weak,
    /// `hostnossl` + scram with SSL off: only a pipe with TLS disabled gets in.
    NoTls,
    /// A record the files cannot decide may come first and would not be fine.
    Uncertain,
    Fine,
}

fn outcome_of(record: &HbaRecord) -> Outcome {
    match record.method {
        AuthMethod::Reject => Outcome::Rejected,
        AuthMethod::ScramSha256 if record.conn_type == ConnType::HostNoSsl => Outcome::NoTls,
        AuthMethod::ScramSha256 => Outcome::Fine,
        AuthMethod::Md5
        | AuthMethod::Password
        | AuthMethod::Trust
        | AuthMethod::Ldap
        | AuthMethod::Pam
        | AuthMethod::Radius => Outcome::Weak,
        AuthMethod::Ident
        | AuthMethod::Peer
        | AuthMethod::Gss
        | AuthMethod::Sspi
        | AuthMethod::Bsd
        | AuthMethod::Cert
        | AuthMethod::OAuth => Outcome::Unusable,
    }
}

/// The addresses that share one outcome through one record.
struct Group {
    ips: Vec<IpAddr>,
    /// For `Uncertain`: why, and the record that decides when the uncertain one does not match.
    uncertainty: Option<Uncertainty>,
    decisive: Option<usize>,
}

struct Analysis<'a, 'c> {
    ctx: &'a Context<'c>,
    hba: &'a HbaFile,
    main_path: PathBuf,
    query: MatchQuery<'a>,
}

impl Analysis<'_, '_> {
    fn records(&self) -> &[HbaRecord] {
        self.hba.records()
    }

    fn user(&self) -> &str {
        self.query.user
    }

    /// The addresses of the configured regions, each once, in the docs' order.
    fn addresses(&self) -> Vec<IpAddr> {
        let list = egress_ips();
        let mut ips: Vec<IpAddr> = Vec::new();
        for name in &self.ctx.settings.clickpipes.regions {
            for ip in list
                .region(name)
                .map(|r| r.ips.as_slice())
                .unwrap_or_default()
            {
                if !ips.contains(ip) {
                    ips.push(*ip);
                }
            }
        }
        // Extra sources (an SSH bastion) are judged by their network address.
        for net in &self.ctx.settings.clickpipes.allow_sources {
            if !ips.contains(&net.network()) {
                ips.push(net.network());
            }
        }
        ips
    }

    /// The address column a fix writes for a source: `/32` (`/128`) for a ClickPipes address,
    /// the CIDR given for an extra source.
    fn source_text(&self, ip: IpAddr) -> String {
        match self
            .ctx
            .settings
            .clickpipes
            .allow_sources
            .iter()
            .find(|n| n.network() == ip)
        {
            Some(net) => format!("{}/{}", net.network(), net.prefix()),
            None => match ip {
                IpAddr::V4(_) => format!("{ip}/32"),
                IpAddr::V6(_) => format!("{ip}/128"),
            },
        }
    }

    /// The safe fix: one scram record per address, each where first-match order makes it
    /// take effect, under a comment naming the regions.
    fn insertion_fix(&self, ips: &[IpAddr]) -> Option<Fix> {
        let cp = &self.ctx.settings.clickpipes;
        let records: Vec<NewRecord> = ips
            .iter()
            .map(|ip| self.new_record(self.source_text(*ip)))
            .collect();
        let what = if cp.regions.is_empty() {
            "extra sources".to_string()
        } else {
            cp.regions.join(", ")
        };
        let edits = insert_records(
            self.hba,
            &records,
            &format!("ClickPipes {what} (added by pgconf)"),
        );
        (!edits.is_empty()).then(|| Fix {
            title: format!(
                "add {} scram-sha-256 record{} for {} where {} effect",
                records.len(),
                if records.len() == 1 { "" } else { "s" },
                cp.user,
                if records.len() == 1 {
                    "it takes"
                } else {
                    "they take"
                }
            )
            .into(),
            applicability: Applicability::Safe,
            edits: edits.into(),
        })
    }

    fn new_record(&self, address: String) -> NewRecord {
        let cp = &self.ctx.settings.clickpipes;
        NewRecord {
            conn_type: if cp.hostssl {
                ConnType::HostSsl
            } else {
                ConnType::Host
            },
            database: if cp.database == "all" {
                "all".into()
            } else {
                hba_name(&cp.database)
            },
            user: hba_name(&cp.user),
            address,
            method: "scram-sha-256".into(),
            options: Vec::new(),
        }
    }

    fn per_address(&self, out: &mut Vec<Diagnostic>) {
        let ips = self.addresses();
        let index = FirstMatchIndex::build(self.hba, &self.query);
        let mut groups: BTreeMap<(Outcome, usize), Group> = BTreeMap::new();
        for ip in &ips {
            let m = index.first_match(*ip);
            let first_bad_uncertain = m
                .uncertain
                .iter()
                .find(|(r, _)| outcome_of(&self.records()[*r]) != Outcome::Fine);
            let (key, uncertainty) = match (first_bad_uncertain, m.decisive) {
                (Some((r, u)), _) => ((Outcome::Uncertain, *r), Some(*u)),
                (None, decisive) if !m.uncertain.is_empty() => {
                    // Only fine records may come first; what follows them decides otherwise.
                    if decisive.is_some_and(|r| outcome_of(&self.records()[r]) == Outcome::Fine) {
                        continue;
                    }
                    let (r, u) = m.uncertain[0];
                    ((Outcome::Uncertain, r), Some(u))
                }
                (None, None) => ((Outcome::Uncovered, usize::MAX), None),
                (None, Some(r)) => ((outcome_of(&self.records()[r]), r), None),
            };
            if key.0 == Outcome::Fine {
                continue;
            }
            groups
                .entry(key)
                .or_insert_with(|| Group {
                    ips: Vec::new(),
                    uncertainty,
                    decisive: m.decisive,
                })
                .ips
                .push(*ip);
        }
        for ((outcome, record), group) in groups {
            self.report_group(outcome, record, &group, ips.len(), out);
        }
    }

    fn report_group(
        &self,
        outcome: Outcome,
        record: usize,
        group: &Group,
        total: usize,
        out: &mut Vec<Diagnostic>,
    ) {
        let user = self.user();
        let ips = list(&group.ips);
        let regions = self.ctx.settings.clickpipes.regions.join(", ");
        let rec = self.records().get(record);
        let place = rec.map(|r| self.line_name(r));
        let method = rec.map_or("", |r| r.method.name());
        let (severity, message) = match outcome {
            Outcome::Uncovered => (
                Severity::Error,
                format!(
                    "no pg_hba.conf record lets {user} in from {} ClickPipes addresses of \
                     {regions} ({ips}); ClickPipes fails with \"no pg_hba.conf entry for host\"",
                    if group.ips.len() == total {
                        format!("any of the {total}")
                    } else {
                        format!("{} of the {total}", group.ips.len())
                    }
                ),
            ),
            Outcome::Rejected => (
                Severity::Error,
                format!(
                    "this record rejects {user} from {} ClickPipes address{} ({ips}); the server \
                     uses the first record that matches, so records after it never apply",
                    group.ips.len(),
                    plural(group.ips.len())
                ),
            ),
            Outcome::Unusable => (
                Severity::Error,
                format!(
                    "this record is the first for {user} from {ips} and uses {method}, which a \
                     ClickPipe cannot satisfy: it logs in with a password (scram-sha-256)"
                ),
            ),
            Outcome::Weak => (
                Severity::Warning,
                format!("this record lets {user} in from {ips} with {method}, not scram-sha-256"),
            ),
            Outcome::NoTls => (
                Severity::Warning,
                format!(
                    "this hostnossl record is the first for {user} from {ips}: it admits only \
                     connections without TLS, and a ClickPipe uses TLS by default"
                ),
            ),
            Outcome::Uncertain => (
                Severity::Warning,
                format!(
                    "this record, which uses {method}, may be the first for {user} from {ips}; \
                     the files cannot tell: {}",
                    group
                        .uncertainty
                        .map_or("it may not match", Uncertainty::reason)
                ),
            ),
            Outcome::Fine => return,
        };
        // The near misses are asked for the location, the notes and the labels: two index
        // builds over every record each time, so made once.
        let near = OnceCell::new();
        let near_misses = || near.get_or_init(|| self.near_misses(&group.ips)).as_slice();
        let (path, span) = match rec {
            Some(r) if outcome != Outcome::Uncovered => self.record_location(r),
            _ => self.near_miss_location(near_misses()),
        };
        let Some(d) = report_at(self.ctx, "PG6005", &path, span, severity, message, out) else {
            return;
        };
        if group.uncertainty == Some(Uncertainty::Database) {
            d.notes.push(
                "name the pipe's database with --database or database = \"<name>\" under \
                 [clickpipes] in pgconf.toml"
                    .into(),
            );
        }
        match outcome {
            Outcome::Uncovered => {
                d.notes.extend(self.near_miss_notes(near_misses()));
                d.secondary.extend(self.near_miss_labels(near_misses()));
            }
            Outcome::Weak => d.notes.push(weak_note(method).into()),
            Outcome::Uncertain => {
                d.notes
                    .push(match group.decisive.and_then(|r| self.records().get(r)) {
                        Some(next) => format!(
                            "if it does not match, {} decides ({})",
                            self.line_name(next),
                            next.method.name()
                        ),
                        None => "if it does not match, no record does".into(),
                    })
            }
            _ => {}
        }
        let position = match (&place, outcome) {
            (Some(p), o) if o != Outcome::Uncovered => format!("before {p}"),
            _ => format!("at the end of {}", self.main_name()),
        };
        for ip in &group.ips {
            d.notes
                .push(format!("add `{}` {position}", self.record_text(*ip)));
        }
        d.notes.push(RELOAD_NOTE.into());
        if outcome != Outcome::Uncertain {
            d.fix = self.insertion_fix(&group.ips);
        }
    }

    /// No region named: at least one non-loopback scram record must admit the user.
    fn without_region(&self, out: &mut Vec<Diagnostic>) {
        // Only fine and weak records are asked about, and the names (which rule out nearly
        // every record of a file written for other roles) before the address; the first
        // fine record ends the search.
        let mut weak = None;
        for r in self.records() {
            let outcome = outcome_of(r);
            if !matches!(outcome, Outcome::Fine | Outcome::Weak)
                || !matches!(
                    verdict_without_address(self.hba, r, &self.query),
                    Verdict::Yes | Verdict::Maybe(Uncertainty::Database)
                )
                // A record that admits only this host itself does not let ClickPipes in.
                || self.hba.address(r).is_none_or(local_only)
            {
                continue;
            }
            if outcome == Outcome::Fine {
                return;
            }
            weak = weak.or(Some(r));
        }
        let user = self.user();
        let (severity, message, (path, span)) = match weak {
            Some(r) => (
                Severity::Warning,
                format!(
                    "the only records that let {user} in from beyond this host use {}, not \
                     scram-sha-256",
                    r.method.name()
                ),
                self.record_location(r),
            ),
            None => (
                Severity::Error,
                format!(
                    "no pg_hba.conf record lets {user} in over TCP from beyond this host with a \
                     password, so ClickPipes cannot connect"
                ),
                (self.main_path.clone(), Span::empty(self.main_len())),
            ),
        };
        let Some(d) = report_at(self.ctx, "PG6005", &path, span, severity, message, out) else {
            return;
        };
        d.notes.push(
            "name the ClickPipes region of the ClickHouse Cloud service to check its exact \
             addresses: --region <name>, or regions = [\"<name>\"] under [clickpipes] in \
             pgconf.toml (`pgconf regions` lists them)"
                .into(),
        );
        d.notes.push(format!(
            "then add one `{}` record per ClickPipes address",
            self.record_text_for("<address>/32")
        ));
        d.notes.push(RELOAD_NOTE.into());
        if self.ctx.settings.clickpipes.allow_any_source {
            // The documented record of the ClickPipes setup guide, asked for explicitly.
            let record = self.new_record("0.0.0.0/0".into());
            let edits = insert_records(
                self.hba,
                &[record],
                "ClickPipes from any address (added by pgconf --allow-any-source)",
            );
            if !edits.is_empty() {
                d.fix = Some(Fix {
                    title: format!("add `host all {} 0.0.0.0/0 scram-sha-256`", self.user()).into(),
                    applicability: Applicability::Safe,
                    edits: edits.into(),
                });
            }
        } else {
            d.notes.push(
                "pgconf fix adds the records once a region is named; --allow-any-source writes \
                 the documented 0.0.0.0/0 record instead"
                    .into(),
            );
        }
    }

    /// Records that would cover the addresses but for the `replication` keyword or SSL.
    fn near_misses(&self, ips: &[IpAddr]) -> Vec<(usize, &'static str)> {
        let physical = MatchQuery {
            physical_replication: true,
            ..self.query
        };
        let flipped = MatchQuery {
            ssl: !self.query.ssl,
            ..self.query
        };
        let mut found: Vec<(usize, &'static str)> = Vec::new();
        for (query, why) in [
            (
                physical,
                "its database column is the `replication` keyword, which matches physical \
                 replication only; ClickPipes uses logical replication, matched by database \
                 name: use `all` or the database",
            ),
            (
                flipped,
                if self.query.ssl {
                    "it is hostnossl, and ClickPipes connects with TLS (ssl is on)"
                } else {
                    "it is hostssl, and ssl is off, so it never matches"
                },
            ),
        ] {
            let index = FirstMatchIndex::build(self.hba, &query);
            for ip in ips {
                if let Some(r) = index.first_match(*ip).decisive
                    && !found.iter().any(|(f, _)| *f == r)
                {
                    found.push((r, why));
                }
            }
        }
        found
    }

    fn near_miss_notes(&self, near_misses: &[(usize, &'static str)]) -> Vec<String> {
        near_misses
            .iter()
            .filter_map(|&(r, why)| {
                let rec = self.records().get(r)?;
                Some(format!(
                    "{} covers these addresses but does not count: {why}",
                    self.line_name(rec)
                ))
            })
            .collect()
    }

    fn near_miss_labels(&self, near_misses: &[(usize, &'static str)]) -> Vec<Label> {
        near_misses
            .iter()
            .skip(1)
            .filter_map(|&(r, _)| {
                let (path, span) = self.record_location(self.records().get(r)?);
                Some(Label::new(
                    path,
                    span,
                    "covers the addresses but does not count",
                ))
            })
            .collect()
    }

    /// The first near miss, else the end of the main file (where new records go).
    fn near_miss_location(&self, near_misses: &[(usize, &'static str)]) -> (PathBuf, Span) {
        match near_misses
            .first()
            .and_then(|(r, _)| self.records().get(*r))
        {
            Some(rec) => self.record_location(rec),
            None => (self.main_path.clone(), Span::empty(self.main_len())),
        }
    }

    fn main_len(&self) -> u32 {
        self.hba.sources.files.first().map_or(0, |f| f.source.len())
    }

    fn main_name(&self) -> String {
        self.hba
            .sources
            .files
            .first()
            .map_or_else(|| "pg_hba.conf".into(), |f| f.display.clone())
    }

    /// `line 7 of pg_hba.conf`.
    fn line_name(&self, record: &HbaRecord) -> String {
        let file = self
            .hba
            .sources
            .files
            .get(record.file as usize)
            .map_or("pg_hba.conf", |f| f.display.as_str());
        format!("line {} of {file}", record.line_number)
    }

    /// The file and span of a record's logical line.
    fn record_location(&self, record: &HbaRecord) -> (PathBuf, Span) {
        let Some(file) = self.hba.sources.files.get(record.file as usize) else {
            return (self.main_path.clone(), Span::empty(0));
        };
        let lines = &file.lines.lines;
        let span = lines
            .binary_search_by_key(&record.line_number, |l| l.line_number)
            .ok()
            .and_then(|i| lines.get(i))
            .map_or(Span::empty(0), |l| l.span);
        (file.source.path().to_path_buf(), span)
    }

    fn record_text(&self, ip: IpAddr) -> String {
        let bits = if ip.is_ipv4() { 32 } else { 128 };
        self.record_text_for(&format!("{ip}/{bits}"))
    }

    /// `host all clickpipes_user 1.2.3.4/32 scram-sha-256`.
    fn record_text_for(&self, address: &str) -> String {
        let cp = &self.ctx.settings.clickpipes;
        let database = if cp.database == "all" {
            "all".to_string()
        } else {
            hba_name(&cp.database)
        };
        format!(
            "host {database} {} {address} scram-sha-256",
            hba_name(&cp.user)
        )
    }
}

/// A role or database name as a pg_hba token: quoted when it would otherwise be a keyword, a
/// group, a file reference, a regex, or split.
fn hba_name(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'$'))
        && !matches!(
            name,
            "all" | "sameuser" | "samerole" | "samegroup" | "replication"
        );
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

fn weak_note(method: &str) -> &'static str {
    match method {
        "trust" => {
            "trust asks for no password at all: anyone at these addresses can log in as this user"
        }
        "md5" => {
            "md5 accepts md5-stored passwords, the weaker scheme; ClickPipes documents \
             scram-sha-256"
        }
        _ => "the password crosses the connection in clear text (protected only by TLS)",
    }
}

fn list(ips: &[IpAddr]) -> String {
    ips.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "es" }
}
