//! The commands of issue #2: `check`, `eval`, `policy`, `gate`, `explain`.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::args::parse_inputs;
use super::{Cli, Command, Exit, Output};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::report::{self, Format};
use crate::session::{OpenOptions, Session, Status, Stopped, clock_from_env};

pub fn dispatch(cli: Cli, out: &mut Output) -> Exit {
    let project = cli.project.clone();
    let result = match cli.command {
        Command::Check {
            paths,
            input,
            input_format,
        } => check(project.as_deref(), &paths, Inputs::new(&input, &input_format), out),
        Command::Eval {
            expr,
            input,
            input_format,
        } => eval(project.as_deref(), &expr, Inputs::new(&input, &input_format), out),
        Command::Policy {
            name,
            arg,
            input,
            input_format,
        } => policy(project.as_deref(), &name, &arg, Inputs::new(&input, &input_format), out),
        Command::Gate {
            name,
            input,
            input_format,
            overrides,
        } => gate(
            project.as_deref(),
            &name,
            Inputs::new(&input, &input_format),
            &overrides,
            out,
        ),
        Command::Config(args) => Ok(super::config::config(project.as_deref(), &args, out)),
        Command::Explain { code } => Ok(explain(&code, out)),
        Command::Serve(args) => Ok(super::serve::serve(project.as_deref(), &args, out)),
        Command::Run(args) => Ok(super::workflows::run(project.as_deref(), &args, out)),
        Command::Runs(args) => Ok(super::workflows::runs(project.as_deref(), &args, out)),
        Command::Decisions(args) => Ok(super::decisions::decisions(project.as_deref(), &args, out)),
        Command::Slo(args) => Ok(super::workflows::slo(project.as_deref(), &args, out)),
        Command::Flag(args) => Ok(super::flags::flag(project.as_deref(), &args, out)),
        Command::Graph(args) => Ok(super::workflows::graph(
            project.as_deref(),
            &args,
            &cli.format,
            out.paths.clone(),
            out.jobs,
        )),
    };
    result.unwrap_or_else(|diagnostic| {
        out.fatal(*diagnostic);
        Exit::Error
    })
}

type CommandResult = Result<Exit, Box<Diagnostic>>;

/// A command's `--input NAME=FILE` options and its `--input-format`.
#[derive(Clone, Copy)]
pub(super) struct Inputs<'a> {
    raw: &'a [String],
    format: Option<&'a str>,
}

impl<'a> Inputs<'a> {
    /// For commands that take no input.
    pub const NONE: Inputs<'static> = Inputs { raw: &[], format: None };

    pub fn new(raw: &'a [String], format: &'a Option<String>) -> Inputs<'a> {
        Inputs {
            raw,
            format: format.as_deref(),
        }
    }
}

/// Loads a session, or stops with its problems: nothing is evaluated on data that
/// could not be read.
pub(super) fn open(
    project: Option<&Path>,
    inputs: Inputs<'_>,
    expression: Option<&str>,
    gate: Option<&str>,
    out: &Output,
) -> Result<Session, Exit> {
    let fatal = |d: Diagnostic| {
        out.fatal(d);
        Exit::Error
    };
    let inputs = parse_inputs(inputs.raw, inputs.format).map_err(fatal)?;
    let root = root(project).map_err(fatal)?;
    let options = OpenOptions {
        inputs,
        expression: expression.map(str::to_string),
        gate: gate.map(str::to_string),
        max_per_code: out.max_per_code,
        jobs: out.jobs,
        ..OpenOptions::new(clock_from_env().map_err(fatal)?)
    };
    let session = Session::open(&root, &options);
    if let Some(d) = session.fatal() {
        out.fatal(d.clone());
        return Err(Exit::Error);
    }
    Ok(session)
}

/// The project root for `--project` (or the current directory).
pub(super) fn root(project: Option<&Path>) -> Result<PathBuf, Diagnostic> {
    match project {
        Some(dir) => {
            if !dir.is_dir() {
                return Err(
                    Diagnostic::new(Code::UnreadableFile, format!("`{}` is not a directory", dir.display()))
                        .with_help("`--project` takes the directory that holds the project's `.cp` files"),
                );
            }
            Ok(dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()))
        }
        None => {
            let cwd = std::env::current_dir().map_err(|e| {
                Diagnostic::new(Code::UnreadableFile, format!("cannot read the current directory: {e}"))
            })?;
            Ok(crate::project::find_root(&cwd))
        }
    }
}

fn check(project: Option<&Path>, paths: &[PathBuf], inputs: Inputs<'_>, out: &mut Output) -> CommandResult {
    let paths = match super::paths::expand(paths) {
        Ok(paths) => paths,
        Err(problems) => {
            out.diagnostics(&problems, &crate::source::SourceMap::new(), None);
            return Ok(Exit::Error);
        }
    };
    let start = match (project, paths.first()) {
        (Some(p), _) => Some(p.to_path_buf()),
        (None, Some(first)) => {
            let dir = if first.is_dir() {
                first.clone()
            } else {
                first.parent().map(Path::to_path_buf).unwrap_or_default()
            };
            let dir = if dir.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                dir
            };
            Some(crate::project::find_root(&dir))
        }
        (None, None) => None,
    };
    let session = match open(start.as_deref(), inputs, None, None, out) {
        Ok(s) => s,
        Err(exit) => return Ok(exit),
    };
    let checked = session.check(&paths);
    out.diagnostics(&checked.diagnostics, &session.project.sources, session.anchor());
    if let Some(summary) = checked.summary.as_deref().filter(|_| out.format == Format::Human) {
        out.line(summary);
    }
    Ok(leave(session, exit(checked.status)))
}

