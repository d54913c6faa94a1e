//! Inserting pg_hba.conf records where they take effect.
//!
//! pg_hba.conf is first-match: a record added at the end is dead if an earlier one catches the
//! same connections (a `reject`, an `md5` for `all`). A new record therefore goes before the
//! first record of the main file that could catch any connection it matches — above that
//! record's own comment lines — or, when none could, after the last `local` record. A record
//! that an earlier one already covers with the same method and options is not added at all,
//! which makes repeated runs change nothing. Columns follow the file's `# TYPE DATABASE …`
//! header, else the neighbouring record, else Debian's layout.

use std::net::IpAddr;

use crate::diagnostic::Edit;
use crate::edits::placement::line_ending;
use crate::model::hba::{AuthMethod, AuthNames, ConnType, HbaAddress, HbaFile, HbaRecord};
use crate::source::Span;

/// A record to add, as its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    pub conn_type: ConnType,
    pub database: String,
    pub user: String,
    /// `a.b.c.d/len` or `all`.
    pub address: String,
    pub method: String,
    pub options: Vec<String>,
}

impl NewRecord {
    fn fields(&self) -> Vec<String> {
        let mut f = vec![
            self.conn_type.name().to_string(),
            self.database.clone(),
            self.user.clone(),
            self.address.clone(),
            self.method.clone(),
        ];
        f.extend(self.options.iter().cloned());
        f
    }

    /// The address as a network, when it is one.
    fn network(&self) -> Option<(IpAddr, IpAddr)> {
        let (addr, len) = self.address.split_once('/')?;
        let addr: IpAddr = addr.parse().ok()?;
        let len: u32 = len.parse().ok()?;
        Some(match addr {
            IpAddr::V4(_) if len <= 32 => (
                addr,
                IpAddr::V4(u32::MAX.checked_shl(32 - len).unwrap_or(0).into()),
            ),
            IpAddr::V6(_) if len <= 128 => (
                addr,
                IpAddr::V6(u128::MAX.checked_shl(128 - len).unwrap_or(0).into()),
            ),
            _ => return None,
        })
    }
}

/// What to do with one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// Already covered by the record on this line with the same method: nothing to add.
    Covered { line_number: u32 },
    /// Insert at this byte offset of the main file, before the record on `before` (a line
    /// number) when one could catch its connections.
    At { offset: u32, before: Option<u32> },
}

/// Where `new` goes in `hba`'s main file (file 0).
pub fn placement(hba: &HbaFile, new: &NewRecord) -> Placement {
    let main_lines = &hba.sources.files[0].lines;
    let line_start = |line_number: u32| {
        main_lines
            .lines
            .iter()
            .find(|l| l.line_number == line_number)
            .map(|l| l.span.start)
    };
    // Read once: a big file asks it of every record.
    let new_network = new.network();
    for rec in hba.records() {
        match overlap(rec, new, new_network, hba) {
            Overlap::None => continue,
            Overlap::Covers if same_effect(hba, rec, new) => {
                return Placement::Covered {
                    line_number: rec.line_number,
                };
            }
            _ => {}
        }
        if rec.file == 0
            && let Some(start) = line_start(rec.line_number)
        {
            return Placement::At {
                offset: above_comments(hba, start),
                before: Some(rec.line_number),
            };
        }
        // A record of an included file catches it first: put it before the first record of
        // the main file, which comes before any include directive below it.
        if let Some(first) = hba.records().iter().find(|r| r.file == 0)
            && let Some(start) = line_start(first.line_number)
        {
            return Placement::At {
                offset: above_comments(hba, start),
                before: Some(first.line_number),
            };
        }
    }
    // Nothing catches it: after the last local record of the main file, else at the end.
    let bytes = hba.sources.files[0].source.bytes();
    let after_local = hba
        .records()
        .iter()
        .filter(|r| r.file == 0 && r.conn_type == ConnType::Local)
        .filter_map(|r| {
            main_lines
                .lines
                .iter()
                .find(|l| l.line_number == r.line_number)
        })
        .map(|l| {
            let end = l.span.end as usize;
            // Past the line ending.
            bytes[end..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |p| end + p + 1) as u32
        })
        .max();
    Placement::At {
        offset: after_local.unwrap_or(bytes.len() as u32),
        before: None,
    }
}

