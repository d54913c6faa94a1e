//! Unified diffs of fixed files (`--diff`), on bytes, so odd encodings survive.

use similar::TextDiff;

/// A unified diff from `old` to `new`, labelled `a/<name>` and `b/<name>`; empty when equal.
pub fn unified_diff(name: &str, old: &[u8], new: &[u8]) -> Vec<u8> {
    if old == new {
        return Vec::new();
    }
    let diff = TextDiff::from_lines(old, new);
    let mut out = Vec::new();
    let _ = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_writer(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_only_the_changed_line_with_context() {
        let d = unified_diff(
            "postgresql.conf",
            b"a\nb\nwal_level = replica\n",
            b"a\nb\nwal_level = logical\n",
        );
        let text = String::from_utf8(d).unwrap();
        assert!(text.starts_with("--- a/postgresql.conf\n+++ b/postgresql.conf\n"));
        assert!(text.contains("-wal_level = replica\n+wal_level = logical\n"));
        assert!(unified_diff("x", b"same", b"same").is_empty());
    }
}
