//! The executor's semantics against fake connectors and an in-memory recorder: order,
//! concurrency, conditions, skip propagation, `always`, retries, reply types,
//! decisions, secrets and cancellation.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use cpl::diagnostics::Code;
use cpl::ir::Value;
use cpl::runtime::connector::ConnectorError;
use cpl::runtime::runlog::{AttemptStatus, MemoryRecorder, RunLog, RunStatus};
use serde_json::json;

use super::fakes::{Fake, exit_failure};
use super::helpers::{Loaded, project, s};

const CONNECTORS: &str = r#"
connector atlas {
  kind http
  url "http://127.0.0.1:9"
  action retrain(model: string, reason: string) -> { run_id: string }
  action login(token: secret) -> { session: string, key: secret }
}

connector intel {
  kind exec
  command ["python3", "agents/intel.py"]
  action summarize(model: string, drift: float, run_id: string) -> { text: string }
  action part(name: string) -> { rows: int }
}
"#;

fn brief() -> Loaded {
    // The brief's workflow, with a backoff that keeps the tests quick.
    let quick = super::compile::BRIEF.replace("backoff 10s", "backoff 10ms");
    project(&[("main.cp", &quick)])
}

fn fraud_fake() -> Fake {
    Fake::new(|action, args, _| match action {
        "retrain" => Ok(json!({ "run_id": format!("run-for-{}", args["model"].as_str().unwrap()) })),
        "summarize" => Ok(json!({ "text": format!("retraining {}", args["run_id"].as_str().unwrap()) })),
        other => panic!("unexpected action {other}"),
    })
}

fn statuses(report: &cpl::runtime::executor::RunReport) -> Vec<(String, AttemptStatus)> {
    report.steps.iter().map(|s| (s.name.to_string(), s.status)).collect()
}

fn st(name: &str, status: AttemptStatus) -> (String, AttemptStatus) {
    (name.to_owned(), status)
}

#[test]
fn drift_above_the_threshold_retrains_and_summarizes() {
    let loaded = brief();
    let fake = Arc::new(fraud_fake());
    let recorder = MemoryRecorder::new();
    let report = loaded.run(
        "fraud_drift_management",
        &[("model", s("fraud_v3")), ("drift", Value::Float(0.22))],
        fake.clone(),
        &recorder,
        |_| {},
    );
    assert_eq!(report.status, RunStatus::Succeeded);
    assert_eq!(
        statuses(&report),
        [
            st("check", AttemptStatus::Succeeded),
            st("retrain", AttemptStatus::Succeeded),
            st("summary", AttemptStatus::Succeeded),
            st("record", AttemptStatus::Succeeded),
        ]
    );
    assert_eq!(fake.actions(), ["retrain", "summarize"]);
    let calls = fake.calls.lock().unwrap().clone();
    assert_eq!(
        calls[0].args,
        json!({ "model": "fraud_v3", "reason": "drift 0.22 exceeds threshold 0.15" })
    );
    assert_eq!(
        report.steps[3].output,
        Some(json!("drift 0.22 on fraud_v3: retraining run-for-fraud_v3"))
    );
    let decision = report.steps[0].decision.as_ref().unwrap();
    assert_eq!(decision.outcome, "deny");
    assert_eq!(decision.violations, ["drift 0.22 exceeds threshold 0.15"]);
    // Everything is in the record: the run, one attempt per step, the decision.
    let memory = recorder.snapshot();
    let run = &memory.runs[0];
    assert_eq!(run.status, RunStatus::Succeeded);
    assert_eq!(run.args, json!({ "model": "fraud_v3", "drift": 0.22 }));
    let recorded: Vec<(&str, AttemptStatus)> = run.attempts.iter().map(|a| (a.step.as_str(), a.status)).collect();
    assert_eq!(
        recorded,
        [
            ("check", AttemptStatus::Succeeded),
            ("retrain", AttemptStatus::Succeeded),
            ("summary", AttemptStatus::Succeeded),
            ("record", AttemptStatus::Succeeded),
        ]
    );
    assert_eq!(run.decisions.len(), 1);
    assert_eq!(run.decisions[0].policy, "fraud_max_drift");
    assert_eq!(run.decisions[0].outcome, "deny");
    assert_eq!(
        run.decisions[0].detail["violations"][0]["message"],
        "drift 0.22 exceeds threshold 0.15"
    );
    assert_eq!(run.attempts[1].stderr.as_deref(), Some("fake retrain attempt 1"));
}

