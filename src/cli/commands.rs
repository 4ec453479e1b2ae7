//! The commands of issue #2: `check`, `eval`, `policy`, `gate`, `explain`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::json;

use super::args::{parse_inputs, policy_args};
use super::session::{Session, root};
use super::{Cli, Command, Exit, Output};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::eval::{Env, apply_waivers, decision_expiry_diagnostics, expired_waiver_diagnostics, new_frame};
use crate::ir::{ItemRef, SourceOrigin, SourcesUsed};
use crate::report::{self, Context, Format};
use crate::syntax::ast::ItemKind;

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
        Command::Explain { code } => Ok(explain(&code, out)),
        Command::Run(args) => Ok(super::workflows::run(project.as_deref(), &args, out)),
        Command::Runs(args) => Ok(super::workflows::runs(project.as_deref(), &args, out)),
        Command::Slo(args) => Ok(super::workflows::slo(project.as_deref(), &args, out)),
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

/// Loads a session, or stops with its problems: project errors mean the input was
/// found wanting (exit 1); nothing is evaluated on a program that does not check.
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
    let session = Session::open(&root, &inputs, expression, gate, out.max_per_code, out.jobs).map_err(fatal)?;
    if let Some(d) = session.data.fatal.first() {
        out.fatal(d.clone());
        return Err(Exit::Error);
    }
    Ok(session)
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
    let mut diagnostics = session.diagnostics();
    diagnostics.extend(expired_waiver_diagnostics(&session.project.program, session.host.now));
    diagnostics.sort();
    if !paths.is_empty() {
        let wanted: Vec<PathBuf> = paths
            .iter()
            .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone()))
            .collect();
        let sources = &session.project.sources;
        let outside = super::paths::outside_project(&paths, sources, &session.project.root);
        // With no `.cp` file at all, that (E0014, below) is what to say, not each path.
        let has_files = !diagnostics.iter().any(|d| d.code == Code::NoSourceFiles);
        if has_files && !outside.is_empty() {
            out.diagnostics(&outside, sources, None);
            return Ok(leave(session, Exit::Error));
        }
        diagnostics = diagnostics
            .into_iter()
            .filter(
                |d| match d.span().and_then(|s| sources.get(s.file)).and_then(|f| f.path.as_ref()) {
                    Some(path) => wanted.iter().any(|w| path.starts_with(w)),
                    None => true,
                },
            )
            .collect();
    }
    out.diagnostics(
        &diagnostics.clone().into_vec(),
        &session.project.sources,
        session.anchor(),
    );
    if out.format == Format::Human && !diagnostics.has_errors() {
        out.line(&summary_line(&session));
    }
    let exit = if diagnostics.has_errors() {
        wanting(&diagnostics)
    } else {
        Exit::Success
    };
    Ok(leave(session, exit))
}

