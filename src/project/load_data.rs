//! Loading a project's registry data: each `source`'s files (found by glob, relative to
//! the declaring file, never outside the project) and each `--input`, read safely and
//! handed to [`crate::data`] for validation against the declared types.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{MAX_DATA_BYTES, Project, display_path, read_text};
use crate::check::Type;
use crate::data::{Loader, Registry};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::eval::{Env, Host, Value};
use crate::ir::{Program, SourceOrigin};
use crate::source::{FileId, FileKind, SourceMap, Span};

/// `--input name=file`.
#[derive(Clone, Debug)]
pub struct Input {
    pub name: String,
    pub path: PathBuf,
}

/// The data of a run.
#[derive(Default)]
pub struct DataSet {
    /// The value of each `source`, by id; `None` when it has none (an input not given,
    /// a file that could not be read).
    pub sources: Vec<Option<Value>>,
    /// Values for the `input`s of the gate being run.
    pub gate_inputs: Vec<(Arc<str>, Value)>,
    /// Problems in the data.
    pub diagnostics: Vec<Diagnostic>,
    /// Problems that stop the command: an unknown input name, an unreadable input file.
    pub fatal: Vec<Diagnostic>,
    /// Registry records loaded, for the summary line.
    pub record_count: usize,
    pub registry: Option<Registry>,
}

/// A file read for a source, before parsing.
struct Pending {
    target: Target,
    files: Vec<FileId>,
    ty: Type,
    name: Arc<str>,
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
                    });
                }
            }
        }
        let gate_def = gate.and_then(|g| self.program.gate(g)).map(|(_, def)| def);
        for input in inputs {
            let source = self
                .program
                .sources
                .iter()
                .enumerate()
                .find(|(_, s)| *s.name == input.name && matches!(s.origin, SourceOrigin::Input));
            let gate_input = gate_def.and_then(|g| g.inputs.iter().find(|i| *i.name == input.name));
            let (target, ty, name) = match (gate_input, source) {
                (Some(gi), _) => (Target::GateInput, gi.ty.clone(), gi.name.clone()),
                (None, Some((index, s))) => (Target::Source(index), s.ty.clone(), s.name.clone()),
                (None, None) => {
                    data.fatal.push(unknown_input(&self.program, &input.name, gate_def));
                    continue;
                }
            };
            let shown = input.path.display().to_string();
            match read_text(&input.path, &shown, MAX_DATA_BYTES) {
                Ok(text) => {
                    let kind = FileKind::from_path(&input.path).unwrap_or(FileKind::Json);
                    let path = input.path.canonicalize().unwrap_or_else(|_| input.path.clone());
                    let id = self.sources.add(shown, Some(path), kind, text);
                    pending.push(Pending {
                        target,
                        files: vec![id],
                        ty,
                        name,
                    });
                }
                Err(error) => {
                    let mut d = error.diagnostic;
                    d.message = format!("{} (for `--input {}`)", d.message, input.name);
                    data.fatal.push(d);
                }
            }
        }
        if !data.fatal.is_empty() {
            timer.stop();
            return data;
        }
        let timer = timer.next("load data");
        let constraint_data: Vec<Option<Value>> = Vec::new();
        let env = Env::new(&self.program, &self.sources, &constraint_data, host);
        let mut loader = Loader::new(&self.program, &self.sources, &env);
        let mut diagnostics = Vec::new();
        for item in &pending {
            let value = loader.load_source(&item.files, &item.ty, &item.name, &mut diagnostics);
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
        let timer = timer.next("resolve refs");
        let registry = loader.finish(&mut diagnostics);
        timer.stop();
        data.diagnostics.extend(diagnostics);
        data.registry = Some(registry);
        data
    }
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
    let mut paths: Vec<PathBuf> = matched.flatten().filter(|p| p.is_file()).collect();
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
        match read_text(&path, &shown, MAX_DATA_BYTES) {
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
