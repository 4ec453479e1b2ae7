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