/// The edits that add `records` (with a one-line `comment` above them) to `hba`'s main file,
/// each where it takes effect; records already covered are skipped. Records going to the same
/// place share one block.
pub fn insert_records(hba: &HbaFile, records: &[NewRecord], comment: &str) -> Vec<Edit> {
    let source = &hba.sources.files[0].source;
    let bytes = source.bytes();
    let eol = line_ending(bytes);
    let widths = column_starts(hba);
    let mut blocks: Vec<(u32, Vec<u8>)> = Vec::new();
    for rec in records {
        let Placement::At { offset, .. } = placement(hba, rec) else {
            continue;
        };
        let line = aligned(&rec.fields(), &widths);
        match blocks.iter_mut().find(|(o, _)| *o == offset) {
            Some((_, text)) => {
                text.extend_from_slice(line.as_bytes());
                text.extend_from_slice(eol);
            }
            None => {
                let mut text = Vec::new();
                if offset as usize == bytes.len() && !bytes.is_empty() && !bytes.ends_with(b"\n") {
                    text.extend_from_slice(eol);
                }
                text.extend_from_slice(format!("# {comment}").as_bytes());
                text.extend_from_slice(eol);
                text.extend_from_slice(line.as_bytes());
                text.extend_from_slice(eol);
                blocks.push((offset, text));
            }
        }
    }
    blocks
        .into_iter()
        .map(|(offset, replacement)| Edit {
            file: source.path().into(),
            span: Span::empty(offset),
            replacement: replacement.into(),
        })
        .collect()
}

/// Moves an insertion point above the comment lines that sit directly on a record.
fn above_comments(hba: &HbaFile, start: u32) -> u32 {
    let bytes = hba.sources.files[0].source.bytes();
    let mut at = start as usize;
    while at > 0 {
        let prev_end = at - 1; // the LF of the previous line
        let prev_start = bytes[..prev_end]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let line = bytes[prev_start..prev_end].trim_ascii();
        if line.starts_with(b"#") && !is_header(line) {
            at = prev_start;
        } else {
            break;
        }
    }
    at as u32
}

fn is_header(line: &[u8]) -> bool {
    let text = String::from_utf8_lossy(line).to_ascii_uppercase();
    text.contains("TYPE") && text.contains("DATABASE") && text.contains("METHOD")
}

/// Start columns of the fields: from the `# TYPE DATABASE USER ADDRESS METHOD` header when
/// the file has one, else Debian's layout.
fn column_starts(hba: &HbaFile) -> Vec<usize> {
    let bytes = hba.sources.files[0].source.bytes();
    for line in bytes.split(|&b| b == b'\n') {
        let trimmed = line.trim_ascii();
        if trimmed.starts_with(b"#") && is_header(trimmed) {
            let text = expand_tabs(&String::from_utf8_lossy(line));
            let upper = text.to_ascii_uppercase();
            let cols: Option<Vec<usize>> = ["TYPE", "DATABASE", "USER", "ADDRESS", "METHOD"]
                .iter()
                .map(|w| upper.find(w))
                .collect();
            if let Some(mut cols) = cols {
                // The header's `#` stands where the type column starts.
                cols[0] = upper.find('#').unwrap_or(0);
                if cols.windows(2).all(|w| w[0] < w[1]) {
                    return cols;
                }
            }
        }
    }
    vec![0, 8, 24, 40, 64]
}

/// `text` with each tab replaced by the spaces up to the next multiple of 8, the column an
/// editor and `cat` show, so a tab-aligned header gives the columns its records appear in.
fn expand_tabs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut col = 0;
    for c in text.chars() {
        if c == '\t' {
            let next = (col / 8 + 1) * 8;
            out.extend(std::iter::repeat_n(' ', next - col));
            col = next;
        } else {
            out.push(c);
            col += 1;
        }
    }
    out
}

/// Fields padded to start at `starts` (at least one space between fields).
fn aligned(fields: &[String], starts: &[usize]) -> String {
    let mut out = String::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            let want = starts.get(i).copied().unwrap_or(0);
            let pad = want.saturating_sub(out.chars().count()).max(1);
            out.push_str(&" ".repeat(pad));
        }
        out.push_str(f);
    }
    out
}

