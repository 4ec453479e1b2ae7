//! Fixture tests: each `.cp` file or project folder under `tests/ui/<stage>/` is one test,
//! snapshotted with insta (`cargo insta review`, or `INSTA_UPDATE=always cargo test`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::Path;

/// Snapshots a fixture's report next to its stage: `tests/ui/<stage>/snapshots/<name>.snap`.
fn snapshot(path: &Path) {
    let report = common::run_fixture(path);
    let stage_dir = path.parent().unwrap();
    let name = path.file_stem().unwrap().to_string_lossy().to_string();
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path(stage_dir.join("snapshots"));
    settings.set_snapshot_suffix("");
    settings.set_omit_expression(true);
    settings.set_input_file(path);
    settings.bind(|| insta::assert_snapshot!(name, report));
}

#[test]
fn syntax() {
    insta::glob!("ui/syntax/*.cp", snapshot);
}

#[test]
fn check() {
    insta::glob!("ui/check/*.cp", snapshot);
}

#[test]
fn data() {
    insta::glob!("ui/data/*/main.cp", |path| snapshot(path.parent().unwrap()));
}

#[test]
fn eval() {
    insta::glob!("ui/eval/*.cp", snapshot);
    insta::glob!("ui/eval/*/main.cp", |path| snapshot(path.parent().unwrap()));
}

#[test]
fn workflow() {
    insta::glob!("ui/workflow/*.cp", snapshot);
}

/// Codes a fixture cannot show, and where they are tested instead: the command line's
/// own errors and I/O failures in `tests/cli.rs` (which runs the binary), the workflow
/// runtime in `tests/runtime/`.
const ELSEWHERE: &[(&str, &str)] = &[
    (
        "tests/cli.rs",
        "E0010 E0012 E0014 E0601 E0602 E0603 E0604 E0605 E0606 E0607 E0608 W0609",
    ),
    ("tests/bounded.rs", "I0601"),
];

/// Codes no test can produce: internal errors, which need a bug in cpl.
const NEVER_PRODUCED: &[&str] = &["E0509"];

/// One code, one fixture, one entry in the docs: every code appears in a fixture's
/// snapshot (or in the test that covers it elsewhere) and has a section in
/// `docs/diagnostics.md`, which `cpl explain` prints.
#[test]
fn every_code_has_a_fixture_and_a_doc_entry() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut covered = String::new();
    for stage in ["syntax", "check", "data", "eval", "workflow"] {
        let Ok(entries) = std::fs::read_dir(root.join("tests/ui").join(stage).join("snapshots")) else {
            continue;
        };
        for entry in entries {
            covered.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
        }
    }
    for (file, codes) in ELSEWHERE {
        let text = std::fs::read_to_string(root.join(file)).unwrap_or_default();
        for code in codes.split_whitespace() {
            if text.contains(code) {
                covered.push_str(&format!("[{code}]"));
            }
        }
    }
    for dir in ["tests/runtime", "tests/workflow"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for code in cpl::diagnostics::Code::ALL {
                if text.contains(&format!("Code::{code:?}")) || text.contains(code.as_str()) {
                    covered.push_str(&format!("[{code}]"));
                }
            }
        }
    }
    let mut problems = Vec::new();
    for code in cpl::diagnostics::Code::ALL {
        let name = code.as_str();
        if !NEVER_PRODUCED.contains(&name) && !covered.contains(&format!("[{name}]")) {
            problems.push(format!("{name} has no fixture"));
        }
        if cpl::diagnostics::explanation(*code).is_none() {
            problems.push(format!("{name} has no section in docs/diagnostics.md"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
