//! Where an edit to a setting goes, as a person maintaining the files would make it:
//!
//! 1. the line that takes effect, in whichever file it is (an include, a `conf.d` file): only
//!    its value is replaced, keeping its quoting style, spacing and comment;
//! 2. absent a setting, the commented default of the main file is uncommented
//!    (`#wal_level = replica  # minimal, …` → `wal_level = logical  # minimal, …`);
//! 3. else a line is appended to the main file with the file's own line ending;
//! 4. with `into`, new settings go to a drop-in file instead (created if missing, and the
//!    `include_dir`/`include` that reads it added to the main file if missing).
//!
//! When `postgresql.auto.conf` holds the effective value, the edit goes there in the format
//! ALTER SYSTEM writes (`name = 'value'`), and is marked as such so the caller can treat it
//! as an unsafe fix.

use std::path::{Path, PathBuf};

use crate::diagnostic::Edit;
use crate::model::catalog::Catalog;
use crate::model::config_set::{ConfigSet, FileId, ItemKind, SettingRef};
use crate::source::Span;
use crate::syntax::conf::{self, LineItem, TokenKind, quote_value};

/// Edits that give `name` the value `value`, and whether they touch postgresql.auto.conf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingEdit {
    pub edits: Vec<Edit>,
    pub in_auto_conf: bool,
    /// Where the value ends up, for messages.
    pub file: PathBuf,
}

/// The line ending a file mostly uses (`\r\n` when most lines end so), for inserted lines.
pub fn line_ending(bytes: &[u8]) -> &'static [u8] {
    // memchr's searches: a byte-by-byte count cost 12 M instructions on a 1.6 MB file, where
    // a `--region` lint asks this of every pg_hba.conf it would add records to.
    let lf = memchr::memchr_iter(b'\n', bytes).count();
    let crlf = memchr::memmem::find_iter(bytes, b"\r\n").count();
    if crlf * 2 > lf { b"\r\n" } else { b"\n" }
}

/// `value` as a conf token: unquoted when the lexer reads it back as one value token (and it
/// is not a `a.b` name), else single-quoted with `'` and `\` doubled.
pub fn value_token(value: &[u8], keep_quotes: bool) -> Vec<u8> {
    if !keep_quotes && is_bare_value(value) {
        value.to_vec()
    } else {
        quote_value(value)
    }
}

fn is_bare_value(value: &[u8]) -> bool {
    let mut line = b"x = ".to_vec();
    line.extend_from_slice(value);
    let file = conf::parse_bytes(&line);
    match file.lines.as_slice() {
        [only] => match &only.item {
            LineItem::Setting(s) => {
                s.value.kind != TokenKind::String
                    && s.value.span.end as usize == line.len()
                    && only.comment().is_none()
            }
            _ => false,
        },
        _ => false,
    }
}

/// The edits that set `name = value` in `set` (see the module docs for where they go).
pub fn set_parameter(
    set: &ConfigSet,
    name: &str,
    value: &[u8],
    into: Option<&Path>,
) -> SettingEdit {
    let catalog = Catalog::get(set.version);
    let canonical = catalog
        .lookup(name.as_bytes())
        .map(|p| p.name().to_ascii_lowercase());
    // 1. The line that takes effect.
    let effective = set.items.iter().rev().find(|item| match set.setting(item) {
        Some(SettingRef { name: n, .. }) => match (&canonical, item.param) {
            (Some(c), Some(p)) => p.name().eq_ignore_ascii_case(c),
            _ => n.eq_ignore_ascii_case(name.as_bytes()),
        },
        None => false,
    });
    if let Some(item) = effective
        && let ItemKind::Setting { setting, .. } = &item.kind
    {
        let file = &set.files[item.file];
        let in_auto = Some(item.file) == set.auto;
        let was_quoted = setting.value.kind == TokenKind::String;
        let replacement = if in_auto {
            quote_value(value)
        } else {
            value_token(value, was_quoted)
        };
        return SettingEdit {
            edits: vec![Edit {
                file: file.path.as_path().into(),
                span: setting.value.span,
                replacement: replacement.into(),
            }],
            in_auto_conf: in_auto,
            file: file.path.as_path().into(),
        };
    }
    // 4. A drop-in file.
    if let Some(into) = into {
        return into_drop_in(set, name, value, into);
    }
    // 2. The commented default of the main file.
    if let Some(edit) = uncomment_default(set, set.main, name, value) {
        return SettingEdit {
            file: set.files[set.main].path.clone(),
            edits: vec![edit],
            in_auto_conf: false,
        };
    }
    // 3. A new line at the end of the main file.
    let main = &set.files[set.main];
    SettingEdit {
        edits: vec![append_line(
            main.source.bytes(),
            &main.path,
            &setting_line(name, value),
        )],
        in_auto_conf: false,
        file: main.path.clone(),
    }
}

