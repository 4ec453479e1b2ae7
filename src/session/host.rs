//! The real world as evaluation sees it: the clock (pinned by `CPL_NOW` for reproducible
//! runs), environment variables (the process's, or a fixed set for tests and servers),
//! and the project's files, read inside its root.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostics::{Code, Diagnostic};
use crate::eval::Host;

/// Where `env()` and `secret()` read variables from.
#[derive(Clone, Debug, Default)]
pub enum Vars {
    /// The process environment.
    #[default]
    Process,
    /// A fixed set: fixtures, and shells that must not leak their own environment.
    Fixed(HashMap<String, String>),
}

/// The host of every shell: one clock for the whole command, variables from [`Vars`],
/// files through [`crate::project::read_project_file`] (inside the root, regular, bounded).
#[derive(Clone, Debug)]
pub struct SystemHost {
    pub root: PathBuf,
    pub now: jiff::Timestamp,
    pub vars: Vars,
}

impl Host for SystemHost {
    fn now(&self) -> jiff::Timestamp {
        self.now
    }

    fn env_var(&self, name: &str) -> Option<String> {
        match &self.vars {
            Vars::Process => std::env::var(name).ok(),
            Vars::Fixed(vars) => vars.get(name).cloned(),
        }
    }

    fn read_file(&self, path: &Path) -> Result<Vec<u8>, Diagnostic> {
        crate::project::read_project_file(&self.root, path)
    }
}

/// The current time, or `CPL_NOW` when set (an RFC 3339 timestamp or a date).
pub fn clock_from_env() -> Result<jiff::Timestamp, Diagnostic> {
    match std::env::var("CPL_NOW") {
        Ok(text) if !text.trim().is_empty() => crate::time::parse_timestamp(&text).map_err(|e| {
            Diagnostic::new(Code::InvalidArg, format!("`CPL_NOW` is not a time: {e}"))
                .with_help("set it to a date (`2027-01-31`) or an RFC 3339 timestamp, or unset it")
        }),
        _ => Ok(jiff::Timestamp::now()),
    }
}
