//! The run log: every workflow run, each attempt at each step, and every policy
//! decision, in an embedded SQLite database (one file, `rusqlite` with bundled SQLite).
//!
//! Storage choices, so that the file reads well with the `sqlite3` shell too:
//! - **Times are unix milliseconds, UTC, as `INTEGER`.** They compare and subtract
//!   exactly, and SLO windows are a range scan; `datetime(started_at / 1000,
//!   'unixepoch')` shows them as text. The API speaks [`jiff::Timestamp`].
//! - **Every write is committed before the method returns.** A run's row is written by
//!   [`RunLog::start_run`] and each attempt by [`RunLog::record_attempt`] as it ends, so a
//!   process killed half-way leaves a run that is visibly unfinished (status `running`,
//!   no end time) with the attempts it had made. Nothing marks such a run "interrupted":
//!   another process may still be running it, and the log cannot tell.
//! - **WAL with `synchronous=FULL`.** WAL lets `cpl runs` read while a run writes.
//!   `NORMAL` would already survive a killed process, but a power cut could lose the
//!   last commits; a run log is an audit record, and with a handful of writes per step
//!   (each after a network or process call) the extra fsync costs nothing noticeable.
//! - **Versioned migrations** in [`schema`], tracked in `PRAGMA user_version`; a file
//!   written by a newer cpl is refused rather than misread.
//! - **One connection behind a mutex**, so a [`RunLog`] is `Send + Sync` and the
//!   executor's concurrent steps can share it through an `Arc`. Other processes share
//!   the file through SQLite's locking, waiting up to [`BUSY_TIMEOUT`] for each other.

mod recorder;
mod schema;
mod served;
mod types;

pub use recorder::{Memory, MemoryRecorder, MemoryRun, RunRecorder};
pub use served::{DecisionKind, ServedDecision, ServedFilter, ServedRecord};
pub use types::{
    AttemptStatus, Decision, RunDetail, RunFilter, RunId, RunListing, RunLogError, RunStatus, RunSummary, StepAttempt,
    StepRecord,
};

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use jiff::Timestamp;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, Row, TransactionBehavior, params};
use serde_json::Value;

/// How long a write waits for another process holding the database lock.
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// An open run log. Cheap to share: wrap it in an `Arc`.
pub struct RunLog {
    conn: Mutex<Connection>,
    path: PathBuf,
    clock: Clock,
    /// Whether the connection is at `synchronous=FULL` (else `NORMAL`); changed only
    /// while the connection's lock is held.
    synced: AtomicBool,
}

/// How durable a write is when the method that makes it returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Durability {
    /// Committed and flushed to disk (`synchronous=FULL`): survives a power cut.
    Synced,
    /// Committed (`synchronous=NORMAL` in WAL mode): survives the process being killed,
    /// and reaches the disk with the next [`Synced`](Durability::Synced) write. A power
    /// cut can lose it, and only with every write after it: the log always holds a
    /// prefix of what was written.
    Committed,
}

impl fmt::Debug for RunLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunLog").field("path", &self.path).finish()
    }
}

fn db(action: &'static str) -> impl Fn(rusqlite::Error) -> RunLogError {
    move |source| RunLogError::Database { action, source }
}

fn is_constraint_violation(error: &rusqlite::Error) -> bool {
    matches!(error, rusqlite::Error::SqliteFailure(e, _) if e.code == ErrorCode::ConstraintViolation)
}

fn timestamp(ms: i64) -> Result<Timestamp, RunLogError> {
    Timestamp::from_millisecond(ms).map_err(|e| RunLogError::Corrupt(format!("`{ms}` is not a time: {e}")))
}

fn json(text: &str) -> Result<Value, RunLogError> {
    serde_json::from_str(text).map_err(|e| RunLogError::Corrupt(format!("stored JSON does not parse: {e}")))
}

fn millis(ms: i64) -> u64 {
    u64::try_from(ms).unwrap_or(0)
}

fn run_status(text: &str) -> Result<RunStatus, RunLogError> {
    text.parse().map_err(RunLogError::Corrupt)
}

const SUMMARY_COLUMNS: &str = "id, workflow, status, started_at, ended_at, duration_ms, error";

/// A `runs` row as stored, before its values are checked.
struct SummaryRow {
    id: String,
    workflow: String,
    status: String,
    started_at: i64,
    ended_at: Option<i64>,
    duration_ms: Option<i64>,
    error: Option<String>,
}

