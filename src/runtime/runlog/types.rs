//! The records the run log stores and returns, and its error type.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use jiff::Timestamp;
use serde_json::Value;

/// The id of one run: its start time (UTC, to the millisecond) and 32 random bits,
/// e.g. `20261122T101530123Z-3f9a1c2b`. Ids sort in start order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunId(String);

impl RunId {
    /// Wraps an id read from elsewhere (a command line, a report); not validated.
    pub fn new(id: impl Into<String>) -> RunId {
        RunId(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A fresh id for a run starting at `at`.
    pub(super) fn generate(at: Timestamp) -> RunId {
        let t = jiff::tz::Offset::UTC.to_datetime(at);
        RunId(format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}{:03}Z-{:08x}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond(),
            random_u32(),
        ))
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// 32 bits that differ between calls, processes and machines, without a random crate:
/// std's `RandomState` is seeded from the operating system's generator.
fn random_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    if let Ok(since) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(since.as_nanos());
    }
    let bits = hasher.finish();
    (bits ^ (bits >> 32)) as u32
}

/// Where a run stands. A run that never finished (its process was killed) stays
/// `Running` forever: the log cannot know whether it is still going.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RunStatus {
    Running,
    Succeeded,
    Failed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
        }
    }

    pub fn is_finished(self) -> bool {
        self != RunStatus::Running
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RunStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<RunStatus, String> {
        match s {
            "running" => Ok(RunStatus::Running),
            "succeeded" => Ok(RunStatus::Succeeded),
            "failed" => Ok(RunStatus::Failed),
            other => Err(format!(
                "`{other}` is not a run status (one of running, succeeded, failed)"
            )),
        }
    }
}

/// How one attempt at a step ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttemptStatus {
    Succeeded,
    Failed,
    /// Not run: its `when` was false or a step it depends on did not succeed.
    Skipped,
    /// Stopped by the step's `timeout`.
    TimedOut,
}

impl AttemptStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptStatus::Succeeded => "succeeded",
            AttemptStatus::Failed => "failed",
            AttemptStatus::Skipped => "skipped",
            AttemptStatus::TimedOut => "timed_out",
        }
    }
}

impl fmt::Display for AttemptStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AttemptStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<AttemptStatus, String> {
        match s {
            "succeeded" => Ok(AttemptStatus::Succeeded),
            "failed" => Ok(AttemptStatus::Failed),
            "skipped" => Ok(AttemptStatus::Skipped),
            "timed_out" => Ok(AttemptStatus::TimedOut),
            other => Err(format!(
                "`{other}` is not a step status (one of succeeded, failed, skipped, timed_out)"
            )),
        }
    }
}

/// One attempt at one step, as recorded when it ends. A skipped step is recorded as
/// attempt 1 with status `Skipped`, equal start and end, and a `reason`.
#[derive(Clone, Debug, PartialEq)]
pub struct StepAttempt {
    pub step: String,
    /// 1 for the first try, 2 for the first retry, …
    pub attempt: u32,
    pub status: AttemptStatus,
    pub started_at: Timestamp,
    pub ended_at: Timestamp,
    /// The step's output (already redacted by the caller), when it succeeded.
    pub output: Option<Value>,
    pub error: Option<String>,
    /// What an `exec` connector wrote to standard error, possibly truncated.
    pub stderr: Option<String>,
    /// Why the step was skipped.
    pub reason: Option<String>,
}

impl StepAttempt {
    /// Milliseconds from start to end; 0 if the clock went backwards.
    pub fn duration_ms(&self) -> u64 {
        millis_between(self.started_at, self.ended_at)
    }
}

fn millis_between(start: Timestamp, end: Timestamp) -> u64 {
    let ms = end.as_millisecond().saturating_sub(start.as_millisecond());
    u64::try_from(ms).unwrap_or(0)
}

/// Every attempt at one step, in attempt order.
#[derive(Clone, Debug, PartialEq)]
pub struct StepRecord {
    pub step: String,
    pub attempts: Vec<StepAttempt>,
}

impl StepRecord {
    /// The step's outcome: that of its last attempt.
    pub fn status(&self) -> Option<AttemptStatus> {
        self.attempts.last().map(|a| a.status)
    }
}

/// A policy decision taken during a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// The step that asked for it.
    pub step: String,
    pub policy: String,
    /// The evaluator's verdict, e.g. `allow` or `deny`.
    pub outcome: String,
    /// The whole decision with its violations, as the evaluator renders it.
    pub detail: Value,
}

/// One line of `cpl runs`.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSummary {
    pub id: RunId,
    pub workflow: String,
    pub status: RunStatus,
    pub started_at: Timestamp,
    /// `None` while running, or when the process died before finishing the run.
    pub ended_at: Option<Timestamp>,
    pub duration_ms: Option<u64>,
    pub error: Option<String>,
}