fn eval(project: Option<&Path>, expr: &str, inputs: Inputs<'_>, out: &mut Output) -> CommandResult {
    let session = match open(project, inputs, Some(expr), None, out) {
        Ok(s) => s,
        Err(exit) => return Ok(exit),
    };
    let evaluated = match session.eval() {
        Ok(evaluated) => evaluated,
        Err(stopped) => return Ok(stop(&session, stopped, out)),
    };
    if !evaluated.diagnostics.is_empty() {
        out.diagnostics(&evaluated.diagnostics, &session.project.sources, session.anchor());
    }
    let value = evaluated.value.to_json(false);
    match out.format {
        Format::Json => out.json(&json!({ "version": report::JSON_VERSION, "value": value })),
        _ => out.line(&serde_json::to_string_pretty(&value).unwrap_or_default()),
    }
    Ok(leave(session, Exit::Success))
}

fn policy(
    project: Option<&Path>,
    name: &str,
    raw_args: &[String],
    inputs: Inputs<'_>,
    out: &mut Output,
) -> CommandResult {
    let session = match open(project, inputs, None, None, out) {
        Ok(s) => s,
        Err(exit) => return Ok(exit),
    };
    let decided = match session.decide(name, raw_args) {
        Ok(decided) => decided,
        Err(stopped) => return Ok(stop(&session, stopped, out)),
    };
    let (env, all) = (&decided.env, &decided.diagnostics);
    match out.format {
        Format::Json => out.json(&json!({
            "version": report::JSON_VERSION,
            "decision": report::decision_json(env, &decided.result, &out.paths),
            "diagnostics": all.iter().map(|d| report::diagnostic_to_json(d, env.sources, &out.paths)).collect::<Vec<_>>(),
        })),
        Format::Human => {
            out.line(&report::decision_line(&decided.result));
            if !all.is_empty() {
                out.line("");
                out.diagnostics(all, env.sources, session.anchor());
            }
        }
        _ => out.diagnostics(all, env.sources, session.anchor()),
    }
    let exit = exit(decided.status);
    drop(decided);
    Ok(leave(session, exit))
}

fn gate(
    project: Option<&Path>,
    name: &str,
    inputs: Inputs<'_>,
    overrides: &[String],
    out: &mut Output,
) -> CommandResult {
    let session = match open(project, inputs, None, Some(name), out) {
        Ok(s) => s,
        Err(exit) => return Ok(exit),
    };
    let mut run = match session.gate(name, overrides) {
        Ok(run) => run,
        Err(stopped) => return Ok(stop(&session, stopped, out)),
    };
    run.diagnostics
        .extend(out.step_summary(&report::gate_summary_markdown(&run.result)));
    let (env, all) = (&run.env, &run.diagnostics);
    match out.format {
        Format::Json => out.json(&json!({
            "version": report::JSON_VERSION,
            "gate": report::gate_json(env, &run.result, &out.paths),
            "diagnostics": all.iter().map(|d| report::diagnostic_to_json(d, env.sources, &out.paths)).collect::<Vec<_>>(),
        })),
        Format::Human => {
            for line in report::gate_lines(&run.result) {
                out.line(&line);
            }
            if !all.is_empty() {
                out.line("");
                out.diagnostics(all, env.sources, session.anchor());
            }
        }
        _ => out.diagnostics(all, env.sources, session.anchor()),
    }
    let exit = exit(run.status);
    drop(run);
    Ok(leave(session, exit))
}

/// The exit code of an operation's status.
pub(super) fn exit(status: Status) -> Exit {
    match status {
        Status::Passed => Exit::Success,
        Status::Failed => Exit::Failure,
        Status::CouldNotRun => Exit::Error,
    }
}

/// Shows why an operation stopped, and ends the command.
pub(super) fn stop(session: &Session, stopped: Stopped, out: &Output) -> Exit {
    out.diagnostics(&stopped.diagnostics, &session.project.sources, session.anchor());
    exit(stopped.status)
}

/// Ends a command without freeing its data: the process exits next, and freeing a
/// large registry record by record costs more than evaluating it did.
pub(super) fn leave(session: Session, exit: Exit) -> Exit {
    std::mem::forget(session);
    exit
}

fn explain(code: &str, out: &mut Output) -> Exit {
    match Code::parse(code) {
        Some(code) => match crate::diagnostics::explanation(code) {
            Some(text) => {
                out.line(text.trim_end());
                Exit::Success
            }
            None => {
                out.fatal(Diagnostic::new(
                    Code::UnknownItem,
                    format!("`{code}` has no explanation yet"),
                ));
                Exit::Error
            }
        },
        None => {
            let names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
            let help = did_you_mean(&code.to_ascii_uppercase(), names)
                .unwrap_or_else(|| "codes look like `E0101` or `W0301`".to_string());
            out.fatal(
                Diagnostic::new(Code::UnknownItem, format!("`{code}` is not a cpl diagnostic code")).with_help(help),
            );
            Exit::Error
        }
    }
}
