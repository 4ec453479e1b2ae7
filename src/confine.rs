//! Keeping cpl inside the project root. The files of a project may come from a pull
//! request nobody vetted, so a path they write (a runlog, a source directory, a data
//! file, a program, a `file_sha256` argument) is followed through its symbolic links
//! before it is used, and refused when it really leads out of the root.

use std::path::{Component, Path, PathBuf};

use crate::diagnostics::{Code, Diagnostic};

/// `path` with every symbolic link followed. The part that does not exist yet (a run
/// log about to be created) is appended as written: it holds no link to follow, and its
/// `..` are taken literally. A relative `path` is taken from `root`.
pub fn real_path(root: &Path, path: &Path) -> PathBuf {
    let mut real = PathBuf::new();
    let mut missing = false;
    for component in root.join(path).components() {
        match component {
            Component::Prefix(_) | Component::RootDir => real.push(component),
            Component::CurDir => {}
            // `real` is either canonical or past the last existing directory, so no
            // link can make its parent anything but the path without its last part.
            Component::ParentDir => {
                real.pop();
            }
            Component::Normal(name) => {
                real.push(name);
                if !missing {
                    match real.canonicalize() {
                        Ok(canonical) => real = canonical,
                        Err(_) => missing = true,
                    }
                }
            }
        }
    }
    real
}

/// `path` (relative to `root`, or absolute) where it really leads, when that is inside
/// `root`; else where it leads, as the error.
pub fn inside_root(root: &Path, path: &Path) -> Result<PathBuf, PathBuf> {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let real = real_path(&root, path);
    if real.starts_with(&root) { Ok(real) } else { Err(real) }
}

/// Why `written` (relative to `root`) may not be used: it leads to `real`, outside the
/// project. `what` names the kind of path (`the run log`, `the program`); the caller
/// adds where it was written. Where a link leads is shown, since the path as written
/// does not tell; a path that climbs out by itself is shown as written.
pub fn escape_diagnostic(what: &str, root: &Path, written: &Path, real: &Path) -> Diagnostic {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let as_written = lexical(&root.join(written));
    let message = if as_written == real {
        format!("{what} `{}` is outside the project", written.display())
    } else {
        format!(
            "{what} `{}` leads through a symbolic link to `{}`, outside the project",
            written.display(),
            real.display()
        )
    };
    Diagnostic::new(Code::PathEscapesRoot, message)
        .with_note("the project's files may come from a pull request: a path they write may not reach the rest of the machine, through `..`, an absolute path or a symbolic link")
        .with_help("use a path inside the project, relative to the file that writes it")
}

/// `path` with its `.` and `..` taken literally, links not followed.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_followed_and_missing_parts_taken_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("project")).unwrap();
        std::fs::create_dir(root.join("elsewhere")).unwrap();
        let project = root.join("project");
        assert_eq!(
            inside_root(&project, Path::new(".cpl/runs.db")),
            Ok(project.join(".cpl/runs.db"))
        );
        assert_eq!(
            inside_root(&project, Path::new("new/../../elsewhere/x")),
            Err(root.join("elsewhere/x"))
        );
        assert_eq!(
            inside_root(&project, Path::new("/etc/passwd")),
            Err(PathBuf::from("/etc/passwd"))
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.join("elsewhere"), project.join("link")).unwrap();
            assert_eq!(
                inside_root(&project, Path::new("link/new/runs.db")),
                Err(root.join("elsewhere/new/runs.db"))
            );
            std::os::unix::fs::symlink(project.join("."), project.join("self")).unwrap();
            assert_eq!(inside_root(&project, Path::new("self/a")), Ok(project.join("a")));
        }
    }
}
