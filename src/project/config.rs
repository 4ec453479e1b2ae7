//! `cpl.toml`: optional project settings. Every setting has a default, so a project
//! needs no configuration file at all.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::{FileId, FileKind, SourceMap, Span};

pub const CONFIG_FILE: &str = "cpl.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    project: Config,
}

/// The `[project]` table of `cpl.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Directories holding `.cp` files, relative to the root (default: the root).
    pub sources: Vec<PathBuf>,
    /// Where workflow runs are recorded, relative to the root.
    pub runlog: PathBuf,
    /// The environment `cpl config` resolves when none is given (also accepted as
    /// `environment`); it must be one of the `environments` list.
    #[serde(alias = "environment")]
    pub default_environment: Option<String>,
    /// How many workflow steps may run at once.
    pub max_parallel_steps: usize,
    /// The `cpl.toml` these settings were read from, for diagnostics.
    #[serde(skip)]
    pub file: Option<FileId>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            sources: vec![PathBuf::from(".")],
            runlog: PathBuf::from(".cpl/runs.db"),
            default_environment: None,
            max_parallel_steps: 4,
            file: None,
        }
    }
}

impl Config {
    /// Reads `cpl.toml` at the root if there is one; problems become diagnostics and
    /// the defaults are used.
    pub fn load(root: &Path, sources: &mut SourceMap, diagnostics: &mut Diagnostics) -> Config {
        let path = root.join(CONFIG_FILE);
        if !path.is_file() {
            return Config::default();
        }
        // A `cpl.toml` that links out of the project is not read: its text would be
        // shown in diagnostics, and its settings are the project's to give.
        let path = match crate::confine::inside_root(root, Path::new(CONFIG_FILE)) {
            Ok(real) => real,
            Err(real) => {
                diagnostics.push(
                    crate::confine::escape_diagnostic("the settings file", root, Path::new(CONFIG_FILE), &real)
                        .with_help("make `cpl.toml` a file of the project, not a link out of it"),
                );
                return Config::default();
            }
        };
        let text = match super::read_text(&path, CONFIG_FILE, super::MAX_SOURCE_BYTES) {
            Ok(text) => text,
            Err(error) => {
                diagnostics.push(error.diagnostic);
                return Config::default();
            }
        };
        let file = sources.add(CONFIG_FILE, Some(path), FileKind::Toml, text.as_str());
        match toml::from_str::<File>(&text) {
            Ok(parsed) => {
                let mut config = parsed.project;
                config.file = Some(file);
                report_escapes(&config, root, &text, file, diagnostics);
                config
            }
            Err(error) => {
                let span = error.span().unwrap_or(0..0);
                diagnostics.push(
                    Diagnostic::new(Code::MalformedData, format!("invalid `{CONFIG_FILE}`: {}", error.message()))
                        .at(Span::new(file, span.start, span.end), "here")
                        .with_help("the settings are `[project] sources`, `runlog`, `default_environment` and `max_parallel_steps`"),
                );
                Config::default()
            }
        }
    }

    /// The directories to search for `.cp` files: those that stay inside the root once
    /// their links are followed (the others were reported by [`Config::load`]).
    pub fn source_dirs(&self, root: &Path) -> Vec<PathBuf> {
        self.sources
            .iter()
            .filter_map(|d| crate::confine::inside_root(root, d).ok())
            .collect()
    }