#[test]
fn a_false_condition_skips_without_evaluating_arguments_and_skips_dependents() {
    // With drift below the threshold, `check.violations[0]` would be out of range: the
    // condition is evaluated first, and the arguments never are.
    let loaded = brief();
    let fake = Arc::new(fraud_fake());
    let recorder = MemoryRecorder::new();
    let report = loaded.run(
        "fraud_drift_management",
        &[("model", s("fraud_v3")), ("drift", Value::Float(0.05))],
        fake.clone(),
        &recorder,
        |_| {},
    );
    assert_eq!(report.status, RunStatus::Succeeded);
    assert_eq!(
        statuses(&report),
        [
            st("check", AttemptStatus::Succeeded),
            st("retrain", AttemptStatus::Skipped),
            st("summary", AttemptStatus::Skipped),
            st("record", AttemptStatus::Succeeded),
        ]
    );
    assert!(fake.actions().is_empty());
    assert_eq!(report.steps[1].reason.as_deref(), Some("`check.denied` was false"));
    assert_eq!(report.steps[2].reason.as_deref(), Some("`retrain` was skipped"));
    assert_eq!(
        report.steps[3].output,
        Some(json!("drift 0.05 on fraud_v3: no retraining"))
    );
    let memory = recorder.snapshot();
    let skipped = &memory.runs[0].attempts[1];
    assert_eq!(skipped.status, AttemptStatus::Skipped);
    assert_eq!(skipped.reason.as_deref(), Some("`check.denied` was false"));
}

#[test]
fn a_failed_step_skips_its_dependents_fails_the_run_and_always_steps_still_run() {
    let loaded = brief();
    let fake = Arc::new(Fake::new(|action, _, _| match action {
        "retrain" => Err(exit_failure("Traceback …\nValueError: no such model")),
        other => panic!("unexpected action {other}"),
    }));
    let recorder = MemoryRecorder::new();
    let report = loaded.run(
        "fraud_drift_management",
        &[("model", s("fraud_v9")), ("drift", Value::Float(0.3))],
        fake.clone(),
        &recorder,
        |_| {},
    );
    assert_eq!(report.status, RunStatus::Failed);
    assert_eq!(
        statuses(&report),
        [
            st("check", AttemptStatus::Succeeded),
            st("retrain", AttemptStatus::Failed),
            st("summary", AttemptStatus::Skipped),
            st("record", AttemptStatus::Succeeded),
        ]
    );
    assert_eq!(report.steps[2].reason.as_deref(), Some("`retrain` failed"));
    // `retry 3`: four attempts, the last one's error stands.
    assert_eq!(report.steps[1].attempts, 4);
    let error = report.steps[1].error.as_ref().unwrap();
    assert_eq!(error.code, Code::StepFailed);
    assert!(error.message.contains("ValueError: no such model"), "{}", error.message);
    assert_eq!(
        report.steps[3].output,
        Some(json!("drift 0.3 on fraud_v9: no retraining"))
    );
    let memory = recorder.snapshot();
    let run = &memory.runs[0];
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(run.error.as_deref(), Some(error.message.as_str()));
    let retrain: Vec<u32> = run
        .attempts
        .iter()
        .filter(|a| a.step == "retrain")
        .map(|a| a.attempt)
        .collect();
    assert_eq!(retrain, [1, 2, 3, 4]);
    let diagnostics = report.diagnostics();
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].code, Code::StepFailed);
}

