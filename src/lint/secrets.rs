//! Values that carry secrets are never echoed in full: after the rules run, every occurrence of
//! such a value in a finding's message, notes or labels is masked. Doing it once here, rather
//! than in each rule, means a new rule cannot leak one by quoting a value.
//!
//! Secret-bearing: `ssl_passphrase_command`, the password of a conninfo (`primary_conninfo`),
//! commands that commonly embed credentials (`archive_command`, `restore_command`,
//! `archive_cleanup_command`, `recovery_end_command`), and the pg_hba options
//! `ldapbindpasswd` and `radiussecrets`.

use crate::diagnostic::Diagnostic;
use crate::lint::server::Server;
use crate::model::config_set::SettingRef;

const SECRET_PARAMETERS: &[&str] = &[
    "ssl_passphrase_command",
    "archive_command",
    "restore_command",
    "archive_cleanup_command",
    "recovery_end_command",
];

const CONNINFO_PARAMETERS: &[&str] = &["primary_conninfo"];

const SECRET_HBA_OPTIONS: &[&str] = &["ldapbindpasswd=", "radiussecrets="];

/// What replaces a secret in output.
pub const MASK: &str = "********";

/// The secret strings of a server's files (shorter than 4 bytes are left alone: masking them
/// would garble ordinary words).
pub fn secrets_of(server: &Server) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(set) = &server.conf {
        for item in &set.items {
            let Some(SettingRef { name, value, .. }) = set.setting(item) else {
                continue;
            };
            let is = |names: &[&str]| {
                names
                    .iter()
                    .any(|n| name.eq_ignore_ascii_case(n.as_bytes()))
            };
            if is(SECRET_PARAMETERS) {
                out.push(String::from_utf8_lossy(value).into_owned());
            } else if is(CONNINFO_PARAMETERS) {
                out.extend(conninfo_passwords(&String::from_utf8_lossy(value)));
            }
        }
    }
    for file in server.hba.iter().flat_map(|h| h.sources.files.iter()) {
        // Most files name no such option; only those are decoded and searched. Both options
        // end with `=`, rare in these files: one pass for it instead of one per option.
        let bytes = file.source.bytes();
        let named = |at: usize| {
            SECRET_HBA_OPTIONS
                .iter()
                .any(|option| bytes[..=at].ends_with(option.as_bytes()))
        };
        if !memchr::memchr_iter(b'=', bytes).any(named) {
            continue;
        }
        let text = String::from_utf8_lossy(bytes);
        for option in SECRET_HBA_OPTIONS {
            for (at, _) in text.match_indices(option) {
                let rest = &text[at + option.len()..];
                let value: String = if let Some(quoted) = rest.strip_prefix('"') {
                    quoted
                        .chars()
                        .take_while(|&c| c != '"' && c != '\n')
                        .collect()
                } else {
                    rest.chars()
                        .take_while(|c| !c.is_whitespace() && *c != ',')
                        .collect()
                };
                out.push(value);
            }
        }
    }
    out.retain(|s| s.len() >= 4);
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out.dedup();
    out
}

/// `password=…` values of a libpq conninfo string (`key=value` pairs, values optionally in
/// single quotes with `\` escapes).
fn conninfo_passwords(conninfo: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = conninfo;
    while let Some(at) = rest.find("password") {
        let after = rest[at + "password".len()..].trim_start();
        let Some(value) = after.strip_prefix('=') else {
            rest = &rest[at + 1..];
            continue;
        };
        let value = value.trim_start();
        let secret: String = if let Some(q) = value.strip_prefix('\'') {
            let mut s = String::new();
            let mut chars = q.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => s.extend(chars.next()),
                    '\'' => break,
                    c => s.push(c),
                }
            }
            s
        } else {
            value.chars().take_while(|c| !c.is_whitespace()).collect()
        };
        out.push(secret);
        rest = &rest[at + 1..];
    }
    out
}

/// Masks every secret in the findings' texts.
pub fn redact(diagnostics: &mut [Diagnostic], secrets: &[String]) {
    if secrets.is_empty() {
        return;
    }
    for d in diagnostics {
        mask(&mut d.message, secrets);
        d.notes.iter_mut().for_each(|n| mask(n, secrets));
        mask(&mut d.primary.message, secrets);
        d.secondary
            .iter_mut()
            .for_each(|l| mask(&mut l.message, secrets));
        if let Some(fix) = &mut d.fix {
            mask(&mut fix.title, secrets);
        }
    }
}

/// Replaces every secret in `text` (a `String`, or a `Cow` that stays borrowed when no
/// secret is in it).
fn mask<T: AsRef<str> + From<String>>(text: &mut T, secrets: &[String]) {
    for s in secrets {
        if text.as_ref().contains(s.as_str()) {
            *text = T::from(text.as_ref().replace(s.as_str(), MASK));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conninfo_passwords_are_found_quoted_or_not() {
        assert_eq!(
            conninfo_passwords("host=a user=rep password=s3cr3t application_name=x"),
            vec!["s3cr3t"]
        );
        assert_eq!(
            conninfo_passwords("password = 'it\\'s long' host=b"),
            vec!["it's long"]
        );
        assert!(conninfo_passwords("host=a user=b").is_empty());
    }
}
