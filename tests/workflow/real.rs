//! The executor with the real connectors: child processes (`sh`) and a real HTTP server
//! on 127.0.0.1, recording into a real SQLite run log.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cpl::diagnostics::Code;
use cpl::runtime::connector::Live;
use cpl::runtime::runlog::{AttemptStatus, RunLog, RunStatus};
use serde_json::json;

use super::helpers::{Loaded, project, s};
use super::http_server;

const TOOLS: &str = r#"
connector tools {
  kind exec
  command ["sh", "tools.sh"]
  action flaky(times: int) -> { ok: bool }
  action nap(seconds: int) -> { slept: int }
  action broken() -> { ok: bool }
}
"#;

/// Actions as shell functions: `flaky` fails until attempt `times + 1`, `nap` records
/// its pid and sleeps, `broken` prints a traceback and exits 3.
const TOOLS_SH: &str = r#"
case "$1" in
  flaky)
    times=$(sed 's/.*"times":\([0-9]*\).*/\1/')
    if [ "$CPL_ATTEMPT" -le "$times" ]; then
      echo "flaky: attempt $CPL_ATTEMPT of run $CPL_RUN_ID failed" >&2
      exit 1
    fi
    printf '{"ok": true}' ;;
  nap)
    echo $$ > nap.pid
    exec sleep 30 ;;
  broken)
    echo "Traceback (most recent call last):" >&2
    echo "RuntimeError: model store unavailable" >&2
    exit 3 ;;
esac
"#;

fn tools(workflows: &str) -> Loaded {
    project(&[("main.cp", &format!("{TOOLS}\n{workflows}")), ("tools.sh", TOOLS_SH)])
}

