//! Nothing outside the project root: every path a project's files write (the run log and
//! source directories of `cpl.toml`, data globs, `file_sha256` arguments, `exec`
//! programs) is refused when it leads out, through `..`, an absolute path or a symbolic
//! link; and `file_sha256` and `--input` read regular files only, so a named pipe or a
//! device ends the command promptly with a diagnostic instead of hanging it.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;

/// How long a command may take before the test calls it hung.
const PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

/// A project directory beside a directory outside it, both canonical.
struct Layout {
    _dir: tempfile::TempDir,
    project: PathBuf,
    outside: PathBuf,
}

fn layout(files: &[(&str, &str)]) -> Layout {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().canonicalize().unwrap();
    let project = base.join("project");
    let outside = base.join("outside");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    for (name, text) in files {
        let path = project.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    Layout {
        _dir: dir,
        project,
        outside,
    }
}

/// Runs `cpl` in `dir`, failing the test if it has not ended within [`PATIENCE`].
fn cpl(dir: &Path, args: &[&str]) -> (i32, String) {
    let ran = common::binary::cpl(dir, args)
        .env("COLUMNS", "200")
        .within(PATIENCE)
        .run();
    (ran.code, ran.text())
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

const WORKFLOW: &str = "workflow w() {\n  step hello = log(\"hello\")\n}\n";

#[test]
fn a_run_log_set_in_cpl_toml_stays_inside_the_project() {
    let probe = layout(&[]);
    let absolute = probe.outside.join("absolute.db");
    for runlog in ["../outside/runs.db", absolute.to_str().unwrap(), "link/runs.db"] {
        let setup = layout(&[
            ("main.cp", WORKFLOW),
            ("cpl.toml", &format!("[project]\nrunlog = {runlog:?}\n")),
        ]);
        symlink(&setup.outside, setup.project.join("link")).unwrap();
        for args in [&["run", "w"][..], &["runs"], &["check"]] {
            let (code, text) = cpl(&setup.project, args);
            assert_ne!(code, 0, "{runlog} {args:?}: {text}");
            assert!(
                text.contains("E0414") && text.contains("the run log"),
                "{runlog} {args:?}: {text}"
            );
            assert!(
                text.contains("cpl.toml:2:"),
                "the diagnostic points at the setting: {text}"
            );
        }
        let written: Vec<_> = std::fs::read_dir(&setup.outside).unwrap().collect();
        assert!(written.is_empty(), "{runlog}: nothing is written outside: {written:?}");
    }
    assert!(!absolute.exists());
}

#[test]
fn a_run_log_given_on_the_command_line_may_be_anywhere() {
    let setup = layout(&[("main.cp", WORKFLOW)]);
    let log = setup.outside.join("logs/runs.db");
    let (code, text) = cpl(&setup.project, &["run", "w", "--runlog", log.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    assert!(log.is_file());
    let (code, text) = cpl(&setup.project, &["runs", "--runlog", log.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("w"), "{text}");
}

#[test]
fn a_file_that_is_not_a_run_log_is_never_made_one() {
    let setup = layout(&[("main.cp", WORKFLOW), ("notes.txt", "my notes\n"), ("empty.db", "")]);
    for (file, why) in [("notes.txt", "not an SQLite database"), ("empty.db", "empty file")] {
        let before = std::fs::read(setup.project.join(file)).unwrap();
        std::fs::write(
            setup.project.join("cpl.toml"),
            format!("[project]\nrunlog = {file:?}\n"),
        )
        .unwrap();
        let (code, text) = cpl(&setup.project, &["run", "w"]);
        assert_ne!(code, 0, "{file}: {text}");
        assert!(text.contains(why), "{file}: {text}");
        assert_eq!(
            std::fs::read(setup.project.join(file)).unwrap(),
            before,
            "{file} is untouched"
        );
        // `--runlog` is the user's choice of place, not of file: the same file is refused.
        let (code, text) = cpl(&setup.project, &["run", "w", "--runlog", file]);
        assert_ne!(code, 0, "{file}: {text}");
        assert!(text.contains(why), "{file}: {text}");
    }
}

#[test]
fn a_linked_source_directory_is_not_read() {
    let setup = layout(&[("cpl.toml", "[project]\nsources = [\"policies\"]\n")]);
    std::fs::write(setup.outside.join("evil.cp"), "this is not cpl at all\n").unwrap();
    symlink(&setup.outside, setup.project.join("policies")).unwrap();
    let (code, text) = cpl(&setup.project, &["check"]);
    assert_ne!(code, 0, "{text}");
    assert!(
        text.contains("E0414") && text.contains("the source directory `policies`"),
        "{text}"
    );
    assert!(text.contains("cpl.toml:2:"), "{text}");
    assert!(!text.contains("evil.cp"), "nothing outside is read: {text}");
}

#[test]
fn a_cpl_toml_linked_out_of_the_project_is_not_read() {
    let setup = layout(&[("main.cp", WORKFLOW)]);
    std::fs::write(setup.outside.join("secret.toml"), "password = \"hunter2\"\n").unwrap();
    symlink(setup.outside.join("secret.toml"), setup.project.join("cpl.toml")).unwrap();
    let (code, text) = cpl(&setup.project, &["check"]);
    assert_ne!(code, 0, "{text}");
    assert!(
        text.contains("E0414") && text.contains("the settings file `cpl.toml`"),
        "{text}"
    );
    assert!(
        !text.contains("hunter2"),
        "nothing of the file outside is shown: {text}"
    );
}

#[test]
fn data_a_glob_matches_through_a_link_is_not_read() {
    let setup = layout(&[
        (
            "main.cp",
            "type row = { name: string }\nsource rows: [row] = \"data/*.yaml\"\nsource deep: [row] = \"tree/**/*.yaml\"\n",
        ),
        ("data/ok.yaml", "- name: a\n"),
        ("tree/ok.yaml", "- name: b\n"),
    ]);
    std::fs::write(setup.outside.join("secret.yaml"), "- name: secret\n").unwrap();
    symlink(
        setup.outside.join("secret.yaml"),
        setup.project.join("data/secret.yaml"),
    )
    .unwrap();
    symlink(&setup.outside, setup.project.join("tree/link")).unwrap();
    let (code, text) = cpl(&setup.project, &["check"]);
    assert_ne!(code, 0, "{text}");
    assert!(text.contains("`data/secret.yaml` is outside the project"), "{text}");
    assert!(
        text.contains("`tree/link/secret.yaml` is outside the project"),
        "{text}"
    );
    let (code, text) = cpl(&setup.project, &["eval", "len(rows) + len(deep)"]);
    assert_ne!(
        code, 0,
        "a source with a file refused is not evaluated as if complete: {text}"
    );
}

#[test]
fn data_a_glob_matches_that_is_a_pipe_is_reported_not_skipped() {
    let setup = layout(&[(
        "main.cp",
        "type row = { name: string }\nsource rows: [row] = \"data/*.yaml\"\n",
    )]);
    std::fs::create_dir_all(setup.project.join("data")).unwrap();
    mkfifo(&setup.project.join("data/pipe.yaml"));
    let (code, text) = cpl(&setup.project, &["check"]);
    assert_ne!(code, 0, "{text}");
    assert!(
        text.contains("`data/pipe.yaml` is not a regular file (it is a named pipe)"),
        "{text}"
    );
}

#[test]
fn file_sha256_reads_regular_files_inside_the_project_only() {
    let setup = layout(&[("main.cp", "const x = 1\n"), ("ok.txt", "abc"), ("dir/a.txt", "")]);
    std::fs::write(setup.outside.join("secret.txt"), "secret").unwrap();
    symlink(setup.outside.join("secret.txt"), setup.project.join("link.txt")).unwrap();
    symlink("/dev/zero", setup.project.join("zero")).unwrap();
    mkfifo(&setup.project.join("fifo"));
    let (code, text) = cpl(&setup.project, &["eval", "file_sha256(\"ok.txt\")"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        "{text}"
    );
    let absolute = setup.outside.join("secret.txt");
    for (path, expected) in [
        ("link.txt", "E0414"),
        ("../outside/secret.txt", "E0414"),
        (absolute.to_str().unwrap(), "E0414"),
        ("zero", "E0414"),
        ("fifo", "is not a regular file (it is a named pipe)"),
        ("dir", "is a directory"),
    ] {
        let (code, text) = cpl(&setup.project, &["eval", &format!("file_sha256({path:?})")]);
        assert_ne!(code, 0, "{path}: {text}");
        assert!(text.contains(expected), "{path}: {text}");
        assert!(
            text.contains("<expression>:1:13"),
            "{path}: the argument is shown: {text}"
        );
    }
}

#[test]
fn an_input_is_a_regular_file() {
    let setup = layout(&[("main.cp", "type row = { name: string }\nsource rows: [row] = input\n")]);
    mkfifo(&setup.project.join("pipe.json"));
    for (path, expected) in [
        ("pipe.json", "is not a regular file (it is a named pipe)"),
        ("/dev/zero", "is not a regular file (it is a device)"),
    ] {
        let input = format!("rows={path}");
        for command in ["check", "eval"] {
            let mut args = vec![command];
            if command == "eval" {
                args.push("len(rows)");
            }
            args.extend(["--input", &input, "--input-format", "json"]);
            let (code, text) = cpl(&setup.project, &args);
            assert_ne!(code, 0, "{path} {command}: {text}");
            assert!(text.contains(expected), "{path} {command}: {text}");
        }
    }
}

#[test]
fn an_exec_program_linked_out_of_the_project_does_not_run() {
    let setup = layout(&[(
        "main.cp",
        "connector tool {\n  kind exec\n  command [\"./bin/tool\"]\n  action go() -> json\n}\nworkflow w() {\n  step s = tool.go()\n}\n",
    )]);
    let marker = setup.outside.join("ran");
    let script = setup.outside.join("tool.sh");
    std::fs::write(&script, format!("#!/bin/sh\ntouch {:?}\necho '{{}}'\n", marker)).unwrap();
    Command::new("chmod").arg("+x").arg(&script).status().unwrap();
    std::fs::create_dir_all(setup.project.join("bin")).unwrap();
    symlink(&script, setup.project.join("bin/tool")).unwrap();
    let (code, text) = cpl(&setup.project, &["run", "w"]);
    assert_ne!(code, 0, "{text}");
    assert!(
        text.contains("E0414") && text.contains("the program `./bin/tool` leads through a symbolic link"),
        "{text}"
    );
    assert!(!marker.exists(), "the program outside did not run");

    // The same program inside the project runs.
    std::fs::remove_file(setup.project.join("bin/tool")).unwrap();
    std::fs::copy(&script, setup.project.join("bin/tool")).unwrap();
    let (code, text) = cpl(&setup.project, &["run", "w"]);
    assert_eq!(code, 0, "{text}");
    assert!(marker.exists());
}
