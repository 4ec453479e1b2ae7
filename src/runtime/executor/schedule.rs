//! The scheduler: starts every step whose dependencies have ended, at most `parallel`
//! connector calls at a time, records every attempt as it ends, and, when the run is
//! cancelled, kills what it can, waits a grace period for the rest, and records what
//! became of every step.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Instant;

use jiff::Timestamp;
use serde_json::{Map, Value as Json};

use super::redact::Redactor;
use super::sensitive::sensitive_values;
use super::worker::Message;
use super::{Event, Executor, RunError, RunReport, StepReport};
use crate::compile::StepId;
use crate::eval::{Frame, new_frame};
use crate::ir::Value;
use crate::ir::WorkflowDef;
use crate::runtime::runlog::{AttemptStatus, Decision, Durability, RunId, RunStatus, StepAttempt};

/// How often the scheduler looks at the cancel flag while it waits for calls.
const POLL: std::time::Duration = std::time::Duration::from_millis(50);

/// A run in progress.
pub(super) struct Run<'x, 'e, 'a> {
    pub ex: &'x Executor<'e, 'a>,
    pub def: &'e WorkflowDef,
    pub frame: Frame,
    pub redactor: Redactor,
    pub id: RunId,
    pub reports: Vec<StepReport>,
    done: Vec<bool>,
    /// Dependencies of each step that have not ended yet.
    waiting: Vec<usize>,
    ready: BinaryHeap<Reverse<StepId>>,
    in_flight: usize,
    pub tx: Sender<Message>,
    rx: Receiver<Message>,
    pub log_error: Option<String>,
}

pub(super) fn run(ex: &Executor<'_, '_>, args: &[(Arc<str>, Value)]) -> Result<RunReport, RunError> {
    if !ex.workflow.is_runnable() {
        return Err(RunError::NotRunnable);
    }
    let def = ex
        .env
        .program
        .workflows
        .get(ex.workflow_id().index())
        .ok_or(RunError::NotRunnable)?;
    let mut frame = new_frame(def.locals);
    let mut redactor = Redactor::new();
    for value in sensitive_values(ex.env, def) {
        redactor.add(&value);
    }
    let mut problems = Vec::new();
    let mut bound = Vec::new();
    for param in &def.params {
        let value = match args.iter().find(|(name, _)| *name == param.name) {
            Some((_, value)) => value.clone(),
            None => match &param.default {
                Some(default) => match ex.env.eval(default, &mut frame) {
                    Ok(value) => value,
                    Err(e) => {
                        problems.push(e.to_diagnostic());
                        continue;
                    }
                },
                None => {
                    problems.push(
                        crate::diagnostics::Diagnostic::new(
                            crate::diagnostics::Code::UnknownArg,
                            format!("workflow `{}` needs its argument `{}`", def.name, param.name),
                        )
                        .at(param.span, "declared here")
                        .with_help(format!("pass it with `--arg {}=…`", param.name)),
                    );
                    continue;
                }
            },
        };
        redactor.learn(&value);
        if let Some(slot) = frame.get_mut(param.local.index()) {
            *slot = value.clone();
        }
        bound.push((param.name.to_string(), value));
    }
    let recorded_args: Map<String, Json> = bound
        .iter()
        .map(|(name, value)| (name.clone(), redactor.value(value)))
        .collect();
    if !problems.is_empty() {
        return Err(RunError::Arguments(problems));
    }
    let args_json = Json::Object(recorded_args);
    let id = ex.recorder.start_run(&def.name, &args_json).map_err(RunError::RunLog)?;
    let started_at = Timestamp::now();
    let n = def.steps.len();
    let (tx, rx) = mpsc::channel();
    let mut run = Run {
        ex,
        def,
        frame,
        redactor,
        id,
        reports: def
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| StepReport {
                step: StepId::from_index(i),
                name: s.name.clone(),
                status: AttemptStatus::Skipped,
                attempts: 0,
                started_at: None,
                ended_at: None,
                output: None,
                error: None,
                reason: None,
                decision: None,
                stderr: None,
            })
            .collect(),
        done: vec![false; n],
        waiting: ex.workflow.steps().map(|s| ex.workflow.dependencies(s).len()).collect(),
        ready: BinaryHeap::new(),
        in_flight: 0,
        tx,
        rx,
        log_error: None,
    };
    for step in ex.workflow.steps() {
        if run.waiting.get(step.index()) == Some(&0) {
            run.ready.push(Reverse(step));
        }
    }
    run.drive();
    let failed = run
        .reports
        .iter()
        .any(|r| matches!(r.status, AttemptStatus::Failed | AttemptStatus::TimedOut));
    let cancel = ex.options.cancel.reason();
    let status = if failed || cancel.is_some() {
        RunStatus::Failed
    } else {
        RunStatus::Succeeded
    };
    let error = match (&run.log_error, &cancel) {
        (Some(e), _) => Some(format!("the run log failed: {e}")),
        (None, Some(reason)) => Some(format!("the run was {reason}")),
        (None, None) => run
            .reports
            .iter()
            .find_map(|r| r.error.as_ref().map(|e| e.message.clone()))
            .filter(|_| failed),
    };
    if let Err(e) = ex.recorder.finish_run(&run.id, status, error.as_deref())
        && run.log_error.is_none()
    {
        run.log_error = Some(e.to_string());
    }
    let ended_at = Timestamp::now();
    let args = run.redactor.json(args_json);
    Ok(RunReport {
        run: run.id,
        workflow: def.name.clone(),
        status,
        started_at,
        ended_at,
        args,
        steps: run.reports,
        error,
        log_error: run.log_error,
    })
}

