//! Printing a syntax tree gives the input back byte for byte: every corpus file, every grammar
//! test, every fixture.

use pgconf::source::SourceFile;
use pgconf::syntax::conf::ConfFile;

use crate::support::{files_below, repo_dir, shared_dir, skip_without_shared};

fn assert_conf_round_trip(path: &std::path::Path) {
    let bytes = std::fs::read(path).unwrap();
    let source = SourceFile::new(path, bytes.clone());
    let tree = ConfFile::parse(&source);
    assert_eq!(
        tree.print(&bytes),
        bytes,
        "conf round trip differs for {}",
        path.display()
    );
    assert_eq!(tree.lines.len(), source.line_count(), "{}", path.display());
}

#[test]
fn corpus_conf_files_round_trip() {
    let Some(shared) = shared_dir() else {
        return skip_without_shared("corpus_conf_files_round_trip");
    };
    let mut count = 0;
    for dir in ["conf", "auto"] {
        for path in files_below(&shared.join("corpus").join(dir)) {
            assert_conf_round_trip(&path);
            count += 1;
        }
    }
    assert!(
        count >= 200,
        "expected the corpus' conf files, found {count}"
    );
}

#[test]
fn own_conf_inputs_round_trip() {
    let mut count = 0;
    for dir in ["grammar-tests/conf", "fixtures"] {
        for path in files_below(&repo_dir().join(dir)) {
            assert_conf_round_trip(&path);
            count += 1;
        }
    }
    assert!(count > 0);
}

fn assert_auth_round_trip(path: &std::path::Path) {
    let bytes = std::fs::read(path).unwrap();
    let tree = pgconf::syntax::auth::AuthFile::parse(&bytes);
    assert_eq!(
        tree.print(&bytes),
        bytes,
        "auth round trip differs for {}",
        path.display()
    );
}

#[test]
fn corpus_auth_files_round_trip() {
    let Some(shared) = shared_dir() else {
        return skip_without_shared("corpus_auth_files_round_trip");
    };
    let mut count = 0;
    for dir in ["hba", "ident"] {
        for path in files_below(&shared.join("corpus").join(dir)) {
            assert_auth_round_trip(&path);
            count += 1;
        }
    }
    assert!(
        count >= 200,
        "expected the corpus' hba and ident files, found {count}"
    );
}

#[test]
fn own_auth_inputs_round_trip() {
    let mut count = 0;
    for dir in ["grammar-tests/hba", "grammar-tests/ident"] {
        for path in files_below(&repo_dir().join(dir)) {
            assert_auth_round_trip(&path);
            count += 1;
        }
    }
    assert!(count >= 100);
}
