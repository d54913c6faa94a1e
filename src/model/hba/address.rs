//! Addresses as `parse_hba_line` reads them: `getaddrinfo(AI_NUMERICHOST)` with glibc's rules
//! (`__inet_aton_exact`, `inet_pton6`, `__inet6_scopeid_pton`), `pg_sockaddr_cidr_mask`
//! (`strtol` base 10), and `getnameinfo(NI_NUMERICHOST)` + `clean_ipv6_addr` for the view.
//! The same in 12–18.

use crate::model::value::number::c_sign_prefix;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What `getaddrinfo(AI_NUMERICHOST)` makes of a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numeric {
    Ip(IpAddr),
    /// `EAI_NONAME`: the server takes the text as a host name.
    NoName,
}

/// `getaddrinfo(text, AI_NUMERICHOST, AF_UNSPEC)` on glibc: IPv4 by `inet_aton` rules (so
/// `10`, `127.1`, `0x7f.1`, `017.0.0.1`), else IPv6 by `inet_pton` with an optional `%zone`.
pub fn parse_numeric_host(text: &[u8]) -> Numeric {
    if let Some(v4) = inet_aton_exact(text) {
        return Numeric::Ip(IpAddr::V4(v4));
    }
    let (addr, zone) = match text.iter().position(|&c| c == b'%') {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    match inet_pton6(addr) {
        Some(v6) => match zone {
            Some(z) if !scope_id_ok(&v6, z) => Numeric::NoName,
            _ => Numeric::Ip(IpAddr::V6(v6)),
        },
        None => Numeric::NoName,
    }
}

/// `__inet6_scopeid_pton`: an interface name (link-local addresses only) or a decimal number
/// up to `u32::MAX`. Interface names depend on the server host; `lo` and `eth0` are assumed.
fn scope_id_ok(addr: &Ipv6Addr, zone: &[u8]) -> bool {
    let seg = addr.segments();
    let link_local =
        (seg[0] & 0xffc0) == 0xfe80 || (seg[0] & 0xff0f) == 0xff01 || (seg[0] & 0xff0f) == 0xff02;
    if link_local && matches!(zone, b"lo" | b"eth0") {
        return true;
    }
    if zone.first().is_some_and(u8::is_ascii_digit) && zone.iter().all(u8::is_ascii_digit) {
        let mut v: u64 = 0;
        for &c in zone {
            v = v.saturating_mul(10).saturating_add(u64::from(c - b'0'));
        }
        return v <= u64::from(u32::MAX);
    }
    false
}

/// glibc `inet_aton_end` + the "whole string" check of `__inet_aton_exact`: up to four parts,
/// each `strtoul(.., 0)` starting with a digit (`0x` hex, leading `0` octal).
pub fn inet_aton_exact(text: &[u8]) -> Option<Ipv4Addr> {
    plain_dotted_quad(text).or_else(|| inet_aton_full(text))
}

/// [`inet_aton_exact`] for any text.
fn inet_aton_full(text: &[u8]) -> Option<Ipv4Addr> {
    const MAX: [u64; 4] = [0xffff_ffff, 0xff_ffff, 0xffff, 0xff];
    let mut parts = [0u8; 4];
    let mut np = 0usize;
    let mut p = 0usize;
    let val;
    loop {
        if !text.get(p).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let (v, used) = strtoul0(&text[p..])?;
        p += used;
        if text.get(p) == Some(&b'.') {
            if np > 2 || v > 0xff {
                return None;
            }
            parts[np] = v as u8;
            np += 1;
            p += 1;
        } else {
            val = v;
            break;
        }
    }
    if p != text.len() || val > MAX[np] {
        return None;
    }
    let word = u32::from_be_bytes(parts) | (val as u32);
    Some(Ipv4Addr::from(word))
}

/// Four decimal parts of one to three digits without a leading zero, each at most 255
/// (`192.168.0.1`): the way nearly every address is written, which `inet_aton` reads as the
/// four bytes it shows. `None` for any other text, which [`inet_aton_full`] reads.
fn plain_dotted_quad(text: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut rest = text;
    for (i, octet) in octets.iter_mut().enumerate() {
        if i > 0 {
            rest = rest.strip_prefix(b".")?;
        }
        // One plain loop: as an iterator chain, whether LLVM inlined it changed with
        // unrelated code elsewhere in the crate (by 60 instructions an address).
        let (mut digits, mut value) = (0, 0u32);
        while let Some(&c @ b'0'..=b'9') = rest.get(digits) {
            if digits == 3 {
                return None;
            }
            value = value * 10 + u32::from(c - b'0');
            digits += 1;
        }
        if digits == 0 || (digits > 1 && rest[0] == b'0') {
            return None;
        }
        *octet = u8::try_from(value).ok()?;
        rest = &rest[digits..];
    }
    rest.is_empty().then_some(Ipv4Addr::from(octets))
}

/// The address column as nearly every record of a big file writes it, a plain dotted quad
/// (as [`plain_dotted_quad`] takes it), `/` and a mask of one or two digits up to 32
/// (`10.1.2.0/24`): address and mask, read in one pass. `None` for any other text, which the
/// server's reading takes ([`parse_numeric_host`] of the part before the `/`, then
/// [`cidr_mask`]); a test holds the two to each other. The general reading was ~300
/// instructions an address: the search for `/`, then each part read and checked twice over.
pub fn plain_ipv4_network(text: &[u8]) -> Option<(u32, u32)> {
    let mut addr = 0u32;
    let mut rest = text;
    for separator in [b'.', b'.', b'.', b'/'] {
        let (octet, after) = plain_octet(rest)?;
        // A fourth digit or a leading zero's next digit is no separator either.
        match after.split_first() {
            Some((&c, after)) if c == separator => rest = after,
            _ => return None,
        }
        addr = (addr << 8) | octet;
    }
    let len = match *rest {
        [d @ b'0'..=b'9'] => u32::from(d - b'0'),
        [t @ b'0'..=b'9', d @ b'0'..=b'9'] => u32::from(t - b'0') * 10 + u32::from(d - b'0'),
        _ => return None,
    };
    (len <= 32).then(|| (addr, mask_v4(len)))
}

/// A part of [`plain_dotted_quad`] (one to three digits, no leading zero, at most 255) at
/// the start of `s`, and the bytes after it.
#[inline(always)]
fn plain_octet(s: &[u8]) -> Option<(u32, &[u8])> {
    let d = |c: u8| u32::from(c - b'0');
    match *s {
        [
            a @ b'1'..=b'9',
            b @ b'0'..=b'9',
            c @ b'0'..=b'9',
            ref rest @ ..,
        ] => {
            let v = d(a) * 100 + d(b) * 10 + d(c);
            (v <= 255).then_some((v, rest))
        }
        [a @ b'1'..=b'9', b @ b'0'..=b'9', ref rest @ ..] => Some((d(a) * 10 + d(b), rest)),
        [a @ b'0'..=b'9', ref rest @ ..] => Some((d(a), rest)),
        _ => None,
    }
}

/// `strtoul(s, &end, 0)` for a string starting with a digit: value and bytes used; `None` on
/// overflow beyond 32 bits (glibc rejects `> 0xffffffff`).
fn strtoul0(s: &[u8]) -> Option<(u64, usize)> {
    let (base, mut i) = if s.first() == Some(&b'0') {
        if matches!(s.get(1), Some(b'x' | b'X')) && s.get(2).is_some_and(u8::is_ascii_hexdigit) {
            (16u64, 2usize)
        } else {
            (8, 1)
        }
    } else {
        (10, 0)
    };
    let mut v: u64 = 0;
    while let Some(&c) = s.get(i) {
        let d = match c {
            b'0'..=b'9' => u64::from(c - b'0'),
            b'a'..=b'f' => u64::from(c - b'a' + 10),
            b'A'..=b'F' => u64::from(c - b'A' + 10),
            _ => break,
        };
        if d >= base {
            break;
        }
        v = v.saturating_mul(base).saturating_add(d);
        i += 1;
    }
    if v > 0xffff_ffff {
        return None;
    }
    Some((v, i))
}

/// glibc `inet_pton6`: hex groups of up to 4 digits, one `::`, an optional trailing dotted
/// quad (strict `inet_pton4`: no leading zeros, each octet ≤ 255).
pub fn inet_pton6(src: &[u8]) -> Option<Ipv6Addr> {
    let mut out = [0u8; 16];
    let mut tp = 0usize;
    let mut colonp: Option<usize> = None;
    let mut i = 0usize;
    if src.first() == Some(&b':') {
        if src.get(1) != Some(&b':') {
            return None;
        }
        i = 1;
    }
    let mut curtok = i;
    let mut saw_xdigit = false;
    let mut val: u32 = 0;
    let mut ndigits = 0;
    while i < src.len() {
        let ch = src[i];
        i += 1;
        if let Some(d) = (ch as char).to_digit(16) {
            if ndigits >= 4 {
                return None;
            }
            val = (val << 4) | d;
            ndigits += 1;
            saw_xdigit = true;
            continue;
        }
        if ch == b':' {
            curtok = i;
            if !saw_xdigit {
                if colonp.is_some() {
                    return None;
                }
                colonp = Some(tp);
                continue;
            } else if i >= src.len() {
                return None;
            }
            if tp + 2 > 16 {
                return None;
            }
            out[tp] = (val >> 8) as u8;
            out[tp + 1] = val as u8;
            tp += 2;
            saw_xdigit = false;
            ndigits = 0;
            val = 0;
            continue;
        }
        if ch == b'.' && tp + 4 <= 16 {
            let v4 = inet_pton4(&src[curtok..])?;
            out[tp..tp + 4].copy_from_slice(&v4);
            tp += 4;
            saw_xdigit = false;
            break;
        }
        return None;
    }
    if saw_xdigit {
        if tp + 2 > 16 {
            return None;
        }
        out[tp] = (val >> 8) as u8;
        out[tp + 1] = val as u8;
        tp += 2;
    }
    if let Some(cp) = colonp {
        if tp == 16 {
            return None;
        }
        let n = tp - cp;
        for k in 1..=n {
            out[16 - k] = out[cp + n - k];
            out[cp + n - k] = 0;
        }
        tp = 16;
    }
    if tp != 16 {
        return None;
    }
    Some(Ipv6Addr::from(out))
}

/// glibc `inet_pton4`: exactly four decimal octets, no leading zeros.
fn inet_pton4(src: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut octets = 0;
    let mut saw_digit = false;
    let mut cur: u32 = 0;
    for &ch in src {
        if ch.is_ascii_digit() {
            if saw_digit && cur == 0 {
                return None;
            }
            cur = cur * 10 + u32::from(ch - b'0');
            if cur > 255 {
                return None;
            }
            if !saw_digit {
                octets += 1;
                if octets > 4 {
                    return None;
                }
                saw_digit = true;
            }
            out[octets - 1] = cur as u8;
        } else if ch == b'.' && saw_digit {
            if octets == 4 {
                return None;
            }
            cur = 0;
            saw_digit = false;
        } else {
            return None;
        }
    }
    (octets == 4).then_some(out)
}

/// `pg_sockaddr_cidr_mask`: `strtol(bits, &end, 10)` must consume the whole non-empty string
/// (leading white space and a sign are allowed), 0–32 or 0–128.
pub fn cidr_mask(bits: &[u8], v6: bool) -> Option<IpAddr> {
    // One or two digits (`/8`, `/24`), as nearly every mask is written, are their own
    // value; the rest takes `strtol`'s reading. A test holds the two to each other.
    let len = match *bits {
        [d @ b'0'..=b'9'] => u32::from(d - b'0'),
        [t @ b'0'..=b'9', d @ b'0'..=b'9'] => u32::from(t - b'0') * 10 + u32::from(d - b'0'),
        _ => return cidr_mask_strtol(bits, v6),
    };
    (len <= if v6 { 128 } else { 32 }).then(|| mask_from_len(len, v6))
}

/// [`cidr_mask`] for any text.
fn cidr_mask_strtol(bits: &[u8], v6: bool) -> Option<IpAddr> {
    if bits.is_empty() {
        return None;
    }
    let (neg, mut i) = c_sign_prefix(bits);
    let digits_start = i;
    let mut v: i64 = 0;
    while let Some(c) = bits.get(i).filter(|c| c.is_ascii_digit()) {
        v = v.saturating_mul(10).saturating_add(i64::from(c - b'0'));
        i += 1;
    }
    if i == digits_start || i != bits.len() {
        return None;
    }
    let v = if neg { -v } else { v };
    let max = if v6 { 128 } else { 32 };
    if !(0..=max).contains(&v) {
        return None;
    }
    Some(mask_from_len(v as u32, v6))
}

pub fn mask_from_len(len: u32, v6: bool) -> IpAddr {
    if v6 {
        let m = if len == 0 {
            0
        } else {
            u128::MAX << (128 - len)
        };
        IpAddr::V6(Ipv6Addr::from(m))
    } else {
        IpAddr::V4(Ipv4Addr::from(mask_v4(len)))
    }
}

/// The IPv4 mask of `len` (0–32) leading ones.
fn mask_v4(len: u32) -> u32 {
    if len == 0 { 0 } else { u32::MAX << (32 - len) }
}

/// `getnameinfo(NI_NUMERICHOST)` text as the view shows it (glibc `inet_ntop`; the zone is
/// removed by `clean_ipv6_addr`).
pub fn format_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => ntop4(v4),
        IpAddr::V6(v6) => ntop6(&v6),
    }
}

