//! The decision log of `cpl serve`: every decision answered (a policy, a gate, each flag
//! of an OFREP evaluation) is appended to the run log's database, secrets redacted, with
//! the project version that made it.
//!
//! A request never waits for the disk: it hands its record to a bounded channel, and one
//! writer thread appends. A full channel or a failed write is counted (`/metrics`) and
//! logged, never dropped in silence; on shutdown the writer drains the channel first.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;

use serde_json::{Map, Value as Json, json};

use crate::ir::{Program, Type};
use crate::runtime::runlog::{Durability, RunLog, ServedDecision};

/// How many records may wait for the writer before new ones are dropped (and counted).
const QUEUE: usize = 4096;

/// The most records appended in one transaction.
const BATCH: usize = 256;

/// What stands for a secret, or for a value whose type is unknown, in the log.
const MASK: &str = "***";

/// The handle requests append through; cheap to clone.
#[derive(Clone)]
pub struct DecisionLog {
    sender: SyncSender<Message>,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for DecisionLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecisionLog").finish_non_exhaustive()
    }
}

/// The writer thread; [`DecisionWriter::finish`] drains and stops it.
pub struct DecisionWriter {
    sender: SyncSender<Message>,
    thread: JoinHandle<()>,
}

enum Message {
    Record(Box<ServedDecision>),
    /// Sent last: everything queued before it is written first.
    Stop,
}

#[derive(Default)]
struct Counters {
    written: AtomicU64,
    dropped: AtomicU64,
    errors: AtomicU64,
}

impl DecisionLog {
    /// Starts the writer thread that appends to `log`.
    pub fn start(log: RunLog) -> Result<(DecisionLog, DecisionWriter), String> {
        let (sender, receiver) = sync_channel(QUEUE);
        let counters = Arc::new(Counters::default());
        let shared = counters.clone();
        let thread = std::thread::Builder::new()
            .name("cpl-decision-log".to_string())
            .spawn(move || write_all(&log, &receiver, &shared))
            .map_err(|e| format!("cannot start the decision log's writer: {e}"))?;
        let handle = DecisionLog {
            sender: sender.clone(),
            counters,
        };
        Ok((handle, DecisionWriter { sender, thread }))
    }

    /// Queues a decision; when the queue is full or the writer gone, counts and logs it.
    pub fn record(&self, decision: ServedDecision) {
        let kind = decision.kind.as_str();
        let name = decision.name.clone();
        match self.sender.try_send(Message::Record(Box::new(decision))) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => self.dropped(kind, &name, "the queue is full"),
            Err(TrySendError::Disconnected(_)) => self.dropped(kind, &name, "the writer has stopped"),
        }
    }

    fn dropped(&self, kind: &str, name: &str, why: &str) {
        self.counters.dropped.fetch_add(1, Ordering::Relaxed);
        super::log::decision_log_problem("decision_log_dropped", kind, name, why);
    }

    /// The log's counters in Prometheus' text format.
    pub fn render(&self) -> String {
        let c = &self.counters;
        let mut text = String::new();
        for (name, help, value) in [
            (
                "cpl_decision_log_written_total",
                "Served decisions appended to the decision log.",
                &c.written,
            ),
            (
                "cpl_decision_log_dropped_total",
                "Served decisions not logged because the writer's queue was full.",
                &c.dropped,
            ),
            (
                "cpl_decision_log_errors_total",
                "Served decisions whose append to the decision log failed.",
                &c.errors,
            ),
        ] {
            text.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}\n",
                value.load(Ordering::Relaxed)
            ));
        }
        text
    }
}

impl DecisionWriter {
    /// Writes everything queued, then stops the thread.
    pub fn finish(self) {
        // A blocking send: on shutdown, waiting for room in the queue is what draining is.
        if self.sender.send(Message::Stop).is_ok() {
            let _ = self.thread.join();
        }
    }
}

/// The writer's loop: appends what has come, in one transaction per batch, until
/// [`Message::Stop`].
fn write_all(log: &RunLog, receiver: &Receiver<Message>, counters: &Counters) {
    let mut stopping = false;
    while !stopping {
        let Ok(first) = receiver.recv() else {
            return;
        };
        let mut batch = Vec::new();
        let mut next = Some(first);
        while let Some(message) = next {
            match message {
                Message::Record(decision) => batch.push(*decision),
                Message::Stop => {
                    stopping = true;
                    break;
                }
            }
            next = if batch.len() < BATCH {
                receiver.try_recv().ok()
            } else {
                None
            };
        }
        write_batch(log, &batch, counters);
    }
}