impl SummaryRow {
    fn read(row: &Row<'_>) -> rusqlite::Result<SummaryRow> {
        Ok(SummaryRow {
            id: row.get(0)?,
            workflow: row.get(1)?,
            status: row.get(2)?,
            started_at: row.get(3)?,
            ended_at: row.get(4)?,
            duration_ms: row.get(5)?,
            error: row.get(6)?,
        })
    }

    fn check(self) -> Result<RunSummary, RunLogError> {
        let in_row = |problem: RunLogError| match problem {
            RunLogError::Corrupt(what) => RunLogError::Corrupt(format!("run `{}`: {what}", self.id)),
            other => other,
        };
        Ok(RunSummary {
            status: run_status(&self.status).map_err(in_row)?,
            started_at: timestamp(self.started_at).map_err(in_row)?,
            ended_at: self.ended_at.map(timestamp).transpose().map_err(in_row)?,
            duration_ms: self.duration_ms.map(millis),
            id: RunId::new(self.id),
            workflow: self.workflow,
            error: self.error,
        })
    }
}

/// A `step_attempts` row as stored.
struct AttemptRow {
    step: String,
    attempt: i64,
    status: String,
    started_at: i64,
    ended_at: i64,
    output_json: Option<String>,
    error: Option<String>,
    stderr: Option<String>,
    reason: Option<String>,
}

impl AttemptRow {
    fn read(row: &Row<'_>) -> rusqlite::Result<AttemptRow> {
        Ok(AttemptRow {
            step: row.get(0)?,
            attempt: row.get(1)?,
            status: row.get(2)?,
            started_at: row.get(3)?,
            ended_at: row.get(4)?,
            output_json: row.get(5)?,
            error: row.get(6)?,
            stderr: row.get(7)?,
            reason: row.get(8)?,
        })
    }

    fn check(self) -> Result<StepAttempt, RunLogError> {
        Ok(StepAttempt {
            attempt: u32::try_from(self.attempt)
                .map_err(|_| RunLogError::Corrupt(format!("`{}` is not an attempt number", self.attempt)))?,
            status: self.status.parse().map_err(RunLogError::Corrupt)?,
            started_at: timestamp(self.started_at)?,
            ended_at: timestamp(self.ended_at)?,
            output: self.output_json.as_deref().map(json).transpose()?,
            step: self.step,
            error: self.error,
            stderr: self.stderr,
            reason: self.reason,
        })
    }
}

impl RunLog {
    /// Opens (creating it and its directory if needed) the run log at `path` and
    /// brings its schema up to date. Processes that open a new log at the same moment
    /// wait for each other, up to [`BUSY_TIMEOUT`], rather than fail on its lock.
    pub fn open(path: &Path) -> Result<RunLog, RunLogError> {
        if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|source| RunLogError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        if !refuse_foreign_file(path)? {
            create_complete(path)?;
        }
        let conn = until_unlocked(|| connect(path))?;
        Ok(RunLog::with_connection(conn, path))
    }

    /// Opens an existing run log for reading only: it is never created, upgraded or
    /// written, so a log on a read-only file or file system can still be listed and
    /// measured. A log of a version this binary does not know is refused, with a hint.
    pub fn open_read_only(path: &Path) -> Result<RunLog, RunLogError> {
        let conn = until_unlocked(|| connect_read_only(path))?;
        Ok(RunLog::with_connection(conn, path))
    }

    fn with_connection(conn: Connection, path: &Path) -> RunLog {
        RunLog {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            clock: Arc::new(Timestamp::now),
            synced: AtomicBool::new(true),
        }
    }

