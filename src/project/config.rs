//! `cpl.toml`: optional project settings. Every setting has a default, so a project
//! needs no configuration file at all.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::{FileKind, SourceMap, Span};

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
    /// The environment `cpl config` resolves when none is given.
    pub default_environment: Option<String>,
    /// How many workflow steps may run at once.
    pub max_parallel_steps: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            sources: vec![PathBuf::from(".")],
            runlog: PathBuf::from(".cpl/runs.db"),
            default_environment: None,
            max_parallel_steps: 4,
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
                let config = parsed.project;
                for dir in &config.sources {
                    if dir.is_absolute() || dir.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
                        diagnostics.push(
                            Diagnostic::new(
                                Code::PathEscapesRoot,
                                format!("source directory `{}` leaves the project", dir.display()),
                            )
                            .at(Span::new(file, 0, 0), "in `[project] sources`")
                            .with_help("list directories inside the project, relative to `cpl.toml`"),
                        );
                    }
                }
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

    /// The directories to search for `.cp` files.
    pub fn source_dirs(&self, root: &Path) -> Vec<PathBuf> {
        self.sources
            .iter()
            .filter(|d| !d.is_absolute())
            .map(|d| root.join(d))
            .collect()
    }
}
