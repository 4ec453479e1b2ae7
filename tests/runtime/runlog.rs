//! The SQLite run log: migrations, durability, reading back, concurrency, crashes.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::thread;

use cpl::runtime::runlog::{
    AttemptStatus, Decision, DecisionKind, Durability, RunFilter, RunId, RunLog, RunLogError, RunStatus,
    ServedDecision, ServedFilter, StepAttempt,
};
use cpl::runtime::slo;
use jiff::Timestamp;
use serde_json::json;

/// A clock the test moves by hand, starting at 2026-11-22T10:00:00Z.
#[derive(Clone)]
struct Clock(Arc<AtomicI64>);

const T0: i64 = 1_795_341_600_000;

impl Clock {
    fn new() -> Clock {
        Clock(Arc::new(AtomicI64::new(T0)))
    }

    fn now(&self) -> Timestamp {
        Timestamp::from_millisecond(self.0.load(Ordering::SeqCst)).unwrap()
    }

    fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

fn open_with(path: &Path, clock: &Clock) -> RunLog {
    let clock = clock.clone();
    RunLog::open(path).unwrap().with_clock(move || clock.now())
}

fn at(ms_after_t0: i64) -> Timestamp {
    Timestamp::from_millisecond(T0 + ms_after_t0).unwrap()
}

fn attempt(step: &str, n: u32, status: AttemptStatus, start: i64, end: i64) -> StepAttempt {
    StepAttempt {
        step: step.into(),
        attempt: n,
        status,
        started_at: at(start),
        ended_at: at(end),
        output: None,
        error: None,
        stderr: None,
        reason: None,
    }
}

#[test]
fn opening_twice_migrates_once_and_uses_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dirs/runs.db");
    let first = RunLog::open(&path).unwrap();
    let id = first.start_run("wf", &json!({})).unwrap();
    drop(first);
    let second = RunLog::open(&path).unwrap();
    assert!(second.get_run(&id).unwrap().is_some(), "reopening kept the data");

    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, RunLog::schema_version());
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(tables, ["decisions", "runs", "served_decisions", "step_attempts"]);
}

#[test]
fn a_newer_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.db");
    drop(RunLog::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = RunLog::open(&path).unwrap_err();
    assert!(matches!(err, RunLogError::TooNew { found: 99, .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "the run log `{}` has schema version 99 but this cpl knows only up to {}; \
             use a newer cpl or another run log",
            path.display(),
            RunLog::schema_version()
        )
    );
}

#[test]
fn a_run_reads_back_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::new();
    let log = open_with(&dir.path().join("runs.db"), &clock);
    let args = json!({ "model": "fraud_v3", "drift": 0.22, "token": "[redacted]" });
    let id = log.start_run("fraud_drift_management", &args).unwrap();
    assert!(id.as_str().starts_with("20261122T100000000Z-"), "{id}");

    let mut check = attempt("check", 1, AttemptStatus::Succeeded, 0, 5);
    check.output = Some(json!({ "denied": true, "violations": [{ "message": "drift" }] }));
    log.record_attempt(&id, &check).unwrap();
    log.record_decision(
        &id,
        &Decision {
            step: "check".into(),
            policy: "fraud_max_drift".into(),
            outcome: "deny".into(),
            detail: json!({ "violations": [{ "message": "drift 0.22 > 0.1" }] }),
        },
    )
    .unwrap();
    let mut failed = attempt("retrain", 1, AttemptStatus::Failed, 10, 40);
    failed.error = Some("`POST http://atlas/retrain` answered with status 500".into());
    log.record_attempt(&id, &failed).unwrap();
    let mut slow = attempt("retrain", 2, AttemptStatus::TimedOut, 50, 1050);
    slow.error = Some("timed out".into());
    // The second attempt of `summary` is recorded before the first: order is by number.
    let mut summary2 = attempt("summary", 2, AttemptStatus::Succeeded, 1400, 1500);
    summary2.output = Some(json!({ "text": "retraining started" }));
    summary2.stderr = Some("loading model\n".into());
    let mut summary1 = attempt("summary", 1, AttemptStatus::Failed, 1100, 1200);
    summary1.stderr = Some("Traceback…".into());
    log.record_attempt(&id, &summary2).unwrap();
    log.record_attempt(&id, &summary1).unwrap();
    log.record_attempt(&id, &slow).unwrap();
    let mut skipped = attempt("notify", 1, AttemptStatus::Skipped, 1060, 1060);
    skipped.reason = Some("`when` was false".into());
    log.record_attempt(&id, &skipped).unwrap();
    clock.advance(1600);
    log.finish_run(&id, RunStatus::Succeeded, None).unwrap();

    let run = log.get_run(&id).unwrap().expect("the run is there");
    assert_eq!(run.summary.id, id);
    assert_eq!(run.summary.workflow, "fraud_drift_management");
    assert_eq!(run.summary.status, RunStatus::Succeeded);
    assert_eq!(run.summary.started_at, at(0));
    assert_eq!(run.summary.ended_at, Some(at(1600)));
    assert_eq!(run.summary.duration_ms, Some(1600));
    assert_eq!(run.summary.error, None);
    assert_eq!(run.args, args);

    let steps: Vec<&str> = run.steps.iter().map(|s| s.step.as_str()).collect();
    assert_eq!(steps, ["check", "retrain", "notify", "summary"]);
    let check_step = &run.steps[0];
    assert_eq!(check_step.attempts, [check]);
    let retrain = &run.steps[1];
    assert_eq!(retrain.attempts, [failed, slow]);
    assert_eq!(retrain.status(), Some(AttemptStatus::TimedOut));
    assert_eq!(retrain.attempts[1].duration_ms(), 1000);
    assert_eq!(run.steps[2].attempts, [skipped]);
    assert_eq!(run.steps[2].status(), Some(AttemptStatus::Skipped));
    assert_eq!(run.steps[3].attempts, [summary1, summary2]);

    assert_eq!(run.decisions.len(), 1);
    assert_eq!(run.decisions[0].policy, "fraud_max_drift");
    assert_eq!(run.decisions[0].outcome, "deny");
    assert_eq!(run.decisions[0].detail["violations"][0]["message"], "drift 0.22 > 0.1");

    assert!(log.get_run(&RunId::new("no-such-run")).unwrap().is_none());
}