/// `name = value` (value quoted when it must be).
fn setting_line(name: &str, value: &[u8]) -> Vec<u8> {
    let mut line = format!("{name} = ").into_bytes();
    line.extend_from_slice(&value_token(value, false));
    line
}

/// An insertion of `line` at the end of a file, after a line ending if the file lacks a final
/// one.
pub fn append_line(bytes: &[u8], path: &Path, line: &[u8]) -> Edit {
    let eol = line_ending(bytes);
    let mut text = Vec::new();
    if !bytes.is_empty() && !bytes.ends_with(b"\n") {
        text.extend_from_slice(eol);
    }
    text.extend_from_slice(line);
    text.extend_from_slice(eol);
    Edit {
        file: path.into(),
        span: Span::empty(bytes.len() as u32),
        replacement: text.into(),
    }
}

/// Uncomments `#name = old  # note` into `name = value  # note`: the `#` and the old value
/// are the only bytes replaced.
fn uncomment_default(set: &ConfigSet, file: FileId, name: &str, value: &[u8]) -> Option<Edit> {
    let found = commented_default(set, file, name)?;
    let source = &set.files[file];
    let bytes = source.source.bytes();
    // Keep the commented line's own spelling of the name; replace `#…value`.
    let mut replacement = bytes[found.hash.end as usize..found.value.start as usize].to_vec();
    replacement.extend_from_slice(&value_token(value, found.quoted));
    Some(Edit {
        file: source.path.as_path().into(),
        span: found.hash.cover(found.value),
        replacement: replacement.into(),
    })
}

/// A commented-out setting, `#name = value  # note` (how postgresql.conf ships its defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommentedSetting {
    /// The whole comment, from `#` to the end of the line.
    pub comment: Span,
    /// The `#` that comments the line out.
    pub hash: Span,
    /// The value after `=`.
    pub value: Span,
    /// Whether that value is a quoted string.
    pub quoted: bool,
}

/// The first line of `file` that is a comment holding one setting of `name`: what follows the
/// `#` is read with the file's own grammar and must be a valid setting line, so that removing
/// the `#` and replacing the value gives a line the server accepts. (`#wal_level = replica x`
/// is a note, not a default: uncommenting it would be a syntax error.)
pub fn commented_default(set: &ConfigSet, file: FileId, name: &str) -> Option<CommentedSetting> {
    let source = &set.files[file];
    let bytes = source.source.bytes();
    source.tree.lines.iter().find_map(|line| {
        if !matches!(line.item, LineItem::Blank) {
            return None;
        }
        let comment = line.comment()?;
        let body = &bytes[comment.range()][1..];
        // A setting line starts with its name: most comments are prose, not worth a parse.
        let named = body.trim_ascii_start().get(..name.len());
        if !named.is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes())) {
            return None;
        }
        // Parse what follows the `#` as a line of its own.
        let parsed = conf::parse_bytes(body);
        let [inner] = parsed.lines.as_slice() else {
            return None;
        };
        let LineItem::Setting(s) = &inner.item else {
            return None;
        };
        if !s.name_bytes(body).eq_ignore_ascii_case(name.as_bytes()) {
            return None;
        }
        let body_start = comment.start + 1;
        Some(CommentedSetting {
            comment,
            hash: Span::new(comment.start, body_start),
            value: Span::new(
                body_start + s.value.span.start,
                body_start + s.value.span.end,
            ),
            quoted: s.value.kind == TokenKind::String,
        })
    })
}