    /// Replaces the wall clock used for start and end times (for tests and replays).
    pub fn with_clock(mut self, clock: impl Fn() -> Timestamp + Send + Sync + 'static) -> RunLog {
        self.clock = Arc::new(clock);
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version this binary writes (`PRAGMA user_version` of an up-to-date log).
    pub fn schema_version() -> i64 {
        schema::latest_version()
    }

    /// The connection. A panic on another thread while it held the lock cannot leave a
    /// half-done write behind (its transaction rolls back when dropped), so a poisoned
    /// lock is safe to take.
    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the start of a run of `workflow` with its (already redacted) arguments.
    /// The row is committed when this returns.
    pub fn start_run(&self, workflow: &str, args: &Value) -> Result<RunId, RunLogError> {
        let conn = self.conn();
        self.set_durability(&conn, Durability::Synced)?;
        let args = args.to_string();
        let mut tries = 0;
        loop {
            let now = (self.clock)();
            let id = RunId::generate(now);
            let inserted = conn.execute(
                "INSERT INTO runs (id, workflow, args_json, status, started_at)
                 VALUES (?1, ?2, ?3, 'running', ?4)",
                params![id.as_str(), workflow, args, now.as_millisecond()],
            );
            match inserted {
                Ok(_) => return Ok(id),
                // An id collision (same millisecond, same 32 random bits): draw again.
                Err(e) if is_constraint_violation(&e) && tries < 3 => tries += 1,
                Err(source) => {
                    return Err(RunLogError::Database {
                        action: "start a run",
                        source,
                    });
                }
            }
        }
    }

    /// Switches the connection's `synchronous` setting to what `durability` needs.
    fn set_durability(&self, conn: &Connection, durability: Durability) -> Result<(), RunLogError> {
        let want = durability == Durability::Synced;
        if self.synced.load(Ordering::Relaxed) != want {
            conn.pragma_update(None, "synchronous", if want { "FULL" } else { "NORMAL" })
                .map_err(db("set the durability of a write"))?;
            self.synced.store(want, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Records one finished attempt at a step of a running run, committed and synced
    /// to disk on return.
    pub fn record_attempt(&self, run: &RunId, attempt: &StepAttempt) -> Result<(), RunLogError> {
        self.record_attempt_with(run, attempt, Durability::Synced)
    }

    /// Records one finished attempt at a step of a running run, committed on return
    /// with the given durability.
    pub fn record_attempt_with(
        &self,
        run: &RunId,
        attempt: &StepAttempt,
        durability: Durability,
    ) -> Result<(), RunLogError> {
        if attempt.attempt == 0 {
            return Err(RunLogError::InvalidAttempt {
                step: attempt.step.clone(),
            });
        }
        let mut conn = self.conn();
        let failed = db("record a step attempt");
        self.set_durability(&conn, durability)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&failed)?;
        ensure_running(&tx, run)?;
        let duration = i64::try_from(attempt.duration_ms()).unwrap_or(i64::MAX);
        let inserted = tx
            .prepare_cached(
                "INSERT INTO step_attempts (run_id, step, attempt, status, started_at, ended_at,
                 duration_ms, output_json, error, stderr, reason)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    run.as_str(),
                    attempt.step,
                    attempt.attempt,
                    attempt.status.as_str(),
                    attempt.started_at.as_millisecond(),
                    attempt.ended_at.as_millisecond(),
                    duration,
                    attempt.output.as_ref().map(Value::to_string),
                    attempt.error,
                    attempt.stderr,
                    attempt.reason,
                ])
            });
        match inserted {
            Ok(_) => {}
            Err(e) if is_constraint_violation(&e) => {
                return Err(RunLogError::DuplicateAttempt {
                    run: run.clone(),
                    step: attempt.step.clone(),
                    attempt: attempt.attempt,
                });
            }
            Err(e) => return Err(failed(e)),
        }
        tx.commit().map_err(failed)
    }

    /// Records a policy decision taken by a step of a running run, committed and
    /// synced to disk on return.
    pub fn record_decision(&self, run: &RunId, decision: &Decision) -> Result<(), RunLogError> {
        self.record_decision_with(run, decision, Durability::Synced)
    }

    /// Records a policy decision, committed on return with the given durability.
    pub fn record_decision_with(
        &self,
        run: &RunId,
        decision: &Decision,
        durability: Durability,
    ) -> Result<(), RunLogError> {
        let mut conn = self.conn();
        let failed = db("record a decision");
        self.set_durability(&conn, durability)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&failed)?;
        ensure_running(&tx, run)?;
        tx.execute(
            "INSERT INTO decisions (run_id, step, policy, outcome, decision_json)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                run.as_str(),
                decision.step,
                decision.policy,
                decision.outcome,
                decision.detail.to_string(),
            ],
        )
        .map_err(&failed)?;
        tx.commit().map_err(failed)
    }

    /// Ends a run with `status` (`succeeded` or `failed`) and an optional error.
    pub fn finish_run(&self, run: &RunId, status: RunStatus, error: Option<&str>) -> Result<(), RunLogError> {
        if !status.is_finished() {
            return Err(RunLogError::NotAnEnd);
        }
        let conn = self.conn();
        self.set_durability(&conn, Durability::Synced)?;
        let failed = db("finish a run");
        let now = (self.clock)().as_millisecond();
        let changed = conn
            .execute(
                "UPDATE runs
                 SET status = ?2, ended_at = ?3, duration_ms = max(0, ?3 - started_at), error = ?4
                 WHERE id = ?1 AND status = 'running'",
                params![run.as_str(), status.as_str(), now, error],
            )
            .map_err(&failed)?;
        if changed == 0 {
            let exists = conn
                .query_row("SELECT 1 FROM runs WHERE id = ?1", [run.as_str()], |_| Ok(()))
                .optional()
                .map_err(failed)?;
            return Err(match exists {
                Some(()) => RunLogError::AlreadyFinished(run.clone()),
                None => RunLogError::UnknownRun(run.clone()),
            });
        }
        Ok(())
    }

    /// Runs matching `filter`, newest first. A row this binary cannot read is set
    /// apart in [`RunListing::unreadable`], and the others are still listed.
    pub fn list_runs(&self, filter: &RunFilter) -> Result<RunListing, RunLogError> {
        let mut sql = format!("SELECT {SUMMARY_COLUMNS} FROM runs");
        let mut conditions = Vec::new();
        let mut args = Vec::new();
        if let Some(workflow) = &filter.workflow {
            conditions.push("workflow = ?");
            args.push(SqlValue::Text(workflow.clone()));
        }
        if let Some(status) = filter.status {
            conditions.push("status = ?");
            args.push(SqlValue::Text(status.as_str().to_owned()));
        }
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        sql.push_str(" ORDER BY started_at DESC, id DESC LIMIT ?");
        let limit = filter.limit.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
        args.push(SqlValue::Integer(limit));

        let conn = self.conn();
        let failed = db("list runs");
        let mut stmt = conn.prepare(&sql).map_err(&failed)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args), SummaryRow::read)
            .map_err(&failed)?;
        let mut listing = RunListing::default();
        for row in rows {
            let row = match row {
                Ok(row) => row,
                // A value of the wrong SQL type: this row is damaged, not the log.
                Err(
                    e @ (rusqlite::Error::InvalidColumnType(..)
                    | rusqlite::Error::FromSqlConversionFailure(..)
                    | rusqlite::Error::IntegralValueOutOfRange(..)),
                ) => {
                    listing
                        .unreadable
                        .push(RunLogError::Corrupt(format!("a row of `runs`: {e}")));
                    continue;
                }
                Err(e) => return Err(failed(e)),
            };
            match row.check() {
                Ok(run) => listing.runs.push(run),
                Err(problem) => listing.unreadable.push(problem),
            }
        }
        Ok(listing)
    }

    /// One run with its steps, attempts and decisions; `None` if there is no such run.
    pub fn get_run(&self, id: &RunId) -> Result<Option<RunDetail>, RunLogError> {
        let mut conn = self.conn();
        let failed = db("read a run");
        // One read transaction, so the run, its attempts and decisions are one snapshot.
        let tx = conn.transaction().map_err(&failed)?;
        let found = tx
            .query_row(
                &format!("SELECT {SUMMARY_COLUMNS}, args_json FROM runs WHERE id = ?1"),
                [id.as_str()],
                |row| Ok((SummaryRow::read(row)?, row.get::<_, String>(7)?)),
            )
            .optional()
            .map_err(&failed)?;
        let Some((summary, args)) = found else {
            return Ok(None);
        };
        let summary = summary.check()?;
        let args = json(&args)?;

        let mut stmt = tx
            .prepare(
                "SELECT step, attempt, status, started_at, ended_at, output_json, error, stderr,
                        reason
                 FROM step_attempts WHERE run_id = ?1 ORDER BY started_at, seq",
            )
            .map_err(&failed)?;
        let rows = stmt.query_map([id.as_str()], AttemptRow::read).map_err(&failed)?;
        let mut steps: Vec<StepRecord> = Vec::new();
        for row in rows {
            let attempt = row.map_err(&failed)?.check()?;
            match steps.iter_mut().find(|s| s.step == attempt.step) {
                Some(step) => step.attempts.push(attempt),
                None => steps.push(StepRecord {
                    step: attempt.step.clone(),
                    attempts: vec![attempt],
                }),
            }
        }
        for step in &mut steps {
            step.attempts.sort_by_key(|a| a.attempt);
        }
        drop(stmt);

        let mut stmt = tx
            .prepare(
                "SELECT step, policy, outcome, decision_json FROM decisions
                 WHERE run_id = ?1 ORDER BY seq",
            )
            .map_err(&failed)?;
        let rows = stmt
            .query_map([id.as_str()], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })
            .map_err(&failed)?;
        let mut decisions = Vec::new();
        for row in rows {
            let (step, policy, outcome, detail) = row.map_err(&failed)?;
            decisions.push(Decision {
                step,
                policy,
                outcome,
                detail: json(&detail)?,
            });
        }
        Ok(Some(RunDetail {
            summary,
            args,
            steps,
            decisions,
        }))
    }

    /// Status and duration of every run of `workflow` that finished at or after
    /// `since`, oldest first: what an SLO over a window measures. Unfinished runs are
    /// left out (they have no outcome yet, or never will).
    pub fn window_stats(&self, workflow: &str, since: Timestamp) -> Result<Vec<(RunStatus, u64)>, RunLogError> {
        let conn = self.conn();
        let failed = db("read run statistics");
        let mut stmt = conn
            .prepare(
                "SELECT status, duration_ms FROM runs
                 WHERE workflow = ?1 AND ended_at IS NOT NULL AND ended_at >= ?2
                 ORDER BY ended_at",
            )
            .map_err(&failed)?;
        let rows = stmt
            .query_map(params![workflow, since.as_millisecond()], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })
            .map_err(&failed)?;
        let mut stats = Vec::new();
        for row in rows {
            let (status, duration) = row.map_err(&failed)?;
            stats.push((run_status(&status)?, millis(duration)));
        }
        Ok(stats)
    }
}