#[test]
fn mistakes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = RunLog::open(&dir.path().join("runs.db")).unwrap();
    let id = log.start_run("wf", &json!({})).unwrap();
    let first = attempt("a", 1, AttemptStatus::Succeeded, 0, 1);
    log.record_attempt(&id, &first).unwrap();
    assert!(matches!(
        log.record_attempt(&id, &first),
        Err(RunLogError::DuplicateAttempt { attempt: 1, .. })
    ));
    assert!(matches!(
        log.record_attempt(&id, &attempt("a", 0, AttemptStatus::Failed, 0, 1)),
        Err(RunLogError::InvalidAttempt { .. })
    ));
    let ghost = RunId::new("ghost");
    assert!(matches!(
        log.record_attempt(&ghost, &first),
        Err(RunLogError::UnknownRun(_))
    ));
    assert!(matches!(
        log.finish_run(&ghost, RunStatus::Failed, None),
        Err(RunLogError::UnknownRun(_))
    ));
    assert!(matches!(
        log.finish_run(&id, RunStatus::Running, None),
        Err(RunLogError::NotAnEnd)
    ));
    log.finish_run(&id, RunStatus::Failed, Some("step `a` failed")).unwrap();
    let again = log.finish_run(&id, RunStatus::Succeeded, None).unwrap_err();
    assert_eq!(again.to_string(), format!("run `{id}` has already finished"));
    assert!(matches!(
        log.record_attempt(&id, &attempt("b", 1, AttemptStatus::Succeeded, 0, 1)),
        Err(RunLogError::AlreadyFinished(_))
    ));
    let run = log.get_run(&id).unwrap().unwrap();
    assert_eq!(run.summary.status, RunStatus::Failed);
    assert_eq!(run.summary.error.as_deref(), Some("step `a` failed"));
    assert_eq!(run.steps.len(), 1);
}

