//! One pass of the fixer: apply the edits of as many fixes as fit without touching each other
//! (ruff's algorithm), copying every other byte as it was.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Edit, Fix};
use crate::source::Span;

/// The result of one pass over some files.
#[derive(Debug, Default)]
pub struct Pass {
    /// New contents of every file an applied fix touched.
    pub files: BTreeMap<PathBuf, Vec<u8>>,
    /// Indices (into the input) of the fixes applied.
    pub applied: Vec<usize>,
}

/// Applies non-overlapping fixes. A fix is all-or-nothing: it is applied only when none of
/// its edits overlaps or touches an edit already taken (a touching insert could reorder text),
/// so two fixes of the same line wait for the next pass. `contents` gives a file's bytes.
pub fn apply_fixes<'a>(fixes: &[&Fix], contents: &dyn Fn(&Path) -> Option<&'a [u8]>) -> Pass {
    // Fixes in the order of their first edit, so earlier text is fixed first.
    let mut order: Vec<usize> = (0..fixes.len()).collect();
    order.sort_by_key(|&i| {
        fixes[i]
            .edits
            .iter()
            .map(|e| (e.file.clone(), e.span.start))
            .min()
    });
    let mut taken: BTreeMap<Arc<Path>, Vec<Span>> = BTreeMap::new();
    let mut edits: BTreeMap<Arc<Path>, Vec<&Edit>> = BTreeMap::new();
    let mut applied = Vec::new();
    for i in order {
        let fix = fixes[i];
        if fix.edits.is_empty() {
            continue;
        }
        let fits = fix.edits.iter().all(|e| {
            let within = contents(&e.file).is_some_and(|b| e.span.end as usize <= b.len());
            within
                && !taken.get(&e.file).is_some_and(|spans| {
                    spans
                        .iter()
                        .any(|s| e.span.start <= s.end && s.start <= e.span.end)
                })
                && !fix.edits.iter().any(|o| {
                    !std::ptr::eq(o, e)
                        && o.file == e.file
                        && o.span.start < e.span.end
                        && e.span.start < o.span.end
                })
        });
        if !fits {
            continue;
        }
        for e in &fix.edits {
            taken.entry(e.file.clone()).or_default().push(e.span);
            edits.entry(e.file.clone()).or_default().push(e);
        }
        applied.push(i);
    }
    let mut files = BTreeMap::new();
    for (path, mut list) in edits {
        let Some(bytes) = contents(&path) else {
            continue;
        };
        list.sort_by_key(|e| (e.span.start, e.span.end));
        files.insert(path.to_path_buf(), splice(bytes, &list));
    }
    applied.sort_unstable();
    Pass { files, applied }
}

/// `bytes` with each edit's span replaced; edits are sorted and do not overlap.
pub fn splice(bytes: &[u8], edits: &[&Edit]) -> Vec<u8> {
    let extra: usize = edits.iter().map(|e| e.replacement.len()).sum();
    let mut out = Vec::with_capacity(bytes.len() + extra);
    let mut at = 0usize;
    for e in edits {
        let (start, end) = (e.span.start as usize, e.span.end as usize);
        out.extend_from_slice(&bytes[at..start]);
        out.extend_from_slice(&e.replacement);
        at = end;
    }
    out.extend_from_slice(&bytes[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Applicability;

    fn fix(edits: &[(u32, u32, &str)]) -> Fix {
        Fix {
            title: "t".into(),
            applicability: Applicability::Safe,
            edits: edits
                .iter()
                .map(|&(s, e, r)| Edit {
                    file: Path::new("/f").into(),
                    span: Span::new(s, e),
                    replacement: r.as_bytes().to_vec().into(),
                })
                .collect(),
        }
    }

    #[test]
    fn non_overlapping_fixes_apply_together_and_bytes_outside_stay() {
        let text = b"a = 1\r\nb = 2\r\n# keep\r\n";
        let f1 = fix(&[(4, 5, "10")]);
        let f2 = fix(&[(11, 12, "20")]);
        let pass = apply_fixes(&[&f1, &f2], &|p: &Path| {
            (p == Path::new("/f")).then_some(&text[..])
        });
        assert_eq!(pass.applied, vec![0, 1]);
        assert_eq!(
            pass.files[Path::new("/f")],
            b"a = 10\r\nb = 20\r\n# keep\r\n"
        );
    }

    #[test]
    fn overlapping_or_touching_fixes_wait_for_the_next_pass() {
        let text = b"a = 1\n";
        let f1 = fix(&[(4, 5, "10")]);
        let f2 = fix(&[(5, 5, " # x")]);
        let f3 = fix(&[(0, 5, "b = 2")]);
        let pass = apply_fixes(&[&f3, &f1, &f2], &|_: &Path| Some(&text[..]));
        assert_eq!(pass.applied, vec![0]);
        assert_eq!(pass.files[Path::new("/f")], b"b = 2\n");
    }

    #[test]
    fn an_edit_beyond_the_file_is_refused() {
        let text = b"a";
        let f = fix(&[(3, 4, "x")]);
        let pass = apply_fixes(&[&f], &|_: &Path| Some(&text[..]));
        assert!(pass.applied.is_empty());
    }
}
