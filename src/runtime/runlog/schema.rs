//! The run log's schema as a list of migrations, applied in order and tracked in
//! `PRAGMA user_version`.
//!
//! **Invariant:** a migration, once released, is never edited; a change to the schema
//! is a new entry at the end of [`MIGRATIONS`]. Version `n` of the schema is the state
//! after applying the first `n` entries.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::RunLogError;

/// Version 1: runs, step attempts, policy decisions.
///
/// Times are unix milliseconds (UTC). Tables are `STRICT`, so a wrongly typed value is
/// refused by SQLite instead of being stored silently.
const V1: &str = "
CREATE TABLE runs (
    id          TEXT    NOT NULL PRIMARY KEY,
    workflow    TEXT    NOT NULL,
    args_json   TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER,
    duration_ms INTEGER CHECK (duration_ms >= 0),
    error       TEXT,
    CHECK ((status = 'running') = (ended_at IS NULL)),
    CHECK ((ended_at IS NULL) = (duration_ms IS NULL))
) STRICT;

CREATE INDEX runs_by_time ON runs (started_at DESC);
CREATE INDEX runs_by_workflow ON runs (workflow, started_at DESC);
CREATE INDEX runs_by_status ON runs (status, started_at DESC);
CREATE INDEX runs_finished_by_workflow ON runs (workflow, ended_at)
    WHERE ended_at IS NOT NULL;

CREATE TABLE step_attempts (
    seq         INTEGER NOT NULL PRIMARY KEY,
    run_id      TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step        TEXT    NOT NULL,
    attempt     INTEGER NOT NULL CHECK (attempt >= 1),
    status      TEXT    NOT NULL
                CHECK (status IN ('succeeded', 'failed', 'skipped', 'timed_out')),
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),
    output_json TEXT,
    error       TEXT,
    stderr      TEXT,
    reason      TEXT,
    UNIQUE (run_id, step, attempt)
) STRICT;

CREATE TABLE decisions (
    seq           INTEGER NOT NULL PRIMARY KEY,
    run_id        TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step          TEXT    NOT NULL,
    policy        TEXT    NOT NULL,
    outcome       TEXT    NOT NULL,
    decision_json TEXT    NOT NULL
) STRICT;

CREATE INDEX decisions_by_run ON decisions (run_id, seq);
";

/// Version 2: decisions served by `cpl serve` (policies, gates, flags), each with the
/// project version that made it. Their request and result are stored redacted.
const V2: &str = "
CREATE TABLE served_decisions (
    seq             INTEGER NOT NULL PRIMARY KEY,
    at              INTEGER NOT NULL,
    kind            TEXT    NOT NULL CHECK (kind IN ('policy', 'gate', 'flag')),
    name            TEXT    NOT NULL,
    outcome         TEXT    NOT NULL,
    project_version TEXT    NOT NULL,
    request_json    TEXT    NOT NULL,
    result_json     TEXT    NOT NULL
) STRICT;

CREATE INDEX served_by_time ON served_decisions (at DESC, seq DESC);
CREATE INDEX served_by_name ON served_decisions (kind, name, at DESC);
";

/// Every migration, oldest first.
const MIGRATIONS: &[&str] = &[V1, V2];

/// The schema version this binary writes.
pub(super) fn latest_version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

fn user_version(conn: &Connection) -> Result<i64, rusqlite::Error> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Checks that a log opened read-only can be read: it cannot be migrated, so its version
/// must be one this binary knows. Any version from 1 up reads, since migrations only add
/// tables: a reader of a table a log predates finds it empty, which is what that log holds.
pub(super) fn require_readable(conn: &Connection, path: &Path) -> Result<(), RunLogError> {
    let latest = latest_version();
    let found = user_version(conn).map_err(|source| RunLogError::Database {
        action: "read the schema version",
        source,
    })?;
    match found.cmp(&latest) {
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Less if found >= 1 => Ok(()),
        std::cmp::Ordering::Greater => Err(RunLogError::TooNew {
            path: path.to_path_buf(),
            found,
            supported: latest,
        }),
        std::cmp::Ordering::Less => Err(RunLogError::TooOld {
            path: path.to_path_buf(),
            found,
            supported: latest,
        }),
    }
}

/// Brings the database up to [`latest_version`], one transaction per migration.
///
/// Each migration takes the write lock first (`BEGIN IMMEDIATE`) and re-reads the
/// version inside it, so two processes opening a fresh log at once do not both apply it.
pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), RunLogError> {
    // INVARIANT: a log's `user_version` is the number of migrations applied to it; a log
    // written by a newer binary is refused (`TooNew`), never read with the older schema.
    let latest = latest_version();
    let found = user_version(conn).map_err(|source| RunLogError::Database {
        action: "read the schema version",
        source,
    })?;
    if found > latest {
        return Err(RunLogError::TooNew {
            path: path.to_path_buf(),
            found,
            supported: latest,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate() {
        let version = i64::try_from(index).unwrap_or(i64::MAX).saturating_add(1);
        if version <= found {
            continue;
        }
        let failed = |source| RunLogError::Migration { version, source };
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed)?;
        let current = user_version(&tx).map_err(failed)?;
        if current > latest {
            return Err(RunLogError::TooNew {
                path: path.to_path_buf(),
                found: current,
                supported: latest,
            });
        }
        if current >= version {
            continue;
        }
        tx.execute_batch(sql).map_err(failed)?;
        tx.pragma_update(None, "user_version", version).map_err(failed)?;
        tx.commit().map_err(failed)?;
    }
    Ok(())
}