#[test]
fn runs_list_newest_first_and_filter() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::new();
    let log = open_with(&dir.path().join("runs.db"), &clock);
    let mut ids = Vec::new();
    for (workflow, outcome) in [
        ("drift", Some(RunStatus::Succeeded)),
        ("drift", Some(RunStatus::Failed)),
        ("review", Some(RunStatus::Succeeded)),
        ("drift", None),
        ("drift", Some(RunStatus::Succeeded)),
    ] {
        let id = log.start_run(workflow, &json!({})).unwrap();
        clock.advance(100);
        if let Some(status) = outcome {
            log.finish_run(&id, status, None).unwrap();
        }
        clock.advance(1000);
        ids.push(id);
    }
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(sorted, ids, "ids sort in start order");

    let all = log.list_runs(&RunFilter::default()).unwrap().runs;
    let listed: Vec<_> = all.iter().map(|r| r.id.clone()).collect();
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(listed, newest_first);

    let drift = log
        .list_runs(&RunFilter {
            workflow: Some("drift".into()),
            ..RunFilter::default()
        })
        .unwrap()
        .runs;
    assert_eq!(drift.len(), 4);
    assert!(drift.iter().all(|r| r.workflow == "drift"));

    let ok_drift = log
        .list_runs(&RunFilter {
            workflow: Some("drift".into()),
            status: Some(RunStatus::Succeeded),
            limit: None,
        })
        .unwrap()
        .runs;
    let ok_ids: Vec<_> = ok_drift.iter().map(|r| r.id.clone()).collect();
    assert_eq!(ok_ids, [ids[4].clone(), ids[0].clone()]);

    let latest = log
        .list_runs(&RunFilter {
            limit: Some(2),
            ..RunFilter::default()
        })
        .unwrap()
        .runs;
    assert_eq!(latest.len(), 2);
    assert_eq!(latest[0].id, ids[4]);

    // The run that never finished is listed as running, with no end.
    let running = log
        .list_runs(&RunFilter {
            status: Some(RunStatus::Running),
            ..RunFilter::default()
        })
        .unwrap()
        .runs;
    assert_eq!(running.len(), 1);
    assert_eq!(running[0].id, ids[3]);
    assert_eq!(running[0].ended_at, None);
    assert_eq!(running[0].duration_ms, None);
    assert!(!running[0].status.is_finished());
}

#[test]
fn window_stats_feed_the_slo_math() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::new();
    let log = open_with(&dir.path().join("runs.db"), &clock);
    // One old run, then four in the window (one still running), one of another workflow.
    let run = |workflow: &str, took: i64, status: Option<RunStatus>| {
        let id = log.start_run(workflow, &json!({})).unwrap();
        clock.advance(took);
        if let Some(status) = status {
            log.finish_run(&id, status, None).unwrap();
        }
        clock.advance(10);
    };
    run("drift", 99_000, Some(RunStatus::Failed));
    let since = clock.now();
    run("drift", 2_000, Some(RunStatus::Succeeded));
    run("drift", 3_000, Some(RunStatus::Failed));
    run("drift", 1_000, Some(RunStatus::Succeeded));
    run("drift", 50, None);
    run("review", 7_000, Some(RunStatus::Succeeded));

    let stats = log.window_stats("drift", since).unwrap();
    assert_eq!(
        stats,
        [
            (RunStatus::Succeeded, 2_000),
            (RunStatus::Failed, 3_000),
            (RunStatus::Succeeded, 1_000),
        ]
    );
    let measured = slo::measure(&stats);
    assert_eq!(measured.runs, 3);
    assert_eq!(measured.success_rate, Some(2.0 / 3.0));
    assert_eq!(measured.p50_duration, cpl::time::Duration::from_millis(2_000));
    assert_eq!(measured.p95_duration, cpl::time::Duration::from_millis(3_000));
    assert!(log.window_stats("nothing", since).unwrap().is_empty());
}

#[test]
fn concurrent_writers_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.db");
    let shared = Arc::new(RunLog::open(&path).unwrap());
    const THREADS: usize = 6;
    const STEPS: u32 = 15;
    let write = |log: &RunLog, t: usize| {
        let id = log.start_run(&format!("wf{}", t % 2), &json!({ "thread": t })).unwrap();
        for n in 1..=STEPS {
            let mut a = attempt(&format!("s{n}"), 1, AttemptStatus::Succeeded, 0, 1);
            a.output = Some(json!({ "thread": t, "step": n }));
            log.record_attempt(&id, &a).unwrap();
        }
        log.finish_run(&id, RunStatus::Succeeded, None).unwrap();
        id
    };
    let ids: Vec<RunId> = thread::scope(|scope| {
        let mut handles = Vec::new();
        // Half share one `RunLog`; half open their own connection to the same file.
        for t in 0..THREADS {
            let shared = Arc::clone(&shared);
            let path = path.clone();
            handles.push(scope.spawn(move || {
                if t % 2 == 0 {
                    write(&shared, t)
                } else {
                    write(&RunLog::open(&path).unwrap(), t)
                }
            }));
        }
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let all = shared.list_runs(&RunFilter::default()).unwrap().runs;
    assert_eq!(all.len(), THREADS);
    assert!(all.iter().all(|r| r.status == RunStatus::Succeeded));
    for (t, id) in ids.iter().enumerate() {
        let run = shared.get_run(id).unwrap().unwrap();
        assert_eq!(run.args, json!({ "thread": t }));
        assert_eq!(run.steps.len(), STEPS as usize);
        for step in &run.steps {
            assert_eq!(step.attempts[0].output.as_ref().unwrap()["thread"], t);
        }
    }
}

fn _run_log_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<RunLog>();
}

