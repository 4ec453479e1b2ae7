//! Workflows through the facade: the checks before a run (the workflow exists, its
//! arguments are typed, the project checks), the plan of a dry run, and a real run with
//! its run log, connectors and progress events chosen by the shell.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Session, Status, Stopped, named_args, unknown_item};
use crate::compile::CompiledWorkflow;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{ItemRef, Value, WorkflowDef};
use crate::runtime::connector::Connectors;
use crate::runtime::executor::{Event, Executor, Plan, RunOptions, RunReport, plan};
use crate::runtime::runlog::{RunLog, RunLogError, RunStatus};

/// A workflow with its arguments read and the project known to check.
pub struct Prepared<'s> {
    pub def: &'s WorkflowDef,
    pub compiled: &'s CompiledWorkflow,
    pub args: Vec<(Arc<str>, Value)>,
}

/// What a shell chooses about a run.
pub struct RunSetup<'a> {
    /// The run log; `None`: the project's (`runlog` in `cpl.toml`, else `.cpl/runs.db`).
    pub runlog: Option<PathBuf>,
    /// The most connector calls at once; `None`: the project's `max_parallel_steps`.
    pub parallel: Option<usize>,
    /// The connectors that really call (`runtime::connector::Live`), or a test's.
    pub connectors: Arc<dyn Connectors>,
    /// Settings beyond these (`cancel` for an interrupt handler, timeouts).
    pub options: RunOptions,
    /// Called as things happen, for a live display.
    pub on_event: Option<&'a dyn Fn(&Event<'_>)>,
}

/// A run that started, whatever became of its steps.
pub struct Ran {
    pub report: RunReport,
    /// The run log it was recorded in.
    pub runlog: PathBuf,
    /// The project's warnings and a diagnostic for every step that failed.
    pub diagnostics: Vec<Diagnostic>,
    pub status: Status,
}

impl Session {
    /// The workflow `name` with `args` (`name=value` texts): stops when it does not
    /// exist, an argument is wrong, or the project does not check.
    pub fn prepare(&self, name: &str, args: &[String]) -> Result<Prepared<'_>, Stopped> {
        let program = &self.project.program;
        let diagnostics = self.diagnostics();
        let Some((id, def)) = program.workflow(name) else {
            if diagnostics.has_errors() {
                return Err(Stopped::new(Status::CouldNotRun, diagnostics.into_vec()));
            }
            let unknown = unknown_item(program, name, "workflow", |r| matches!(r, ItemRef::Workflow(_)));
            return Err(Stopped::new(Status::CouldNotRun, vec![unknown]));
        };
        let args = named_args(args, "workflow", &def.name, &def.params, program)
            .map_err(|p| Stopped::new(Status::CouldNotRun, p))?;
        if diagnostics.has_errors() {
            // A program that does not check does not run.
            return Err(Stopped::new(Status::CouldNotRun, diagnostics.into_vec()));
        }
        // INVARIANT: the project compiles one DAG per workflow, by id.
        let compiled = self.project.workflows.get(id.index()).ok_or_else(|| {
            let d = Diagnostic::new(Code::InternalError, format!("workflow `{name}` was not compiled"));
            Stopped::new(Status::CouldNotRun, vec![d])
        })?;
        Ok(Prepared { def, compiled, args })
    }

    /// What a run of the workflow would do, calling and recording nothing.
    pub fn plan(&self, prepared: &Prepared<'_>) -> Plan {
        plan(&self.env(), prepared.compiled)
    }

    /// Runs the workflow and records it in the run log.
    pub fn run(&self, prepared: &Prepared<'_>, setup: RunSetup<'_>) -> Result<Ran, Stopped> {
        let root = &self.project.root;
        let runlog = match setup.runlog {
            Some(path) => path,
            None => self
                .project
                .config
                .runlog_path(root)
                .map_err(|d| Stopped::new(Status::CouldNotRun, vec![d]))?,
        };
        let log = RunLog::open(&runlog).map_err(|e| Stopped::new(Status::CouldNotRun, vec![runlog_error(&e)]))?;
        let mut options = setup.options;
        options.parallel = setup.parallel.unwrap_or(self.project.config.max_parallel_steps).max(1);
        let env = self.env();
        let executor = Executor {
            env: &env,
            workflow: prepared.compiled,
            connectors: setup.connectors,
            recorder: &log,
            options,
            on_event: setup.on_event,
            describe_decision: &crate::report::decision_record_json,
        };
        let report = executor
            .run(&prepared.args)
            .map_err(|e| Stopped::new(Status::CouldNotRun, e.diagnostics(&prepared.def.name)))?;
        let mut diagnostics = self.diagnostics().into_vec();
        diagnostics.extend(report.diagnostics());
        let status = if report.log_error.is_some() {
            Status::CouldNotRun
        } else if report.status == RunStatus::Succeeded {
            Status::Passed
        } else {
            Status::Failed
        };
        Ok(Ran {
            report,
            runlog,
            diagnostics,
            status,
        })
    }
}

/// A run log that cannot be used. Its errors name the file already.
pub fn runlog_error(e: &RunLogError) -> Diagnostic {
    Diagnostic::new(Code::RunLog, e.to_string())
        .with_help("pass another one with `--runlog PATH`, or set `runlog` in `cpl.toml`")
}

/// The path as messages show it: relative to the project root when inside it.
pub fn shown(path: &Path, root: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}
