//! The workflow executor: runs a compiled workflow's steps in dependency order, with
//! bounded concurrency, conditions, skip propagation, retries with backoff, timeouts,
//! typed connector replies, policy decisions and redaction of secrets, recording every
//! run and attempt as it happens.
//!
//! It joins the pure stages to the world: expressions and policies are evaluated by
//! [`crate::eval`] (no I/O), connector calls go through the [`Connectors`] trait (the
//! real one is [`crate::runtime::connector::Live`]; tests bring fakes), and records go
//! to a [`RunRecorder`] (the SQLite [`crate::runtime::runlog::RunLog`], or memory).
//!
//! Threads: one scheduler thread (the caller's) evaluates `when`s, arguments, `log`,
//! `fail` and policy steps, and writes every record; each running connector call has a
//! thread of its own that owns only plain data, so a call that cannot be stopped (an
//! HTTP request) can be abandoned when the run is interrupted.

mod plan;
mod redact;
mod reply;
mod schedule;
mod sensitive;
mod step;
mod worker;

pub use plan::{Plan, PlannedStep, plan};
pub use redact::Redactor;

use std::path::PathBuf;
use std::sync::Arc;

use jiff::Timestamp;
use serde_json::Value as Json;

use crate::compile::{CompiledWorkflow, StepId};
use crate::diagnostics::{Code, Diagnostic};
use crate::eval::Env;
use crate::ir::Value;
use crate::ir::WorkflowId;
use crate::runtime::cancel::Cancel;
use crate::runtime::connector::Connectors;
use crate::runtime::runlog::{AttemptStatus, RunId, RunLogError, RunRecorder, RunStatus};
use crate::time::Duration;

/// How a run is carried out.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The most connector calls in flight at once (at least 1).
    pub parallel: usize,
    /// The project root: `exec` connectors run in their file's directory under it.
    pub root: PathBuf,
    /// Set it to stop the run: running programs are killed, nothing new starts.
    pub cancel: Cancel,
    /// How long to wait, once cancelled, for calls in flight to end (an HTTP request
    /// cannot be stopped) before they are abandoned and recorded as failed.
    pub grace: std::time::Duration,
    /// Flush every attempt to disk as it is recorded. By default only records that
    /// follow a side effect (a connector call) and the run's start and end are flushed;
    /// the others are committed and reach the disk with the next flush.
    pub sync_every_attempt: bool,
    /// The timeout of an HTTP call whose step and connector name none.
    pub default_http_timeout: Duration,
    /// The first wait before a retry when a step says `retry N` without `backoff`.
    pub default_backoff: Duration,
}

impl RunOptions {
    pub fn new(root: PathBuf) -> RunOptions {
        RunOptions {
            parallel: 4,
            root,
            cancel: Cancel::new(),
            grace: std::time::Duration::from_secs(5),
            sync_every_attempt: false,
            default_http_timeout: Duration::from_nanos(30_000_000_000),
            default_backoff: Duration::from_nanos(1_000_000_000),
        }
    }
}

/// What happened, as it happens: for a live display.
#[derive(Clone, Debug)]
pub enum Event<'r> {
    /// A `log` step's message (redacted).
    Log { step: &'r str, message: &'r str },
    /// A step started calling a connector.
    Calling { step: &'r str, call: &'r str },
    /// An attempt failed and the step will be retried after `wait`.
    Retrying {
        step: &'r str,
        attempt: u32,
        error: &'r str,
        wait: Duration,
    },
    /// A step ended.
    StepEnded { step: &'r StepReport },
}

/// Why a run could not start.
#[derive(Debug)]
pub enum RunError {
    /// The workflow has a cycle (reported by the compiler).
    NotRunnable,
    /// An argument is missing, or a default could not be computed.
    Arguments(Vec<Diagnostic>),
    /// The run could not be recorded as started.
    RunLog(RunLogError),
}

impl RunError {
    pub fn diagnostics(&self, workflow: &str) -> Vec<Diagnostic> {
        match self {
            RunError::NotRunnable => vec![
                Diagnostic::new(
                    Code::WorkflowCycle,
                    format!("workflow `{workflow}` has a cycle and cannot run"),
                )
                .with_help("`cpl check` shows the cycle; remove one of its dependencies"),
            ],
            RunError::Arguments(problems) => problems.clone(),
            RunError::RunLog(e) => vec![
                Diagnostic::new(Code::RunLog, format!("cannot record the run: {e}"))
                    .with_help("pass another run log with `--runlog PATH`, or fix the one named here"),
            ],
        }
    }
}