#[test]
fn retries_back_off_exponentially_and_stop_at_the_first_success() {
    let loaded = project(&[(
        "main.cp",
        &format!(
            "{CONNECTORS}\nworkflow w() {{\n  step r = atlas.retrain(model: \"m\", reason: \"r\") retry 4 backoff 50ms\n}}\n"
        ),
    )]);
    let fake = Arc::new(Fake::new(|_, _, attempt| {
        if attempt <= 2 {
            Err(ConnectorError::HttpStatus {
                url: "http://127.0.0.1:9/retrain".into(),
                status: 503,
                excerpt: "busy".into(),
            })
        } else {
            Ok(json!({ "run_id": "r-3" }))
        }
    }));
    let recorder = MemoryRecorder::new();
    let report = loaded.run("w", &[], fake.clone(), &recorder, |_| {});
    assert_eq!(report.status, RunStatus::Succeeded);
    assert_eq!(report.steps[0].attempts, 3);
    let calls = fake.calls.lock().unwrap().clone();
    assert_eq!(calls.iter().map(|c| c.attempt).collect::<Vec<_>>(), [1, 2, 3]);
    // 50ms after the first failure, 100ms after the second.
    let first_wait = calls[1].at - calls[0].at;
    let second_wait = calls[2].at - calls[1].at;
    assert!(first_wait >= Duration::from_millis(50), "{first_wait:?}");
    assert!(second_wait >= Duration::from_millis(100), "{second_wait:?}");
    assert!(second_wait < Duration::from_secs(2), "{second_wait:?}");
    let attempts = &recorder.snapshot().runs[0].attempts;
    let recorded: Vec<(u32, AttemptStatus)> = attempts.iter().map(|a| (a.attempt, a.status)).collect();
    assert_eq!(
        recorded,
        [
            (1, AttemptStatus::Failed),
            (2, AttemptStatus::Failed),
            (3, AttemptStatus::Succeeded)
        ]
    );
    assert!(attempts[0].error.as_deref().unwrap().contains("503"));
    assert_eq!(attempts[2].output, Some(json!({ "run_id": "r-3" })));
}

#[test]
fn independent_steps_run_concurrently_within_the_bound() {
    let loaded = project(&[(
        "main.cp",
        &format!(
            "{CONNECTORS}\nworkflow fan() {{\n{}  step total = log(\"{{a.rows + b.rows + c.rows + d.rows + e.rows + f.rows}}\")\n}}\n",
            ["a", "b", "c", "d", "e", "f"]
                .iter()
                .map(|n| format!("  step {n} = intel.part(name: \"{n}\")\n"))
                .collect::<String>()
        ),
    )]);
    for (parallel, expected) in [(1, 1), (3, 3), (8, 6)] {
        let fake = Arc::new(Fake::new(|_, _, _| Ok(json!({ "rows": 2 }))).with_delay(Duration::from_millis(120)));
        let recorder = MemoryRecorder::new();
        let started = Instant::now();
        let report = loaded.run("fan", &[], fake.clone(), &recorder, |o| o.parallel = parallel);
        let took = started.elapsed();
        assert_eq!(report.status, RunStatus::Succeeded);
        assert_eq!(report.steps[6].output, Some(json!("12")));
        assert_eq!(fake.max_active.load(Ordering::SeqCst), expected, "parallel {parallel}");
        let waves = 6_u32.div_ceil(parallel as u32);
        assert!(
            took >= Duration::from_millis(120) * waves,
            "parallel {parallel}: {took:?}"
        );
    }
}

