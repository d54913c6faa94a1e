//! postgresql.conf syntax: never panics, prints back exactly, tiles every byte; and a value
//! quoted as `ALTER SYSTEM` quotes it reads back as itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pgconf::syntax::conf::{LineItem, TokenKind, deescape_quoted_string, parse_bytes, quote_value};

fuzz_target!(|data: &[u8]| {
    pgconf_fuzz::check_conf_bytes(data);
    let _ = deescape_quoted_string(data);

    // A value without NUL or LF, quoted, is one STRING token whose value is the input.
    if !data.contains(&0) && !data.contains(&b'\n') {
        let mut line = b"x = ".to_vec();
        line.extend_from_slice(&quote_value(data));
        let tree = parse_bytes(&line);
        match &tree.lines[0].item {
            LineItem::Setting(s) => {
                assert_eq!(s.value.kind, TokenKind::String);
                assert_eq!(s.value_bytes(&line).as_ref(), data);
            }
            other => panic!("quoted value did not parse: {other:?}"),
        }
    }
});
