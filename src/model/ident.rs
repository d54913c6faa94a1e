//! `pg_ident.conf` as `parse_ident_line` (hba.c) reads it, and the rows of
//! `pg_ident_file_mappings` (15+; `map_number` and `file_name` 16+). The file shares the
//! line reader, tokenizer, `@file` and (16+) include directives with pg_hba.conf.

use std::path::Path;
use std::sync::OnceLock;

use serde::Serialize;

use crate::model::fs::FileSystem;
use crate::model::hba::load::{AuthLoadError, AuthSources, FieldTokens, Loader, TokLine, TokRef};
use crate::model::version::PgVersion;

/// One usable mapping.
#[derive(Debug, Clone)]
pub struct IdentMapping {
    pub file: u32,
    pub line_number: u32,
    /// Index of the mapping's line in [`IdentFile::lines`].
    pub line: usize,
    pub map_name: TokRef,
    pub system_user: TokRef,
    pub pg_user: TokRef,
}

/// One row of `pg_ident_file_mappings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdentMappingRow {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub map_number: Option<Option<u32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    pub line_number: u32,
    pub map_name: Option<String>,
    pub sys_name: Option<String>,
    pub pg_username: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug)]
pub struct IdentFile {
    pub version: PgVersion,
    pub sources: AuthSources,
    pub lines: Vec<TokLine>,
    mappings: Vec<IdentMapping>,
    /// The lines the server rejects: index into `lines` and the error.
    failures: Vec<(usize, String)>,
    /// Built on first use, as for pg_hba (`show` streams [`IdentFile::rows`] instead).
    rows: OnceLock<Vec<IdentMappingRow>>,
}

impl IdentFile {
    pub fn view_rows(&self) -> &[IdentMappingRow] {
        self.rows.get_or_init(|| self.rows().collect())
    }

    /// The `pg_ident_file_mappings` rows, one per line in server order, each built when it is
    /// reached: every line is either a mapping or a failure (both in line order).
    pub fn rows(&self) -> impl Iterator<Item = IdentMappingRow> + '_ {
        let new_cols = self.version.at_least(16);
        let mut mappings = self.mappings.iter().peekable();
        let mut failures = self.failures.iter().peekable();
        let mut number = 0u32;
        self.lines.iter().enumerate().map(move |(index, line)| {
            let mut row = IdentMappingRow {
                map_number: None,
                file_name: new_cols.then(|| self.sources.files[line.file as usize].display.clone()),
                line_number: line.line_number,
                map_name: None,
                sys_name: None,
                pg_username: None,
                error: None,
            };
            if let Some(m) = mappings.next_if(|m| m.line == index) {
                number += 1;
                if new_cols {
                    row.map_number = Some(Some(number));
                }
                let text = |r| crate::source::text::escape_bytes(self.sources.text(r));
                row.map_name = Some(text(m.map_name));
                row.sys_name = Some(text(m.system_user));
                row.pg_username = Some(text(m.pg_user));
            } else if let Some((_, e)) = failures.next_if(|(i, _)| *i == index) {
                if new_cols {
                    row.map_number = Some(None);
                }
                row.error = Some(e.clone());
            }
            row
        })
    }

    pub fn mappings(&self) -> &[IdentMapping] {
        &self.mappings
    }

    /// Whether a reload would take the file (any error rejects it all).
    pub fn load_ok(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Reads `path` as a server of `version` does. `Err` only when the main file cannot be read.
pub fn load_ident(
    fs: &dyn FileSystem,
    path: &Path,
    version: PgVersion,
) -> Result<IdentFile, AuthLoadError> {
    let (mut loader, main) = Loader::start(fs, path, version)?;
    let lines = loader.tokenize_main(main);
    let sources = loader.sources;
    let mut mappings = Vec::new();
    let mut failures = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let parsed = match &line.err {
            Some(e) => Err(e.message.clone()),
            None => parse_ident_line(&sources, line, index, version),
        };
        match parsed {
            Ok(m) => mappings.push(m),
            Err(e) => failures.push((index, e)),
        }
    }
    Ok(IdentFile {
        version,
        sources,
        lines,
        mappings,
        failures,
        rows: OnceLock::new(),
    })
}

/// `parse_ident_line`: three single-token fields (more are ignored); regexes compiled for
/// the system user (all versions) and, 16+, the PostgreSQL user.
fn parse_ident_line(
    src: &AuthSources,
    line: &TokLine,
    index: usize,
    version: PgVersion,
) -> Result<IdentMapping, String> {
    let mut fields = src.fields(line);
    let one = |fields: &mut dyn Iterator<Item = FieldTokens>| -> Result<TokRef, String> {
        let f = fields
            .next()
            .ok_or_else(|| "missing entry at end of line".to_string())?;
        if f.len() > 1 {
            return Err("multiple values in ident field".to_string());
        }
        f.get(0)
            .ok_or_else(|| "missing entry at end of line".to_string())
    };
    let map_name = one(&mut fields)?;
    let system_user = one(&mut fields)?;
    let pg_user = one(&mut fields)?;
    let check = |r: TokRef| -> Result<(), String> {
        let text = src.text(r);
        if text.first() == Some(&b'/')
            && let Err(e) = crate::model::hba::regex_check(&text[1..])
        {
            return Err(format!(
                "invalid regular expression \"{}\": {}",
                crate::source::text::escape_bytes(&text[1..]),
                e
            ));
        }
        Ok(())
    };
    check(system_user)?;
    if version.at_least(16) {
        check(pg_user)?;
    }
    Ok(IdentMapping {
        file: line.file,
        line_number: line.line_number,
        line: index,
        map_name,
        system_user,
        pg_user,
    })
}

#[cfg(test)]
mod tests;