/// The environment variable that makes [`crash_child`] do its work.
const CRASH_DB: &str = "CPL_TEST_RUNLOG_CRASH_DB";

/// Not a test of its own: the body of the child process that
/// [`a_killed_process_leaves_an_unfinished_run`] starts. It records a run with two
/// attempts and aborts without finishing it. Without the variable it does nothing.
#[test]
fn crash_child() {
    let Ok(path) = std::env::var(CRASH_DB) else {
        return;
    };
    let log = RunLog::open(Path::new(&path)).unwrap();
    let id = log.start_run("drift", &json!({ "model": "fraud_v3" })).unwrap();
    let mut first = attempt("retrain", 1, AttemptStatus::Failed, 0, 10);
    first.error = Some("connection refused".into());
    log.record_attempt(&id, &first).unwrap();
    let mut second = attempt("retrain", 2, AttemptStatus::Succeeded, 20, 30);
    second.output = Some(json!({ "run_id": "run-42" }));
    log.record_attempt(&id, &second).unwrap();
    std::process::abort();
}

#[test]
fn a_killed_process_leaves_an_unfinished_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.db");
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["runlog::crash_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CRASH_DB, &path)
        .output()
        .unwrap();
    assert!(!output.status.success(), "the child should have aborted");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            output.status.signal(),
            Some(6),
            "killed by SIGABRT; stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    let log = RunLog::open(&path).unwrap();
    let runs = log.list_runs(&RunFilter::default()).unwrap().runs;
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, RunStatus::Running);
    assert_eq!(runs[0].ended_at, None);
    let run = log.get_run(&runs[0].id).unwrap().unwrap();
    assert_eq!(run.args, json!({ "model": "fraud_v3" }));
    assert_eq!(run.steps.len(), 1);
    let attempts = &run.steps[0].attempts;
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0].error.as_deref(), Some("connection refused"));
    assert_eq!(attempts[1].output, Some(json!({ "run_id": "run-42" })));
    // And the interrupted run can still be closed by whoever cleans up.
    log.finish_run(&run.summary.id, RunStatus::Failed, Some("interrupted"))
        .unwrap();
}

/// Processes that start together on a log that does not exist yet all open it: the first
/// to take the write lock creates and migrates it, the others wait for it.
#[test]
fn many_openers_of_a_new_log_all_succeed() {
    for round in 0..40 {
        let dir = tempfile::tempdir().unwrap();
        let path = Arc::new(dir.path().join(format!("round-{round}/runs.db")));
        let barrier = Arc::new(std::sync::Barrier::new(6));
        let openers: Vec<_> = (0..6)
            .map(|_| {
                let (path, barrier) = (Arc::clone(&path), Arc::clone(&barrier));
                thread::spawn(move || {
                    barrier.wait();
                    let log = RunLog::open(&path)?;
                    log.start_run("w", &json!({})).map(|_| ())
                })
            })
            .collect();
        for opener in openers {
            opener.join().unwrap().unwrap_or_else(|e| panic!("round {round}: {e}"));
        }
    }
}