fn eval(project: Option<&Path>, expr: &str, inputs: Inputs<'_>, out: &mut Output) -> CommandResult {
    let session = match open(project, inputs, Some(expr), None, out) {
        Ok(s) => s,
        Err(exit) => return Ok(exit),
    };
    let mut diagnostics = session.diagnostics();
    diagnostics.extend(session.project.expression_diagnostics.iter().cloned());
    if diagnostics.has_errors() {
        let exit = wanting(&diagnostics);
        out.diagnostics(&diagnostics.into_vec(), &session.project.sources, session.anchor());
        return Ok(exit);
    }
    let Some(checked) = &session.project.expression else {
        return Ok(Exit::Error);
    };
    let mut used = SourcesUsed::new(&session.project.program);
    used.expr(&checked.expr);
    let missing = missing_inputs(&session, &used, "the expression");
    if !missing.is_empty() {
        out.diagnostics(&missing, &session.project.sources, session.anchor());
        return Ok(Exit::Error);
    }
    let env = session.env();
    let mut frame = new_frame(checked.locals);
    let timer = crate::timing::Timer::start("evaluate");
    let result = env.eval(&checked.expr, &mut frame);
    timer.stop();
    match result {
        Ok(value) => {
            if !diagnostics.is_empty() {
                out.diagnostics(&diagnostics.into_vec(), &session.project.sources, session.anchor());
            }
            match out.format {
                Format::Json => out.json(&json!({ "version": report::JSON_VERSION, "value": value.to_json(false) })),
                _ => out.line(&serde_json::to_string_pretty(&value.to_json(false)).unwrap_or_default()),
            }
            drop(env);
            Ok(leave(session, Exit::Success))
        }
        Err(error) => {
            diagnostics.push(error.to_diagnostic());
            let exit = wanting(&diagnostics);
            out.diagnostics(&diagnostics.into_vec(), &session.project.sources, session.anchor());
            Ok(exit)
        }
    }
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
    let program = &session.project.program;
    let diagnostics = session.diagnostics();
    let Some((id, def)) = program.policy(name) else {
        if diagnostics.has_errors() {
            let exit = wanting(&diagnostics);
            out.diagnostics(&diagnostics.into_vec(), &session.project.sources, session.anchor());
            return Ok(exit);
        }
        return Err(Box::new(unknown_item(program, name, "policy", |r| {
            matches!(r, ItemRef::Policy(_))
        })));
    };
    let args = match policy_args(raw_args, name, &def.params, program) {
        Ok(args) => args,
        Err(problems) => {
            out.diagnostics(&problems, &session.project.sources, None);
            return Ok(Exit::Error);
        }
    };
    if diagnostics.has_errors() {
        let exit = wanting(&diagnostics);
        out.diagnostics(&diagnostics.into_vec(), &session.project.sources, session.anchor());
        return Ok(exit);
    }
    let mut used = SourcesUsed::new(program);
    used.policy(id);
    let missing = missing_inputs(&session, &used, &format!("policy `{name}`"));
    if !missing.is_empty() {
        out.diagnostics(&missing, &session.project.sources, session.anchor());
        return Ok(Exit::Error);
    }
    let env = session.env();
    let decision = env.decide(id, &args);
    let result = apply_waivers(program, decision, env.host.now());
    let mut all: Vec<Diagnostic> = diagnostics.into_vec();
    all.extend(report::decision_diagnostics(&env, &result, Context::Policy));
    all.extend(decision_expiry_diagnostics(program, &result));
    all.extend(report::unused_waiver_diagnostics(&env, &result.unused));
    match out.format {
        Format::Json => out.json(&json!({
            "version": report::JSON_VERSION,
            "decision": report::decision_json(&env, &result, &out.paths),
            "diagnostics": all.iter().map(|d| report::diagnostic_to_json(d, env.sources, &out.paths)).collect::<Vec<_>>(),
        })),
        Format::Human => {
            out.line(&report::decision_line(&result));
            if !all.is_empty() {
                out.line("");
                out.diagnostics(&all, env.sources, session.anchor());
            }
        }
        _ => out.diagnostics(&all, env.sources, session.anchor()),
    }
    let exit = if result.decision.allowed() && !result.has_expired_waivers() {
        Exit::Success
    } else {
        Exit::Failure
    };
    drop(env);
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
    let program = &session.project.program;
    let diagnostics = session.diagnostics();
    let Some((id, def)) = program.gate(name) else {
        if diagnostics.has_errors() {
            let exit = wanting(&diagnostics);
            out.diagnostics(&diagnostics.into_vec(), &session.project.sources, session.anchor());
            return Ok(exit);
        }
        return Err(Box::new(unknown_item(program, name, "gate", |r| {
            matches!(r, ItemRef::Gate(_))
        })));
    };
    let mut problems = Vec::new();
    for o in overrides {
        if program.policy(o).is_none() {
            let help = did_you_mean(
                o,
                def.policies
                    .iter()
                    .filter_map(|p| program.policies.get(p.policy.index()))
                    .map(|p| &*p.name),
            );
            problems.push(
                Diagnostic::new(Code::InvalidOverride, format!("`--override {o}` names no policy"))
                    .with_help(help.unwrap_or_else(|| format!("override one of the policies gate `{name}` runs"))),
            );
        }
    }
    let mut used = SourcesUsed::new(program);
    for gate_policy in &def.policies {
        used.policy(gate_policy.policy);
        for arg in gate_policy.args.iter().flatten() {
            used.expr(arg);
        }
    }
    problems.extend(missing_inputs(&session, &used, &format!("gate `{name}`")));
    for input in &def.inputs {
        if !session.data.input_given(&input.name) {
            problems.push(
                Diagnostic::new(
                    Code::MissingInput,
                    format!("gate `{name}` needs its input `{}`", input.name),
                )
                .at(input.span, "declared here")
                .with_help(format!("pass it with `--input {}=FILE`", input.name)),
            );
        }
    }
    if !problems.is_empty() {
        out.diagnostics(&problems, &session.project.sources, session.anchor());
        return Ok(Exit::Error);
    }
    if diagnostics.has_errors() {
        let exit = wanting(&diagnostics);
        out.diagnostics(&diagnostics.into_vec(), &session.project.sources, session.anchor());
        return Ok(exit);
    }
    let env = session.env();
    let overrides: Vec<Arc<str>> = overrides.iter().map(|o| Arc::from(o.as_str())).collect();
    let result = env.run_gate(id, &session.data.gate_inputs, &overrides);
    let mut all: Vec<Diagnostic> = diagnostics.into_vec();
    for policy in &result.policies {
        all.extend(report::decision_diagnostics(
            &env,
            &policy.result,
            Context::Gate(policy.verdict),
        ));
        all.extend(decision_expiry_diagnostics(program, &policy.result));
    }
    all.extend(report::unused_waiver_diagnostics(&env, &result.unused_waivers));
    all.extend(out.step_summary(&report::gate_summary_markdown(&result)));
    match out.format {
        Format::Json => out.json(&json!({
            "version": report::JSON_VERSION,
            "gate": report::gate_json(&env, &result, &out.paths),
            "diagnostics": all.iter().map(|d| report::diagnostic_to_json(d, env.sources, &out.paths)).collect::<Vec<_>>(),
        })),
        Format::Human => {
            for line in report::gate_lines(&result) {
                out.line(&line);
            }
            if !all.is_empty() {
                out.line("");
                out.diagnostics(&all, env.sources, session.anchor());
            }
        }
        _ => out.diagnostics(&all, env.sources, session.anchor()),
    }
    let exit = if could_not_run(&all) {
        Exit::Error
    } else if result.passed {
        Exit::Success
    } else {
        Exit::Failure
    };
    drop(env);
    Ok(leave(session, exit))
}