/// Runs `attempt` again while another process holds the database's lock, until
/// [`BUSY_TIMEOUT`]. SQLite's busy handler covers ordinary reads and writes, but not
/// every step of opening: switching a new file to WAL takes a lock without waiting.
fn until_unlocked<T>(mut attempt: impl FnMut() -> Result<T, RunLogError>) -> Result<T, RunLogError> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match attempt() {
            Err(e) if e.is_busy() && std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            done => return done,
        }
    }
}

/// A read-write connection to the log at `path`, checked, in WAL mode and migrated.
fn connect(path: &Path) -> Result<Connection, RunLogError> {
    let open_failed = |source| open_error(path, source);
    let mut conn = Connection::open(path).map_err(open_failed)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(open_failed)?;
    refuse_foreign_database(&conn, path)?;
    verify_integrity(&conn, path)?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "wal", |row| row.get(0))
        .map_err(open_failed)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(RunLogError::NoWal {
            path: path.to_path_buf(),
            mode,
        });
    }
    conn.pragma_update(None, "synchronous", "FULL").map_err(open_failed)?;
    conn.pragma_update(None, "foreign_keys", "ON").map_err(open_failed)?;
    schema::migrate(&mut conn, path)?;
    Ok(conn)
}

/// A read-only connection to the existing log at `path`, checked, at the current schema.
fn connect_read_only(path: &Path) -> Result<Connection, RunLogError> {
    match checked_read_only(path, path.as_os_str()) {
        // A WAL log needs a shared-memory file beside it, which a reader that may not
        // write the directory cannot create. Such a log cannot change under this reader's
        // feet either, so SQLite may read it as immutable: no locks, no shared memory.
        Err(RunLogError::Open { source, .. })
            if matches!(
                source.sqlite_error_code(),
                Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen)
            ) =>
        {
            checked_read_only(path, std::ffi::OsStr::new(&immutable_uri(path)))
        }
        done => done,
    }
}

