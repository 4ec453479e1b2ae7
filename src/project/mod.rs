//! Projects: a directory of `.cp` files and the data they declare. This is the I/O
//! shell around the pure stages: it finds the root, reads files (with limits), parses
//! them (on the threads the shell allows), checks them together, and loads registry data.

mod config;
#[cfg(test)]
mod fails_closed;
mod files;
mod load_data;

pub use config::{CONFIG_FILE, Config};
pub use files::{
    MAX_DATA_BYTES, MAX_SOURCE_BYTES, decode, display_path, find_cp_files, read_project_file, read_regular,
    read_stream, read_text,
};
pub use load_data::{DataSet, Input, STDIN, load_json_inputs};

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use crate::check::{CheckOptions, CheckedExpr, check_with};
use crate::compile::{CompiledWorkflow, compile};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::Program;
use crate::parallel::{Chunking, Jobs};
use crate::source::{FileId, FileKind, SourceMap, Span};
use crate::syntax::{Parsed, ast::Module, parse_file};

/// A parsed and checked project.
#[derive(Debug)]
pub struct Project {
    pub root: PathBuf,
    pub config: Config,
    pub sources: SourceMap,
    pub modules: Vec<Module>,
    pub program: Program,
    pub diagnostics: Diagnostics,
    /// The expression given to `cpl eval`, checked in the project's scope.
    pub expression: Option<CheckedExpr>,
    /// Problems in that expression, apart from the project's own.
    pub expression_diagnostics: Diagnostics,
    /// Every workflow as a DAG, by [`crate::ir::WorkflowId`].
    pub workflows: Vec<CompiledWorkflow>,
    /// The most data diagnostics of one code kept per file (`0`: all), set before
    /// [`Project::load_data`]; the rest are counted in a note.
    pub max_per_code: usize,
    /// The threads its data is read on, and its long loops evaluated on, as the shell
    /// asked when loading it ([`CheckOptions::jobs`]).
    pub jobs: Jobs,
}

/// The project root for a starting directory: the nearest ancestor holding `cpl.toml`,
/// else the directory itself.
pub fn find_root(start: &Path) -> PathBuf {
    let start = start.canonicalize().unwrap_or_else(|_| start.to_path_buf());
    start
        .ancestors()
        .find(|dir| dir.join(CONFIG_FILE).is_file())
        .map(Path::to_path_buf)
        .unwrap_or(start)
}

impl Project {
    /// Reads, parses and checks every `.cp` file of the project at `root`.
    pub fn load(root: &Path, options: &CheckOptions) -> Project {
        Project::load_with(root, options, None)
    }

    /// Like [`Project::load`], also checking an expression in the project's scope.
    pub fn load_with(root: &Path, options: &CheckOptions, expression: Option<&str>) -> Project {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let mut sources = SourceMap::new();
        let mut diagnostics = Diagnostics::new();
        let config = Config::load(&root, &mut sources, &mut diagnostics);
        let mut files = Vec::new();
        for dir in config.source_dirs(&root) {
            files.extend(find_cp_files(&dir));
        }
        files.sort();
        files.dedup();
        let timer = crate::timing::Timer::start("read");
        let mut texts = Vec::new();
        for path in &files {
            let shown = display_path(&root, path);
            match read_text(path, &shown, MAX_SOURCE_BYTES) {
                Ok(text) => {
                    let id = sources.add(shown, Some(path.clone()), FileKind::Cpl, text);
                    texts.push(id);
                }
                Err(error) => {
                    // Register the file without text, so the diagnostic can name it.
                    let id = sources.add(shown, Some(path.clone()), FileKind::Cpl, "");
                    let mut d = error.diagnostic;
                    d.primary = Some(crate::diagnostics::Label {
                        span: crate::source::Span::new(id, 0, 0),
                        message: "this file".to_string(),
                    });
                    diagnostics.push(d);
                }
            }
        }
        if files.is_empty() {
            diagnostics.push(
                Diagnostic::new(Code::NoSourceFiles, format!("no `.cp` files in `{}`", root.display()))
                    .with_help("a project is a directory of `.cp` files; pass another one with `--project DIR`"),
            );
        }
        let timer = timer.next("parse");
        let parsed = parse_all(&sources, &texts, options.jobs).unwrap_or_else(|internal| {
            diagnostics.push(internal);
            Vec::new()
        });
        let mut modules = Vec::with_capacity(parsed.len());
        for p in parsed {
            diagnostics.extend(p.diagnostics);
            modules.push(p.module);
        }
        let mut expression_diagnostics = Diagnostics::new();
        let expression_ast = expression.map(|text| {
            let file = sources.add("<expression>", None, FileKind::CommandLine, text);
            let (expr, problems) = crate::syntax::parse_expression(file, text);
            expression_diagnostics.extend(problems);
            expr
        });
        let timer = timer.next("check");
        let (checked, checked_expression) = check_with(&modules, &sources, options, expression_ast.as_ref());
        timer.stop();
        diagnostics.extend(checked.diagnostics);
        let compiled = compile(&checked.program);
        diagnostics.extend(compiled.diagnostics);
        diagnostics.extend(crate::eval::config::check_constants(&checked.program, &sources));
        diagnostics.extend(config.check_default_environment(&checked.program, &sources));
        diagnostics.sort();
        let expression = checked_expression.map(|(expr, problems)| {
            expression_diagnostics.extend(problems);
            expr
        });
        Project {
            root,
            config,
            sources,
            modules,
            program: checked.program,
            diagnostics,
            expression,
            expression_diagnostics,
            workflows: compiled.workflows,
            max_per_code: crate::diagnostics::DEFAULT_MAX_PER_CODE,
            jobs: options.jobs,
        }
    }
}

/// Parses files on up to `jobs` threads, one file a chunk; the result is in the order of
/// `files`. A file that could not be parsed whole (a bug) is an internal error.
fn parse_all(sources: &SourceMap, files: &[FileId], jobs: Jobs) -> Result<Vec<Parsed>, Diagnostic> {
    let chunks = Chunking::every(NonZeroUsize::MIN).ranges(files.len(), jobs);
    let parsed = crate::parallel::run(jobs, &chunks, |range| {
        let ids = files.get(range).unwrap_or(&[]);
        ids.iter()
            .map(|id| parse_file(*id, sources.text(*id)))
            .collect::<Vec<_>>()
    })
    .map_err(|failed| {
        let diagnostic = internal(failed.message("parsing the project's files"));
        match files.get(failed.range.start) {
            Some(id) => diagnostic.at(Span::new(*id, 0, 0), "while parsing this file"),
            None => diagnostic,
        }
    })?;
    let parsed: Vec<Parsed> = parsed.into_iter().flatten().collect();
    // INVARIANT: one parse per file.
    crate::parallel::check_count(files.len(), parsed.len())
        .map_err(|mismatch| internal(mismatch.message("parsing the project's files")))?;
    Ok(parsed)
}

/// An internal error of work in parts (`E0509`).
fn internal(message: String) -> Diagnostic {
    Diagnostic::new(Code::InternalError, message).with_help(crate::parallel::INTERNAL_HELP)
}
