//! The decision log: every decision `cpl serve` answered (a policy, a gate, a flag), in the
//! database the run log lives in, with the project version that made it. `cpl decisions`
//! reads it. The caller redacts secrets from the request and result before appending.

use jiff::Timestamp;
use rusqlite::types::Value as SqlValue;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde_json::Value;

use super::{Durability, RunLog, RunLogError, db, json, timestamp};

/// What was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DecisionKind {
    Policy,
    Gate,
    Flag,
}

impl DecisionKind {
    pub const ALL: [DecisionKind; 3] = [DecisionKind::Policy, DecisionKind::Gate, DecisionKind::Flag];

    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Policy => "policy",
            DecisionKind::Gate => "gate",
            DecisionKind::Flag => "flag",
        }
    }

    pub fn parse(text: &str) -> Option<DecisionKind> {
        DecisionKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// One served decision, as appended.
#[derive(Clone, Debug, PartialEq)]
pub struct ServedDecision {
    pub kind: DecisionKind,
    /// The policy's, gate's or flag's name (a flag's external key).
    pub name: String,
    /// `allow`/`deny`/`indeterminate`…, `passed`/`failed`, or a flag's reason.
    pub outcome: String,
    /// The content digest of the project that answered.
    pub project_version: String,
    /// The request (arguments, inputs, context), secrets redacted.
    pub request: Value,
    /// The answer as served, secrets redacted.
    pub result: Value,
}

/// A served decision as stored: its sequence number and time with it.
#[derive(Clone, Debug, PartialEq)]
pub struct ServedRecord {
    pub seq: i64,
    pub at: Timestamp,
    pub decision: ServedDecision,
}

/// Which served decisions to list, newest first.
#[derive(Clone, Debug, Default)]
pub struct ServedFilter {
    pub kind: Option<DecisionKind>,
    pub name: Option<String>,
    pub outcome: Option<String>,
    /// Only decisions made at or after this time.
    pub since: Option<Timestamp>,
    /// At most this many; `None`: all.
    pub limit: Option<usize>,
}

impl RunLog {
    /// Appends a served decision, committed on return with the given durability.
    pub fn append_served(&self, decision: &ServedDecision, durability: Durability) -> Result<i64, RunLogError> {
        self.append_served_all(std::slice::from_ref(decision), durability)
    }

    /// Appends served decisions in one transaction (all or none), committed on return
    /// with the given durability; the sequence number of the last.
    pub fn append_served_all(&self, decisions: &[ServedDecision], durability: Durability) -> Result<i64, RunLogError> {
        let mut conn = self.conn();
        let failed = db("record a served decision");
        self.set_durability(&conn, durability)?;
        let at = (self.clock)().as_millisecond();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&failed)?;
        for decision in decisions {
            tx.execute(
                "INSERT INTO served_decisions
                     (at, kind, name, outcome, project_version, request_json, result_json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    at,
                    decision.kind.as_str(),
                    decision.name,
                    decision.outcome,
                    decision.project_version,
                    decision.request.to_string(),
                    decision.result.to_string(),
                ],
            )
            .map_err(&failed)?;
        }
        let seq = tx.last_insert_rowid();
        tx.commit().map_err(failed)?;
        Ok(seq)
    }

    /// The served decisions that pass `filter`, newest first. A log written before
    /// decisions were served has none.
    pub fn served(&self, filter: &ServedFilter) -> Result<Vec<ServedRecord>, RunLogError> {
        let conn = self.conn();
        let failed = db("list served decisions");
        let exists = conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'served_decisions'",
                [],
                |_| Ok(()),
            )
            .optional()
            .map_err(&failed)?;
        if exists.is_none() {
            return Ok(Vec::new());
        }
        let mut sql = String::from(
            "SELECT seq, at, kind, name, outcome, project_version, request_json, result_json
             FROM served_decisions",
        );
        let mut conditions = Vec::new();
        let mut args = Vec::new();
        if let Some(kind) = filter.kind {
            conditions.push("kind = ?");
            args.push(SqlValue::Text(kind.as_str().to_owned()));
        }
        if let Some(name) = &filter.name {
            conditions.push("name = ?");
            args.push(SqlValue::Text(name.clone()));
        }
        if let Some(outcome) = &filter.outcome {
            conditions.push("outcome = ?");
            args.push(SqlValue::Text(outcome.clone()));
        }
        if let Some(since) = filter.since {
            conditions.push("at >= ?");
            args.push(SqlValue::Integer(since.as_millisecond()));
        }
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        sql.push_str(" ORDER BY at DESC, seq DESC LIMIT ?");
        args.push(SqlValue::Integer(
            filter.limit.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX)),
        ));
        let mut stmt = conn.prepare(&sql).map_err(&failed)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args), |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, String>(6)?,
                    row.get::<_, String>(7)?,
                ))
            })
            .map_err(&failed)?;
        let mut records = Vec::new();
        for row in rows {
            let (seq, at, kind, name, outcome, project_version, request, result) = row.map_err(&failed)?;
            let kind = DecisionKind::parse(&kind)
                .ok_or_else(|| RunLogError::Corrupt(format!("`{kind}` is not a kind of served decision")))?;
            records.push(ServedRecord {
                seq,
                at: timestamp(at)?,
                decision: ServedDecision {
                    kind,
                    name,
                    outcome,
                    project_version,
                    request: json(&request)?,
                    result: json(&result)?,
                },
            });
        }
        Ok(records)
    }
}
