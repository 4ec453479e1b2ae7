//! The workflow commands of issue #3: `run`, `runs`, `slo` and `graph`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};
use serde_json::json;

use super::commands::{Inputs, exit, open, root};
use super::{Exit, Output, interrupt, paths};
use crate::diagnostics::{Code, Diagnostic, Diagnostics, did_you_mean};
use crate::ir::ItemRef;
use crate::project::Config;
use crate::report::{self, Format, graph, runs};
use crate::runtime::connector::Live;
use crate::runtime::executor::{Event, Plan, RunOptions};
use crate::runtime::objectives;
use crate::runtime::runlog::{RunFilter, RunId, RunListing, RunLog, RunStatus};
use crate::session::{RunSetup, Stopped, runlog_error, shown, unknown_item};
use crate::source::SourceMap;

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The workflow to run.
    pub workflow: String,
    /// A workflow argument, read as the parameter's type: `--arg drift=0.22`.
    #[arg(long, value_name = "NAME=VALUE")]
    pub arg: Vec<String>,
    /// Binds a `source … = input`: `--input plan=tfplan.json`.
    #[arg(long, value_name = "NAME=FILE")]
    pub input: Vec<String>,
    /// The format of `--input NAME=-` (standard input) and of input files without a
    /// known extension: json, yaml, toml or csv.
    #[arg(long, value_name = "FORMAT")]
    pub input_format: Option<String>,
    /// Print the plan (order, conditions, what would be called); call and record nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// At most N connector calls at once [default: `max_parallel_steps` in cpl.toml, else 4].
    #[arg(long, value_name = "N")]
    pub parallel: Option<usize>,
    /// The run log [default: `runlog` in cpl.toml, else `.cpl/runs.db` in the project].
    #[arg(long, value_name = "PATH")]
    pub runlog: Option<PathBuf>,
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RunsArgs {
    #[command(subcommand)]
    pub command: Option<RunsCommand>,
    /// Only runs of this workflow.
    #[arg(long, value_name = "NAME")]
    pub workflow: Option<String>,
    /// Only runs with this status: running, succeeded or failed.
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,
    /// At most N runs, newest first (0 for all).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,
    /// The run log [default: `runlog` in cpl.toml, else `.cpl/runs.db` in the project].
    #[arg(long, value_name = "PATH", global = true)]
    pub runlog: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum RunsCommand {
    /// Show one run: every attempt of every step, outputs, errors and decisions.
    #[command(
        after_help = "Examples:\n  cpl runs show 20261122T101530123Z-3f9a1c2b\n  cpl runs show 20261122T101530123Z-3f9a1c2b --runlog /srv/cpl/runs.db --format json"
    )]
    Show {
        /// The run's id, as `cpl run` and `cpl runs` print it.
        run_id: String,
    },
}