fn checked_read_only(path: &Path, name: &std::ffi::OsStr) -> Result<Connection, RunLogError> {
    let open_failed = |source| open_error(path, source);
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(name, flags).map_err(open_failed)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(open_failed)?;
    verify_integrity(&conn, path)?;
    schema::require_readable(&conn, path)?;
    Ok(conn)
}

/// `file:` URI of `path` opened read-only and immutable, with the characters a URI
/// gives a meaning to escaped.
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for byte in path.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-_.~".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.push_str("?mode=ro&immutable=1");
    uri
}

/// A file that is not an SQLite database, or whose pages are damaged, is reported with
/// its path on open, not as a puzzling error in the middle of a run.
fn verify_integrity(conn: &Connection, path: &Path) -> Result<(), RunLogError> {
    let verdict: String = conn
        .query_row("PRAGMA quick_check(1)", [], |row| row.get(0))
        .map_err(|source| open_error(path, source))?;
    if verdict == "ok" {
        Ok(())
    } else {
        Err(RunLogError::Damaged {
            path: path.to_path_buf(),
            detail: verdict,
        })
    }
}

/// Creates a new run log at `path`, complete with its schema, so that `path` never holds
/// an empty file: the log is made under a name of its own beside it, then linked to
/// `path`, which fails if something is there already. When several processes create
/// the log at once, one link wins and the others open it.
fn create_complete(path: &Path) -> Result<(), RunLogError> {
    static CREATED: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let serial = CREATED.fetch_add(1, Ordering::Relaxed);
    let fresh = path.with_file_name(format!(".{name}.new-{}-{serial}", std::process::id()));
    let built = connect(&fresh).map(drop);
    let linked = built.and_then(|()| {
        std::fs::hard_link(&fresh, path).or_else(|source| match source.kind() {
            std::io::ErrorKind::AlreadyExists => Ok(()),
            _ => Err(RunLogError::Create {
                path: path.to_path_buf(),
                source,
            }),
        })
    });
    for leftover in [fresh.clone(), sidecar(&fresh, "-wal"), sidecar(&fresh, "-shm")] {
        let _ = std::fs::remove_file(leftover);
    }
    linked
}

