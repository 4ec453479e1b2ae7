//! Tidy checks over the repository's own files, in the spirit of rust-analyzer's `tidy`:
//! rules about the code that no compiler enforces.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

/// Directories where one machine's files live. A literal path into one of them works
/// only on the machine that wrote it: a test that reads `/tmp/x` passes where `/tmp/x` was
/// left behind and fails for every new user. System paths that exist everywhere
/// (`/etc/passwd`, `/dev/null`, `/proc/self`) stay allowed: tests use them on purpose.
const MACHINE_LOCAL: &[&str] = &[
    "tmp", "home", "root", "work", "var", "Users", "mnt", "opt", "srv", "shared",
];

/// Every file below `dir` with one of `extensions`, skipping snapshots of output.
fn files(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| extensions.iter().any(|x| e == *x)) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The machine-local absolute paths a line quotes, in double or single quotes.
fn machine_local_paths(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    for quote in ['"', '\''] {
        for dir in MACHINE_LOCAL {
            let opening = format!("{quote}/{dir}");
            for (at, _) in line.match_indices(&opening) {
                let rest = &line[at + opening.len()..];
                if rest.starts_with(['/', quote]) || rest.is_empty() {
                    found.push(format!("/{dir}{}", rest.split(quote).next().unwrap_or("")));
                }
            }
        }
    }
    found
}

#[test]
fn no_source_or_test_names_a_path_on_one_machine() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut offenders = Vec::new();
    for dir in ["src", "tests"] {
        for file in files(&root.join(dir), &["rs", "cp", "toml", "sh"]) {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            for (number, line) in text.lines().enumerate() {
                for path in machine_local_paths(line) {
                    let name = file.strip_prefix(root).unwrap_or(&file).display();
                    offenders.push(format!("{name}:{}: {path}", number + 1));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "absolute paths that exist on one machine only (use a temporary directory, or a path \
         relative to CARGO_MANIFEST_DIR):\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_tidy_rule_sees_quoted_machine_paths_and_nothing_else() {
    let tmp = format!("\"/{}/scratch/brief.cp\"", "tmp");
    assert_eq!(
        machine_local_paths(&format!("read({tmp})")),
        [format!("/{}/scratch/brief.cp", "tmp")]
    );
    assert_eq!(machine_local_paths(&format!("x = '/{}'", "work")).len(), 1);
    assert!(machine_local_paths("read(\"/etc/passwd\")").is_empty());
    assert!(machine_local_paths("read(\"/dev/null\")").is_empty());
    assert!(machine_local_paths(&format!("\"/{}less/x\"", "tmp")).is_empty());
    assert!(machine_local_paths("let x = a / tmp / b;").is_empty());
}