/// Dotted decimal, digit by digit: `Ipv4Addr`'s `Display` goes through the formatting
/// machinery and padding, about a tenth of `show`'s work on a file of 20,000 addresses.
fn ntop4(addr: Ipv4Addr) -> String {
    let mut out = String::with_capacity(15);
    for (i, octet) in addr.octets().into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        if octet >= 100 {
            out.push(char::from(b'0' + octet / 100));
        }
        if octet >= 10 {
            out.push(char::from(b'0' + octet / 10 % 10));
        }
        out.push(char::from(b'0' + octet % 10));
    }
    out
}

/// glibc `inet_ntop6`: the first longest run of two or more zero groups becomes `::`; an
/// IPv4-compatible (`::a.b.c.d`) or mapped (`::ffff:a.b.c.d`) address ends in a dotted quad.
fn ntop6(addr: &Ipv6Addr) -> String {
    let w = addr.segments();
    let (mut best_base, mut best_len) = (None::<usize>, 0usize);
    let (mut cur_base, mut cur_len) = (None::<usize>, 0usize);
    for (i, &g) in w.iter().enumerate() {
        if g == 0 {
            if cur_base.is_none() {
                cur_base = Some(i);
                cur_len = 1;
            } else {
                cur_len += 1;
            }
        } else if let Some(b) = cur_base.take()
            && (best_base.is_none() || cur_len > best_len)
        {
            best_base = Some(b);
            best_len = cur_len;
        }
    }
    if let Some(b) = cur_base
        && (best_base.is_none() || cur_len > best_len)
    {
        best_base = Some(b);
        best_len = cur_len;
    }
    if best_len < 2 {
        best_base = None;
    }
    let mut s = String::with_capacity(40);
    let mut i = 0;
    while i < 8 {
        if let Some(b) = best_base
            && i >= b
            && i < b + best_len
        {
            if i == b {
                s.push(':');
            }
            i += 1;
            continue;
        }
        if i != 0 {
            s.push(':');
        }
        if i == 6 && best_base == Some(0) && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)) {
            let o = addr.octets();
            s.push_str(&format!("{}.{}.{}.{}", o[12], o[13], o[14], o[15]));
            return s;
        }
        s.push_str(&format!("{:x}", w[i]));
        i += 1;
    }
    if let Some(b) = best_base
        && b + best_len == 8
    {
        s.push(':');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> Option<String> {
        inet_aton_exact(s.as_bytes()).map(|a| a.to_string())
    }

    /// Oracle facts (12, 14, 16): `host all all X/32 md5` accepted or taken as a host name.
    #[test]
    fn inet_aton_rules() {
        assert_eq!(v4("0x7f.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(v4("01.02.03.04").as_deref(), Some("1.2.3.4"));
        assert_eq!(v4("4294967295").as_deref(), Some("255.255.255.255"));
        assert_eq!(v4("10").as_deref(), Some("0.0.0.10"));
        assert_eq!(v4("4294967296"), None);
        assert_eq!(v4("1.16777216"), None);
        assert_eq!(v4("0x"), None);
        assert_eq!(v4("1.2.3.4.5"), None);
        assert_eq!(v4("08"), None);
    }

    /// The fast path answers only for text it reads as the full reading does.
    #[test]
    fn plain_dotted_quads_read_as_inet_aton_reads_them() {
        const ALPHABET: &[u8] = b"0123456789012345x.";
        let mut next = crate::testing::xorshift64(0x2545_f491_4f6c_dd1du64);
        let mut fast = 0;
        for _ in 0..300_000 {
            // Three to five parts of up to four bytes: mostly near a dotted quad.
            let parts = 3 + (next() % 3) as usize;
            let mut text = Vec::new();
            for part in 0..parts {
                if part > 0 {
                    text.push(b'.');
                }
                for _ in 0..next() % 5 {
                    text.push(ALPHABET[(next() % ALPHABET.len() as u64) as usize]);
                }
            }
            if let Some(quad) = plain_dotted_quad(&text) {
                fast += 1;
                assert_eq!(Some(quad), inet_aton_full(&text), "{text:?}");
            }
        }
        assert!(fast > 1000, "{fast}");
        for text in ["0.0.0.0", "255.255.255.255", "10.1.2.3", "192.168.100.9"] {
            let quad = plain_dotted_quad(text.as_bytes());
            assert_eq!(quad.map(|q| q.to_string()).as_deref(), Some(text));
        }
        for text in [
            "1.2.3.04",
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.",
            "1.2.3.4.5",
            "1..2.3",
            "1234.1.1.1",
        ] {
            assert_eq!(plain_dotted_quad(text.as_bytes()), None, "{text}");
        }
    }

    /// The network as `parse_hba_line` reads it without the fast path.
    fn network_read_in_full(text: &[u8]) -> Option<(IpAddr, IpAddr)> {
        let slash = text.iter().position(|&c| c == b'/')?;
        match parse_numeric_host(&text[..slash]) {
            Numeric::Ip(addr) => cidr_mask(&text[slash + 1..], addr.is_ipv6()).map(|m| (addr, m)),
            Numeric::NoName => None,
        }
    }

    /// The fast path answers only for text it reads as the server's reading does.
    #[test]
    fn plain_ipv4_networks_read_as_the_server_reads_them() {
        const OTHER: &[u8] = b"x./ :+";
        let mut next = crate::testing::xorshift64(0x9e37_79b9_7f4a_7c15u64);
        let byte = |next: &mut dyn FnMut() -> u64| match next() % 16 {
            0 => OTHER[(next() % OTHER.len() as u64) as usize],
            _ => b'0' + (next() % 10) as u8,
        };
        let mut fast = 0;
        for _ in 0..400_000 {
            // Four parts of up to four bytes, mostly digits and dotted, and a mask of up to
            // three bytes.
            let mut text = Vec::new();
            for part in 0..4 {
                if part > 0 {
                    text.push(if next().is_multiple_of(8) { b'0' } else { b'.' });
                }
                for _ in 0..next() % 5 {
                    text.push(byte(&mut next));
                }
            }
            text.push(if next().is_multiple_of(8) { b'.' } else { b'/' });
            for _ in 0..next() % 4 {
                text.push(byte(&mut next));
            }
            if let Some((addr, mask)) = plain_ipv4_network(&text) {
                fast += 1;
                let v4 = |w: u32| IpAddr::V4(Ipv4Addr::from(w));
                assert_eq!(
                    Some((v4(addr), v4(mask))),
                    network_read_in_full(&text),
                    "{text:?}"
                );
            }
        }
        assert!(fast > 1000, "{fast}");
        for text in [
            "0.0.0.0/0",
            "255.255.255.255/32",
            "10.1.2.0/24",
            "192.168.100.9/08",
        ] {
            let (addr, mask) = plain_ipv4_network(text.as_bytes()).expect(text);
            let v4 = |w: u32| IpAddr::V4(Ipv4Addr::from(w));
            assert_eq!(
                Some((v4(addr), v4(mask))),
                network_read_in_full(text.as_bytes())
            );
        }
        for text in [
            "1.2.3.04/8",
            "256.1.1.1/8",
            "1.2.3/8",
            "1.2.3.4",
            "1.2.3.4/",
            "1.2.3.4/33",
            "1.2.3.4/008",
            "1.2.3.4/+8",
            "1..2.3/8",
            "1234.1.1.1/8",
            "0x7f.0.0.1/8",
        ] {
            assert_eq!(plain_ipv4_network(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn ipv6_rules_and_glibc_text() {
        let f = |s: &str| match parse_numeric_host(s.as_bytes()) {
            Numeric::Ip(ip) => Some(format_ip(ip)),
            Numeric::NoName => None,
        };
        assert_eq!(f("1:2:3:4:5:6:7::").as_deref(), Some("1:2:3:4:5:6:7:0"));
        assert_eq!(f("1:0:0:2:0:0:0:3").as_deref(), Some("1:0:0:2::3"));
        assert_eq!(f("::ffff:1.2.3.4").as_deref(), Some("::ffff:1.2.3.4"));
        assert_eq!(f("::1.2.3.4").as_deref(), Some("::1.2.3.4"));
        assert_eq!(f("fe80::1%2").as_deref(), Some("fe80::1"));
        assert_eq!(f("1::2:3:4:5:6:7:8"), None);
        assert_eq!(f("::1.2.3.04"), None);
        assert_eq!(f("fe80::1%bogus"), None);
        assert_eq!(f("1.2.3.4%1"), None);
        assert_eq!(format_ip(mask_from_len(64, true)), "ffff:ffff:ffff:ffff::");
    }

    #[test]
    fn dotted_decimal_is_what_display_writes() {
        const EDGES: [u8; 8] = [0, 1, 9, 10, 99, 100, 199, 255];
        for a in EDGES {
            for b in EDGES {
                let addr = Ipv4Addr::new(a, b, 255 - a, b / 2);
                assert_eq!(format_ip(IpAddr::V4(addr)), addr.to_string());
            }
        }
    }

    #[test]
    fn cidr_mask_uses_strtol() {
        assert!(cidr_mask(b"+8", false).is_some());
        assert!(cidr_mask(b"\x0b8", false).is_some());
        assert!(cidr_mask(b"08", false).is_some());
        assert!(cidr_mask(b"", false).is_none());
        assert!(cidr_mask(b"33", false).is_none());
        assert!(cidr_mask(b"8 ", false).is_none());
    }

    #[test]
    fn short_masks_read_as_strtol_reads_them() {
        let mut texts: Vec<Vec<u8>> = Vec::new();
        for a in 0..=255u8 {
            texts.push(vec![a]);
            for b in b' '..=b'~' {
                texts.push(vec![a, b]);
            }
        }
        for text in &texts {
            for v6 in [false, true] {
                assert_eq!(
                    cidr_mask(text, v6),
                    cidr_mask_strtol(text, v6),
                    "{text:?} {v6}"
                );
            }
        }
    }
}
