//! The evaluation environment: the checked program, the loaded data, and the host
//! through which the few impure built-ins (`now`, `env`, `secret`, `file_sha256`) reach
//! the outside world.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use super::error::EvalResult;
use crate::ir::Program;
use crate::ir::Value;
use crate::parallel::{Chunking, Jobs};
use crate::pattern::{PATTERN_CACHE_CAPACITY, PatternCache};
use crate::source::SourceMap;

/// What the evaluator needs from the world. The CLI provides the real one; tests
/// provide a fixed clock and environment.
pub trait Host: Sync {
    fn now(&self) -> jiff::Timestamp;
    fn env_var(&self, name: &str) -> Option<String>;
    /// Reads a file by a path relative to the project root. The diagnostic says why it
    /// cannot be read (it has no place: the caller knows where the path was written).
    fn read_file(&self, path: &Path) -> Result<Vec<u8>, crate::diagnostics::Diagnostic>;
}

/// A host with a fixed clock and environment, for tests and reproducible runs.
#[derive(Debug, Clone, Default)]
pub struct FixedHost {
    pub now: Option<jiff::Timestamp>,
    pub vars: HashMap<String, String>,
    pub files: HashMap<PathBuf, Vec<u8>>,
}

impl Host for FixedHost {
    fn now(&self) -> jiff::Timestamp {
        self.now.unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }

    fn env_var(&self, name: &str) -> Option<String> {
        self.vars.get(name).cloned()
    }

    fn read_file(&self, path: &Path) -> Result<Vec<u8>, crate::diagnostics::Diagnostic> {
        self.files.get(path).cloned().ok_or_else(|| {
            crate::diagnostics::Diagnostic::new(
                crate::diagnostics::Code::UnreadableFile,
                format!("cannot read `{}`: no such file", path.display()),
            )
        })
    }
}

/// Everything an evaluation reads. Shared by reference; constants are computed once.
pub struct Env<'a> {
    pub program: &'a Program,
    pub sources: &'a SourceMap,
    /// The value of each `source`, by id; `None` for an input that was not given.
    pub data: &'a [Option<Value>],
    pub host: &'a dyn Host,
    consts: Vec<OnceLock<EvalResult<Value>>>,
    /// Compiled `matches` patterns, bounded: patterns can come from data.
    regexes: Mutex<PatternCache>,
    /// Turns data origins into positions; shared so JSON files are indexed once.
    locator: Option<&'a crate::source::Locator>,
    own_locator: crate::source::Locator,
    /// The threads a long loop may use, and how it is cut (see `parts.rs`).
    pub(super) jobs: Jobs,
    pub(super) chunking: Chunking,
}

/// When a policy's `for` or a comprehension over a list is cut into chunks: from
/// 8 192 items, one chunk per job.
pub const LOOP_CHUNKING: Chunking = Chunking::per_job_from(8192);

impl<'a> Env<'a> {
    pub fn new(program: &'a Program, sources: &'a SourceMap, data: &'a [Option<Value>], host: &'a dyn Host) -> Env<'a> {
        Env {
            program,
            sources,
            data,
            host,
            // INVARIANT: one cell per `program.consts`, by `ConstId` (`const_cell`).
            consts: program.consts.iter().map(|_| OnceLock::new()).collect(),
            regexes: Mutex::new(PatternCache::new(PATTERN_CACHE_CAPACITY)),
            locator: None,
            own_locator: crate::source::Locator::new(),
            jobs: Jobs::ONE,
            chunking: LOOP_CHUNKING,
        }
    }

    /// Lets a long loop use `jobs` threads (one by default; the result never depends
    /// on it).
    pub fn with_jobs(mut self, jobs: Jobs) -> Env<'a> {
        self.jobs = jobs;
        self
    }

    /// Changes how loops are cut into chunks (the result never depends on it): tests
    /// cover every cut with it.
    pub fn with_chunking(mut self, chunking: Chunking) -> Env<'a> {
        self.chunking = chunking;
        self
    }

    /// Uses the data loader's locator, which already knows the files' layout.
    pub fn with_locator(mut self, locator: &'a crate::source::Locator) -> Env<'a> {
        self.locator = Some(locator);
        self
    }

    pub(super) fn locator(&self) -> &crate::source::Locator {
        self.locator.unwrap_or(&self.own_locator)
    }

    pub(super) fn const_cell(&self, index: usize) -> Option<&OnceLock<EvalResult<Value>>> {
        self.consts.get(index)
    }

    /// A compiled regular expression, from the bounded cache; an error for a pattern that
    /// does not compile or exceeds the size limit.
    pub(super) fn regex(&self, pattern: &Arc<str>) -> Result<Arc<regex::Regex>, String> {
        match self.regexes.lock() {
            Ok(mut cache) => cache.get_or_compile(pattern),
            // A thread that panicked while holding the cache left it unusable: compile
            // without it rather than fail the match.
            Err(_) => crate::pattern::compile_pattern(pattern).map(Arc::new),
        }
    }
}

/// The evaluator checks the loader's `where` constraints: for registry data and for
/// connector replies alike.
impl crate::ir::ConstraintEval for Env<'_> {
    fn holds(&self, constraint: &crate::ir::Constraint, value: &Value) -> Result<bool, String> {
        let mut frame = super::new_frame(constraint.locals.max(1));
        if let Some(slot) = frame.first_mut() {
            *slot = value.clone();
        }
        match self.eval(&constraint.expr, &mut frame) {
            Ok(Value::Bool(b)) => Ok(b),
            Ok(other) => Err(format!("the constraint gave a {}, not a bool", other.kind_name())),
            Err(e) => Err(e.message),
        }
    }
}
