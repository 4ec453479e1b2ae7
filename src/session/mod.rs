//! The one way into the library for every shell (the CLI, the server, the fixture
//! harness, and the language server and test runner to come): open a project with its
//! inputs, then check it, evaluate an expression, decide a policy or run a gate. Each operation
//! returns its result with every diagnostic and a [`Status`]; turning those into text,
//! JSON or an exit code is the shell's business.
//!
//! The rules that make a result trustworthy live here once: nothing is evaluated on a
//! project that does not check, an `input` that a decision reads but that was not given
//! stops it, overrides must name policies, and an expired waiver fails what it touches.

mod args;
mod config;
mod decide;
mod flags;
mod gate;
mod host;
mod summary;
mod workflows;

pub use args::{json_args, named_args, split_assignment, typed_value};
pub use config::Resolved;
pub use decide::Decided;
pub use flags::{ContextError, FlagInfo, TARGETING_KEY};
pub use gate::{GateRun, GivenInputs};
pub use host::{SystemHost, Vars, clock_from_env};
pub use workflows::{Prepared, Ran, RunSetup, runlog_error, shown};

use std::path::{Path, PathBuf};

use crate::check::CheckOptions;
use crate::diagnostics::{Code, Diagnostic, Diagnostics, did_you_mean};
use crate::eval::{Env, expired_waiver_diagnostics, new_frame};
use crate::ir::{ItemRef, Program, SourceOrigin, SourcesUsed, Value};
use crate::parallel::Jobs;
use crate::project::{CONFIG_FILE, DataSet, Input, Project};

/// How an operation ended, in the terms of an exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Everything checked out.
    Passed,
    /// The input was processed and found wanting: errors, denials, breached objectives.
    Failed,
    /// The operation could not run: unreadable files, missing inputs, internal errors.
    CouldNotRun,
}

impl Status {
    /// The status of problems found before anything was evaluated.
    fn of_problems<'d>(diagnostics: impl IntoIterator<Item = &'d Diagnostic>) -> Status {
        if could_not_run(diagnostics) {
            Status::CouldNotRun
        } else {
            Status::Failed
        }
    }
}

/// An operation that stopped before it produced its result, with the reasons.
#[derive(Debug)]
pub struct Stopped {
    pub status: Status,
    pub diagnostics: Vec<Diagnostic>,
}

impl Stopped {
    pub fn new(status: Status, diagnostics: impl Into<Vec<Diagnostic>>) -> Stopped {
        Stopped {
            status,
            diagnostics: diagnostics.into(),
        }
    }

    /// The project's own problems stop the operation.
    pub fn wanting(diagnostics: Diagnostics) -> Stopped {
        Stopped::new(Status::of_problems(&diagnostics), diagnostics.into_vec())
    }
}

/// What a shell passes to [`Session::open`].
#[derive(Clone, Debug)]
pub struct OpenOptions {
    /// `--input name=file` bindings.
    pub inputs: Vec<Input>,
    /// An expression to check in the project's scope, for [`Session::eval`].
    pub expression: Option<String>,
    /// The gate whose `input`s the inputs may bind (others bind `source … = input`).
    pub gate: Option<String>,
    /// The most data diagnostics of one code kept per file (`0`: all).
    pub max_per_code: usize,
    /// The one clock of the whole operation.
    pub now: jiff::Timestamp,
    /// Where `env()` and `secret()` read variables.
    pub vars: Vars,
    /// The threads that parse, read data and evaluate long loops (one unless the shell
    /// passes more: the library never picks its own).
    pub jobs: Jobs,
}

impl OpenOptions {
    pub fn new(now: jiff::Timestamp) -> OpenOptions {
        OpenOptions {
            inputs: Vec::new(),
            expression: None,
            gate: None,
            max_per_code: crate::diagnostics::DEFAULT_MAX_PER_CODE,
            now,
            vars: Vars::Process,
            jobs: Jobs::ONE,
        }
    }
}

/// A loaded project with its data: what every operation starts from.
pub struct Session {
    pub project: Project,
    pub host: SystemHost,
    pub data: DataSet,
}

/// The result of [`Session::check`].
#[derive(Debug)]
pub struct Checked {
    pub status: Status,
    pub diagnostics: Vec<Diagnostic>,
    /// `ok: 4 files, 2 entities, …` when the project checks cleanly.
    pub summary: Option<String>,
}