/// Puts `name = value` into the drop-in `into`, creating it and the include that reads it.
fn into_drop_in(set: &ConfigSet, name: &str, value: &[u8], into: &Path) -> SettingEdit {
    let into_abs = crate::model::paths::absolute(into, set.version);
    let existing = set.files.iter().find(|f| f.path == into_abs);
    let mut edits = Vec::new();
    match existing {
        Some(file) => edits.push(append_line(
            file.source.bytes(),
            &file.path,
            &setting_line(name, value),
        )),
        None => {
            // A new file: its whole text is one insertion at offset 0 of an empty file.
            let main = &set.files[set.main];
            let eol = line_ending(main.source.bytes());
            let mut text = b"# Added by pgconf.".to_vec();
            text.extend_from_slice(eol);
            text.extend_from_slice(&setting_line(name, value));
            text.extend_from_slice(eol);
            edits.push(Edit {
                file: into_abs.as_path().into(),
                span: Span::empty(0),
                replacement: text.into(),
            });
            // The include that reads it, unless an include_dir of its folder is there.
            let main_dir = set.main_dir();
            // Already read when an `include_dir` reads its folder and its name qualifies.
            let name_ok = into_abs.file_name().is_some_and(|n| {
                crate::model::config_set::is_included_conf_name(n.to_string_lossy().as_bytes())
            });
            let read_by_dir = name_ok
                && set.files.iter().any(|f| {
                    f.path.parent() == into_abs.parent()
                        && f.included_from.is_some_and(|(file, line)| {
                            set.files[file]
                                .tree
                                .lines
                                .get(line as usize - 1)
                                .is_some_and(|l| match &l.item {
                                    LineItem::Setting(s) => s
                                        .name_bytes(set.files[file].source.bytes())
                                        .eq_ignore_ascii_case(b"include_dir"),
                                    _ => false,
                                })
                        })
                });
            if !read_by_dir {
                let rel = into_abs
                    .strip_prefix(main_dir)
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|_| into_abs.clone());
                let target = rel.to_string_lossy().into_owned();
                let line = [b"include = ".as_slice(), &quote_value(target.as_bytes())].concat();
                edits.push(append_line(main.source.bytes(), &main.path, &line));
            }
        }
    }
    SettingEdit {
        edits,
        in_auto_conf: false,
        file: into_abs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::fix::apply::splice;
    use crate::model::config_set::{AutoConf, LoadOptions};
    use crate::model::fs::MemFs;
    use crate::model::version::PgVersion;

    #[test]
    fn the_line_ending_is_the_one_most_lines_end_with() {
        assert_eq!(line_ending(b""), b"\n");
        assert_eq!(line_ending(b"no ending"), b"\n");
        assert_eq!(line_ending(b"a\r\nb\r\nc\n"), b"\r\n");
        assert_eq!(line_ending(b"a\r\nb\nc\n"), b"\n");
        assert_eq!(line_ending(b"\r\r\n\r\n"), b"\r\n");
        assert_eq!(line_ending(b"a\rb\rc\n"), b"\n");
    }

    fn load(fs: &MemFs) -> ConfigSet {
        ConfigSet::load(
            fs,
            Path::new("/d/postgresql.conf"),
            &LoadOptions {
                version: PgVersion::new(16).unwrap(),
                auto: AutoConf::Discover,
                roots: None,
            },
        )
        .unwrap()
    }

    fn apply(fs: &MemFs, e: &SettingEdit) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        for edit in &e.edits {
            let before = crate::model::fs::FileSystem::read(fs, &edit.file).unwrap_or_default();
            out.push((edit.file.to_path_buf(), splice(&before, &[edit])));
        }
        out
    }

    #[test]
    fn the_line_that_takes_effect_is_changed_in_its_own_file() {
        let fs = MemFs::new()
            .with(
                "/d/postgresql.conf",
                "wal_level = replica\ninclude 'x.conf'\n",
            )
            .with("/d/x.conf", "wal_level = 'minimal'   # why not\n");
        let e = set_parameter(&load(&fs), "wal_level", b"logical", None);
        assert_eq!(
            apply(&fs, &e),
            vec![(
                PathBuf::from("/d/x.conf"),
                b"wal_level = 'logical'   # why not\n".to_vec()
            )]
        );
    }

    #[test]
    fn the_commented_default_is_uncommented_keeping_its_note() {
        let fs = MemFs::new().with(
            "/d/postgresql.conf",
            "#wal_level = replica\t\t\t# minimal, replica, or logical\r\nport = 5432\r\n",
        );
        let e = set_parameter(&load(&fs), "wal_level", b"logical", None);
        assert_eq!(
            apply(&fs, &e)[0].1,
            b"wal_level = logical\t\t\t# minimal, replica, or logical\r\nport = 5432\r\n"
        );
    }

    /// Found by the `fix_loop` fuzz target: a comment that starts like a default but holds
    /// more than one value is a note; uncommenting it made a line the server rejects.
    #[test]
    fn a_comment_that_is_not_a_valid_setting_is_not_uncommented() {
        for note in [
            "#wal_level = replica x\n",
            "#wal_level = \u{1} replica\n",
            "#wal_level = 'replica\n",
            "#wal_level =\n",
        ] {
            let fs = MemFs::new().with("/d/postgresql.conf", note);
            let set = load(&fs);
            assert_eq!(
                commented_default(&set, set.main, "wal_level"),
                None,
                "{note:?}"
            );
            let e = set_parameter(&set, "wal_level", b"logical", None);
            let fixed = format!("{note}wal_level = logical\n");
            assert_eq!(apply(&fs, &e)[0].1, fixed.as_bytes(), "{note:?}");
        }
        let text =
            "#  max_wal_senders = 10   # max number\n#listen_addresses = 'localhost'\t# what\n";
        let fs = MemFs::new().with("/d/postgresql.conf", text);
        let set = load(&fs);
        let found = commented_default(&set, set.main, "listen_addresses").expect("found");
        assert_eq!(&text.as_bytes()[found.hash.range()], b"#");
        assert_eq!(&text.as_bytes()[found.value.range()], b"'localhost'");
        assert!(found.quoted);
        let found = commented_default(&set, set.main, "MAX_WAL_SENDERS").expect("found");
        assert_eq!(&text.as_bytes()[found.value.range()], b"10");
        assert!(!found.quoted);
    }

    #[test]
    fn otherwise_a_line_is_appended_with_the_files_line_ending() {
        let fs = MemFs::new().with("/d/postgresql.conf", "port = 5432\r\nmax_connections = 10");
        let e = set_parameter(&load(&fs), "max_slot_wal_keep_size", b"100GB", None);
        assert_eq!(
            apply(&fs, &e)[0].1,
            b"port = 5432\r\nmax_connections = 10\r\nmax_slot_wal_keep_size = 100GB\r\n"
        );
    }

    #[test]
    fn auto_conf_is_edited_the_way_alter_system_writes() {
        let fs = MemFs::new()
            .with("/d/postgresql.conf", "wal_level = logical\n")
            .with("/d/postgresql.auto.conf", "wal_level = replica\n");
        let e = set_parameter(&load(&fs), "wal_level", b"logical", None);
        assert!(e.in_auto_conf);
        assert_eq!(apply(&fs, &e)[0].1, b"wal_level = 'logical'\n");
    }

    #[test]
    fn values_are_quoted_only_when_they_must_be() {
        assert_eq!(value_token(b"logical", false), b"logical");
        assert_eq!(value_token(b"100GB", false), b"100GB");
        assert_eq!(value_token(b"*", false), b"'*'");
        assert_eq!(value_token(b"a.b", false), b"'a.b'");
        assert_eq!(value_token(b"scram-sha-256", false), b"scram-sha-256");
        assert_eq!(value_token(b"it's", false), b"'it''s'");
        assert_eq!(value_token(b"on", true), b"'on'");
    }

    #[test]
    fn a_drop_in_is_created_with_the_include_that_reads_it() {
        let fs = MemFs::new().with("/d/postgresql.conf", "port = 5432\n");
        let e = set_parameter(
            &load(&fs),
            "wal_level",
            b"logical",
            Some(Path::new("/d/conf.d/clickpipes.conf")),
        );
        let files = apply(&fs, &e);
        assert_eq!(files[0].1, b"# Added by pgconf.\nwal_level = logical\n");
        assert_eq!(
            files[1].1,
            b"port = 5432\ninclude = 'conf.d/clickpipes.conf'\n"
        );
    }
}
