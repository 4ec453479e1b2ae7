//! Loading a project's registry data: each `source`'s files (found by glob, relative to
//! the declaring file, never outside the project) and each `--input`, read safely and
//! handed to [`crate::data`] for validation against the declared types.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{MAX_DATA_BYTES, Project, display_path, read_stream, read_text};
use crate::data::{Loader, Registry};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::eval::{Env, Host};
use crate::ir::Type;
use crate::ir::Value;
use crate::ir::{Program, SourceOrigin};
use crate::source::{FileId, FileKind, SourceMap, Span};

/// `--input name=file`, or `--input name=-` for standard input.
#[derive(Clone, Debug)]
pub struct Input {
    pub name: String,
    /// The file, relative to the current directory, or [`STDIN`].
    pub path: PathBuf,
    /// The format `--input-format` gives: for standard input, and for a file whose
    /// extension names no data format.
    pub format: Option<FileKind>,
}

/// The path that stands for standard input in `--input name=-`.
pub const STDIN: &str = "-";

/// How standard input is named in reports.
const STDIN_SHOWN: &str = "<stdin>";

impl Input {
    pub fn is_stdin(&self) -> bool {
        self.path.as_os_str() == STDIN
    }

    /// The input's name in reports: its path as given, or `<stdin>`.
    fn shown(&self) -> String {
        if self.is_stdin() {
            STDIN_SHOWN.to_string()
        } else {
            self.path.display().to_string()
        }
    }
}

/// The data of a run.
#[derive(Default)]
pub struct DataSet {
    /// The value of each `source`, by id; `None` when it has none (an input not given,
    /// a file that could not be read).
    pub sources: Vec<Option<Value>>,
    /// Values for the `input`s of the gate being run.
    pub gate_inputs: Vec<(Arc<str>, Value)>,
    /// The names of the inputs given with `--input`, whether or not their data loaded:
    /// an input is missing only when it is not among them.
    pub given_inputs: Vec<Arc<str>>,
    /// Problems in the data.
    pub diagnostics: Vec<Diagnostic>,
    /// Problems that stop the command: an unknown input name, an unreadable input file.
    pub fatal: Vec<Diagnostic>,
    /// Registry records loaded, for the summary line.
    pub record_count: usize,
    pub registry: Option<Registry>,
}

impl DataSet {
    /// Whether `--input name=…` was given (and named something that takes an input).
    pub fn input_given(&self, name: &str) -> bool {
        self.given_inputs.iter().any(|given| &**given == name)
    }
}

/// A file read for a source, before parsing.
struct Pending {
    target: Target,
    files: Vec<FileId>,
    ty: Type,
    name: Arc<str>,
    /// Whether the data came from `--input`, which must give a value.
    from_input: bool,
}

enum Target {
    Source(usize),
    GateInput,
}

