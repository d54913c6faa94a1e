//! The config model with includes: an in-memory tree built from the input (split at 0x1e into
//! up to seven files at fixed paths that include directives can name) is loaded as a server of
//! the version the first byte picks. Properties: it loads (the main file exists), never panics,
//! every file it read prints back exactly, and every item and message points inside its file.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use pgconf::model::config_set::{AutoConf, ConfigSet, ItemKind, LoadOptions};
use pgconf::model::version::PgVersion;
use pgconf_fuzz::{line_in_range, mem_fs, split_files};

/// Where the files of one input go: `include 'a.conf'`, `include_dir 'conf.d'` (with a
/// sub-folder that must be skipped), an absolute path outside the main folder, and the auto file.
const PATHS: [&str; 7] = [
    "/d/postgresql.conf",
    "/d/postgresql.auto.conf",
    "/d/a.conf",
    "/d/conf.d/b.conf",
    "/d/conf.d/c.conf",
    "/d/conf.d/sub/d.conf",
    "/e/e.conf",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let version = PgVersion::ALL[usize::from(selector) % PgVersion::ALL.len()];
    let auto = if selector & 0x80 != 0 {
        AutoConf::None
    } else {
        AutoConf::Discover
    };
    let files = split_files(rest, PATHS.len());
    let fs = mem_fs(&PATHS, &files);
    let options = LoadOptions {
        version,
        auto,
        roots: None,
    };
    let set = match ConfigSet::load(&fs, Path::new(PATHS[0]), &options) {
        Ok(set) => set,
        Err(e) => panic!("main file exists but did not load: {e}"),
    };

    for file in &set.files {
        let bytes = file.source.bytes();
        assert_eq!(
            file.tree.print(bytes),
            bytes,
            "round trip of {}",
            file.path.display()
        );
        assert!(file.depth <= pgconf::model::config_set::MAX_INCLUDE_DEPTH);
        if let Some((from, line)) = file.included_from {
            assert!(from < set.files.len());
            assert!(line_in_range(line, set.files[from].source.bytes()));
        }
    }
    for item in &set.items {
        assert!(item.file < set.files.len());
        let bytes = set.files[item.file].source.bytes();
        assert!(
            line_in_range(item.line, bytes),
            "item line {} of {}",
            item.line,
            item.file
        );
        match &item.kind {
            ItemKind::Setting { setting, .. } => {
                assert!(setting.value.span.end as usize <= bytes.len());
            }
            ItemKind::FileError { span: Some(span) } => {
                assert!(span.end as usize <= bytes.len());
            }
            ItemKind::FileError { span: None } => {}
        }
        let _ = set.display_path(item.file);
        // An item the view lists is one a server start also reads.
        assert!(!item.applied || set.startup.ok);
    }
    for message in &set.startup.errors {
        assert!(message.file < set.files.len());
        let bytes = set.files[message.file].source.bytes();
        assert!(line_in_range(message.line, bytes));
        if let Some(span) = message.span {
            assert!(span.end as usize <= bytes.len());
        }
    }
    assert!(set.startup.ok == set.startup.errors.is_empty());
    let _ = set.effective();
});
