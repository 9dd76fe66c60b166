//! Finding journey files and reading them.

use std::fs;
use std::path::{Path, PathBuf};

/// The `.journey` files named by `paths`: files as given, directories searched recursively
/// (hidden folders skipped), in a stable order.
pub fn journey_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out).map_err(|e| format!("cannot read folder {}: {e}", p.display()))?;
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(format!("{}: no such file or folder", p.display()));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let hidden = e.file_name().to_string_lossy().starts_with('.');
        if path.is_dir() {
            if !hidden {
                walk(&path, out)?;
            }
        } else if path.extension().is_some_and(|x| x == "journey") {
            out.push(path);
        }
    }
    Ok(())
}

/// A journey file's text, or its coded diagnostic (J0011 not UTF-8, J0012 unreadable).
pub fn read_journey(path: &Path) -> Result<String, crate::diagnostics::Diagnostic> {
    crate::io::text::read(path)
}

/// A file's text, or its diagnostic as one plain coded line (for commands without
/// `--error-format`).
pub fn read_text(path: &Path) -> Result<String, String> {
    read_journey(path).map_err(|d| {
        crate::diagnostics::render::plain(&d, "", "")
            .trim_end()
            .to_string()
    })
}