/// The path of a file SQLite keeps beside a database (`runs.db-wal`).
fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The first bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Whether a file is already at `path`, refusing one that cannot be a run log: a
/// directory, a pipe or a device, an empty file, a file that is not an SQLite database.
/// SQLite would take an empty or missing file for a new database and write into it, and
/// the path may come from a `cpl.toml` nobody vetted: cpl creates its run log, or opens
/// one it wrote, and never turns another file into one.
fn refuse_foreign_file(path: &Path) -> Result<bool, RunLogError> {
    let refused = |detail: &str| RunLogError::Damaged {
        path: path.to_path_buf(),
        detail: format!("{detail}; cpl writes only into a run log it created"),
    };
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(refused(&format!("it cannot be read ({e})"))),
    };
    if !metadata.is_file() {
        return Err(refused("it is not a regular file"));
    }
    let mut header = [0_u8; 16];
    let read = std::fs::File::open(path).and_then(|mut file| {
        use std::io::Read;
        file.read_exact(&mut header)
    });
    match read {
        Ok(()) if &header == SQLITE_HEADER => Ok(true),
        Ok(()) => Err(refused("it is not an SQLite database")),
        Err(_) if metadata.len() == 0 => Err(refused("it is an empty file")),
        Err(_) => Err(refused(
            "it is not an SQLite database (it is shorter than the header of one)",
        )),
    }
}

/// Refuses another program's SQLite database: one with tables but no cpl schema version.
/// A database with no tables at all holds nothing to lose and is taken as new.
fn refuse_foreign_database(conn: &Connection, path: &Path) -> Result<(), RunLogError> {
    let open_failed = |source| open_error(path, source);
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(open_failed)?;
    if version > 0 {
        return Ok(());
    }
    let objects: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))
        .map_err(open_failed)?;
    if objects == 0 {
        return Ok(());
    }
    Err(RunLogError::Damaged {
        path: path.to_path_buf(),
        detail: "it is another program's SQLite database (it has tables but no cpl schema version); \
                 cpl writes only into a run log it created"
            .to_string(),
    })
}

/// An error while opening: a file that is not a database is damaged, not unopenable.
fn open_error(path: &Path, source: rusqlite::Error) -> RunLogError {
    match source.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => RunLogError::Damaged {
            path: path.to_path_buf(),
            detail: source.to_string(),
        },
        _ => RunLogError::Open {
            path: path.to_path_buf(),
            source,
        },
    }
}

/// Fails unless `run` exists and has not finished.
fn ensure_running(conn: &Connection, run: &RunId) -> Result<(), RunLogError> {
    let status: Option<String> = conn
        .prepare_cached("SELECT status FROM runs WHERE id = ?1")
        .and_then(|mut stmt| stmt.query_row([run.as_str()], |row| row.get(0)).optional())
        .map_err(db("look up a run"))?;
    match status.as_deref() {
        None => Err(RunLogError::UnknownRun(run.clone())),
        Some("running") => Ok(()),
        Some(_) => Err(RunLogError::AlreadyFinished(run.clone())),
    }
}
