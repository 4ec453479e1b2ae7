//! Projects: a directory of `.cp` files and the data they declare. This is the I/O
//! shell around the pure stages: it finds the root, reads files (with limits), parses
//! them in parallel, checks them together, and loads registry data.

mod config;
mod files;
mod load_data;

pub use config::{CONFIG_FILE, Config};
pub use files::{
    MAX_DATA_BYTES, MAX_SOURCE_BYTES, decode, display_path, find_cp_files, read_project_file, read_regular,
    read_stream, read_text,
};
pub use load_data::{DataSet, Input, STDIN, load_json_inputs};

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::check::{CheckOptions, CheckedExpr, check_with};
use crate::compile::{CompiledWorkflow, compile};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::Program;
use crate::source::{FileKind, SourceMap};
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
        let parsed = parse_all(&sources, &texts);
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
        }
    }
}

/// Parses files on all cores; the result is in the order of `files`. Each thread takes
/// the next file not yet taken, so one long file does not leave a core idle while the
/// other parses its share.
fn parse_all(sources: &SourceMap, files: &[crate::source::FileId]) -> Vec<Parsed> {
    let workers = crate::threads::cores();
    let parse = |id: &crate::source::FileId| parse_file(*id, sources.text(*id));
    if workers == 1 || files.len() < 4 {
        return files.iter().map(parse).collect();
    }
    let next = AtomicUsize::new(0);
    let take_files = || {
        let mut parsed = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(id) = files.get(index) else {
                return parsed;
            };
            parsed.push((index, parse(id)));
        }
    };
    std::thread::scope(|scope| {
        // This thread takes files too: its allocator arena grows fastest (see `cli::main`).
        let handles: Vec<_> = (1..workers)
            .map(|_| {
                std::thread::Builder::new()
                    .stack_size(crate::STACK_SIZE)
                    .spawn_scoped(scope, take_files)
            })
            .collect();
        let mut slots: Vec<Option<Parsed>> = files.iter().map(|_| None).collect();
        let mut place = |parsed: Vec<(usize, Parsed)>| {
            for (index, file) in parsed {
                if let Some(slot) = slots.get_mut(index) {
                    *slot = Some(file);
                }
            }
        };
        place(take_files());
        for handle in handles {
            if let Ok(Ok(parsed)) = handle.map(|h| h.join()) {
                place(parsed);
            }
        }
        // A file whose thread could not start (or died) is parsed here.
        slots
            .into_iter()
            .zip(files)
            .map(|(slot, id)| slot.unwrap_or_else(|| parse(id)))
            .collect()
    })
}
