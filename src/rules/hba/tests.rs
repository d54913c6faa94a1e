//! The fixes of the hba rules, applied to the bytes: each must give the text the rule's page
//! promises and leave every other byte alone; a second lint finds nothing to fix.

use crate::diagnostic::Diagnostic;
use crate::lint::server::{Server, ServerFiles};
use crate::model::fs::MemFs;
use crate::model::version::PgVersion;
use crate::rules::Context;
use crate::settings::Settings;

const PATH: &str = "/srv/pg_hba.conf";

fn run(check: crate::rules::Check, text: &str, major: u8) -> Vec<Diagnostic> {
    let fs = MemFs::new().with(PATH, text);
    let version = PgVersion::new(major).unwrap_or_default();
    let files = ServerFiles {
        hba: Some(PATH.into()),
        ..ServerFiles::default()
    };
    let server = Server::load(&fs, files, version, true);
    let settings = Settings::default();
    let mut out = Vec::new();
    check(&Context::new(&server, &settings), &mut out);
    out
}

/// Applies every fix (their edits never overlap within one test).
fn fixed(check: crate::rules::Check, text: &str, major: u8) -> String {
    let mut edits: Vec<_> = run(check, text, major)
        .into_iter()
        .filter_map(|d| d.fix)
        .flat_map(|f| f.edits)
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
    let mut bytes = text.as_bytes().to_vec();
    for e in edits {
        bytes.splice(e.span.range(), e.replacement.iter().copied());
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn host_bits_fix_rewrites_only_the_address() {
    let check = super::host_bits_set::check;
    let text = "host all all 10.1.2.3/8 md5 # office\r\n\
                host all all \"172.16.5.4/+12\" md5\r\n\
                host all all 192.168.1.10 255.255.255.0 md5\r\n\
                host all all 2001:db8::1/32 md5\r\n";
    let out = fixed(check, text, 18);
    assert_eq!(
        out,
        "host all all 10.0.0.0/8 md5 # office\r\n\
         host all all \"172.16.0.0/+12\" md5\r\n\
         host all all 192.168.1.0 255.255.255.0 md5\r\n\
         host all all 2001:db8::/32 md5\r\n"
    );
    assert!(run(check, &out, 18).is_empty());
}

#[test]
fn clientcert_fix_keeps_the_12_13_meaning_and_loads_on_14() {
    let check = super::removed_clientcert_value::check;
    let text = "hostssl all all 10.0.0.0/8 md5 clientcert=1\n\
                hostssl all all 10.0.0.0/8 cert clientcert=1 map=m\n\
                hostssl all all 10.0.0.0/8 pam clientcert=no-verify,pamservice=pg\n\
                hostssl all all 10.0.0.0/8 pam pamservice=pg,clientcert=0\n\
                hostssl all all 10.0.0.0/8 md5   clientcert=0 # off\n\
                hostssl all all 10.0.0.0/8 md5 clientcert=verify-full clientcert=0\n";
    let out = fixed(check, text, 13);
    assert_eq!(
        out,
        "hostssl all all 10.0.0.0/8 md5 clientcert=verify-ca\n\
         hostssl all all 10.0.0.0/8 cert clientcert=verify-full map=m\n\
         hostssl all all 10.0.0.0/8 pam pamservice=pg\n\
         hostssl all all 10.0.0.0/8 pam pamservice=pg\n\
         hostssl all all 10.0.0.0/8 md5 # off\n\
         hostssl all all 10.0.0.0/8 md5 clientcert=verify-full clientcert=0\n"
    );
    // The last line has no safe fix: removing its `0` would turn verify-full on.
    assert_eq!(run(check, &out, 13).len(), 1);
    // 14 still rejects that line (PG1002), and only that one.
    let errors = run(crate::rules::syntax::hba_invalid_line::check, &out, 14);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(run(check, text, 14).is_empty());
}

#[test]
fn method_fixes_replace_the_method_token() {
    let text = "host all all 0.0.0.0/0 trust\nhost all all 10.0.0.0/8 \"password\"\n";
    let out = fixed(super::trust_from_network::check, text, 18);
    let out = fixed(super::password_from_network::check, &out, 18);
    assert_eq!(
        out,
        "host all all 0.0.0.0/0 scram-sha-256\nhost all all 10.0.0.0/8 scram-sha-256\n"
    );
}