#[derive(Args, Debug)]
pub struct SloArgs {
    /// Only this `slo` (default: all of them).
    pub name: Option<String>,
    /// The run log [default: `runlog` in cpl.toml, else `.cpl/runs.db` in the project].
    #[arg(long, value_name = "PATH")]
    pub runlog: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct GraphArgs {
    /// The workflow to draw.
    pub workflow: String,
}

/// The run log's path: `--runlog` (relative to the current directory), else the
/// project's `runlog` setting (relative to the root), which must stay inside the root.
/// `--runlog` is the user's own choice and may name any file; `cpl.toml` comes with the
/// repository, maybe from a pull request, and may not make cpl write elsewhere.
fn runlog_path(flag: Option<&Path>, root: &Path, config: &Config) -> Result<PathBuf, Diagnostic> {
    match flag {
        Some(path) => Ok(path.to_path_buf()),
        None => config.runlog_path(root),
    }
}

/// The run log `runs` and `slo` read: as [`runlog_path`], and a `--runlog` that names no
/// file is an error, since reading must not create one.
fn log_to_read(flag: Option<&Path>, root: &Path, config: &Config) -> Result<PathBuf, Diagnostic> {
    if let Some(path) = flag {
        paths::must_exist(path, "--runlog")?;
    }
    runlog_path(flag, root, config)
}

/// `cpl run WORKFLOW`.
pub fn run(project: Option<&Path>, args: &RunArgs, out: &mut Output) -> Exit {
    let session = match open(project, Inputs::new(&args.input, &args.input_format), None, None, out) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    let anchor = session.anchor();
    let stop = |stopped: Stopped| {
        out.diagnostics(&stopped.diagnostics, &session.project.sources, anchor.clone());
        exit(stopped.status)
    };
    let prepared = match session.prepare(&args.workflow, &args.arg) {
        Ok(prepared) => prepared,
        Err(stopped) => return stop(stopped),
    };
    if args.parallel == Some(0) {
        out.fatal(
            Diagnostic::new(Code::InvalidArg, "`--parallel 0` would run nothing")
                .with_help("give at least 1; steps that call nothing outside do not count"),
        );
        return Exit::Error;
    }
    if args.dry_run {
        return dry_run(&session.plan(&prepared), out);
    }
    let options = RunOptions::new(session.project.root.clone());
    let _guard = interrupt::watch(options.cancel.clone());
    let human = out.format == Format::Human;
    let progress = |event: &Event<'_>| {
        if human {
            progress_line(event);
        }
    };
    let setup = RunSetup {
        runlog: args.runlog.clone(),
        parallel: args.parallel,
        connectors: Arc::new(Live),
        options,
        on_event: Some(&progress),
    };
    let ran = match session.run(&prepared, setup) {
        Ok(ran) => ran,
        Err(stopped) => return stop(stopped),
    };
    let program = session.program();
    let (sources, root) = (&session.project.sources, &session.project.root);
    let calls: Vec<String> = prepared
        .def
        .steps
        .iter()
        .map(|s| graph::call_name(program, s))
        .collect();
    match out.format {
        Format::Json => out.json(&json!({
            "version": report::JSON_VERSION,
            "run": runs::run_json(&ran.report),
            "runlog": shown(&ran.runlog, root),
            "diagnostics": ran.diagnostics.iter().map(|d| report::diagnostic_to_json(d, sources, &out.paths)).collect::<Vec<_>>(),
        })),
        Format::Human => {
            for line in runs::run_lines(&ran.report, &calls, &shown(&ran.runlog, root)) {
                out.line(&line);
            }
            if !ran.diagnostics.is_empty() {
                let _ = writeln!(std::io::stderr().lock());
                out.diagnostics(&ran.diagnostics, sources, anchor.clone());
            }
        }
        _ => out.diagnostics(&ran.diagnostics, sources, anchor.clone()),
    }
    exit(ran.status)
}

/// `cpl run --dry-run`: the plan, in a format that can show one.
fn dry_run(plan: &Plan, out: &Output) -> Exit {
    match out.format {
        Format::Json => out.json(&json!({ "version": report::JSON_VERSION, "plan": runs::plan_json(plan) })),
        Format::Human => {
            for line in runs::plan_lines(plan) {
                out.line(&line);
            }
        }
        // A plan is not a list of findings: in a findings format it would be read
        // as "nothing found", or would break the consumer's parser.
        _ => {
            out.fatal(
                Diagnostic::new(
                    Code::InvalidArg,
                    format!("`--dry-run` prints a plan, which has no `{}` form", out.format.as_str()),
                )
                .with_help("use `--format human` or `--format json`"),
            );
            return Exit::Error;
        }
    }
    Exit::Success
}

