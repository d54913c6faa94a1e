//! PG6006 cdc-listen-addresses: ClickPipes connects over the network, so the server must listen
//! on more than loopback.

use super::setting::{effective, is_phrase, report, set_value_fix};
use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::model::value::TypedValue;
use crate::rules::Context;

pub fn check(ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(listen) = effective(ctx, "listen_addresses") else {
        return;
    };
    let TypedValue::String(value) = &listen.value else {
        return;
    };
    let text = String::from_utf8_lossy(value);
    let entries = entries(&text);
    if entries.iter().any(|e| !is_loopback(e)) {
        return;
    }
    let what = if entries.is_empty() {
        "only on Unix-domain sockets"
    } else {
        "only from this host (loopback)"
    };
    let message = format!(
        "listen_addresses {}: the server accepts connections {what}; ClickPipes connects \
         over the network",
        is_phrase(&listen, &format!("'{text}'"))
    );
    // Unsafe: every interface then accepts TCP; pg_hba.conf and the firewall decide who gets in.
    let fix = set_value_fix(
        ctx.server,
        &listen,
        "*",
        true,
        "set listen_addresses = '*' (every interface)".into(),
        Applicability::Unsafe,
    );
    if let Some(d) = report(ctx, "PG6006", &listen, Severity::Error, message, out) {
        d.notes.push(
            "'*' listens on every interface; or name the address ClickPipes (or its SSH \
             bastion) reaches, and let pg_hba.conf and the firewall decide who gets in"
                .into(),
        );
        d.fix = fix;
    }
}

/// The comma-separated entries of the list (`SplitGUCList`: blanks trimmed, `"` quotes).
fn entries(text: &str) -> Vec<String> {
    text.split(',')
        .map(|e| e.trim().trim_matches('"').to_string())
        .filter(|e| !e.is_empty())
        .collect()
}

/// `localhost`, 127.0.0.0/8 and `::1` only reach this host.
fn is_loopback(entry: &str) -> bool {
    if entry.eq_ignore_ascii_case("localhost") {
        return true;
    }
    entry
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_only_lists() {
        let only_loopback = |t: &str| entries(t).iter().all(|e| is_loopback(e));
        assert!(only_loopback("localhost"));
        assert!(only_loopback(""));
        assert!(only_loopback("127.0.0.1, ::1,LOCALHOST"));
        assert!(!only_loopback("localhost,10.0.0.5"));
        assert!(!only_loopback("*"));
        assert!(!only_loopback("0.0.0.0"));
        assert!(!only_loopback("db.internal"));
    }
}