#[derive(Debug, PartialEq, Eq)]
enum Overlap {
    None,
    /// Some connections of the new record match the existing one.
    Some,
    /// Every connection of the new record matches the existing one.
    Covers,
}

/// Could `rec` catch connections that `new` (whose network is `new_network`) matches, or all
/// of them?
fn overlap(
    rec: &HbaRecord,
    new: &NewRecord,
    new_network: Option<(IpAddr, IpAddr)>,
    hba: &HbaFile,
) -> Overlap {
    let types = match (rec.conn_type, new.conn_type) {
        (ConnType::Local, _) | (_, ConnType::Local) => return Overlap::None,
        (a, b) if a == b => Overlap::Covers,
        (ConnType::Host, _) => Overlap::Covers,
        (ConnType::HostSsl, ConnType::Host) | (ConnType::HostNoSsl, ConnType::Host) => {
            Overlap::Some
        }
        (ConnType::HostNoGssEnc, ConnType::Host | ConnType::HostSsl | ConnType::HostNoSsl) => {
            Overlap::Covers
        }
        _ => return Overlap::None,
    };
    let names = |list: AuthNames<'_>, new: &str, physical: bool| -> Overlap {
        let mut best = Overlap::None;
        for n in list {
            let o = if n.regex || (!n.quoted && n.text.first() == Some(&b'+')) {
                Overlap::Some
            } else if n.is_keyword("replication") {
                if physical {
                    Overlap::Covers
                } else {
                    Overlap::None
                }
            } else if n.is_keyword("all") {
                if physical && new == "replication" {
                    Overlap::None
                } else {
                    Overlap::Covers
                }
            } else if n.is_keyword("sameuser")
                || n.is_keyword("samerole")
                || n.is_keyword("samegroup")
            {
                Overlap::Some
            } else if n.text == new.as_bytes() {
                Overlap::Covers
            } else if new == "all" {
                Overlap::Some
            } else {
                Overlap::None
            };
            best = best.max(o);
        }
        best
    };
    let user = || names(hba.users(rec), &new.user, false);
    let db = || {
        names(
            hba.databases(rec),
            &new.database,
            new.database == "replication",
        )
    };
    let addr = || match (hba.address(rec), new_network) {
        (Some(HbaAddress::All), _) => Overlap::Covers,
        (Some(HbaAddress::Ip { addr, mask }), Some((na, nm))) => ip_overlap(addr, mask, na, nm),
        (Some(HbaAddress::Ip { .. }), None) => Overlap::Some,
        // Host names and samehost/samenet depend on DNS and the server's interfaces.
        _ => Overlap::Some,
    };
    // The least of the four columns' answers. Once one says `None` the rest cannot change
    // it: the role goes first, as it rules out nearly every record of a big file.
    let mut least = types;
    for column in [&user as &dyn Fn() -> Overlap, &db, &addr] {
        if least == Overlap::None {
            break;
        }
        least = least.min(column());
    }
    least
}

impl PartialOrd for Overlap {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Overlap {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let rank = |o: &Overlap| match o {
            Overlap::None => 0,
            Overlap::Some => 1,
            Overlap::Covers => 2,
        };
        rank(self).cmp(&rank(other))
    }
}

/// Networks `a/ma` (the existing record) and `b/mb` (the new one): do they share an address,
/// and does the first contain the second? Masks need not be contiguous.
fn ip_overlap(a: IpAddr, ma: IpAddr, b: IpAddr, mb: IpAddr) -> Overlap {
    let bits = |x: IpAddr| match x {
        IpAddr::V4(v) => (4, u128::from(u32::from(v))),
        IpAddr::V6(v) => (6, u128::from(v)),
    };
    let ((fa, a), (_, ma), (fb, b), (_, mb)) = (bits(a), bits(ma), bits(b), bits(mb));
    if fa != fb || (a ^ b) & ma & mb != 0 {
        return Overlap::None;
    }
    // Contains: every bit the existing mask tests is fixed by the new network.
    if ma & !mb == 0 {
        Overlap::Covers
    } else {
        Overlap::Some
    }
}