/// A step's failure, for people: a code, a message, and where.
#[derive(Clone, Debug, PartialEq)]
pub struct StepError {
    pub code: Code,
    /// One line naming the step (`step `retrain` failed: …`), secrets redacted.
    pub message: String,
    /// What went wrong, without the step's name, as each attempt records it.
    pub cause: String,
    /// Where the failing expression, connector action or step is.
    pub diagnostic: Diagnostic,
}

/// The policy decision a step took.
#[derive(Clone, Debug, PartialEq)]
pub struct StepDecision {
    pub policy: String,
    pub level: String,
    pub outcome: String,
    /// The messages of the violations that count (after waivers).
    pub violations: Vec<String>,
    /// The whole decision, as recorded.
    pub detail: Json,
}

/// One step of a finished run.
#[derive(Clone, Debug, PartialEq)]
pub struct StepReport {
    pub step: StepId,
    pub name: Arc<str>,
    /// `Skipped` for a step that did not run (its `when` was false, a step it needs did
    /// not succeed, or the run was interrupted before it started).
    pub status: AttemptStatus,
    /// Attempts made; 0 for a skipped step.
    pub attempts: u32,
    pub started_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
    /// The output, redacted, when the step succeeded.
    pub output: Option<Json>,
    pub error: Option<StepError>,
    /// Why it was skipped.
    pub reason: Option<String>,
    pub decision: Option<StepDecision>,
    /// What a connector program wrote to standard error on the last attempt (redacted).
    pub stderr: Option<String>,
}

impl StepReport {
    /// Milliseconds from the first attempt's start to the last one's end.
    pub fn duration_ms(&self) -> Option<u64> {
        let (start, end) = (self.started_at?, self.ended_at?);
        u64::try_from(end.as_millisecond().saturating_sub(start.as_millisecond())).ok()
    }
}

/// A finished (or stopped) run.
#[derive(Clone, Debug)]
pub struct RunReport {
    pub run: RunId,
    pub workflow: Arc<str>,
    pub status: RunStatus,
    pub started_at: Timestamp,
    pub ended_at: Timestamp,
    /// The arguments as recorded (secrets redacted).
    pub args: Json,
    /// Every step, in declaration order.
    pub steps: Vec<StepReport>,
    /// What stopped the run early: `interrupted`, a run log failure.
    pub error: Option<String>,
    /// The run log failed during the run: the record is incomplete.
    pub log_error: Option<String>,
}

impl RunReport {
    pub fn duration_ms(&self) -> u64 {
        u64::try_from(
            self.ended_at
                .as_millisecond()
                .saturating_sub(self.started_at.as_millisecond()),
        )
        .unwrap_or(0)
    }

    /// A diagnostic for every step that failed, and for a failed run log.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut out: Vec<Diagnostic> = self
            .steps
            .iter()
            .filter_map(|s| s.error.as_ref().map(|e| e.diagnostic.clone()))
            .collect();
        if let Some(e) = &self.log_error {
            out.push(
                Diagnostic::new(Code::RunLog, format!("the run log failed during the run: {e}"))
                    .with_help("the run was stopped; its record may be incomplete"),
            );
        }
        out
    }
}

/// Everything a run needs.
pub struct Executor<'e, 'a> {
    pub env: &'e Env<'a>,
    pub workflow: &'e CompiledWorkflow,
    pub connectors: Arc<dyn Connectors>,
    pub recorder: &'e dyn RunRecorder,
    pub options: RunOptions,
    /// Called on the scheduler thread as things happen.
    pub on_event: Option<&'e dyn Fn(&Event<'_>)>,
    /// The JSON a policy step's decision is recorded as. The shell passes
    /// `report::decision_record_json`: how a decision is shown is the report's business,
    /// and the report stage sits above this one.
    pub describe_decision: &'e DescribeDecision,
}

/// Turns a policy step's decision into the JSON the run log keeps.
pub type DescribeDecision = dyn Fn(&Env<'_>, &crate::eval::Waived) -> serde_json::Value + Sync;

impl Executor<'_, '_> {
    /// Runs the workflow with `args` (by parameter name; absent ones take their
    /// defaults). Fails only when the run cannot start; a run that starts always
    /// returns a report, whatever happens to its steps.
    pub fn run(&self, args: &[(Arc<str>, Value)]) -> Result<RunReport, RunError> {
        schedule::run(self, args)
    }

    fn workflow_id(&self) -> WorkflowId {
        self.workflow.workflow
    }
}
