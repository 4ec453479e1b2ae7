//! A fake for the `Connectors` trait: answers each action with a closure, records
//! every call, and measures how many calls were in flight at once.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use cpl::runtime::cancel::Cancel;
use cpl::runtime::connector::{Call, ConnectorError, Connectors, Reply};
use serde_json::Value;

type Handler = dyn Fn(&str, &Value, u32) -> Result<Value, ConnectorError> + Send + Sync;

/// One call the fake received.
#[derive(Clone, Debug)]
pub struct Received {
    pub action: String,
    pub args: Value,
    pub attempt: u32,
    pub at: Instant,
}

pub struct Fake {
    handler: Box<Handler>,
    pub calls: Mutex<Vec<Received>>,
    active: AtomicUsize,
    pub max_active: AtomicUsize,
    /// How long each call takes.
    pub delay: std::time::Duration,
}

impl Fake {
    /// Answers `handler(action, args, attempt)`.
    pub fn new(handler: impl Fn(&str, &Value, u32) -> Result<Value, ConnectorError> + Send + Sync + 'static) -> Fake {
        Fake {
            handler: Box::new(handler),
            calls: Mutex::new(Vec::new()),
            active: AtomicUsize::new(0),
            max_active: AtomicUsize::new(0),
            delay: std::time::Duration::ZERO,
        }
    }

    pub fn with_delay(mut self, delay: std::time::Duration) -> Fake {
        self.delay = delay;
        self
    }

    pub fn actions(&self) -> Vec<String> {
        self.calls.lock().unwrap().iter().map(|c| c.action.clone()).collect()
    }
}

/// A failure as an `exec` program's non-zero exit.
pub fn exit_failure(stderr: &str) -> ConnectorError {
    ConnectorError::Exit {
        command: "fake".to_owned(),
        code: Some(1),
        signal: None,
        stderr: stderr.to_owned(),
    }
}

impl Connectors for Fake {
    fn call(&self, call: &Call, cancel: &Cancel) -> Result<Reply, ConnectorError> {
        let (action, args, attempt) = match call {
            Call::Http(h) => {
                let attempt = h
                    .headers
                    .iter()
                    .find(|(n, _)| n == "x-cpl-attempt")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(0);
                (h.action.clone(), h.args.clone(), attempt)
            }
            Call::Exec(e) => {
                let attempt = e
                    .env
                    .iter()
                    .find(|(n, _)| n == "CPL_ATTEMPT")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(0);
                (e.action.clone(), e.args.clone(), attempt)
            }
        };
        self.calls.lock().unwrap().push(Received {
            action: action.clone(),
            args: args.clone(),
            attempt,
            at: Instant::now(),
        });
        let now = self.active.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_active.fetch_max(now, Ordering::SeqCst);
        let finished = cancel.sleep(self.delay);
        self.active.fetch_sub(1, Ordering::SeqCst);
        if !finished {
            return Err(ConnectorError::Cancelled {
                command: "fake".to_owned(),
                reason: cancel.reason().unwrap_or_default(),
                stderr: String::new(),
            });
        }
        (self.handler)(&action, &args, attempt).map(|value| Reply {
            value,
            stderr: Some(format!("fake {action} attempt {attempt}")),
        })
    }
}
