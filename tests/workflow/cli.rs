//! The `cpl` binary on the fraud-drift example (seeds 000 and 001): check, graph, dry
//! run, runs that retrain, skip, retry and fail, the run log through `cpl runs`, and
//! the supply-chain workflow against a notifier on 127.0.0.1.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::http_server;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fraud-drift")
}

/// A copy of the example whose drift workflow backs off in milliseconds, not seconds.
fn quick_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&example(), dir.path());
    let workflows = dir.path().join("workflows.cp");
    let text = std::fs::read_to_string(&workflows)
        .unwrap()
        .replace("backoff 10s", "backoff 10ms");
    std::fs::write(workflows, text).unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') || name == "__pycache__" {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn cpl(project: &Path, args: &[&str], env: &[(&str, &str)]) -> Out {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cpl"));
    command.args(args).arg("--project").arg(project).env("NO_COLOR", "1");
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Run ids, durations, Atlas's ids and temporary paths vary from run to run.
fn stable(text: &str) -> String {
    let filters = [
        (r"\d{8}T\d{9}Z-[0-9a-f]{8}", "[run]"),
        (r"\d{4}-\d\d-\d\dT[\d:.]+Z", "[time]"),
        (r" *\b\d+(\.\d)?(ms|s)\b", " [t]"),
        (r"atlas-[0-9a-f]{8}", "atlas-[id]"),
        (r"/\S*/(runs\.db|\.tmp\w+)", "[path]"),
    ];
    let mut out = text.to_owned();
    for (pattern, with) in filters {
        out = regex::Regex::new(pattern).unwrap().replace_all(&out, with).into_owned();
    }
    out
}