fn same_effect(hba: &HbaFile, rec: &HbaRecord, new: &NewRecord) -> bool {
    rec.method.name() == new.method
        && hba.options(rec) == new.options.as_slice()
        && !matches!(rec.method, AuthMethod::Reject)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply::splice;
    use crate::model::fs::MemFs;
    use crate::model::hba::{HbaOptions, load_hba};
    use crate::model::version::PgVersion;
    use std::path::Path;

    const DEBIAN: &str = "\
# TYPE  DATABASE        USER            ADDRESS                 METHOD

# \"local\" is for Unix domain socket connections only
local   all             all                                     peer
# IPv4 local connections:
host    all             all             127.0.0.1/32            scram-sha-256
";

    fn with(text: &str, rec: &NewRecord) -> String {
        let fs = MemFs::new().with("/d/pg_hba.conf", text);
        let hba = load_hba(
            &fs,
            Path::new("/d/pg_hba.conf"),
            PgVersion::new(16).unwrap(),
            &HbaOptions::default(),
        )
        .unwrap();
        let edits = insert_records(&hba, std::slice::from_ref(rec), "ClickPipes us-east-2");
        let refs: Vec<&Edit> = edits.iter().collect();
        String::from_utf8(splice(text.as_bytes(), &refs)).unwrap()
    }

    fn clickpipes(ip: &str) -> NewRecord {
        NewRecord {
            conn_type: ConnType::Host,
            database: "all".into(),
            user: "clickpipes_user".into(),
            address: format!("{ip}/32"),
            method: "scram-sha-256".into(),
            options: vec![],
        }
    }

    #[test]
    fn without_a_catching_record_it_goes_after_the_last_local_record_in_the_header_columns() {
        let out = with(DEBIAN, &clickpipes("3.131.130.196"));
        assert!(out.contains(
            "peer\n# ClickPipes us-east-2\nhost    all             clickpipes_user 3.131.130.196/32        scram-sha-256\n# IPv4"
        ), "{out}");
    }

    #[test]
    fn it_goes_above_a_reject_that_would_catch_it_and_above_that_records_comment() {
        let text = format!("{DEBIAN}# no outside access\nhost all all 0.0.0.0/0 reject\n");
        let out = with(&text, &clickpipes("3.131.130.196"));
        let pos_new = out.find("3.131.130.196").unwrap();
        let pos_comment = out.find("# no outside access").unwrap();
        assert!(pos_new < pos_comment, "{out}");
    }

    #[test]
    fn a_tab_aligned_header_gives_the_columns_at_its_tab_stops() {
        let text = "# TYPE\tDATABASE\tUSER\tADDRESS\t\tMETHOD\nlocal\tall\t\tall\t\t\t\tpeer\n";
        let out = with(text, &clickpipes("3.131.130.196"));
        // At tab stops: the `#` at 0, DATABASE at 8, USER at 24, ADDRESS at 32, METHOD at 48,
        // where `local\tall\t\tall` puts its fields; longer fields push on by one space.
        assert!(
            out.contains(
                "\nhost    all             clickpipes_user 3.131.130.196/32 scram-sha-256\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn a_covered_record_is_not_added_again() {
        let text = format!("{DEBIAN}host all clickpipes_user 3.131.130.0/24 scram-sha-256\n");
        assert_eq!(with(&text, &clickpipes("3.131.130.196")), text);
    }

    #[test]
    fn network_overlap_handles_containment_and_families() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            ip_overlap(
                ip("10.0.0.0"),
                ip("255.0.0.0"),
                ip("10.1.2.3"),
                ip("255.255.255.255")
            ),
            Overlap::Covers
        );
        assert_eq!(
            ip_overlap(
                ip("10.1.2.3"),
                ip("255.255.255.255"),
                ip("10.0.0.0"),
                ip("255.0.0.0")
            ),
            Overlap::Some
        );
        assert_eq!(
            ip_overlap(
                ip("11.0.0.0"),
                ip("255.0.0.0"),
                ip("10.1.2.3"),
                ip("255.255.255.255")
            ),
            Overlap::None
        );
        assert_eq!(
            ip_overlap(ip("::"), ip("::"), ip("10.1.2.3"), ip("255.255.255.255")),
            Overlap::None
        );
    }
}