#[test]
fn a_reply_of_the_wrong_type_fails_the_step_and_is_not_retried() {
    let loaded = project(&[(
        "main.cp",
        &format!(
            "{CONNECTORS}\nworkflow w() {{\n  step r = atlas.retrain(model: \"m\", reason: \"r\") retry 3 backoff 1ms\n  step n = log(\"{{r.run_id}}\")\n}}\n"
        ),
    )]);
    let fake = Arc::new(Fake::new(|_, _, _| Ok(json!({ "run_id": 42, "extra": true }))));
    let recorder = MemoryRecorder::new();
    let report = loaded.run("w", &[], fake.clone(), &recorder, |_| {});
    assert_eq!(report.status, RunStatus::Failed);
    assert_eq!(fake.actions().len(), 1, "a contract violation is not retried");
    let error = report.steps[0].error.as_ref().unwrap();
    assert_eq!(error.code, Code::ConnectorReply);
    assert_eq!(
        error.message,
        "the reply of `atlas.retrain` does not match its type: `run_id`: expected `string`, found an integer; unknown field `extra`"
    );
    assert_eq!(report.steps[1].status, AttemptStatus::Skipped);
    // The diagnostic points at the step and at the declared return type.
    let d = &report.diagnostics()[0];
    assert_eq!(d.code, Code::ConnectorReply);
    assert_eq!(d.secondary.len(), 1);
    assert!(
        d.secondary[0]
            .message
            .starts_with("declared to return `{ run_id: string }`")
    );
}

#[test]
fn a_reply_outside_its_where_constraint_fails_the_step() {
    let loaded = project(&[(
        "main.cp",
        "connector c {\n  kind exec\n  command [\"x\"]\n  action score() -> { score: float where it >= 0.0 and it <= 1.0 }\n}\nworkflow w() {\n  step s = c.score()\n}\n",
    )]);
    let within = Arc::new(Fake::new(|_, _, _| Ok(json!({ "score": 0.25 }))));
    let report = loaded.run("w", &[], within, &MemoryRecorder::new(), |_| {});
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.steps);

    let outside = Arc::new(Fake::new(|_, _, _| Ok(json!({ "score": 1.5 }))));
    let report = loaded.run("w", &[], outside, &MemoryRecorder::new(), |_| {});
    assert_eq!(report.status, RunStatus::Failed);
    let error = report.steps[0].error.as_ref().unwrap();
    assert_eq!(error.code, Code::ConnectorReply);
    assert_eq!(
        error.message,
        "the reply of `c.score` does not match its type: `score` does not satisfy `it >= 0.0 and it <= 1.0`"
    );
}

#[test]
fn replies_become_typed_values() {
    let loaded = project(&[(
        "main.cp",
        "connector c {\n  kind exec\n  command [\"x\"]\n  action info() -> { version: version, took: duration, at: timestamp, tags: [string], note: string? }\n}\nworkflow w() {\n  step i = c.info()\n  step v = log(\"{i.version > \"1.2.0\"} {i.took + 5s} {len(i.tags)} {i.note ?? \"none\"}\")\n}\n",
    )]);
    let fake = Arc::new(Fake::new(|_, _, _| {
        Ok(json!({ "version": "1.10.0", "took": "2s", "at": "2026-11-22T10:00:00Z", "tags": ["a", "b"] }))
    }));
    let report = loaded.run("w", &[], fake, &MemoryRecorder::new(), |_| {});
    assert_eq!(report.status, RunStatus::Succeeded, "{:?}", report.steps);
    assert_eq!(report.steps[1].output, Some(json!("true 7s 2 none")));
}

#[test]
fn fail_steps_and_evaluation_errors_fail_with_their_message() {
    let loaded = project(&[(
        "main.cp",
        "workflow w(items: [int]) {\n  step first = log(\"{items[5]}\")\n  step stop = fail(\"stopping: {len(items)} items\")\n  step after_stop = log(\"never\") after stop\n  step cleanup = log(\"cleaned\") always after stop\n}\n",
    )]);
    let report = loaded.run(
        "w",
        &[("items", Value::list(vec![Value::Int(1)]))],
        Arc::new(Fake::new(|_, _, _| unreachable!())),
        &MemoryRecorder::new(),
        |_| {},
    );
    assert_eq!(report.status, RunStatus::Failed);
    assert_eq!(
        statuses(&report),
        [
            st("first", AttemptStatus::Failed),
            st("stop", AttemptStatus::Failed),
            st("after_stop", AttemptStatus::Skipped),
            st("cleanup", AttemptStatus::Succeeded),
        ]
    );
    let first = report.steps[0].error.as_ref().unwrap();
    assert!(first.message.starts_with("step `first` failed: "), "{}", first.message);
    assert!(first.message.contains("out of range"), "{}", first.message);
    // The diagnostic points at the failing expression, and at the step.
    let span = first.diagnostic.primary.as_ref().unwrap().span;
    assert_eq!(loaded.project().sources.slice(span), "items[5]");
    assert_eq!(
        report.steps[1].error.as_ref().unwrap().message,
        "step `stop` failed: stopping: 1 items"
    );
    assert_eq!(report.steps[2].reason.as_deref(), Some("`stop` failed"));
}