/// The value of the expression given at [`Session::open`], with warnings found on the way.
#[derive(Debug)]
pub struct Evaluated {
    pub value: Value,
    pub diagnostics: Vec<Diagnostic>,
}

impl Session {
    /// Reads, parses and checks the project at `root`, and loads its data and inputs.
    /// Problems are kept, not returned: each operation decides what they stop.
    pub fn open(root: &Path, options: &OpenOptions) -> Session {
        let check = CheckOptions {
            now: options.now,
            jobs: options.jobs,
        };
        let mut project = Project::load_with(root, &check, options.expression.as_deref());
        let host = SystemHost {
            root: project.root.clone(),
            now: options.now,
            vars: options.vars.clone(),
        };
        project.max_per_code = options.max_per_code;
        let data = project.load_data(&options.inputs, options.gate.as_deref(), &host);
        Session { project, host, data }
    }

    /// A problem that kept the data from loading at all (an unreadable `--input`): no
    /// operation can run.
    pub fn fatal(&self) -> Option<&Diagnostic> {
        self.data.fatal.first()
    }

    /// Every problem of the project and its data, in order.
    pub fn diagnostics(&self) -> Diagnostics {
        let mut all = self.project.diagnostics.clone();
        all.extend(self.data.diagnostics.iter().cloned());
        all.sort();
        all
    }

    pub fn program(&self) -> &Program {
        &self.project.program
    }

    /// The project's version: a digest of every file it read (names and contents, in
    /// the order read), so that two answers from the same files name the same version.
    pub fn version(&self) -> String {
        use sha2::Digest;
        let mut digest = sha2::Sha256::new();
        for (_, file) in self.project.sources.files() {
            for part in [file.name.as_bytes(), file.text.as_bytes()] {
                digest.update((part.len() as u64).to_le_bytes());
                digest.update(part);
            }
        }
        let bytes = digest.finalize();
        bytes.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }

    /// The session's host at another time: a long-lived shell (the server) evaluates
    /// each request at the time it arrives, so that waivers expire while it runs.
    pub fn host_at(&self, now: jiff::Timestamp) -> SystemHost {
        SystemHost {
            now,
            ..self.host.clone()
        }
    }

    /// The environment in which expressions, policies and gates are evaluated.
    pub fn env(&self) -> Env<'_> {
        Env::new(
            &self.project.program,
            &self.project.sources,
            &self.data.sources,
            &self.host,
        )
        .with_jobs(self.project.jobs)
    }

    /// The file that SARIF results without a place are attached to, by its absolute path.
    pub fn anchor(&self) -> Option<String> {
        let config = self.project.root.join(CONFIG_FILE);
        if config.is_file() {
            return Some(config.display().to_string());
        }
        self.project
            .sources
            .files()
            .find(|(_, f)| f.kind == crate::source::FileKind::Cpl)
            .map(|(_, f)| {
                f.path
                    .as_ref()
                    .map_or_else(|| f.name.clone(), |p| p.display().to_string())
            })
    }

    /// Every problem of the project, its data and its waivers; with `only`, those in
    /// files under one of these paths (a path outside the project is itself an error).
    pub fn check(&self, only: &[PathBuf]) -> Checked {
        let mut diagnostics = self.diagnostics();
        diagnostics.extend(expired_waiver_diagnostics(&self.project.program, self.host.now));
        diagnostics.sort();
        if !only.is_empty() {
            let sources = &self.project.sources;
            let outside = outside_project(only, sources, &self.project.root);
            // With no `.cp` file at all, that (E0014) is what to say, not each path.
            let has_files = !diagnostics.iter().any(|d| d.code == Code::NoSourceFiles);
            if has_files && !outside.is_empty() {
                return Checked {
                    status: Status::CouldNotRun,
                    diagnostics: outside,
                    summary: None,
                };
            }
            let wanted: Vec<PathBuf> = only
                .iter()
                .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone()))
                .collect();
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
        let (status, summary) = if diagnostics.has_errors() {
            (Status::of_problems(&diagnostics), None)
        } else {
            (Status::Passed, Some(summary::line(&self.project, &self.data)))
        };
        Checked {
            status,
            diagnostics: diagnostics.into_vec(),
            summary,
        }
    }

    /// Evaluates the expression given at [`Session::open`].
    pub fn eval(&self) -> Result<Evaluated, Stopped> {
        let mut diagnostics = self.diagnostics();
        diagnostics.extend(self.project.expression_diagnostics.iter().cloned());
        if diagnostics.has_errors() {
            return Err(Stopped::wanting(diagnostics));
        }
        let Some(checked) = &self.project.expression else {
            return Err(Stopped::new(
                Status::CouldNotRun,
                vec![Diagnostic::new(
                    Code::InternalError,
                    "no expression was given to evaluate".to_string(),
                )],
            ));
        };
        let mut used = SourcesUsed::new(&self.project.program);
        used.expr(&checked.expr);
        let missing = self.missing_inputs(&used, "the expression");
        if !missing.is_empty() {
            return Err(Stopped::new(Status::CouldNotRun, missing));
        }
        let env = self.env();
        let mut frame = new_frame(checked.locals);
        let timer = crate::timing::Timer::start("evaluate");
        let result = env.eval(&checked.expr, &mut frame);
        timer.stop();
        match result {
            Ok(value) => Ok(Evaluated {
                value,
                diagnostics: diagnostics.into_vec(),
            }),
            Err(error) => {
                diagnostics.push(error.to_diagnostic());
                Err(Stopped::wanting(diagnostics))
            }
        }
    }

    /// Inputs (`source … = input`) that `used` reads but that were not given: each is an
    /// error naming it, and the operation cannot run. An input that was given but whose
    /// data did not load is not missing: its own diagnostics say what is wrong.
    pub fn missing_inputs(&self, used: &SourcesUsed<'_>, what: &str) -> Vec<Diagnostic> {
        missing_inputs_in(&self.project.program, &self.data, used, what)
    }
}