/// A file that is not a database, and one whose pages were overwritten, are refused on
/// open with their path.
#[test]
fn a_damaged_log_is_reported_on_open_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.db");
    std::fs::write(
        &path,
        "this is not a database, but it is long enough to have a header......",
    )
    .unwrap();
    for open in [RunLog::open, RunLog::open_read_only] {
        match open(&path) {
            Err(e @ RunLogError::Damaged { .. }) => assert!(e.to_string().contains("runs.db"), "{e}"),
            other => panic!("expected a damaged log, got {other:?}"),
        }
    }

    // A real log whose table pages are then overwritten.
    let path = dir.path().join("overwritten.db");
    {
        let log = RunLog::open(&path).unwrap();
        for n in 0..200 {
            let run = log.start_run(&format!("workflow-{n}"), &json!({ "n": n })).unwrap();
            log.finish_run(&run, RunStatus::Succeeded, None).unwrap();
        }
    }
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 3 * 4096, "the log spans several pages");
    for byte in &mut bytes[4096 + 100..3 * 4096] {
        *byte = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    match RunLog::open_read_only(&path) {
        Err(e @ RunLogError::Damaged { .. }) => assert!(e.to_string().contains("overwritten.db"), "{e}"),
        other => panic!("expected a damaged log, got {other:?}"),
    }
}

/// A file that is not already a run log is never made one: an empty file, another
/// program's SQLite database, a directory, a named pipe. Each is left as it was.
#[test]
fn a_foreign_file_is_never_made_a_run_log() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, "").unwrap();
    let foreign = dir.path().join("other.db");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE notes (body TEXT);")
        .unwrap();
    let before = std::fs::read(&foreign).unwrap();
    let folder = dir.path().join("folder");
    std::fs::create_dir(&folder).unwrap();
    let mut refused = vec![
        (empty.clone(), "it is an empty file"),
        (foreign.clone(), "another program's SQLite database"),
        (folder, "not a regular file"),
    ];
    #[cfg(unix)]
    {
        let pipe = dir.path().join("pipe.db");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&pipe)
                .status()
                .unwrap()
                .success()
        );
        refused.push((pipe, "not a regular file"));
    }
    for (path, why) in refused {
        match RunLog::open(&path) {
            Err(e @ RunLogError::Damaged { .. }) => assert!(e.to_string().contains(why), "{e}"),
            other => panic!("{}: expected a refusal, got {other:?}", path.display()),
        }
    }
    assert_eq!(std::fs::read(&empty).unwrap(), b"");
    assert_eq!(std::fs::read(&foreign).unwrap(), before);
    // A new log is created whole: no half-made file is left beside it.
    let fresh = dir.path().join("logs/runs.db");
    RunLog::open(&fresh).unwrap();
    let names: Vec<_> = std::fs::read_dir(dir.path().join("logs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".new-"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

/// One row this binary cannot read (a status it does not know, written past the
/// table's checks; a time out of range) is set apart; the other runs are still listed.
#[test]
fn a_bad_row_is_reported_and_the_others_listed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.db");
    let clock = Clock::new();
    let log = open_with(&path, &clock);
    for n in 0..4 {
        let run = log.start_run(&format!("w{n}"), &json!({})).unwrap();
        clock.advance(1000);
        log.finish_run(&run, RunStatus::Succeeded, None).unwrap();
    }
    drop(log);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA ignore_check_constraints = ON").unwrap();
    conn.execute("UPDATE runs SET status = 'exploded' WHERE workflow = 'w1'", [])
        .unwrap();
    conn.execute(
        "UPDATE runs SET ended_at = 9223372036854775807 WHERE workflow = 'w2'",
        [],
    )
    .unwrap();
    drop(conn);
    let listing = RunLog::open_read_only(&path)
        .unwrap()
        .list_runs(&RunFilter::default())
        .unwrap();
    let listed: Vec<&str> = listing.runs.iter().map(|r| r.workflow.as_str()).collect();
    assert_eq!(listed, ["w3", "w0"]);
    assert_eq!(listing.unreadable.len(), 2, "{:?}", listing.unreadable);
    assert!(
        listing.unreadable.iter().any(|e| e.to_string().contains("exploded")),
        "{:?}",
        listing.unreadable
    );
}

/// Opened read-only, a log is never written: one of an older schema is refused, not
/// upgraded, and a current one reads as usual.
#[test]
fn a_read_only_open_never_writes() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.db");
    rusqlite::Connection::open(&old)
        .unwrap()
        .execute_batch("CREATE TABLE unrelated (x INTEGER);")
        .unwrap();
    let before = std::fs::read(&old).unwrap();
    match RunLog::open_read_only(&old) {
        Err(e @ RunLogError::TooOld { .. }) => assert!(e.to_string().contains("cpl run"), "{e}"),
        other => panic!("expected an old log, got {other:?}"),
    }
    assert_eq!(std::fs::read(&old).unwrap(), before, "the file is unchanged");
    assert!(RunLog::open_read_only(&dir.path().join("missing.db")).is_err());
    assert!(
        !dir.path().join("missing.db").exists(),
        "a read-only open creates nothing"
    );
}

