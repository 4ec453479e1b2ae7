//! A connector step's thread: makes the call, retries it with exponential backoff, and
//! reports each attempt to the scheduler as it ends. It owns only plain data, so the
//! scheduler can abandon it (an HTTP call cannot be stopped) when a run is interrupted.

use std::sync::Arc;
use std::sync::mpsc::Sender;

use jiff::Timestamp;

use crate::compile::StepId;
use crate::runtime::backoff;
use crate::runtime::cancel::Cancel;
use crate::runtime::connector::{Call, ConnectorError, Connectors, Reply};
use crate::time::Duration;

/// One connector step to carry out.
pub(super) struct Job {
    pub step: StepId,
    pub call: Call,
    /// 1 + retries.
    pub attempts: u32,
    pub backoff: Duration,
    /// Identifies the attempt to the program or service.
    pub run: String,
    pub workflow: String,
    pub step_name: String,
}

/// What a worker tells the scheduler.
pub(super) enum Message {
    /// An attempt ended. `retry_after` is set when another attempt follows.
    Attempt {
        step: StepId,
        attempt: u32,
        started: Timestamp,
        ended: Timestamp,
        result: Result<Reply, ConnectorError>,
        retry_after: Option<Duration>,
    },
    /// The run was cancelled while the step waited to retry: no attempt follows.
    Stopped { step: StepId },
}

impl Message {
    pub(super) fn step(&self) -> StepId {
        match self {
            Message::Attempt { step, .. } | Message::Stopped { step } => *step,
        }
    }
}

/// Starts the job's thread. `false` if no thread could be started (the job's first
/// attempt is then reported as failed by the caller).
pub(super) fn spawn(job: Job, connectors: Arc<dyn Connectors>, cancel: Cancel, tx: Sender<Message>) -> bool {
    std::thread::Builder::new()
        .name(format!("step {}", job.step_name))
        .spawn(move || work(&job, &*connectors, &cancel, &tx))
        .is_ok()
}

fn work(job: &Job, connectors: &dyn Connectors, cancel: &Cancel, tx: &Sender<Message>) {
    let attempts = job.attempts.max(1);
    for attempt in 1..=attempts {
        let call = with_identity(&job.call, job, attempt);
        let started = Timestamp::now();
        let result = connectors.call(&call, cancel);
        let ended = Timestamp::now();
        let retry_after = match &result {
            Err(e) if attempt < attempts && retryable(e) && !cancel.is_cancelled() => {
                Some(backoff::delay(attempt, job.backoff))
            }
            _ => None,
        };
        let last = retry_after.is_none();
        let message = Message::Attempt {
            step: job.step,
            attempt,
            started,
            ended,
            result,
            retry_after,
        };
        if tx.send(message).is_err() || last {
            return;
        }
        let wait = retry_after.unwrap_or(Duration::ZERO);
        if !cancel.sleep(wait.to_std()) {
            let _ = tx.send(Message::Stopped { step: job.step });
            return;
        }
    }
}

/// Failures that another attempt may not repeat. A call that cannot be made as given,
/// a program that does not exist, or a cancelled run will fail the same way again.
fn retryable(error: &ConnectorError) -> bool {
    !matches!(
        error,
        ConnectorError::InvalidCall(_) | ConnectorError::Spawn { .. } | ConnectorError::Cancelled { .. }
    )
}

/// The call with the run's identity: `CPL_RUN_ID`, `CPL_WORKFLOW`, `CPL_STEP` and
/// `CPL_ATTEMPT` for a program; `x-cpl-run-id`, `x-cpl-step`, `x-cpl-attempt` and an
/// `idempotency-key` (the same for every attempt of the step in the run) for a service.
fn with_identity(call: &Call, job: &Job, attempt: u32) -> Call {
    let mut call = call.clone();
    match &mut call {
        Call::Exec(exec) => {
            exec.env.extend([
                ("CPL_RUN_ID".to_owned(), job.run.clone()),
                ("CPL_WORKFLOW".to_owned(), job.workflow.clone()),
                ("CPL_STEP".to_owned(), job.step_name.clone()),
                ("CPL_ATTEMPT".to_owned(), attempt.to_string()),
            ]);
        }
        Call::Http(http) => {
            http.headers.extend([
                ("x-cpl-run-id".to_owned(), job.run.clone()),
                ("x-cpl-step".to_owned(), job.step_name.clone()),
                ("x-cpl-attempt".to_owned(), attempt.to_string()),
                ("idempotency-key".to_owned(), format!("{}/{}", job.run, job.step_name)),
            ]);
        }
    }
    call
}