#[test]
fn an_indeterminate_decision_fails_its_step() {
    let loaded = project(&[(
        "main.cp",
        "policy p(data: json) {\n  deny when data.size as int > 3 => \"too big\"\n}\nworkflow w(data: json) {\n  step check = p(data: data)\n  step next = log(\"checked\")\n  after check\n}\n",
    )]);
    let report = loaded.run(
        "w",
        &[("data", Value::from_json(&json!({ "other": 1 })))],
        Arc::new(Fake::new(|_, _, _| unreachable!())),
        &MemoryRecorder::new(),
        |_| {},
    );
    assert_eq!(report.steps[0].status, AttemptStatus::Failed);
    let decision = report.steps[0].decision.as_ref().unwrap();
    assert_eq!(decision.outcome, "indeterminate");
    let message = &report.steps[0].error.as_ref().unwrap().message;
    assert!(message.contains("policy `p` could not be decided"), "{message}");
    assert_eq!(report.steps[1].status, AttemptStatus::Skipped);
}

#[test]
fn secrets_never_reach_the_run_log() {
    let loaded = project(&[(
        "main.cp",
        &format!(
            "{CONNECTORS}\nworkflow w(token: secret, model: string) {{\n  step login = atlas.login(token: token)\n  step use = atlas.retrain(model: model, reason: \"key {{login.key}}\")\n  step say = log(\"session {{login.session}} token {{token}}\")\n  step bad = fail(\"could not use {{token}}\") after use\n}}\n"
        ),
    )]);
    const TOKEN: &str = "tok-hunter2-0123";
    const KEY: &str = "key-sekret-4567";
    let fake = Arc::new(Fake::new(|action, args, _| match action {
        // The service echoes what it got: the token must reach it, in full.
        "login" => {
            assert_eq!(args["token"], TOKEN);
            Ok(json!({ "session": format!("session for {TOKEN}"), "key": KEY }))
        }
        "retrain" => Err(exit_failure(&format!("rejected {TOKEN} and {KEY}"))),
        other => panic!("unexpected {other}"),
    }));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.db");
    let log = RunLog::open(&path).unwrap();
    let report = loaded.run(
        "w",
        &[("token", Value::Secret(Arc::from(TOKEN))), ("model", s(TOKEN))],
        fake,
        &log,
        |_| {},
    );
    assert_eq!(report.status, RunStatus::Failed);
    let detail = log.get_run(&report.run).unwrap().unwrap();
    let everything = format!("{detail:?} {report:?}");
    assert!(!everything.contains(TOKEN), "{everything}");
    assert!(!everything.contains(KEY), "{everything}");
    assert!(everything.contains("***"));
    // Straight from the database file, too.
    drop(log);
    let bytes = std::fs::read(&path).unwrap();
    let wal = std::fs::read(dir.path().join("runs.db-wal")).unwrap_or_default();
    for file in [bytes, wal] {
        let text = String::from_utf8_lossy(&file);
        assert!(!text.contains(TOKEN) && !text.contains(KEY));
    }
    assert_eq!(detail.args, json!({ "token": "***", "model": "***" }));
    assert_eq!(report.steps[2].output, Some(json!("session session for *** token ***")));
}

