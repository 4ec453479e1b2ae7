//! What the executor records a run into: the SQLite [`RunLog`], or memory (dry runs,
//! tests, benchmarks of the executor alone).

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use serde_json::Value;

use super::{Decision, Durability, RunId, RunLog, RunLogError, RunStatus, StepAttempt};

/// A sink for the records of runs. Every method commits before it returns (with the
/// durability asked for, where there is a choice).
pub trait RunRecorder {
    /// Records that a run of `workflow` started, with its (redacted) arguments.
    fn start_run(&self, workflow: &str, args: &Value) -> Result<RunId, RunLogError>;
    fn record_attempt(&self, run: &RunId, attempt: &StepAttempt, durability: Durability) -> Result<(), RunLogError>;
    fn record_decision(&self, run: &RunId, decision: &Decision, durability: Durability) -> Result<(), RunLogError>;
    fn finish_run(&self, run: &RunId, status: RunStatus, error: Option<&str>) -> Result<(), RunLogError>;
    /// Where the records go, for messages (`.cpl/runs.db`).
    fn describe(&self) -> String;
}

impl RunRecorder for RunLog {
    fn start_run(&self, workflow: &str, args: &Value) -> Result<RunId, RunLogError> {
        RunLog::start_run(self, workflow, args)
    }

    fn record_attempt(&self, run: &RunId, attempt: &StepAttempt, durability: Durability) -> Result<(), RunLogError> {
        self.record_attempt_with(run, attempt, durability)
    }

    fn record_decision(&self, run: &RunId, decision: &Decision, durability: Durability) -> Result<(), RunLogError> {
        self.record_decision_with(run, decision, durability)
    }

    fn finish_run(&self, run: &RunId, status: RunStatus, error: Option<&str>) -> Result<(), RunLogError> {
        RunLog::finish_run(self, run, status, error)
    }

    fn describe(&self) -> String {
        self.path().display().to_string()
    }
}

/// Records kept in memory, in the order written.
#[derive(Debug, Default)]
pub struct MemoryRecorder {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    memory: Memory,
    /// (run, step, attempt) of every attempt, to refuse duplicates in constant time.
    attempts: HashSet<(String, String, u32)>,
}

/// Everything a [`MemoryRecorder`] was given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Memory {
    pub runs: Vec<MemoryRun>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MemoryRun {
    pub id: RunId,
    pub workflow: String,
    pub args: Value,
    pub status: RunStatus,
    pub error: Option<String>,
    pub attempts: Vec<StepAttempt>,
    pub decisions: Vec<Decision>,
}

impl MemoryRecorder {
    pub fn new() -> MemoryRecorder {
        MemoryRecorder::default()
    }

    /// A copy of everything recorded so far.
    pub fn snapshot(&self) -> Memory {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).memory.clone()
    }

    fn with_run<T>(
        &self,
        run: &RunId,
        f: impl FnOnce(&mut MemoryRun, &mut HashSet<(String, String, u32)>) -> Result<T, RunLogError>,
    ) -> Result<T, RunLogError> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let State { memory, attempts } = &mut *state;
        match memory.runs.iter_mut().rev().find(|r| r.id == *run) {
            Some(found) if found.status.is_finished() => Err(RunLogError::AlreadyFinished(run.clone())),
            Some(found) => f(found, attempts),
            None => Err(RunLogError::UnknownRun(run.clone())),
        }
    }
}

impl RunRecorder for MemoryRecorder {
    fn start_run(&self, workflow: &str, args: &Value) -> Result<RunId, RunLogError> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let id = RunId::new(format!("memory-{}", state.memory.runs.len() + 1));
        state.memory.runs.push(MemoryRun {
            id: id.clone(),
            workflow: workflow.to_owned(),
            args: args.clone(),
            status: RunStatus::Running,
            error: None,
            attempts: Vec::new(),
            decisions: Vec::new(),
        });
        Ok(id)
    }

    fn record_attempt(&self, run: &RunId, attempt: &StepAttempt, _: Durability) -> Result<(), RunLogError> {
        if attempt.attempt == 0 {
            return Err(RunLogError::InvalidAttempt {
                step: attempt.step.clone(),
            });
        }
        self.with_run(run, |r, seen| {
            if !seen.insert((run.to_string(), attempt.step.clone(), attempt.attempt)) {
                return Err(RunLogError::DuplicateAttempt {
                    run: run.clone(),
                    step: attempt.step.clone(),
                    attempt: attempt.attempt,
                });
            }
            r.attempts.push(attempt.clone());
            Ok(())
        })
    }

    fn record_decision(&self, run: &RunId, decision: &Decision, _: Durability) -> Result<(), RunLogError> {
        self.with_run(run, |r, _| {
            r.decisions.push(decision.clone());
            Ok(())
        })
    }

    fn finish_run(&self, run: &RunId, status: RunStatus, error: Option<&str>) -> Result<(), RunLogError> {
        if !status.is_finished() {
            return Err(RunLogError::NotAnEnd);
        }
        self.with_run(run, |r, _| {
            r.status = status;
            r.error = error.map(str::to_owned);
            Ok(())
        })
    }

    fn describe(&self) -> String {
        "memory".to_owned()
    }
}