fn alive(pid: &str) -> bool {
    std::process::Command::new("kill")
        .args(["-0", pid])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_program_that_fails_twice_succeeds_on_the_third_attempt() {
    let loaded = tools("workflow w() {\n  step f = tools.flaky(times: 2) retry 3 backoff 100ms\n}\n");
    let dir = tempfile::tempdir().unwrap();
    let log = RunLog::open(&dir.path().join("runs.db")).unwrap();
    let report = loaded.run("w", &[], Arc::new(Live), &log, |_| {});
    assert_eq!(report.status, RunStatus::Succeeded);
    let detail = log.get_run(&report.run).unwrap().unwrap();
    assert_eq!(detail.summary.status, RunStatus::Succeeded);
    let attempts = &detail.steps[0].attempts;
    let seen: Vec<(u32, AttemptStatus)> = attempts.iter().map(|a| (a.attempt, a.status)).collect();
    assert_eq!(
        seen,
        [
            (1, AttemptStatus::Failed),
            (2, AttemptStatus::Failed),
            (3, AttemptStatus::Succeeded)
        ]
    );
    assert_eq!(
        attempts[0].stderr.as_deref(),
        Some(format!("flaky: attempt 1 of run {} failed\n", report.run).as_str())
    );
    assert!(attempts[0].error.as_deref().unwrap().contains("exited with code 1"));
    assert_eq!(attempts[2].output, Some(json!({ "ok": true })));
    // The backoff is honoured between attempts: 100ms, then 200ms.
    let gap = |a: usize| attempts[a + 1].started_at.as_millisecond() - attempts[a].ended_at.as_millisecond();
    assert!(gap(0) >= 100, "{}", gap(0));
    assert!(gap(1) >= 200, "{}", gap(1));
}

#[test]
fn a_timeout_kills_a_sleeping_program_quickly() {
    let loaded =
        tools("workflow w() {\n  step n = tools.nap(seconds: 30) timeout 300ms\n  step next = log(\"{n.slept}\")\n}\n");
    let dir = tempfile::tempdir().unwrap();
    let log = RunLog::open(&dir.path().join("runs.db")).unwrap();
    let started = Instant::now();
    let report = loaded.run("w", &[], Arc::new(Live), &log, |_| {});
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    assert_eq!(report.status, RunStatus::Failed);
    assert_eq!(report.steps[0].status, AttemptStatus::TimedOut);
    assert_eq!(report.steps[0].error.as_ref().unwrap().code, Code::StepTimeout);
    assert_eq!(report.steps[1].reason.as_deref(), Some("`n` timed out"));
    let pid = std::fs::read_to_string(loaded.root().join("nap.pid")).unwrap();
    assert!(!alive(pid.trim()), "the sleeping program {pid} outlived its step");
    let detail = log.get_run(&report.run).unwrap().unwrap();
    assert_eq!(detail.steps[0].attempts[0].status, AttemptStatus::TimedOut);
    assert!(detail.steps[0].attempts[0].duration_ms() < 5_000);
}

#[test]
fn a_failing_program_keeps_its_traceback_in_the_log() {
    let loaded = tools("workflow w() {\n  step b = tools.broken()\n}\n");
    let dir = tempfile::tempdir().unwrap();
    let log = RunLog::open(&dir.path().join("runs.db")).unwrap();
    let report = loaded.run("w", &[], Arc::new(Live), &log, |_| {});
    assert_eq!(report.status, RunStatus::Failed);
    let message = &report.steps[0].error.as_ref().unwrap().message;
    assert_eq!(
        message,
        "step `b` failed: `sh tools.sh broken` exited with code 3: Traceback (most recent call last):\\nRuntimeError: model store unavailable"
    );
    let detail = log.get_run(&report.run).unwrap().unwrap();
    assert_eq!(detail.summary.error.as_deref(), Some(message.as_str()));
    assert!(
        detail.steps[0].attempts[0]
            .stderr
            .as_deref()
            .unwrap()
            .ends_with("RuntimeError: model store unavailable\n")
    );
}

fn service(base: &str) -> Loaded {
    project(&[(
        "main.cp",
        &format!(
            r##"
connector svc {{
  kind http
  url "{base}"
  timeout 5s
  action echo(model: string, token: secret) -> {{ method: string, path: string, body: json, headers: map[string] }}
  action notify(channel: string, text: string) -> {{ delivered: bool, id: string }}
  action fail() -> json
  action slow() -> json
}}

workflow talk(model: string, token: secret) {{
  step e = svc.echo(model: model, token: token)
  step n = svc.notify(channel: "#ops", text: "{{e.method}} {{e.path}}")
}}

workflow failing() {{
  step f = svc.fail() retry 1 backoff 10ms
}}

workflow slow() {{
  step s = svc.slow() timeout 300ms
}}
"##
        ),
    )])
}

#[test]
fn http_steps_post_json_and_read_typed_replies() {
    let loaded = service(&http_server::start());
    let dir = tempfile::tempdir().unwrap();
    let log = RunLog::open(&dir.path().join("runs.db")).unwrap();
    let report = loaded.run(
        "talk",
        &[
            ("model", s("fraud_v3")),
            ("token", cpl::ir::Value::Secret(Arc::from("s3cr3t-token"))),
        ],
        Arc::new(Live),
        &log,
        |_| {},
    );
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.steps);
    let echo = report.steps[0].output.clone().unwrap();
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["path"], "/echo");
    // The service got the secret; the record shows `***`.
    assert_eq!(echo["body"], json!({ "model": "fraud_v3", "token": "***" }));
    let headers = &echo["headers"];
    assert_eq!(headers["x-cpl-run-id"], report.run.as_str());
    assert_eq!(headers["x-cpl-step"], "e");
    assert_eq!(headers["x-cpl-attempt"], "1");
    assert_eq!(headers["idempotency-key"], format!("{}/e", report.run));
    assert_eq!(
        report.steps[1].output,
        Some(json!({ "delivered": true, "id": "msg-1" }))
    );
    let text = format!("{:?}", log.get_run(&report.run).unwrap().unwrap());
    assert!(!text.contains("s3cr3t-token"));
}

#[test]
fn http_failures_are_retried_and_reported() {
    let loaded = service(&http_server::start());
    let dir = tempfile::tempdir().unwrap();
    let log = RunLog::open(&dir.path().join("runs.db")).unwrap();
    let report = loaded.run("failing", &[], Arc::new(Live), &log, |_| {});
    assert_eq!(report.status, RunStatus::Failed);
    assert_eq!(report.steps[0].attempts, 2);
    let message = &report.steps[0].error.as_ref().unwrap().message;
    assert!(
        message.contains("answered with status 500: model store unavailable:\\ndisk full"),
        "{message}"
    );

    let refused = service(&http_server::closed_port_url());
    let report = refused.run("failing", &[], Arc::new(Live), &log, |_| {});
    let message = &report.steps[0].error.as_ref().unwrap().message;
    assert!(message.contains("refused"), "{message}");
}

#[test]
fn a_slow_service_times_out() {
    let loaded = service(&http_server::start());
    let dir = tempfile::tempdir().unwrap();
    let log = RunLog::open(&dir.path().join("runs.db")).unwrap();
    let started = Instant::now();
    let report = loaded.run("slow", &[], Arc::new(Live), &log, |_| {});
    assert!(started.elapsed() < http_server::SLOW);
    assert_eq!(report.steps[0].status, AttemptStatus::TimedOut);
    assert_eq!(report.steps[0].error.as_ref().unwrap().code, Code::StepTimeout);
}