/// A live line on standard error while a run goes on.
fn progress_line(event: &Event<'_>) {
    let line = match event {
        Event::Log { step, message } => format!("[{step}] {message}"),
        Event::Calling { step, call } => format!("[{step}] calling {call}"),
        Event::Retrying {
            step,
            attempt,
            error,
            wait,
        } => format!("[{step}] attempt {attempt} failed: {error}; retrying in {wait}"),
        Event::StepEnded { .. } => return,
    };
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Text on standard output as it is (a closed pipe is not an error worth a word).
fn stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// The project root and its settings, for commands that need no `.cp` file.
fn project_config(project: Option<&Path>, out: &Output) -> Result<(PathBuf, Config), Exit> {
    let root = root(project).map_err(|d| {
        out.fatal(d);
        Exit::Error
    })?;
    let mut sources = SourceMap::new();
    let mut problems = Diagnostics::new();
    let config = Config::load(&root, &mut sources, &mut problems);
    if problems.has_errors() {
        out.diagnostics(&problems.into_vec(), &sources, None);
        return Err(Exit::Error);
    }
    Ok((root, config))
}

/// Opens an existing run log for reading only (it may be on a read-only file); `None`
/// when there is none yet.
fn existing_log(path: &Path, out: &Output) -> Result<Option<RunLog>, Exit> {
    if !path.exists() {
        return Ok(None);
    }
    RunLog::open_read_only(path).map(Some).map_err(|e| {
        out.fatal(runlog_error(&e));
        Exit::Error
    })
}

/// A run log to read: the project root, the log's path, and the log (`None` when there
/// is none yet).
pub(super) struct Reading {
    pub root: PathBuf,
    pub path: PathBuf,
    pub log: Option<RunLog>,
}

/// The run log of the project (or `--runlog`) opened for reading. What cannot be found or
/// opened is reported.
pub(super) fn log_for_reading(project: Option<&Path>, flag: Option<&Path>, out: &Output) -> Result<Reading, Exit> {
    let (root, config) = project_config(project, out)?;
    let path = log_to_read(flag, &root, &config).map_err(|problem| {
        out.fatal(problem);
        Exit::Error
    })?;
    let log = existing_log(&path, out)?;
    Ok(Reading { root, path, log })
}

/// `cpl runs` and `cpl runs show ID`.
pub fn runs(project: Option<&Path>, args: &RunsArgs, out: &mut Output) -> Exit {
    let Reading { root, path, log } = match log_for_reading(project, args.runlog.as_deref(), out) {
        Ok(reading) => reading,
        Err(exit) => return exit,
    };
    if let Some(RunsCommand::Show { run_id }) = &args.command {
        let detail = match log.as_ref().map(|l| l.get_run(&RunId::new(run_id.as_str()))) {
            Some(Ok(detail)) => detail,
            Some(Err(e)) => {
                out.fatal(runlog_error(&e));
                return Exit::Error;
            }
            None => None,
        };
        let Some(detail) = detail else {
            out.fatal(
                Diagnostic::new(
                    Code::UnknownItem,
                    format!("no run `{run_id}` in `{}`", shown(&path, &root)),
                )
                .with_help("`cpl runs` lists the recorded runs"),
            );
            return Exit::Error;
        };
        match out.format {
            Format::Json => {
                out.json(&json!({ "version": report::JSON_VERSION, "run": runs::run_detail_json(&detail) }))
            }
            _ => {
                for line in runs::run_detail_lines(&detail) {
                    out.line(&line);
                }
            }
        }
        return Exit::Success;
    }
    let status = match args.status.as_deref().map(str::parse::<RunStatus>) {
        None => None,
        Some(Ok(status)) => Some(status),
        Some(Err(_)) => {
            let given = args.status.as_deref().unwrap_or_default();
            let help = did_you_mean(given, ["running", "succeeded", "failed"])
                .unwrap_or_else(|| "the statuses are `running`, `succeeded` and `failed`".to_owned());
            out.fatal(
                Diagnostic::new(Code::InvalidArg, format!("`--status {given}` is not a run status")).with_help(help),
            );
            return Exit::Error;
        }
    };
    let filter = RunFilter {
        workflow: args.workflow.clone(),
        status,
        limit: (args.limit > 0).then_some(args.limit),
    };
    let listing = match log.as_ref().map(|l| l.list_runs(&filter)) {
        Some(Ok(listing)) => listing,
        Some(Err(e)) => {
            out.fatal(runlog_error(&e));
            return Exit::Error;
        }
        None => RunListing::default(),
    };
    let list = listing.runs;
    match out.format {
        Format::Json => out.json(&json!({
            "version": report::JSON_VERSION,
            "runlog": shown(&path, &root),
            "runs": list.iter().map(runs::summary_json).collect::<Vec<_>>(),
            "unreadable": listing.unreadable.iter().map(ToString::to_string).collect::<Vec<_>>(),
        })),
        _ => {
            for line in runs::runs_lines(&list) {
                out.line(&line);
            }
        }
    }
    if listing.unreadable.is_empty() {
        return Exit::Success;
    }
    // The readable runs are listed; each row that is not is an error of its own.
    if out.format != Format::Json {
        for problem in &listing.unreadable {
            out.fatal(runlog_error(problem));
        }
    }
    Exit::Failure
}

/// `cpl slo [NAME]`.
pub fn slo(project: Option<&Path>, args: &SloArgs, out: &mut Output) -> Exit {
    let session = match open(project, Inputs::NONE, None, None, out) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    let program = &session.project.program;
    let diagnostics = session.diagnostics();
    let anchor = session.anchor();
    if diagnostics.has_errors() {
        out.diagnostics(&diagnostics.into_vec(), &session.project.sources, anchor);
        return Exit::Failure;
    }
    let chosen: Vec<_> = match &args.name {
        Some(name) => match program.names.get(name.as_str()) {
            Some(ItemRef::Slo(id)) => program.slos.get(id.index()).into_iter().collect(),
            _ => {
                out.fatal(unknown_item(program, name, "slo", |r| matches!(r, ItemRef::Slo(_))));
                return Exit::Error;
            }
        },
        None => program.slos.iter().collect(),
    };
    let root = &session.project.root;
    let path = match log_to_read(args.runlog.as_deref(), root, &session.project.config) {
        Ok(path) => path,
        Err(problem) => {
            out.fatal(problem);
            return Exit::Error;
        }
    };
    // Measuring only reads: an existing log is opened read-only, so a log on a read-only
    // file can be measured; a missing one is created empty.
    let opened = if path.exists() {
        RunLog::open_read_only(&path)
    } else {
        RunLog::open(&path)
    };
    let log = match opened {
        Ok(log) => log,
        Err(e) => {
            out.fatal(runlog_error(&e));
            return Exit::Error;
        }
    };
    let now = match crate::session::clock_from_env() {
        Ok(now) => now,
        Err(d) => {
            out.fatal(d);
            return Exit::Error;
        }
    };
    let mut reports = Vec::new();
    for slo in chosen {
        match objectives::measure(program, slo, &log, now) {
            Ok(report) => reports.push(report),
            Err(e) => {
                out.fatal(runlog_error(&e));
                return Exit::Error;
            }
        }
    }
    let mut problems = diagnostics.into_vec();
    problems.extend(objectives::diagnostics(&reports));
    let sources = &session.project.sources;
    match out.format {
        Format::Json => out.json(&json!({
            "version": report::JSON_VERSION,
            "slos": runs::slo_json(&reports),
            "diagnostics": problems.iter().map(|d| report::diagnostic_to_json(d, sources, &out.paths)).collect::<Vec<_>>(),
        })),
        Format::Human => {
            for line in runs::slo_lines(&reports) {
                out.line(&line);
            }
            if !problems.is_empty() {
                out.diagnostics(&problems, sources, anchor);
            }
        }
        _ => out.diagnostics(&problems, sources, anchor),
    }
    if reports.iter().any(objectives::SloReport::breached) {
        Exit::Failure
    } else {
        Exit::Success
    }
}

/// The formats `cpl graph` writes: its own `--format` values.
const GRAPH_FORMATS: &[&str] = &["human", "dot", "mermaid", "json"];

/// `cpl graph WORKFLOW --format dot|mermaid|json|human`. Runs before the global
/// `--format` is read as a report format, since `dot` and `mermaid` are not ones.
pub fn graph(
    project: Option<&Path>,
    args: &GraphArgs,
    format: &str,
    paths: crate::report::PathBase,
    jobs: crate::parallel::Jobs,
) -> Exit {
    let out = Output {
        format: Format::Human,
        color: false,
        paths,
        max_per_code: crate::diagnostics::DEFAULT_MAX_PER_CODE,
        jobs,
    };
    let format = format.trim().to_ascii_lowercase();
    if !GRAPH_FORMATS.contains(&format.as_str()) {
        let help = did_you_mean(&format, GRAPH_FORMATS.iter().copied())
            .unwrap_or_else(|| "the graph formats are `dot`, `mermaid`, `json` and `human`".to_owned());
        out.fatal(Diagnostic::new(Code::InvalidArg, format!("`cpl graph` cannot write `{format}`")).with_help(help));
        return Exit::Error;
    }
    let session = match open(project, Inputs::NONE, None, None, &out) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    let program = &session.project.program;
    let sources = &session.project.sources;
    let Some((id, _)) = program.workflow(&args.workflow) else {
        let diagnostics = session.diagnostics();
        if diagnostics.has_errors() {
            out.diagnostics(&diagnostics.into_vec(), sources, session.anchor());
            return Exit::Failure;
        }
        out.fatal(unknown_item(program, &args.workflow, "workflow", |r| {
            matches!(r, ItemRef::Workflow(_))
        }));
        return Exit::Error;
    };
    let Some(compiled) = session.project.workflows.get(id.index()) else {
        return Exit::Error;
    };
    // A graph is drawn even when the project has errors (a cycle is worth seeing);
    // the errors are shown on standard error.
    let problems: Vec<Diagnostic> = session.diagnostics().into_iter().filter(Diagnostic::is_error).collect();
    match format.as_str() {
        "dot" => stdout(&graph::dot(program, sources, compiled)),
        "mermaid" => stdout(&graph::mermaid(program, sources, compiled)),
        "json" => out.json(&json!({
            "version": report::JSON_VERSION,
            "graph": graph::json(program, sources, compiled, &out.paths),
        })),
        _ => stdout(&graph::text(program, sources, compiled)),
    }
    if problems.is_empty() {
        Exit::Success
    } else {
        out.diagnostics(&problems, sources, session.anchor());
        Exit::Failure
    }
}