impl Project {
    /// Reads and validates every source's data and the given inputs. `gate` names the
    /// gate whose `input`s `--input` may also bind.
    pub fn load_data(&mut self, inputs: &[Input], gate: Option<&str>, host: &dyn Host) -> DataSet {
        let timer = crate::timing::Timer::start("read data");
        let mut data = DataSet {
            sources: vec![None; self.program.sources.len()],
            ..DataSet::default()
        };
        let mut pending = Vec::new();
        for (index, source) in self.program.sources.iter().enumerate() {
            if let SourceOrigin::Files { pattern, dir, span } = &source.origin {
                if crate::check::escapes_root(dir, pattern) {
                    // The checker reported it (E0414); nothing outside is even listed.
                    continue;
                }
                let files = read_glob(
                    &self.root,
                    dir,
                    pattern,
                    *span,
                    &mut self.sources,
                    &mut data.diagnostics,
                );
                if !files.is_empty() {
                    pending.push(Pending {
                        target: Target::Source(index),
                        files,
                        ty: source.ty.clone(),
                        name: source.name.clone(),
                        from_input: false,
                    });
                }
            }
        }
        let gate_def = gate.and_then(|g| self.program.gate(g)).map(|(_, def)| def);
        for (index, input) in inputs.iter().enumerate() {
            let earlier = inputs.get(..index).unwrap_or(&[]);
            if let Some(problem) = given_twice(input, earlier) {
                data.fatal.push(problem);
                continue;
            }
            let Some((target, ty, name)) = input_target(&self.program, gate_def, &input.name) else {
                // Of a gate that does not exist, the inputs are not known: the command
                // says the gate is unknown rather than that the input is.
                if gate.is_none() || gate_def.is_some() {
                    data.fatal.push(unknown_input(&self.program, &input.name, gate_def));
                }
                continue;
            };
            data.given_inputs.push(name.clone());
            let shown = input.shown();
            let text = match read_input(input, &shown) {
                Ok(text) => text,
                Err(problem) if problem.code == Code::UnreadableFile => {
                    data.fatal.push(problem);
                    continue;
                }
                Err(problem) => {
                    // Read but not text: the input was given, and it is what is wrong.
                    let id = self.sources.add(shown, real_path(input), FileKind::Json, "");
                    data.diagnostics.push(problem.at(Span::new(id, 0, 0), "this file"));
                    continue;
                }
            };
            let kind = match input_format(input, &shown) {
                Ok(kind) => kind,
                Err(problem) => {
                    data.fatal.push(problem);
                    continue;
                }
            };
            let id = self.sources.add(shown, real_path(input), kind, text);
            pending.push(Pending {
                target,
                files: vec![id],
                ty,
                name,
                from_input: true,
            });
        }
        if !data.fatal.is_empty() {
            timer.stop();
            return data;
        }
        let timer = timer.next("load data");
        load_pending(
            &self.program,
            &self.sources,
            &pending,
            host,
            (self.max_per_code, self.jobs),
            &mut data,
            Some(timer),
        );
        data
    }
}

/// Inputs given as JSON documents rather than files (the server's requests), loaded
/// through the same loader and rules as `--input`: each binds the gate's `input` of its
/// name before a `source … = input`; an unknown name is fatal. `sources` is the
/// project's files, to which each document is added (as `<input NAME>`) so that its
/// diagnostics have a place; `base` is the project's loaded sources.
pub fn load_json_inputs(
    program: &Program,
    sources: &mut SourceMap,
    base: &[Option<Value>],
    gate: Option<&crate::ir::GateDef>,
    inputs: &[(String, serde_json::Value)],
    host: &dyn Host,
    max_per_code: usize,
) -> DataSet {
    let mut data = DataSet {
        sources: base.to_vec(),
        ..DataSet::default()
    };
    let mut pending = Vec::new();
    for (name, document) in inputs {
        let Some((target, ty, declared)) = input_target(program, gate, name) else {
            data.fatal.push(unknown_input(program, name, gate));
            continue;
        };
        // Given inputs replace whatever a project-level source held before.
        if let Target::Source(index) = target
            && let Some(slot) = data.sources.get_mut(index)
        {
            *slot = None;
        }
        data.given_inputs.push(declared.clone());
        let text = serde_json::to_string_pretty(document).unwrap_or_default();
        let id = sources.add(format!("<input {name}>"), None, FileKind::Json, text);
        pending.push(Pending {
            target,
            files: vec![id],
            ty,
            name: declared,
            from_input: true,
        });
    }
    if data.fatal.is_empty() {
        // Not timed: a server loads inputs per request, and `CPL_TIMINGS` lines would
        // interleave with its JSON log. One thread: the server's requests are its parallelism.
        load_pending(
            program,
            sources,
            &pending,
            host,
            (max_per_code, crate::parallel::Jobs::ONE),
            &mut data,
            None,
        );
    }
    data
}

