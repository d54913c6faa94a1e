//! pg_hba.conf: the physical layout round-trips, and loading it (with `@file` and 16+ include
//! targets taken from the same input) never panics in any version 12–18 and names only lines
//! that exist.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use pgconf::model::hba::{HbaOptions, load_hba};
use pgconf::model::version::PgVersion;
use pgconf_fuzz::{auth_fs, auth_line_limits};

/// Files of one input, split at 0x1e: the main file, an `@users` list, two included files.
const PATHS: [&str; 4] = [
    "/d/pg_hba.conf",
    "/d/users",
    "/d/hba.d/a.conf",
    "/d/hba.d/b.conf",
];

fuzz_target!(|data: &[u8]| {
    let fs = auth_fs(data, &PATHS);
    for version in PgVersion::ALL {
        let opts = HbaOptions {
            ssl_enabled: version.major() % 2 == 0,
            db_user_namespace: version.major() == 13,
            oauth_validator_libraries: vec!["v".into()],
        };
        let hba = match load_hba(&fs, Path::new(PATHS[0]), version, &opts) {
            Ok(hba) => hba,
            Err(e) => panic!("main file exists but did not load: {e}"),
        };
        let limits = auth_line_limits(&hba.sources);
        assert_eq!(hba.view_rows().len(), hba.lines().count(), "one row per line");
        for (row, line) in hba.view_rows().iter().zip(hba.lines()) {
            assert_eq!(row.line_number, line.line_number);
            assert!(line.line_number as usize <= limits[line.file as usize]);
        }
        for record in hba.records() {
            assert!(record.line_number as usize <= limits[record.file as usize]);
            for &t in hba.option_tokens(record) {
                let span = hba.span(t);
                assert!(
                    span.end as usize <= hba.sources.files[t.file as usize].source.bytes().len()
                );
            }
            let _ = hba.matches_tcp(record, IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3)), "db", "u");
            let _ = hba.matches_tcp(record, IpAddr::V6(Ipv6Addr::LOCALHOST), "all", "postgres");
        }
        let _ = hba.load_ok();
    }
});
