//! pg_ident.conf: the physical layout round-trips, and loading it (with `@file` and 16+ include
//! targets taken from the same input) never panics in any version 12–18 and names only lines
//! that exist.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use pgconf::model::ident::load_ident;
use pgconf::model::version::PgVersion;
use pgconf_fuzz::{auth_fs, auth_line_limits};

/// Files of one input, split at 0x1e: the main file, an `@users` list, two included files.
const PATHS: [&str; 4] = [
    "/d/pg_ident.conf",
    "/d/users",
    "/d/ident.d/a.conf",
    "/d/ident.d/b.conf",
];

fuzz_target!(|data: &[u8]| {
    let fs = auth_fs(data, &PATHS);
    for version in PgVersion::ALL {
        let ident = match load_ident(&fs, Path::new(PATHS[0]), version) {
            Ok(ident) => ident,
            Err(e) => panic!("main file exists but did not load: {e}"),
        };
        let limits = auth_line_limits(&ident.sources);
        for m in ident.mappings() {
            assert!(m.line_number as usize <= limits[m.file as usize]);
            for t in [m.map_name, m.system_user, m.pg_user] {
                let _ = ident.sources.text(t);
            }
        }
        assert_eq!(
            ident.view_rows().len(),
            ident.lines.len(),
            "one row per line"
        );
        for (row, line) in ident.view_rows().iter().zip(&ident.lines) {
            assert_eq!(row.line_number, line.line_number);
            assert!(line.line_number as usize <= limits[line.file as usize]);
        }
        let _ = ident.load_ok();
    }
});
