//! Connectors: the calls a workflow step makes to the outside world. An `http`
//! connector posts the arguments as JSON and reads a JSON reply ([`call_http`]); an
//! `exec` connector runs a program with the arguments as JSON on standard input and
//! reads one JSON value from its standard output ([`call_exec`]).
//!
//! Both take and return `serde_json::Value`: checking a reply against the action's
//! declared type is the executor's job. Errors never repeat header values (they may
//! hold credentials); they quote at most [`EXCERPT_CHARS`] characters of a reply.

mod exec;
mod http;

pub use exec::{ExecCall, ExecOutput, STDERR_LIMIT, STDOUT_LIMIT, call_exec, call_exec_until, program_outside_root};
pub use http::{BODY_LIMIT, HttpCall, call_http};

use std::fmt;

use crate::runtime::cancel::Cancel;
use crate::time::Duration;

/// One call of a connector action, as plain data.
#[derive(Clone, Debug, PartialEq)]
pub enum Call {
    Http(HttpCall),
    Exec(ExecCall),
}

impl Call {
    /// What is called, for plans and messages: `POST http://…/retrain` or the command.
    pub fn display(&self) -> String {
        match self {
            Call::Http(call) => format!("POST {}", call.url()),
            Call::Exec(call) => call.display(),
        }
    }
}

/// What a successful call returned.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub value: serde_json::Value,
    /// What an `exec` program wrote to standard error.
    pub stderr: Option<String>,
}

/// Makes connector calls. The executor holds one; [`Live`] calls the real services and
/// programs, tests substitute their own.
pub trait Connectors: Send + Sync {
    /// Makes one call. A call that can be stopped (a program) ends early when `cancel`
    /// is set; an HTTP call runs to its timeout.
    fn call(&self, call: &Call, cancel: &Cancel) -> Result<Reply, ConnectorError>;
}

/// The real connectors: [`call_http`] and [`call_exec_until`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Live;

impl Connectors for Live {
    fn call(&self, call: &Call, cancel: &Cancel) -> Result<Reply, ConnectorError> {
        match call {
            Call::Http(http) => call_http(http).map(|value| Reply { value, stderr: None }),
            Call::Exec(exec) => call_exec_until(exec, cancel).map(|out| Reply {
                value: out.value,
                stderr: Some(out.stderr),
            }),
        }
    }
}

/// The most characters of a reply, output or standard error an error message quotes.
pub const EXCERPT_CHARS: usize = 500;

/// Why a connector call failed.
#[derive(Clone, Debug, PartialEq)]
pub enum ConnectorError {
    /// The call cannot be made as given (no command, a bad URL, a zero timeout, …).
    InvalidCall(String),
    /// Nothing accepts connections at the address.
    ConnectionRefused { url: String },
    /// The service cannot be reached: unknown host, no route, a TLS failure.
    Unreachable { url: String, reason: String },
    /// No complete reply within the call's timeout.
    HttpTimeout { url: String, after: Duration },
    /// The exchange broke off after it started (connection reset, protocol error).
    Http { url: String, reason: String },
    /// The service answered with a status outside 200–299.
    HttpStatus {
        url: String,
        status: u16,
        /// The start of the reply's body.
        excerpt: String,
    },
    /// The program could not be started.
    Spawn { program: String, reason: String },
    /// The program ran past its timeout and was killed, with everything it started.
    ExecTimeout {
        command: String,
        after: Duration,
        stderr: String,
    },
    /// The program exited with a non-zero code or was killed by a signal.
    Exit {
        command: String,
        /// `None` when a signal ended it.
        code: Option<i32>,
        signal: Option<i32>,
        stderr: String,
    },
    /// The run was cancelled while the program ran; it was killed with what it started.
    Cancelled {
        command: String,
        reason: String,
        stderr: String,
    },
    /// Talking to the program failed (its pipes, waiting for it).
    Io {
        command: String,
        reason: String,
        stderr: String,
    },
    /// The reply (of a URL) or the output (of a command) is not one JSON value.
    NotJson {
        /// `` the reply of `POST …` `` or `` the output of `…` ``, for messages.
        what: String,
        reason: String,
        excerpt: String,
        /// The program's standard error, for `exec`.
        stderr: Option<String>,
    },
    /// The reply or output is larger than the connector reads.
    TooLarge {
        what: String,
        limit: u64,
        stderr: Option<String>,
    },
}

impl ConnectorError {
    /// What the program wrote to standard error, for `exec` failures that ran it.
    pub fn stderr(&self) -> Option<&str> {
        match self {
            ConnectorError::ExecTimeout { stderr, .. }
            | ConnectorError::Cancelled { stderr, .. }
            | ConnectorError::Exit { stderr, .. }
            | ConnectorError::Io { stderr, .. } => Some(stderr),
            ConnectorError::NotJson { stderr, .. } | ConnectorError::TooLarge { stderr, .. } => stderr.as_deref(),
            _ => None,
        }
    }

    /// Whether the call ran out of time (a step attempt that is `timed_out`).
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            ConnectorError::HttpTimeout { .. } | ConnectorError::ExecTimeout { .. }
        )
    }
}