fn served(kind: DecisionKind, name: &str, outcome: &str) -> ServedDecision {
    ServedDecision {
        kind,
        name: name.to_string(),
        outcome: outcome.to_string(),
        project_version: "3f9a1c2b0d4e5f60".to_string(),
        request: json!({ "context": { "tenant": { "id": "t1" } } }),
        result: json!({ "value": true, "reason": outcome }),
    }
}

/// Served decisions come back newest first, whole, and each filter narrows them.
#[test]
fn served_decisions_are_listed_newest_first_and_filtered() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Clock::new();
    let log = open_with(&dir.path().join("runs.db"), &clock);
    let appended = [
        served(DecisionKind::Policy, "agent_ownership", "deny"),
        served(DecisionKind::Flag, "new-ai-model", "TARGETING_MATCH"),
        served(DecisionKind::Gate, "registry_valid", "passed"),
        served(DecisionKind::Flag, "new-ai-model", "DEFAULT"),
    ];
    for decision in &appended {
        log.append_served(decision, Durability::Committed).unwrap();
        clock.advance(1000);
    }
    let all = log.served(&ServedFilter::default()).unwrap();
    let names: Vec<&str> = all.iter().map(|r| r.decision.outcome.as_str()).collect();
    assert_eq!(names, ["DEFAULT", "passed", "TARGETING_MATCH", "deny"]);
    assert_eq!(all[3].decision, appended[0], "stored whole");
    assert_eq!(all[3].at, at(0));
    let flags = ServedFilter {
        kind: Some(DecisionKind::Flag),
        ..ServedFilter::default()
    };
    assert_eq!(log.served(&flags).unwrap().len(), 2);
    let one = ServedFilter {
        name: Some("new-ai-model".into()),
        outcome: Some("DEFAULT".into()),
        ..ServedFilter::default()
    };
    assert_eq!(log.served(&one).unwrap().len(), 1);
    let recent = ServedFilter {
        since: Some(at(2000)),
        limit: Some(1),
        ..ServedFilter::default()
    };
    let recent = log.served(&recent).unwrap();
    assert_eq!(recent.len(), 1);
    assert_eq!(recent[0].decision.outcome, "DEFAULT");
}

/// A batch of served decisions is appended in one transaction, in order.
#[test]
fn served_decisions_are_appended_in_batches() {
    let dir = tempfile::tempdir().unwrap();
    let log = RunLog::open(&dir.path().join("runs.db")).unwrap();
    let batch = [
        served(DecisionKind::Flag, "a", "STATIC"),
        served(DecisionKind::Flag, "b", "SPLIT"),
        served(DecisionKind::Policy, "c", "allow"),
    ];
    let last = log.append_served_all(&batch, Durability::Committed).unwrap();
    assert_eq!(last, 3);
    let listed = log.served(&ServedFilter::default()).unwrap();
    let names: Vec<&str> = listed.iter().map(|r| r.decision.name.as_str()).collect();
    assert_eq!(names, ["c", "b", "a"], "newest first");
}

/// A log of schema version 1 (before served decisions) is upgraded when opened for
/// writing, and read as it is, with no served decisions, when opened read-only.
#[test]
fn a_log_from_before_served_decisions_reads_and_upgrades() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.db");
    let id = RunLog::open(&path).unwrap().start_run("wf", &json!({})).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("DROP TABLE served_decisions; PRAGMA user_version = 1;")
        .unwrap();
    drop(conn);
    let reader = RunLog::open_read_only(&path).unwrap();
    assert!(reader.get_run(&id).unwrap().is_some());
    assert!(reader.served(&ServedFilter::default()).unwrap().is_empty());
    drop(reader);
    let writer = RunLog::open(&path).unwrap();
    writer
        .append_served(&served(DecisionKind::Gate, "g", "failed"), Durability::Synced)
        .unwrap();
    assert_eq!(writer.served(&ServedFilter::default()).unwrap().len(), 1);
}