#[test]
fn cancelling_stops_calls_in_flight_and_records_every_step() {
    let loaded = project(&[(
        "main.cp",
        &format!(
            "{CONNECTORS}\nworkflow w() {{\n  step a = intel.part(name: \"a\")\n  step b = log(\"{{a.rows}}\")\n  step c = log(\"cleanup\") always after a\n}}\n"
        ),
    )]);
    let fake = Arc::new(Fake::new(|_, _, _| Ok(json!({ "rows": 1 }))).with_delay(Duration::from_secs(30)));
    let recorder = MemoryRecorder::new();
    let started = Instant::now();
    let report = loaded.run("w", &[], fake, &recorder, |o| {
        let cancel = o.cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(150));
            cancel.cancel("interrupted");
        });
    });
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(report.status, RunStatus::Failed);
    assert_eq!(report.error.as_deref(), Some("the run was interrupted"));
    assert_eq!(
        statuses(&report),
        [
            st("a", AttemptStatus::Failed),
            st("b", AttemptStatus::Skipped),
            st("c", AttemptStatus::Skipped),
        ]
    );
    assert_eq!(
        report.steps[2].reason.as_deref(),
        Some("the run was interrupted before it started")
    );
    let memory = recorder.snapshot();
    assert_eq!(memory.runs[0].status, RunStatus::Failed);
    assert_eq!(memory.runs[0].attempts.len(), 3);
}

#[test]
fn a_missing_argument_stops_the_run_before_it_starts() {
    let loaded = brief();
    let (id, _) = loaded.project().program.workflow("fraud_drift_management").unwrap();
    let env = loaded.session.env();
    let recorder = MemoryRecorder::new();
    let executor = cpl::runtime::executor::Executor {
        env: &env,
        workflow: &loaded.project().workflows[id.index()],
        connectors: Arc::new(fraud_fake()),
        recorder: &recorder,
        options: cpl::runtime::executor::RunOptions::new(loaded.root()),
        on_event: None,
        describe_decision: &cpl::report::decision_record_json,
    };
    let error = executor.run(&[(Arc::from("model"), s("m"))]).unwrap_err();
    let diagnostics = error.diagnostics("fraud_drift_management");
    assert_eq!(
        diagnostics[0].message,
        "workflow `fraud_drift_management` needs its argument `drift`"
    );
    assert!(
        recorder.snapshot().runs.is_empty(),
        "nothing is recorded for a run that never started"
    );
}

/// A credential reached only through a policy's default, a function and `env()` is
/// masked in a step that ran before anything evaluated it; the address a `url` reads
/// through `env()` is not.
#[test]
fn what_a_workflow_can_reach_through_env_is_masked_from_its_first_step() {
    let mut loaded = project(&[(
        "main.cp",
        r#"
fn deep_key() -> string = env("DEEP_KEY")

policy key_unset(key: string = deep_key()) {
  level advisory
  deny when len(key) > 0 => "a key is set"
}

connector svc {
  kind http
  url env("SVC_URL", "http://127.0.0.1:9")
  action leak() -> json
}

workflow w() {
  step first = svc.leak()
  step check = key_unset() after first
}
"#,
    )]);
    loaded.set_var("DEEP_KEY", "deep-Kf83-key");
    loaded.set_var("SVC_URL", "http://svc.internal:8700");
    let fake = Arc::new(Fake::new(|_, _, _| {
        Err(exit_failure("using deep-Kf83-key on http://svc.internal:8700"))
    }));
    let recorder = MemoryRecorder::new();
    let report = loaded.run("w", &[], fake, &recorder, |_| {});
    let first = &report.steps[0];
    assert_eq!(first.status, AttemptStatus::Failed);
    assert_eq!(first.stderr.as_deref(), Some("using *** on http://svc.internal:8700"));
    let error = &first.error.as_ref().unwrap().message;
    assert!(error.contains("using *** on http://svc.internal:8700"), "{error}");
}