impl fmt::Display for ConnectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectorError::InvalidCall(message) => f.write_str(message),
            ConnectorError::ConnectionRefused { url } => {
                write!(f, "connection to `{url}` refused: nothing is listening there")
            }
            ConnectorError::Unreachable { url, reason } => {
                write!(f, "cannot reach `{url}`: {reason}")
            }
            ConnectorError::HttpTimeout { url, after } => {
                write!(f, "`POST {url}` got no complete reply within {after}")
            }
            ConnectorError::Http { url, reason } => write!(f, "`POST {url}` failed: {reason}"),
            ConnectorError::HttpStatus { url, status, excerpt } => {
                write!(f, "`POST {url}` answered with status {status}")?;
                if excerpt.is_empty() {
                    f.write_str(" and an empty body")
                } else {
                    write!(f, ": {excerpt}")
                }
            }
            ConnectorError::Spawn { program, reason } => {
                write!(f, "cannot start `{program}`: {reason}")
            }
            ConnectorError::ExecTimeout { command, after, .. } => {
                write!(f, "`{command}` did not finish within {after} and was killed")
            }
            ConnectorError::Exit {
                command,
                code,
                signal,
                stderr,
            } => {
                match (code, signal) {
                    (Some(code), _) => write!(f, "`{command}` exited with code {code}")?,
                    (None, Some(signal)) => write!(f, "`{command}` was killed by signal {signal}")?,
                    (None, None) => write!(f, "`{command}` failed")?,
                }
                let tail = tail_excerpt(stderr);
                if tail.is_empty() {
                    f.write_str(" and wrote nothing to standard error")
                } else {
                    write!(f, ": {tail}")
                }
            }
            ConnectorError::Cancelled { command, reason, .. } => {
                if reason.is_empty() {
                    write!(f, "`{command}` was stopped: the run was cancelled")
                } else {
                    write!(f, "`{command}` was stopped: the run was {reason}")
                }
            }
            ConnectorError::Io { command, reason, .. } => {
                write!(f, "cannot talk to `{command}`: {reason}")
            }
            ConnectorError::NotJson {
                what, reason, excerpt, ..
            } => {
                write!(f, "{what} is not JSON ({reason})")?;
                if excerpt.is_empty() {
                    Ok(())
                } else {
                    write!(f, ": {excerpt}")
                }
            }
            ConnectorError::TooLarge { what, limit, .. } => {
                write!(f, "{what} is larger than the {limit} bytes cpl reads")
            }
        }
    }
}

impl std::error::Error for ConnectorError {}

/// The first [`EXCERPT_CHARS`] characters of `text`, on one line, `…` marking a cut.
pub(crate) fn excerpt(text: &str) -> String {
    let text = text.trim();
    let mut out = String::new();
    let mut chars = text.chars();
    for c in chars.by_ref().take(EXCERPT_CHARS) {
        push_one_line(&mut out, c);
    }
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// The last [`EXCERPT_CHARS`] characters of `text`, on one line: the end of a
/// program's standard error is where its traceback says what went wrong.
pub(crate) fn tail_excerpt(text: &str) -> String {
    let text = text.trim();
    let count = text.chars().count();
    let skip = count.saturating_sub(EXCERPT_CHARS);
    let mut out = String::new();
    if skip > 0 {
        out.push('…');
    }
    for c in text.chars().skip(skip) {
        push_one_line(&mut out, c);
    }
    out
}

fn push_one_line(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push(' '),
        c if c.is_control() => out.extend(c.escape_default()),
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_one_line_and_bounded() {
        assert_eq!(excerpt("  {\"a\":\n1}\n"), "{\"a\":\\n1}");
        let long = "x".repeat(EXCERPT_CHARS + 10);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(excerpt(&"é".repeat(EXCERPT_CHARS)), "é".repeat(EXCERPT_CHARS));
    }

    #[test]
    fn tail_excerpts_keep_the_end() {
        let text = format!("{}\nValueError: bad model", "frame\n".repeat(200));
        let tail = tail_excerpt(&text);
        assert!(tail.starts_with('…'));
        assert!(tail.ends_with("ValueError: bad model"));
        assert_eq!(tail.chars().count(), EXCERPT_CHARS + 1 + tail.matches("\\n").count());
        assert_eq!(tail_excerpt("short\n"), "short");
    }

    #[test]
    fn messages_are_lowercase_without_a_period() {
        let errors = [
            ConnectorError::ConnectionRefused {
                url: "http://127.0.0.1:1/x".into(),
            },
            ConnectorError::Exit {
                command: "python3 a.py go".into(),
                code: Some(2),
                signal: None,
                stderr: String::new(),
            },
            ConnectorError::HttpStatus {
                url: "http://h/x".into(),
                status: 503,
                excerpt: String::new(),
            },
        ];
        for e in errors {
            let text = e.to_string();
            assert!(!text.ends_with('.'), "{text}");
            assert!(!text.starts_with(char::is_uppercase), "{text}");
        }
    }
}
