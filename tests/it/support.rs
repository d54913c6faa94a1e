//! Where the shared corpus is, and walking test inputs.

use std::path::{Path, PathBuf};

/// `../shared` beside the repository (or `$PGCONF_SHARED`), when it is there.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("PGCONF_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    dir.join("corpus").is_dir().then_some(dir)
}

/// Says that a test is skipped for want of `../shared`, so a run without it is visibly partial.
pub fn skip_without_shared(test: &str) {
    eprintln!("SKIPPED {test}: ../shared/corpus is absent (set PGCONF_SHARED to its folder)");
}

/// Every regular, non-hidden file below `dir`, sorted.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if path.is_file() {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The repository's own folder.
pub fn repo_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}