/// Inputs (`source … = input`) that `used` reads but that were not given: each is an
/// error naming it, and the command cannot run (exit 2). An input that was given but
/// whose data did not load is not missing: its own diagnostics say what is wrong.
fn missing_inputs(session: &Session, used: &SourcesUsed<'_>, what: &str) -> Vec<Diagnostic> {
    let program = &session.project.program;
    used.sources()
        .iter()
        .filter_map(|id| program.sources.get(id.index()))
        .filter(|s| matches!(s.origin, SourceOrigin::Input) && !session.data.input_given(&s.name))
        .map(|s| {
            Diagnostic::new(
                Code::MissingInput,
                format!("{what} reads the input `{}`, which was not given", s.name),
            )
            .at(s.span, "declared here, as `= input`")
            .with_help(format!("pass it with `--input {}=FILE`", s.name))
        })
        .collect()
}

/// `ok: 4 files, 2 entities, 3 sources, 8 policies, 3 gates, 22 registry records`: every
/// kind of item the project declares, counted, and the kinds it has none of left out.
fn summary_line(session: &Session) -> String {
    let mut kinds = [(0, "", ""); ITEM_KINDS];
    for item in session.project.modules.iter().flat_map(|m| &m.items) {
        let (rank, one, many) = item_nouns(&item.kind);
        if let Some(kind) = kinds.get_mut(rank) {
            *kind = (kind.0 + 1, one, many);
        }
    }
    let mut parts = vec![counted(session.project.modules.len(), "file", "files")];
    parts.extend(
        kinds
            .iter()
            .filter(|(n, _, _)| *n > 0)
            .map(|&(n, one, many)| counted(n, one, many)),
    );
    if session.data.record_count > 0 {
        parts.push(counted(
            session.data.record_count,
            "registry record",
            "registry records",
        ));
    }
    format!("ok: {}", parts.join(", "))
}