/// A run with everything recorded about it.
#[derive(Clone, Debug, PartialEq)]
pub struct RunDetail {
    pub summary: RunSummary,
    /// The arguments as the caller recorded them (secrets already redacted).
    pub args: Value,
    /// Steps in the order their first attempt started.
    pub steps: Vec<StepRecord>,
    /// Decisions in the order they were recorded.
    pub decisions: Vec<Decision>,
}

/// What [`super::RunLog::list_runs`] found: the runs it could read, newest first, and a
/// problem for each row it could not.
#[derive(Debug, Default)]
pub struct RunListing {
    pub runs: Vec<RunSummary>,
    pub unreadable: Vec<RunLogError>,
}

/// Which runs [`super::RunLog::list_runs`] returns, newest first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunFilter {
    pub workflow: Option<String>,
    pub status: Option<RunStatus>,
    /// At most this many; all when `None`.
    pub limit: Option<usize>,
}

/// What can go wrong with the run log.
#[derive(Debug)]
pub enum RunLogError {
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The new log, built beside its path, could not be put in place.
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    /// The file cannot be switched to write-ahead logging (some network filesystems).
    NoWal {
        path: PathBuf,
        mode: String,
    },
    /// Written by a newer cpl: refusing beats corrupting it.
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    Migration {
        version: i64,
        source: rusqlite::Error,
    },
    Database {
        action: &'static str,
        source: rusqlite::Error,
    },
    UnknownRun(RunId),
    /// The run already has an end; it cannot be finished again or get more attempts.
    AlreadyFinished(RunId),
    DuplicateAttempt {
        run: RunId,
        step: String,
        attempt: u32,
    },
    /// Attempt numbers start at 1.
    InvalidAttempt {
        step: String,
    },
    /// `finish_run` was asked to finish a run as `running`.
    NotAnEnd,
    /// A value in the database is not what this binary wrote.
    Corrupt(String),
    /// The file is not an SQLite database, or SQLite finds its pages damaged.
    Damaged {
        path: PathBuf,
        detail: String,
    },
    /// Written by an older cpl, and opened read-only, so it cannot be upgraded.
    TooOld {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
}

impl RunLogError {
    /// Whether another process held the database's lock past the wait.
    pub fn is_busy(&self) -> bool {
        let source = match self {
            RunLogError::Open { source, .. }
            | RunLogError::Migration { source, .. }
            | RunLogError::Database { source, .. } => source,
            _ => return false,
        };
        matches!(
            source.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    }
}

impl fmt::Display for RunLogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunLogError::CreateDir { path, source } => write!(
                f,
                "cannot create the run log's directory `{}`: {source}",
                path.display()
            ),
            RunLogError::Create { path, source } => {
                write!(f, "cannot create the run log `{}`: {source}", path.display())
            }
            RunLogError::Open { path, source } => {
                write!(f, "cannot open the run log `{}`: {source}", path.display())
            }
            RunLogError::NoWal { path, mode } => write!(
                f,
                "the run log `{}` cannot use write-ahead logging (journal mode stayed `{mode}`)",
                path.display()
            ),
            RunLogError::TooNew { path, found, supported } => write!(
                f,
                "the run log `{}` has schema version {found} but this cpl knows only up to \
                 {supported}; use a newer cpl or another run log",
                path.display()
            ),
            RunLogError::Migration { version, source } => {
                write!(f, "cannot upgrade the run log to schema version {version}: {source}")
            }
            RunLogError::Database { action, source } => {
                write!(f, "cannot {action} in the run log: {source}")
            }
            RunLogError::UnknownRun(id) => write!(f, "no run `{id}` in the run log"),
            RunLogError::AlreadyFinished(id) => write!(f, "run `{id}` has already finished"),
            RunLogError::DuplicateAttempt { run, step, attempt } => {
                write!(f, "run `{run}` already has attempt {attempt} of step `{step}`")
            }
            RunLogError::InvalidAttempt { step } => {
                write!(f, "step `{step}` has attempt 0, but attempts count from 1")
            }
            RunLogError::NotAnEnd => f.write_str("a run cannot finish with status `running`"),
            RunLogError::Corrupt(what) => write!(f, "the run log holds an unexpected value: {what}"),
            RunLogError::Damaged { path, detail } => write!(
                f,
                "the run log `{}` is damaged or is not a run log: {detail}",
                path.display()
            ),
            RunLogError::TooOld { path, found, supported } => write!(
                f,
                "the run log `{}` has schema version {found}, older than this cpl's {supported}, \
                 and is read-only here; run `cpl run` once with write access to upgrade it",
                path.display()
            ),
        }
    }
}

impl std::error::Error for RunLogError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RunLogError::CreateDir { source, .. } | RunLogError::Create { source, .. } => Some(source),
            RunLogError::Open { source, .. }
            | RunLogError::Migration { source, .. }
            | RunLogError::Database { source, .. } => Some(source),
            _ => None,
        }
    }
}
