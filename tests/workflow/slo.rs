//! Service-level objectives over a seeded run log: the measures, the verdicts, the
//! diagnostics, and `cpl slo` itself.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use cpl::runtime::objectives::{self, ObjectiveStatus};
use cpl::runtime::runlog::{RunLog, RunStatus};
use jiff::Timestamp;
use serde_json::json;

use super::helpers::{Loaded, project};

/// 2026-11-22T10:00:00Z: "now" for every test here.
const NOW: i64 = 1_795_341_600_000;
const HOUR: i64 = 3_600_000;

const PROJECT: &str = r#"
workflow w() {
  step a = log("x")
}

workflow idle() {
  step a = log("x")
}

slo healthy {
  workflow w
  window 1d
  objective success_rate >= 90%
  objective p95_duration <= 2s
  objective runs >= 10
}

slo strict {
  workflow w
  window 1d
  objective success_rate >= 99%
  objective p50_duration < 500ms
  objective failure_rate <= 5%
}

slo quiet {
  workflow idle
  window 1d
  objective success_rate >= 99%
}
"#;

/// Ten runs of `w` in the last day (one failed; 100ms to 1000ms), one failed run two
/// days ago (outside every window), and one run that never finished.
fn seed(path: &Path) {
    let clock = Arc::new(AtomicI64::new(NOW - 20 * HOUR));
    let c = clock.clone();
    let log = RunLog::open(path)
        .unwrap()
        .with_clock(move || Timestamp::from_millisecond(c.load(Ordering::SeqCst)).unwrap());
    let run = |start: i64, ms: i64, status: RunStatus| {
        clock.store(start, Ordering::SeqCst);
        let id = log.start_run("w", &json!({})).unwrap();
        clock.store(start + ms, Ordering::SeqCst);
        if status.is_finished() {
            log.finish_run(&id, status, None).unwrap();
        }
    };
    run(NOW - 48 * HOUR, 50, RunStatus::Failed);
    for i in 1..=10 {
        let status = if i == 4 {
            RunStatus::Failed
        } else {
            RunStatus::Succeeded
        };
        run(NOW - (20 - i) * HOUR, i * 100, status);
    }
    run(NOW - HOUR, 0, RunStatus::Running);
}

fn loaded_and_seeded() -> (Loaded, tempfile::TempDir) {
    let loaded = project(&[("main.cp", PROJECT)]);
    assert!(!loaded.project().diagnostics.has_errors(), "{}", loaded.rendered());
    let dir = tempfile::tempdir().unwrap();
    seed(&dir.path().join("runs.db"));
    (loaded, dir)
}

#[test]
fn objectives_are_measured_over_their_window() {
    let (loaded, dir) = loaded_and_seeded();
    let log = RunLog::open(&dir.path().join("runs.db")).unwrap();
    let program = &loaded.project().program;
    let now = Timestamp::from_millisecond(NOW).unwrap();
    let reports: Vec<_> = program
        .slos
        .iter()
        .map(|slo| objectives::measure(program, slo, &log, now).unwrap())
        .collect();
    type Measured<'a> = Vec<(&'a str, ObjectiveStatus, String)>;
    let summary: Vec<(String, Measured<'_>)> = reports
        .iter()
        .map(|r| {
            (
                r.name.clone(),
                r.objectives
                    .iter()
                    .map(|o| {
                        (
                            o.metric.name(),
                            o.status,
                            o.measured
                                .as_ref()
                                .map(|v| objectives::show(o.metric, v))
                                .unwrap_or_default(),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    use ObjectiveStatus::{Breached, Met, NoData};
    assert_eq!(
        summary,
        [
            (
                "healthy".to_owned(),
                vec![
                    ("success_rate", Met, "90%".to_owned()),
                    ("p95_duration", Met, "1s".to_owned()),
                    ("runs", Met, "10".to_owned()),
                ]
            ),
            (
                "strict".to_owned(),
                vec![
                    ("success_rate", Breached, "90%".to_owned()),
                    ("p50_duration", Breached, "500ms".to_owned()),
                    ("failure_rate", Breached, "10%".to_owned()),
                ]
            ),
            ("quiet".to_owned(), vec![("success_rate", NoData, String::new())]),
        ]
    );
    assert_eq!((reports[0].stats.runs, reports[0].stats.failed), (10, 1));
    let codes: Vec<&str> = objectives::diagnostics(&reports)
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(codes, ["E0901", "E0901", "E0901", "W0901"]);
    let breach = &objectives::diagnostics(&reports)[0];
    assert_eq!(
        breach.message,
        "slo `strict`: `success_rate` is 90%, the objective is >= 99%"
    );
    assert_eq!(
        loaded.project().sources.slice(breach.primary.as_ref().unwrap().span),
        "success_rate >= 99%"
    );
}

fn cpl_slo(root: &Path, runlog: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cpl"))
        .arg("slo")
        .args(args)
        .arg("--project")
        .arg(root)
        .arg("--runlog")
        .arg(runlog)
        .env("CPL_NOW", "2026-11-22T10:00:00Z")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cpl_slo_exits_one_on_a_breach_and_zero_otherwise() {
    let (loaded, dir) = loaded_and_seeded();
    let runlog = dir.path().join("runs.db");
    let root = loaded.root();
    let (code, stdout, stderr) = cpl_slo(&root, &runlog, &[]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    insta::assert_snapshot!("slo_all", stdout);
    assert!(
        stderr.contains("error[E0901]: slo `strict`: `p50_duration` is 500ms, the objective is < 500ms"),
        "{stderr}"
    );
    assert!(stderr.contains("warning[W0901]"), "{stderr}");

    let (code, stdout, _) = cpl_slo(&root, &runlog, &["healthy"]);
    assert_eq!(code, 0, "{stdout}");
    let (code, _, stderr) = cpl_slo(&root, &runlog, &["quiet"]);
    assert_eq!(code, 0);
    assert!(stderr.contains("no run of `idle` finished in the last 1d"), "{stderr}");

    let (code, stdout, _) = cpl_slo(&root, &runlog, &["strict", "--format", "json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    insta::assert_json_snapshot!("slo_strict_json", json["slos"]);
    assert_eq!(json["diagnostics"].as_array().unwrap().len(), 3);

    let (code, _, stderr) = cpl_slo(&root, &runlog, &["stirct"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("did you mean `strict`?"), "{stderr}");
}