fn write_batch(log: &RunLog, batch: &[ServedDecision], counters: &Counters) {
    if batch.is_empty() {
        return;
    }
    let count = u64::try_from(batch.len()).unwrap_or(u64::MAX);
    match log.append_served_all(batch, Durability::Committed) {
        Ok(_) => {
            counters.written.fetch_add(count, Ordering::Relaxed);
        }
        Err(e) => {
            counters.errors.fetch_add(count, Ordering::Relaxed);
            for decision in batch {
                super::log::decision_log_problem(
                    "decision_log_error",
                    decision.kind.as_str(),
                    &decision.name,
                    &e.to_string(),
                );
            }
        }
    }
}

/// `value` with every part whose type is `secret` replaced by `"***"`, read against
/// `ty`. What the type does not describe (a field it does not declare, a value of the
/// wrong shape) is masked too: the log keeps no text it cannot vouch for.
pub fn redact(value: &Json, ty: &Type, program: &Program) -> Json {
    match (ty, value) {
        (_, Json::Null) => Json::Null,
        (Type::Optional(inner), _) => redact(value, inner, program),
        (Type::Secret, _) => json!(MASK),
        (Type::Json, _) => value.clone(),
        (Type::List(inner), Json::Array(items)) => {
            Json::Array(items.iter().map(|v| redact(v, inner, program)).collect())
        }
        (Type::Map(inner), Json::Object(fields)) => Json::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), redact(v, inner, program)))
                .collect(),
        ),
        (Type::Record(record), Json::Object(fields)) => redact_record(fields, record, program),
        (Type::Entity(id), Json::Object(fields)) => match program.entities.get(id.index()) {
            Some(entity) => redact_record(fields, &entity.record, program),
            None => json!(MASK),
        },
        (Type::List(_) | Type::Map(_) | Type::Record(_) | Type::Entity(_), _) => json!(MASK),
        (_, Json::Array(_) | Json::Object(_)) => json!(MASK),
        _ => value.clone(),
    }
}

fn redact_record(fields: &Map<String, Json>, record: &crate::ir::RecordType, program: &Program) -> Json {
    Json::Object(
        fields
            .iter()
            .map(|(name, v)| {
                let redacted = match record.field(name) {
                    Some((_, field)) => redact(v, &field.ty, program),
                    None => json!(MASK),
                };
                (name.clone(), redacted)
            })
            .collect(),
    )
}

/// Every value of an object masked: the arguments of a policy that does not exist.
pub fn masked(fields: &Map<String, Json>) -> Json {
    Json::Object(fields.keys().map(|k| (k.clone(), json!(MASK))).collect())
}

/// A policy request as logged: `{ "args": … }`, each argument redacted by its
/// parameter's type (all of them masked when the policy does not exist).
pub fn policy_request(program: &Program, policy: &str, args: &Map<String, Json>) -> Json {
    let args = match program.policy(policy) {
        Some((_, def)) => Json::Object(
            args.iter()
                .map(|(name, value)| {
                    let redacted = match def.params.iter().find(|p| *p.name == **name) {
                        Some(param) => redact(value, &param.ty, program),
                        None => json!(MASK),
                    };
                    (name.clone(), redacted)
                })
                .collect(),
        ),
        None => masked(args),
    };
    json!({ "args": args })
}

/// A gate request as logged: `{ "inputs": …, "overrides": […] }`, each input document
/// redacted by the input's declared type.
pub fn gate_request(program: &Program, gate: &str, inputs: &[(String, Json)], overrides: &[String]) -> Json {
    let declared = program.gate(gate).map(|(_, def)| def);
    let inputs: Map<String, Json> = inputs
        .iter()
        .map(|(name, document)| {
            let input = declared.and_then(|def| def.inputs.iter().find(|i| *i.name == **name));
            let redacted = match input {
                Some(input) => redact(document, &input.ty, program),
                None => json!(MASK),
            };
            (name.clone(), redacted)
        })
        .collect();
    json!({ "inputs": inputs, "overrides": overrides })
}