#[test]
fn the_example_checks() {
    let out = cpl(&example(), &["check"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "ok: 4 files, 2 types, 1 constant, 3 policies, 5 connectors, 3 workflows, 2 objectives\n"
    );
}

#[test]
fn graphs_in_every_format() {
    for format in ["human", "dot", "mermaid", "json"] {
        let out = cpl(
            &example(),
            &["graph", "fraud_drift_management", "--format", format],
            &[],
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
        insta::assert_snapshot!(format!("graph_{format}"), out.stdout);
    }
    let out = cpl(&example(), &["graph", "fraud_drift_management", "--format", "svg"], &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("`cpl graph` cannot write `svg`"), "{}", out.stderr);
    let out = cpl(&example(), &["graph", "fraud_drift"], &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no workflow named `fraud_drift`"), "{}", out.stderr);
}

#[test]
fn a_dry_run_shows_the_plan_and_records_nothing() {
    let dir = quick_copy();
    let args = [
        "run",
        "fraud_drift_management",
        "--arg",
        "model=fraud_v3",
        "--arg",
        "drift=0.22",
        "--dry-run",
    ];
    let out = cpl(dir.path(), &args, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!(
        "dry_run",
        stable(&out.stdout).replace(&*dir.path().to_string_lossy(), "[dir]")
    );
    assert!(!dir.path().join(".cpl").exists(), "a dry run wrote a run log");
}

#[test]
fn a_drift_above_the_threshold_retrains_and_is_recorded() {
    let dir = quick_copy();
    let args = [
        "run",
        "fraud_drift_management",
        "--arg",
        "model=fraud_v3",
        "--arg",
        "drift=0.22",
    ];
    let out = cpl(dir.path(), &args, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("run_retrains", stable(&out.stdout));
    assert!(
        out.stderr
            .contains("[record] drift 0.22 on fraud_v3: Drift on fraud_v3 rose to 0.22"),
        "{}",
        out.stderr
    );

    // Below the threshold: no retraining, no summary, the record still written.
    let args = [
        "run",
        "fraud_drift_management",
        "--arg",
        "model=fraud_v3",
        "--arg",
        "drift=0.05",
    ];
    let out = cpl(dir.path(), &args, &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("run_skips", stable(&out.stdout));

    let out = cpl(dir.path(), &["runs", "--format", "json"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let runs: Value = serde_json::from_str(&out.stdout).unwrap();
    let runs = runs["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert!(
        runs.iter()
            .all(|r| r["status"] == "succeeded" && r["workflow"] == "fraud_drift_management")
    );
    let first = runs[1]["id"].as_str().unwrap();
    let out = cpl(dir.path(), &["runs", "show", first], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("runs_show", stable(&out.stdout));
    let out = cpl(dir.path(), &["runs", "show", first, "--format", "json"], &[]);
    let shown: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(shown["run"]["decisions"][0]["outcome"], "deny");
    assert_eq!(
        shown["run"]["steps"][1]["attempts"][0]["stderr"],
        "atlas: retraining fraud_v3 because drift 0.22 exceeds threshold 0.15\n"
    );

    let out = cpl(dir.path(), &["slo", "drift_workflow_health"], &[]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("met      success_rate  measured     100%  target >= 99%"),
        "{}",
        out.stdout
    );
}

#[test]
fn retries_that_run_out_fail_the_run() {
    let dir = quick_copy();
    let args = [
        "run",
        "fraud_drift_management",
        "--arg",
        "model=fraud_v3",
        "--arg",
        "drift=0.4",
    ];
    // Atlas fails its first two attempts, then succeeds: the run succeeds on attempt 3.
    let out = cpl(dir.path(), &args, &[("ATLAS_FAIL_TIMES", "2")]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("atlas.retrain") && out.stdout.contains("×3"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("[retrain] attempt 1 failed: `python3 agents/atlas.py retrain` exited with code 3: atlas: pipeline queue unavailable (attempt 1); retrying in 10ms"), "{}", out.stderr);
    // It never comes back: four attempts, then the run fails.
    let out = cpl(dir.path(), &args, &[("ATLAS_FAIL_TIMES", "9")]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!("run_fails", stable(&out.stdout));
    assert!(
        out.stderr.contains("error[E0810]: step `retrain` failed"),
        "{}",
        out.stderr
    );
    let out = cpl(dir.path(), &["runs", "--status", "failed", "--format", "json"], &[]);
    let runs: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(runs["runs"].as_array().unwrap().len(), 1);
    let out = cpl(dir.path(), &["slo", "drift_workflow_health"], &[]);
    assert_eq!(out.code, 1, "one failure in two runs breaches 99%");
    assert!(out.stderr.contains("error[E0901]"), "{}", out.stderr);
}

#[test]
fn sensitive_documents_are_tagged_restricted_and_logged() {
    let dir = quick_copy();
    let out = cpl(
        dir.path(),
        &[
            "run",
            "sensitive_documents",
            "--arg",
            "collection=finance",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let run: Value = serde_json::from_str(&out.stdout).unwrap();
    let steps = run["run"]["steps"].as_array().unwrap();
    let statuses: Vec<(&str, &str)> = steps
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("detect", "succeeded"),
            ("review", "succeeded"),
            ("tag", "succeeded"),
            ("restrict", "succeeded"),
            ("record", "succeeded")
        ]
    );
    assert_eq!(steps[3]["output"]["restricted"], serde_json::json!(["doc-101"]));
    assert_eq!(steps[4]["output"], "finance: 1 exposed, restricted doc-101");
    // A collection with nothing sensitive: tagging and restricting are skipped.
    let out = cpl(
        dir.path(),
        &["run", "sensitive_documents", "--arg", "collection=marketing"],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("run_nothing_sensitive", stable(&out.stdout));
}

#[test]
fn the_supply_chain_workflow_notifies_over_http() {
    let dir = quick_copy();
    let base = http_server::start();
    let env = [("NOTIFIER_URL", base.as_str())];
    let out = cpl(
        dir.path(),
        &["run", "supply_chain_anomaly", "--arg", "region=emea"],
        &env,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("run_supply_chain", stable(&out.stdout));
    // Nobody listening: the notification fails after its retries, and the run with it.
    let closed = http_server::closed_port_url();
    let out = cpl(
        dir.path(),
        &["run", "supply_chain_anomaly", "--arg", "region=emea"],
        &[("NOTIFIER_URL", closed.as_str())],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.contains("FAILED  notify"), "{}", out.stdout);
    assert!(out.stdout.contains("refused"), "{}", out.stdout);
    // No anomalies in the region: correlation and notification are skipped.
    let out = cpl(
        dir.path(),
        &["run", "supply_chain_anomaly", "--arg", "region=apac"],
        &env,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("(`len(detect.anomalies) > 0` was false)"),
        "{}",
        out.stdout
    );
}

#[test]
fn bad_invocations_exit_two() {
    let dir = quick_copy();
    let cases: [(&[&str], &str); 6] = [
        (
            &["run", "fraud_drift_managment"],
            "did you mean `fraud_drift_management`?",
        ),
        (
            &["run", "fraud_drift_management", "--arg", "model=m"],
            "workflow `fraud_drift_management` needs `--arg drift=…`",
        ),
        (
            &[
                "run",
                "fraud_drift_management",
                "--arg",
                "model=m",
                "--arg",
                "drift=high",
            ],
            "invalid value for `--arg drift`: expected a number, found `high`",
        ),
        (
            &[
                "run",
                "fraud_drift_management",
                "--arg",
                "model=m",
                "--arg",
                "drift=1",
                "--arg",
                "modle=x",
            ],
            "workflow `fraud_drift_management` has no parameter `modle`",
        ),
        (&["runs", "show", "nope"], "no run `nope`"),
        (&["runs", "--status", "faild"], "did you mean `failed`?"),
    ];
    for (args, expected) in cases {
        let out = cpl(dir.path(), args, &[]);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(expected), "{args:?}: {}", out.stderr);
    }
    // A run log that cannot be opened: a directory where the file should be.
    std::fs::create_dir_all(dir.path().join("taken.db")).unwrap();
    let out = cpl(
        dir.path(),
        &[
            "run",
            "fraud_drift_management",
            "--arg",
            "model=m",
            "--arg",
            "drift=0.1",
            "--runlog",
        ],
        &[],
    );
    assert_eq!(out.code, 2);
    let runlog = dir.path().join("taken.db");
    let out = cpl(
        dir.path(),
        &[
            "run",
            "fraud_drift_management",
            "--arg",
            "model=m",
            "--arg",
            "drift=0.1",
            "--runlog",
            runlog.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("error[E0813]"), "{}", out.stderr);
}

#[test]
fn a_program_that_does_not_check_does_not_run() {
    let dir = quick_copy();
    let path = dir.path().join("workflows.cp");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("run_id: retrain.run_id", "run_id: summary.text")).unwrap();
    let out = cpl(
        dir.path(),
        &[
            "run",
            "fraud_drift_management",
            "--arg",
            "model=m",
            "--arg",
            "drift=0.3",
        ],
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("error[E0801]: step `summary` depends on itself"),
        "{}",
        out.stderr
    );
    assert!(!dir.path().join(".cpl").exists());
    let out = cpl(dir.path(), &["check"], &[]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("E0801"), "{}", out.stderr);
}

/// The README's runs are real: every `$ cpl run` block of the drift and document
/// workflows (the ones that need no server and no environment) is run again on a copy of
/// the example and must print what the README shows, run ids and durations aside.
#[test]
fn the_readme_shows_real_runs() {
    let readme = std::fs::read_to_string(example().join("README.md")).unwrap();
    let mut checked = 0;
    for block in readme.split("```text\n").skip(1) {
        let block = block.split("\n```").next().unwrap();
        let mut lines = block.lines();
        let Some(command) = lines.next().and_then(|l| l.strip_prefix("$ cpl run ")) else {
            continue;
        };
        if !["fraud_drift_management ", "sensitive_documents "]
            .iter()
            .any(|w| command.starts_with(w))
        {
            continue;
        }
        let dir = quick_copy();
        let mut args = vec!["run"];
        args.extend(command.split_whitespace());
        let out = cpl(dir.path(), &args, &[]);
        let mut actual = format!("{}{}", out.stderr, out.stdout);
        actual.push_str(&format!("[exit {}]", out.code));
        let expected = lines.collect::<Vec<_>>().join("\n");
        assert_eq!(stable(&expected), stable(actual.trim_end()), "`cpl run {command}`");
        checked += 1;
    }
    assert_eq!(checked, 4, "the README's runs of the drift and document workflows");
}

/// A run log on a read-only file in a read-only directory (an archived log, a mounted
/// volume) is listed by `cpl runs` and measured by `cpl slo`. Root writes anything, so as
/// root the commands run as `nobody` through `setpriv`.
#[test]
fn a_read_only_log_is_readable() {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let has_setpriv = Command::new("setpriv").arg("--version").output().is_ok();
    if is_root && !has_setpriv {
        let why = "running as root without `setpriv` (util-linux), a read-only file cannot be tested";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
        eprintln!("SKIPPED a_read_only_log_is_readable: {why}");
        return;
    }
    // Under the build's own temporary directory, which `nobody` can traverse.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    copy_dir(&example(), dir.path());
    let args = [
        "run",
        "fraud_drift_management",
        "--arg",
        "model=m",
        "--arg",
        "drift=0.05",
    ];
    assert_eq!(cpl(dir.path(), &args, &[]).code, 0);
    let log_dir = dir.path().join(".cpl");
    let make_mode = |path: &Path, mode: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    make_mode(dir.path(), 0o755);
    make_mode(&log_dir.join("runs.db"), 0o444);
    make_mode(&log_dir, 0o555);
    let reader = |args: &[&str]| {
        let mut command = if is_root {
            let mut c = Command::new("setpriv");
            c.args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                env!("CARGO_BIN_EXE_cpl"),
            ]);
            c
        } else {
            Command::new(env!("CARGO_BIN_EXE_cpl"))
        };
        let out = command
            .args(args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = reader(&["runs"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("fraud_drift_management  succeeded"), "{out}");
    let (_, out, err) = reader(&["slo", "drift_workflow_health"]);
    assert!(out.contains("met      success_rate"), "{out}{err}");
    assert!(!err.contains("run log"), "{err}");
    make_mode(&log_dir, 0o755);
}