/// How many kinds of item the language has.
const ITEM_KINDS: usize = 16;

/// Where a kind of item stands in the summary, and its names in words. The match is
/// exhaustive so that a new kind of item cannot be left out of the count.
fn item_nouns(kind: &ItemKind) -> (usize, &'static str, &'static str) {
    match kind {
        ItemKind::Entity(_) => (0, "entity", "entities"),
        ItemKind::Type(_) => (1, "type", "types"),
        ItemKind::Source(_) => (2, "source", "sources"),
        ItemKind::Const(_) => (3, "constant", "constants"),
        ItemKind::Fn(_) => (4, "function", "functions"),
        ItemKind::Policy(_) => (5, "policy", "policies"),
        ItemKind::Gate(_) => (6, "gate", "gates"),
        ItemKind::Waiver(_) => (7, "waiver", "waivers"),
        ItemKind::Connector(_) => (8, "connector", "connectors"),
        ItemKind::Workflow(_) => (9, "workflow", "workflows"),
        ItemKind::Slo(_) => (10, "objective", "objectives"),
        ItemKind::Context(_) => (11, "context", "contexts"),
        ItemKind::Flag(_) => (12, "flag", "flags"),
        ItemKind::Environments(_) => (13, "environment list", "environment lists"),
        ItemKind::Config(_) => (14, "config", "configs"),
        ItemKind::Test(_) => (15, "test", "tests"),
    }
}

fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Whether the problems mean the command could not run at all (exit 2) rather than that
/// the project was found wanting (exit 1): files that could not be read, no project,
/// internal errors.
fn could_not_run<'d>(diagnostics: impl IntoIterator<Item = &'d Diagnostic>) -> bool {
    diagnostics
        .into_iter()
        .any(|d| matches!(d.code, Code::UnreadableFile | Code::NoSourceFiles | Code::InternalError))
}

/// The exit code for problems found before anything was evaluated.
fn wanting(diagnostics: &crate::diagnostics::Diagnostics) -> Exit {
    if could_not_run(diagnostics) {
        Exit::Error
    } else {
        Exit::Failure
    }
}

/// Ends a command without freeing its data: the process exits next, and freeing a
/// large registry record by record costs more than evaluating it did.
fn leave(session: Session, exit: Exit) -> Exit {
    std::mem::forget(session);
    exit
}

pub(super) fn unknown_item(
    program: &crate::ir::Program,
    name: &str,
    what: &str,
    keep: impl Fn(&ItemRef) -> bool,
) -> Diagnostic {
    let names = program.names_of(keep);
    let help = did_you_mean(name, names.iter().copied()).unwrap_or_else(|| {
        if names.is_empty() {
            format!("this project has no {what}")
        } else {
            format!(
                "the {what} names are {}",
                names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            )
        }
    });
    Diagnostic::new(Code::UnknownItem, format!("no {what} named `{name}`")).with_help(help)
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

impl Session {
    pub fn env(&self) -> Env<'_> {
        Env::new(
            &self.project.program,
            &self.project.sources,
            &self.data.sources,
            &self.host,
        )
        .with_jobs(self.project.jobs)
    }
}