/// Loads the pending files into `data`, then resolves references between them; `timer`
/// (at the loading stage) times the two.
fn load_pending(
    program: &Program,
    sources: &SourceMap,
    pending: &[Pending],
    host: &dyn Host,
    (max_per_code, jobs): (usize, crate::parallel::Jobs),
    data: &mut DataSet,
    timer: Option<crate::timing::Timer>,
) {
    let constraint_data: Vec<Option<Value>> = Vec::new();
    let env = Env::new(program, sources, &constraint_data, host);
    let limits = crate::data::Limits {
        max_per_code,
        jobs,
        ..crate::data::Limits::default()
    };
    let mut loader = Loader::new(program, sources, &env).with_limits(limits);
    let mut diagnostics = Vec::new();
    for item in pending {
        let value = loader.load_source(&item.files, &item.ty, &item.name, &mut diagnostics);
        if value.is_none() && item.from_input && !diagnostics.iter().any(Diagnostic::is_error) {
            diagnostics.push(input_without_value(item));
        }
        if let Some(value) = value {
            data.record_count += match &value {
                Value::List(list) => list.items.len(),
                _ => 1,
            };
            match item.target {
                Target::Source(index) => {
                    if let Some(slot) = data.sources.get_mut(index) {
                        *slot = Some(value);
                    }
                }
                Target::GateInput => data.gate_inputs.push((item.name.clone(), value)),
            }
        }
    }
    let timer = timer.map(|t| t.next("resolve refs"));
    let registry = loader.finish(&mut diagnostics);
    if let Some(timer) = timer {
        timer.stop();
    }
    data.diagnostics.extend(diagnostics);
    data.registry = Some(registry);
}

