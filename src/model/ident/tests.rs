//! Expected values are the answers of real servers (`pg-oracle`).

use super::*;
use crate::model::fs::MemFs;

fn rows(text: &str, major: u8) -> Vec<IdentMappingRow> {
    let fs = MemFs::new()
        .with("/d/pg_ident.conf", text)
        .with("/d/users.txt", "u1\n");
    let v = PgVersion::new(major).expect("12..=18");
    match load_ident(&fs, Path::new("/d/pg_ident.conf"), v) {
        Ok(f) => f.view_rows().to_vec(),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn extra_fields_are_ignored() {
    let r = &rows("mymap a b c\n", 16)[0];
    assert_eq!(r.map_number, Some(Some(1)));
    assert_eq!(r.file_name.as_deref(), Some("pg_ident.conf"));
    assert_eq!(
        (
            r.map_name.as_deref(),
            r.sys_name.as_deref(),
            r.pg_username.as_deref()
        ),
        (Some("mymap"), Some("a"), Some("b"))
    );
    let r15 = serde_json::to_value(&rows("mymap a b\n", 15)[0]).unwrap_or_default();
    assert!(r15.get("map_number").is_none());
}

#[test]
fn errors() {
    assert_eq!(
        rows("mymap a,b c\n", 16)[0].error.as_deref(),
        Some("multiple values in ident field")
    );
    assert_eq!(
        rows("mymap a\n", 15)[0].error.as_deref(),
        Some("missing entry at end of line")
    );
    assert_eq!(rows("mymap sys /(\n", 15)[0].error, None);
    assert_eq!(
        rows("mymap sys /(\n", 16)[0].error.as_deref(),
        Some("invalid regular expression \"(\": parentheses () not balanced")
    );
    assert_eq!(rows("mymap sys /(\n", 16)[0].map_number, Some(None));
}

#[test]
fn at_files_expand() {
    let r = &rows("m @users.txt pg\n", 16)[0];
    assert_eq!(r.sys_name.as_deref(), Some("u1"));
}
