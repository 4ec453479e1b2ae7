//! `cpl run` killed or interrupted half-way, with a step asleep in a child process:
//! what the run log says afterwards, and what becomes of the child.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cpl::runtime::runlog::{AttemptStatus, RunFilter, RunLog, RunStatus};

const PROJECT: &str = r#"
connector tools {
  kind exec
  command ["sh", "nap.sh"]
  action nap() -> { slept: bool }
}

workflow sleepy() {
  step first = log("starting")
  step nap = tools.nap() after first
  step woke = log("woke: {nap.slept}")
  step last = log("done") always after nap
}
"#;

/// Records its pid, then sleeps far longer than any test waits.
const NAP_SH: &str = "echo $$ > nap.pid\nexec sleep 60\n";

struct Started {
    _dir: tempfile::TempDir,
    root: PathBuf,
    cpl: Child,
    /// The sleeping step's process.
    nap: String,
}

fn start() -> Started {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    std::fs::write(root.join("main.cp"), PROJECT).unwrap();
    std::fs::write(root.join("nap.sh"), NAP_SH).unwrap();
    let cpl = Command::new(env!("CARGO_BIN_EXE_cpl"))
        .args(["run", "sleepy", "--project"])
        .arg(&root)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(root.join("stderr.txt")).unwrap())
        .spawn()
        .unwrap();
    let pid_file = root.join("nap.pid");
    let until = Instant::now() + Duration::from_secs(30);
    let nap = loop {
        if let Ok(text) = std::fs::read_to_string(&pid_file)
            && !text.trim().is_empty()
        {
            break text.trim().to_owned();
        }
        assert!(
            Instant::now() < until,
            "the sleeping step never started: {}",
            std::fs::read_to_string(root.join("stderr.txt")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    Started {
        _dir: dir,
        root,
        cpl,
        nap,
    }
}

fn alive(pid: &str) -> bool {
    Command::new("kill")
        .args(["-0", pid])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args(["-s", name, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn only_run(root: &Path) -> cpl::runtime::runlog::RunDetail {
    let log = RunLog::open(&root.join(".cpl/runs.db")).unwrap();
    let runs = log.list_runs(&RunFilter::default()).unwrap().runs;
    assert_eq!(runs.len(), 1, "{runs:?}");
    log.get_run(&runs[0].id).unwrap().unwrap()
}

#[test]
fn a_killed_run_stays_unfinished_with_its_completed_steps() {
    let mut started = start();
    started.cpl.kill().unwrap();
    started.cpl.wait().unwrap();
    let detail = only_run(&started.root);
    assert_eq!(detail.summary.status, RunStatus::Running);
    assert_eq!(detail.summary.ended_at, None);
    assert_eq!(detail.summary.duration_ms, None);
    // `first` ended before the kill and is intact; `nap` was in flight: no attempt.
    assert_eq!(detail.steps.len(), 1, "{:?}", detail.steps);
    assert_eq!(detail.steps[0].step, "first");
    assert_eq!(detail.steps[0].attempts[0].status, AttemptStatus::Succeeded);
    assert_eq!(detail.steps[0].attempts[0].output, Some(serde_json::json!("starting")));
    // A killed cpl cannot stop its children: end the orphan here.
    let _ = Command::new("kill").args(["-s", "KILL", &started.nap]).status();
}

#[test]
fn an_interrupted_run_kills_its_children_and_is_recorded_as_failed() {
    let mut started = start();
    let at = Instant::now();
    signal(started.cpl.id(), "INT");
    let status = started.cpl.wait().unwrap();
    assert_eq!(status.code(), Some(1));
    assert!(at.elapsed() < Duration::from_secs(10), "{:?}", at.elapsed());
    let until = Instant::now() + Duration::from_secs(5);
    while alive(&started.nap) {
        assert!(Instant::now() < until, "the step's process {} survived", started.nap);
        std::thread::sleep(Duration::from_millis(20));
    }
    let detail = only_run(&started.root);
    assert_eq!(detail.summary.status, RunStatus::Failed);
    assert_eq!(detail.summary.error.as_deref(), Some("the run was interrupted"));
    let steps: Vec<(&str, Option<AttemptStatus>)> =
        detail.steps.iter().map(|s| (s.step.as_str(), s.status())).collect();
    assert_eq!(
        steps,
        [
            ("first", Some(AttemptStatus::Succeeded)),
            ("nap", Some(AttemptStatus::Failed)),
            ("woke", Some(AttemptStatus::Skipped)),
            ("last", Some(AttemptStatus::Skipped)),
        ]
    );
    let nap = &detail.steps[1].attempts[0];
    assert_eq!(
        nap.error.as_deref(),
        Some("`sh nap.sh nap` was stopped: the run was interrupted")
    );
    assert_eq!(
        detail.steps[2].attempts[0].reason.as_deref(),
        Some("the run was interrupted before it started")
    );
}

#[test]
fn a_terminated_run_says_so() {
    let mut started = start();
    signal(started.cpl.id(), "TERM");
    assert_eq!(started.cpl.wait().unwrap().code(), Some(1));
    let detail = only_run(&started.root);
    assert_eq!(detail.summary.error.as_deref(), Some("the run was terminated"));
    assert!(
        !alive(&started.nap) || {
            std::thread::sleep(Duration::from_millis(500));
            !alive(&started.nap)
        }
    );
}
