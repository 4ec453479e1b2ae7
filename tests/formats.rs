//! Every command answers in the format it was asked for, its failures included: a CI job
//! that reads `--format json` or `sarif` must get a document it can parse, or a clear
//! refusal, never text it would misread.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::Path;

/// `cpl` with the pinned environment, in `dir`: exit code, stdout, stderr.
fn cpl(dir: &Path, args: &[&str]) -> (i32, String, String) {
    common::binary::cpl(dir, args).run().triple()
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.cp"),
        "policy p(x: int) {\n  deny when x > 3 => \"big\"\n}\nworkflow w() {\n  step say = log(\"hi\")\n}\n",
    )
    .unwrap();
    dir
}

#[test]
fn argument_errors_follow_the_format_asked_for() {
    let dir = project();
    let cases: &[(&[&str], &str)] = &[
        (&["--format", "json", "bogus"], "unrecognized subcommand 'bogus'"),
        (
            &["--format=json", "policy"],
            "required arguments were not provided: <NAME>",
        ),
        (
            &["policy", "--format", "json", "p", "--nonsense"],
            "unexpected argument '--nonsense'",
        ),
    ];
    for (args, message) in cases {
        let (code, out, err) = cpl(dir.path(), args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        let report: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}\n{out}"));
        let diagnostic = &report["diagnostics"][0];
        assert_eq!(diagnostic["code"], "E0601", "{args:?}: {out}");
        assert!(
            diagnostic["message"].as_str().unwrap().contains(message),
            "{args:?}: {out}"
        );
    }

    let (code, out, _) = cpl(dir.path(), &["--format", "sarif", "bogus"]);
    assert_eq!(code, 2);
    let sarif: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "E0601", "{out}");

    // In the human format, clap's own message, and help still works.
    let (code, _, err) = cpl(dir.path(), &["bogus"]);
    assert_eq!(code, 2);
    assert!(err.contains("unrecognized subcommand 'bogus'"), "{err}");
    let (code, out, _) = cpl(dir.path(), &["--format", "json", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("Usage: cpl"), "{out}");
}

#[test]
fn a_dry_run_has_no_findings_format() {
    let dir = project();
    for format in ["sarif", "github"] {
        let (code, out, err) = cpl(dir.path(), &["run", "w", "--dry-run", "--format", format]);
        assert_eq!(code, 2, "{format}: {out}{err}");
        assert!(
            !out.contains("plan for w"),
            "{format}: the human plan is not printed\n{out}"
        );
        assert!(
            format!("{out}{err}").contains("`--dry-run` prints a plan"),
            "{format}: {out}{err}"
        );
    }
    let (code, out, _) = cpl(dir.path(), &["run", "w", "--dry-run", "--format", "json"]);
    assert_eq!(code, 0);
    let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(plan["plan"]["workflow"], "w", "{out}");
    let (code, out, _) = cpl(dir.path(), &["run", "w", "--dry-run"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("plan for w"), "{out}");
}
