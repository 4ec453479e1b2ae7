//! Paths given on the command line. Each must name something: a quoted glob is expanded
//! here, and a path or pattern that matches nothing is an error, never an empty filter
//! that lets every check pass.

use std::path::{Path, PathBuf};

use crate::diagnostics::{Code, Diagnostic};

/// The files and directories `paths` name, each pattern expanded in name order. Every
/// path or pattern that names nothing is reported.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Vec<Diagnostic>> {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        match expand_one(path) {
            Ok(matched) => found.extend(matched),
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() { Ok(found) } else { Err(problems) }
}

/// One path: itself when it exists (even if its name has glob characters), else what
/// it matches as a pattern.
fn expand_one(path: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    if path.exists() {
        return Ok(vec![path.to_path_buf()]);
    }
    let text = path.to_string_lossy();
    if !is_pattern(&text) {
        return Err(Diagnostic::new(Code::NoSuchPath, format!("`{text}` does not exist"))
            .with_help("paths are relative to the current directory"));
    }
    let matched = glob::glob(&text).map_err(|e| {
        Diagnostic::new(Code::NoSuchPath, format!("`{text}` is not a valid pattern: {}", e.msg))
            .with_help("patterns use `*`, `**`, `?` and `[…]`, relative to the current directory")
    })?;
    let mut paths: Vec<PathBuf> = matched.flatten().collect();
    paths.sort();
    if paths.is_empty() {
        return Err(Diagnostic::new(Code::NoSuchPath, format!("`{text}` matches no file"))
            .with_help("patterns are relative to the current directory; check the pattern and where the files are"));
    }
    Ok(paths)
}

fn is_pattern(text: &str) -> bool {
    text.contains(['*', '?', '['])
}

/// An option's path that must already exist, such as `--runlog` for a command that only
/// reads it: a mistyped one would otherwise read as an empty file.
pub fn must_exist(path: &Path, option: &str) -> Result<(), Diagnostic> {
    if path.exists() {
        return Ok(());
    }
    Err(Diagnostic::new(
        Code::NoSuchPath,
        format!("`{option} {}` does not exist", path.display()),
    )
    .with_help("paths are relative to the current directory; leave the option out to use the project's own"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_is_told_from_a_path() {
        assert!(is_pattern("src/*.cp"));
        assert!(is_pattern("a?.cp"));
        assert!(is_pattern("[ab].cp"));
        assert!(!is_pattern("src/main.cp"));
    }
}