/// An OFREP request as logged: `{ "context": … }` redacted by the project's `context`
/// type. OFREP's `targetingKey` names the subject and is kept when the context does not
/// declare it (when it does, its declared type decides).
pub fn flag_request(program: &Program, context: &Json) -> Json {
    let Some(declared) = &program.context else {
        let fields = context.as_object().cloned().unwrap_or_default();
        let mut logged = masked(&fields);
        keep_targeting_key(&mut logged, context);
        return json!({ "context": logged });
    };
    let mut logged = redact(context, &declared.ty, program);
    let declares_key = matches!(&declared.ty, Type::Record(r) if r.field(crate::session::TARGETING_KEY).is_some());
    if !declares_key {
        keep_targeting_key(&mut logged, context);
    }
    json!({ "context": logged })
}

fn keep_targeting_key(logged: &mut Json, given: &Json) {
    let key = crate::session::TARGETING_KEY;
    if let (Json::Object(fields), Some(value @ Json::String(_))) = (logged, given.get(key)) {
        fields.insert(key.to_string(), value.clone());
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    fn program(source: &str) -> (tempfile::TempDir, crate::session::Session) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.cp"), source).unwrap();
        let options = crate::session::OpenOptions::new(jiff::Timestamp::UNIX_EPOCH);
        let session = crate::session::Session::open(dir.path(), &options);
        (dir, session)
    }

    #[test]
    fn secrets_and_undeclared_fields_are_masked_by_type() {
        let (_dir, session) = program("context { tenant: { id: string, key: secret, tags: [string] } }\n");
        let program = &session.project.program;
        let ty = &program.context.as_ref().unwrap().ty;
        let given = json!({
            "tenant": { "id": "t1", "key": "hunter2", "tags": ["a"] },
            "extra": "x",
            "targetingKey": "u1",
        });
        let redacted = redact(&given, ty, program);
        assert_eq!(
            redacted,
            json!({
                "tenant": { "id": "t1", "key": "***", "tags": ["a"] },
                "extra": "***",
                "targetingKey": "***",
            })
        );
        // A value of the wrong shape where a record is expected is not kept either.
        let wrong = json!({ "tenant": ["hunter2"] });
        assert_eq!(redact(&wrong, ty, program), json!({ "tenant": "***" }));
    }

    fn decision(name: &str) -> ServedDecision {
        ServedDecision {
            kind: crate::runtime::runlog::DecisionKind::Flag,
            name: name.to_string(),
            outcome: "STATIC".to_string(),
            project_version: "0123456789abcdef".to_string(),
            request: json!({ "context": {} }),
            result: json!({ "value": true }),
        }
    }

    fn counter(log: &DecisionLog, name: &str) -> String {
        let text = log.render();
        let line = text.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap();
        line.rsplit(' ').next().unwrap().to_string()
    }

    #[test]
    fn finishing_writes_everything_queued() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.db");
        let (log, writer) = DecisionLog::start(RunLog::open(&path).unwrap()).unwrap();
        for i in 0..1000 {
            log.record(decision(&format!("flag-{i}")));
        }
        writer.finish();
        assert_eq!(counter(&log, "cpl_decision_log_written_total"), "1000");
        let read = RunLog::open_read_only(&path).unwrap();
        let all = read.served(&crate::runtime::runlog::ServedFilter::default()).unwrap();
        assert_eq!(all.len(), 1000);
        assert_eq!(all.last().unwrap().decision.name, "flag-0");
    }

    #[test]
    fn a_record_the_writer_cannot_take_is_counted_as_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let (log, writer) = DecisionLog::start(RunLog::open(&dir.path().join("runs.db")).unwrap()).unwrap();
        writer.finish();
        log.record(decision("late"));
        assert_eq!(counter(&log, "cpl_decision_log_dropped_total"), "1");
        assert_eq!(counter(&log, "cpl_decision_log_written_total"), "0");
    }

    #[test]
    fn a_failed_write_is_counted_as_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.db");
        let (log, writer) = DecisionLog::start(RunLog::open(&path).unwrap()).unwrap();
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("DROP TABLE served_decisions").unwrap();
        drop(conn);
        log.record(decision("lost"));
        log.record(decision("lost too"));
        writer.finish();
        assert_eq!(counter(&log, "cpl_decision_log_errors_total"), "2");
        assert_eq!(counter(&log, "cpl_decision_log_written_total"), "0");
    }

    #[test]
    fn unknown_arguments_are_all_masked() {
        let given = json!({ "a": "hunter2", "b": 1 });
        assert_eq!(masked(given.as_object().unwrap()), json!({ "a": "***", "b": "***" }));
    }
}