/// Reads the files a source's pattern matches, in name order.
fn read_glob(
    root: &Path,
    dir: &Path,
    pattern: &str,
    span: Span,
    sources: &mut SourceMap,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<FileId> {
    let base = root.join(dir);
    let full = base.join(pattern);
    let Some(full_text) = full.to_str() else {
        return Vec::new();
    };
    let matched = match glob::glob(full_text) {
        Ok(paths) => paths,
        Err(e) => {
            diagnostics.push(
                Diagnostic::new(
                    Code::MalformedData,
                    format!("invalid file pattern `{pattern}`: {}", e.msg),
                )
                .at(span, "this pattern")
                .with_help("patterns use `*`, `**`, `?` and `[…]`, relative to this file's directory"),
            );
            return Vec::new();
        }
    };
    // Directories a pattern matches hold no data; anything else matched (a pipe, a
    // device, a broken link) is read, so that it is reported rather than skipped.
    let mut paths: Vec<PathBuf> = matched.flatten().filter(|p| !p.is_dir()).collect();
    paths.sort();
    let matched_any = !paths.is_empty();
    let mut out = Vec::new();
    for path in paths {
        let shown = display_path(root, &path);
        let real = path.canonicalize().unwrap_or_else(|_| path.clone());
        if !real.starts_with(root) {
            diagnostics.push(
                Diagnostic::new(Code::PathEscapesRoot, format!("`{shown}` is outside the project"))
                    .at(span, "matched by this pattern")
                    .with_help("a link leads out of the project; data must live inside it"),
            );
            continue;
        }
        let Some(kind) = FileKind::from_path(&path).filter(|k| *k != FileKind::Cpl) else {
            diagnostics.push(
                Diagnostic::new(
                    Code::UnsupportedFormat,
                    format!("`{shown}` is not a data file cpl reads"),
                )
                .at(span, "matched by this pattern")
                .with_help("data files end in `.yaml`, `.yml`, `.json`, `.csv` or `.toml`; narrow the pattern"),
            );
            continue;
        };
        // The path checked is the one read: a link swapped since is not followed again.
        match read_text(&real, &shown, MAX_DATA_BYTES) {
            Ok(text) => out.push(sources.add(shown, Some(real), kind, text)),
            Err(error) => {
                let id = sources.add(shown, Some(real), kind, "");
                diagnostics.push(
                    error
                        .diagnostic
                        .at(Span::new(id, 0, 0), "this file")
                        .with_label(span, "matched by this pattern"),
                );
            }
        }
    }
    if !matched_any {
        diagnostics.push(
            Diagnostic::new(Code::NoDataFiles, format!("`{pattern}` matches no file"))
                .at(span, format!("relative to {}", display_dir(dir)))
                .with_help("the source is empty; check the pattern and where the files are"),
        );
    }
    out
}

fn display_dir(dir: &Path) -> String {
    let text = dir.to_string_lossy().replace('\\', "/");
    if text.is_empty() {
        "the project root".to_string()
    } else {
        format!("{text}/")
    }
}

fn unknown_input(program: &Program, name: &str, gate: Option<&crate::ir::GateDef>) -> Diagnostic {
    let mut names: Vec<&str> = program
        .sources
        .iter()
        .filter(|s| matches!(s.origin, SourceOrigin::Input))
        .map(|s| &*s.name)
        .collect();
    if let Some(gate) = gate {
        names.extend(gate.inputs.iter().map(|i| &*i.name));
    }
    let help = did_you_mean(name, names.iter().copied()).unwrap_or_else(|| {
        if names.is_empty() {
            "nothing here takes an input: declare `source NAME: TYPE = input`, or a gate's `input NAME: TYPE`"
                .to_string()
        } else {
            format!(
                "the inputs are {}",
                names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            )
        }
    });
    Diagnostic::new(Code::UnknownInput, format!("nothing takes an input named `{name}`")).with_help(help)
}

/// What `--input NAME=…` binds: the gate's `input NAME` before a project-level
/// `source NAME = input`, with its type and declared name.
fn input_target(program: &Program, gate: Option<&crate::ir::GateDef>, name: &str) -> Option<(Target, Type, Arc<str>)> {
    if let Some(input) = gate.and_then(|g| g.inputs.iter().find(|i| *i.name == *name)) {
        return Some((Target::GateInput, input.ty.clone(), input.name.clone()));
    }
    program
        .sources
        .iter()
        .enumerate()
        .find(|(_, s)| *s.name == *name && matches!(s.origin, SourceOrigin::Input))
        .map(|(index, s)| (Target::Source(index), s.ty.clone(), s.name.clone()))
}

/// An input given a second time, or a second input read from standard input (which
/// can be read only once): either would leave one of the two unread, so neither is.
fn given_twice(input: &Input, earlier: &[Input]) -> Option<Diagnostic> {
    if let Some(first) = earlier.iter().find(|e| e.name == input.name) {
        return Some(
            Diagnostic::new(
                Code::InputGivenTwice,
                format!(
                    "`--input {}` is given twice: `{}` and `{}`",
                    input.name,
                    first.shown(),
                    input.shown()
                ),
            )
            .with_help("give each input once"),
        );
    }
    let first = earlier.iter().find(|e| e.is_stdin()).filter(|_| input.is_stdin())?;
    Some(
        Diagnostic::new(
            Code::InputGivenTwice,
            format!(
                "standard input is given to both `--input {}=-` and `--input {}=-`",
                first.name, input.name
            ),
        )
        .with_help("standard input can be read only once; pass the other input as a file"),
    )
}

/// The text of an input, from its file or standard input, within the data size limit.
fn read_input(input: &Input, shown: &str) -> Result<String, Diagnostic> {
    let read = if input.is_stdin() {
        read_stream(std::io::stdin().lock(), shown, MAX_DATA_BYTES)
    } else {
        read_text(&input.path, shown, MAX_DATA_BYTES)
    };
    read.map_err(|error| {
        let mut d = error.diagnostic;
        d.message = format!("{} (for `--input {}`)", d.message, input.name);
        d
    })
}

/// The input's format: its file's extension when that names a data format, else
/// `--input-format`. Nothing is guessed from the content.
fn input_format(input: &Input, shown: &str) -> Result<FileKind, Diagnostic> {
    let by_extension = if input.is_stdin() {
        None
    } else {
        FileKind::from_path(&input.path).filter(|k| *k != FileKind::Cpl)
    };
    by_extension.or(input.format).ok_or_else(|| {
        let message = if input.is_stdin() {
            format!("the format of standard input for `--input {}` is not known", input.name)
        } else {
            format!(
                "the format of `{shown}` for `--input {}` is not known: its name does not end in `.json`, `.yaml`, `.yml`, `.toml` or `.csv`",
                input.name
            )
        };
        Diagnostic::new(Code::UnknownInputFormat, message)
            .with_help("say it with `--input-format json` (or `yaml`, `toml`, `csv`)")
    })
}

/// The input's file on disk, for reports that link to it; none for standard input.
fn real_path(input: &Input) -> Option<PathBuf> {
    if input.is_stdin() {
        return None;
    }
    Some(input.path.canonicalize().unwrap_or_else(|_| input.path.clone()))
}

/// An input whose data gave no value and no error to say why: never read as absent.
fn input_without_value(item: &Pending) -> Diagnostic {
    let d = Diagnostic::new(Code::MalformedData, format!("`--input {}` gave no value", item.name))
        .with_help("check that the file holds the declared data");
    match item.files.first() {
        Some(file) => d.at(Span::new(*file, 0, 0), "this file"),
        None => d,
    }
}