/// The inputs `used` reads that `data` was not given (see [`Session::missing_inputs`]).
fn missing_inputs_in(program: &Program, data: &DataSet, used: &SourcesUsed<'_>, what: &str) -> Vec<Diagnostic> {
    used.sources()
        .iter()
        .filter_map(|id| {
            // INVARIANT: the walk only reaches sources of this program; were one missing,
            // the input it reads could not be checked, so the operation stops.
            let Some(source) = program.sources.get(id.index()) else {
                return Some(Diagnostic::internal(&format!(
                    "{what} reads a source the program does not have"
                )));
            };
            let missing = matches!(source.origin, SourceOrigin::Input) && !data.input_given(&source.name);
            missing.then(|| {
                Diagnostic::new(
                    Code::MissingInput,
                    format!("{what} reads the input `{}`, which was not given", source.name),
                )
                .at(source.span, "declared here, as `= input`")
                .with_help(format!("pass it with `--input {}=FILE`", source.name))
            })
        })
        .collect()
}

/// Whether the problems mean the operation could not run at all rather than that the
/// project was found wanting: files that could not be read, no project, internal errors.
pub fn could_not_run<'d>(diagnostics: impl IntoIterator<Item = &'d Diagnostic>) -> bool {
    diagnostics
        .into_iter()
        .any(|d| matches!(d.code, Code::UnreadableFile | Code::NoSourceFiles | Code::InternalError))
}

/// `no policy named `x``, with the names that exist or the closest one.
pub fn unknown_item(program: &Program, name: &str, what: &str, keep: impl Fn(&ItemRef) -> bool) -> Diagnostic {
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

/// The paths that name none of the files the project read: a filter by them would show
/// nothing, and pass, whatever the project's state.
fn outside_project(paths: &[PathBuf], sources: &crate::source::SourceMap, root: &Path) -> Vec<Diagnostic> {
    paths
        .iter()
        .filter(|given| {
            let wanted = given.canonicalize().unwrap_or_else(|_| given.to_path_buf());
            !sources
                .files()
                .filter_map(|(_, f)| f.path.as_deref())
                .any(|path| path.starts_with(&wanted))
        })
        .map(|given| {
            let message = if given.is_dir() {
                format!("`{}` holds none of the project's files", given.display())
            } else {
                format!("`{}` is not one of the project's files", given.display())
            };
            Diagnostic::new(Code::NoSuchPath, message).with_help(format!(
                "the project at `{}` is its `.cp` files and the data they declare; give one of them, or a directory holding some",
                root.display()
            ))
        })
        .collect()
}