    /// The default environment must be one of the program's `environments`: an error at
    /// `default_environment` in `cpl.toml` otherwise.
    pub fn check_default_environment(&self, program: &crate::ir::Program, sources: &SourceMap) -> Option<Diagnostic> {
        let wanted = self.default_environment.as_deref()?;
        let names: Vec<&str> = program.environments.iter().map(|e| &*e.name).collect();
        if names.contains(&wanted) {
            return None;
        }
        let help = crate::diagnostics::did_you_mean(wanted, names.iter().copied()).unwrap_or_else(|| {
            if names.is_empty() {
                format!("declare the environments in a `.cp` file: `environments [{wanted}]`")
            } else {
                let listed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                format!("the environments are {}", listed.join(", "))
            }
        });
        let mut diagnostic = Diagnostic::new(
            Code::UnknownEnvironment,
            format!("the default environment `{wanted}` is not declared"),
        )
        .with_help(help);
        if let Some(file) = self.file {
            let span = Places::find(sources.text(file)).environment;
            diagnostic = diagnostic.at(Span::new(file, span.start, span.end), "not in the `environments` list");
        }
        Some(diagnostic)
    }

    /// The run log `runlog` names, where it really leads; refused when that is outside
    /// the root. `cpl.toml` comes with the repository, maybe from a pull request, so it
    /// may not make cpl write elsewhere.
    pub fn runlog_path(&self, root: &Path) -> Result<PathBuf, Diagnostic> {
        crate::confine::inside_root(root, &self.runlog).map_err(|real| {
            crate::confine::escape_diagnostic("the run log", root, &self.runlog, &real)
                .with_note("it is set by `runlog` in `cpl.toml`")
                .with_help(RUNLOG_HELP)
        })
    }
}

/// Reports each path of `cpl.toml` that leads out of the root, at the place it is written.
fn report_escapes(config: &Config, root: &Path, text: &str, file: FileId, diagnostics: &mut Diagnostics) {
    let places = Places::find(text);
    for (index, dir) in config.sources.iter().enumerate() {
        if let Err(real) = crate::confine::inside_root(root, dir) {
            let span = places.source(index);
            diagnostics.push(
                crate::confine::escape_diagnostic("the source directory", root, dir, &real)
                    .at(Span::new(file, span.start, span.end), "in `[project] sources`")
                    .with_help("list directories inside the project, relative to `cpl.toml`"),
            );
        }
    }
    if let Err(real) = crate::confine::inside_root(root, &config.runlog) {
        let span = places.runlog.clone();
        diagnostics.push(
            crate::confine::escape_diagnostic("the run log", root, &config.runlog, &real)
                .at(Span::new(file, span.start, span.end), "`runlog` in `cpl.toml`")
                .with_help(RUNLOG_HELP),
        );
    }
}

const RUNLOG_HELP: &str =
    "keep the project's run log inside it; a run log elsewhere is given on the command line with `--runlog PATH`";

/// Where the paths of `cpl.toml` are written, for diagnostics that point at them.
#[derive(Default)]
struct Places {
    sources: Vec<Range<usize>>,
    runlog: Range<usize>,
    environment: Range<usize>,
}

#[derive(Deserialize)]
struct PlacesFile {
    #[serde(default)]
    project: Option<PlacesTable>,
}

#[derive(Deserialize)]
struct PlacesTable {
    #[serde(default)]
    sources: Option<Vec<toml::Spanned<toml::Value>>>,
    #[serde(default)]
    runlog: Option<toml::Spanned<toml::Value>>,
    #[serde(default, alias = "environment")]
    default_environment: Option<toml::Spanned<toml::Value>>,
}

impl Places {
    /// The positions in a `cpl.toml` that already parsed; none where a path is not written.
    fn find(text: &str) -> Places {
        let Ok(PlacesFile { project: Some(table) }) = toml::from_str::<PlacesFile>(text) else {
            return Places::default();
        };
        Places {
            sources: table
                .sources
                .unwrap_or_default()
                .iter()
                .map(toml::Spanned::span)
                .collect(),
            runlog: table.runlog.as_ref().map(toml::Spanned::span).unwrap_or(0..0),
            environment: table
                .default_environment
                .as_ref()
                .map(toml::Spanned::span)
                .unwrap_or(0..0),
        }
    }

    fn source(&self, index: usize) -> Range<usize> {
        self.sources.get(index).cloned().unwrap_or(0..0)
    }
}