impl Run<'_, '_, '_> {
    /// The scheduling loop: returns when every step has ended, or when the run was
    /// cancelled and its calls ended or were abandoned.
    fn drive(&mut self) {
        let parallel = self.ex.options.parallel.max(1);
        let mut cancelled_at: Option<Instant> = None;
        loop {
            if cancelled_at.is_none() && self.ex.options.cancel.is_cancelled() {
                cancelled_at = Some(Instant::now());
            }
            while cancelled_at.is_none() && self.in_flight < parallel {
                let Some(Reverse(step)) = self.ready.pop() else {
                    break;
                };
                if self.start(step) {
                    self.in_flight += 1;
                }
                if self.ex.options.cancel.is_cancelled() {
                    cancelled_at = Some(Instant::now());
                }
            }
            if self.in_flight == 0 && (self.ready.is_empty() || cancelled_at.is_some()) {
                break;
            }
            let wait = match cancelled_at {
                Some(at) => {
                    let left = self.ex.options.grace.saturating_sub(at.elapsed());
                    if left.is_zero() {
                        break;
                    }
                    left.min(POLL)
                }
                None => POLL,
            };
            match self.rx.recv_timeout(wait) {
                Ok(message) => self.receive(message),
                Err(RecvTimeoutError::Timeout) => {}
                // Never: the run holds a sender.
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        if cancelled_at.is_some() {
            self.abandon();
        }
    }

    /// Records what became of the steps a cancelled run did not finish.
    fn abandon(&mut self) {
        let reason = self
            .ex
            .options
            .cancel
            .reason()
            .unwrap_or_else(|| "cancelled".to_owned());
        for step in self.ex.workflow.steps() {
            if self.is_done(step) {
                continue;
            }
            let running = self.report(step).is_some_and(|r| r.started_at.is_some());
            if running {
                // A call still in flight after the grace period: abandoned.
                let attempt = self.report(step).map_or(1, |r| r.attempts + 1);
                let now = Timestamp::now();
                let message = format!("the run was {reason} and the call was abandoned");
                let error = self.failure(step, crate::diagnostics::Code::StepFailed, &message, None);
                self.record(
                    StepAttempt {
                        step: self.name(step).to_owned(),
                        attempt,
                        status: AttemptStatus::Failed,
                        started_at: now,
                        ended_at: now,
                        output: None,
                        error: Some(error.cause.clone()),
                        stderr: None,
                        reason: None,
                    },
                    Durability::Synced,
                );
                if let Some(r) = self.report_mut(step) {
                    r.attempts = attempt;
                    r.ended_at = Some(now);
                    r.status = AttemptStatus::Failed;
                    r.error = Some(error);
                }
                self.mark_done(step);
            } else {
                self.skip(step, format!("the run was {reason} before it started"));
            }
        }
    }

    pub(super) fn name(&self, step: StepId) -> &str {
        self.ex.workflow.name_of(step)
    }

    pub(super) fn report(&self, step: StepId) -> Option<&StepReport> {
        self.reports.get(step.index())
    }

    pub(super) fn report_mut(&mut self, step: StepId) -> Option<&mut StepReport> {
        self.reports.get_mut(step.index())
    }

    pub(super) fn is_done(&self, step: StepId) -> bool {
        // INVARIANT: `done` has one entry per step of the compiled workflow. A step outside
        // it counts as done so that it is never started: no side effect runs unplanned.
        self.done.get(step.index()).copied().unwrap_or(true)
    }

    /// Durability of a record: flushed when it follows a side effect, or always when
    /// the options say so.
    pub(super) fn durability(&self, side_effect: bool) -> Durability {
        if side_effect || self.ex.options.sync_every_attempt {
            Durability::Synced
        } else {
            Durability::Committed
        }
    }

    /// Writes an attempt; a run log that fails stops the run.
    pub(super) fn record(&mut self, attempt: StepAttempt, durability: Durability) {
        if self.log_error.is_some() {
            return;
        }
        if let Err(e) = self.ex.recorder.record_attempt(&self.id, &attempt, durability) {
            self.log_error = Some(e.to_string());
            self.ex.options.cancel.cancel("stopped because the run log failed");
        }
    }

    pub(super) fn record_decision(&mut self, decision: &Decision, durability: Durability) {
        if self.log_error.is_some() {
            return;
        }
        if let Err(e) = self.ex.recorder.record_decision(&self.id, decision, durability) {
            self.log_error = Some(e.to_string());
            self.ex.options.cancel.cancel("stopped because the run log failed");
        }
    }

    pub(super) fn emit(&self, event: &Event<'_>) {
        if let Some(on_event) = self.ex.on_event {
            on_event(event);
        }
    }

    fn mark_done(&mut self, step: StepId) {
        if let Some(flag) = self.done.get_mut(step.index()) {
            *flag = true;
        }
    }

    /// Ends a step: its output becomes visible to the steps after it (null unless it
    /// succeeded), and those whose dependencies have all ended become ready.
    pub(super) fn finish(&mut self, step: StepId, output: Value) {
        if self.is_done(step) {
            return;
        }
        self.mark_done(step);
        if let Some(def) = self.def.steps.get(step.index())
            && let Some(slot) = self.frame.get_mut(def.local.index())
        {
            *slot = output;
        }
        if let (Some(on_event), Some(report)) = (self.ex.on_event, self.reports.get(step.index())) {
            on_event(&Event::StepEnded { step: report });
        }
        for &next in self.ex.workflow.dependents(step) {
            if let Some(w) = self.waiting.get_mut(next.index()) {
                *w = w.saturating_sub(1);
                if *w == 0 {
                    self.ready.push(Reverse(next));
                }
            }
        }
    }

    /// A message from a connector step's thread.
    fn receive(&mut self, message: Message) {
        let step = message.step();
        if self.is_done(step) {
            return;
        }
        let last = match &message {
            Message::Attempt { retry_after, .. } => retry_after.is_none(),
            Message::Stopped { .. } => true,
        };
        self.attempt_ended(message);
        if last {
            self.in_flight = self.in_flight.saturating_sub(1);
        }
    }
}
