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

/// Codes no fixture can show: the command line's own errors, I/O failures, the runtime
/// (workflow runs, the run log, measured objectives, tested in `tests/runtime`) and
/// internal errors.
const NOT_FROM_FIXTURES: &[&str] = &[
    "E0010", // a file that cannot be read
    "E0012", // a source file over the size limit
    "E0014", // a project without `.cp` files
    "E0509", // internal evaluation error
    "E0601", "E0602", "E0603", "E0605", // `--arg`, `--override` and item names on the command line
    "E0810", "E0811", "E0812", "E0813", // step failures and the run log
    "E0901", "W0901", // objectives measured from the run log
];

/// Codes that nothing produces yet. A fixture shows the gap (`check/workflow_cycle.cp`).
const NOT_PRODUCED_YET: &[&str] = &[
    "E0801", // a cycle among workflow steps: no workflow DAG is compiled yet
];

/// One code, one fixture: every code the core stages can report appears in a snapshot.
#[test]
fn every_code_appears_in_a_fixture() {
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let mut snapshots = String::new();
    for stage in ["syntax", "check", "data", "eval"] {
        for entry in std::fs::read_dir(ui.join(stage).join("snapshots")).unwrap() {
            snapshots.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
        }
    }
    let missing: Vec<&str> = cpl::diagnostics::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !NOT_FROM_FIXTURES.contains(c) && !NOT_PRODUCED_YET.contains(c))
        .filter(|c| !snapshots.contains(&format!("[{c}]")))
        .collect();
    assert!(missing.is_empty(), "no fixture shows {missing:?}");
}
