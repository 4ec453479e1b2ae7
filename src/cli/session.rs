//! What every evaluating command does first: find and load the project, load its data
//! and inputs, and stop early (with every diagnostic) when that fails.

use std::path::{Path, PathBuf};

use crate::check::CheckOptions;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::eval::Host;
use crate::parallel::Jobs;
use crate::project::{self, CONFIG_FILE, DataSet, Input, Project};

/// The real world, with the clock optionally pinned by `CPL_NOW` (an RFC 3339
/// timestamp or a date) for reproducible runs.
pub struct CliHost {
    pub root: PathBuf,
    pub now: jiff::Timestamp,
}

impl Host for CliHost {
    fn now(&self) -> jiff::Timestamp {
        self.now
    }

    fn env_var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn read_file(&self, path: &Path) -> Result<Vec<u8>, Diagnostic> {
        project::read_project_file(&self.root, path)
    }
}

/// The current time, or `CPL_NOW` when set.
pub fn now() -> Result<jiff::Timestamp, Diagnostic> {
    match std::env::var("CPL_NOW") {
        Ok(text) if !text.trim().is_empty() => crate::time::parse_timestamp(&text).map_err(|e| {
            Diagnostic::new(Code::InvalidArg, format!("`CPL_NOW` is not a time: {e}"))
                .with_help("set it to a date (`2027-01-31`) or an RFC 3339 timestamp, or unset it")
        }),
        _ => Ok(jiff::Timestamp::now()),
    }
}

/// The project root for `--project` (or the current directory).
pub fn root(project: Option<&Path>) -> Result<PathBuf, Diagnostic> {
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
            Ok(project::find_root(&cwd))
        }
    }
}

pub struct Session {
    pub project: Project,
    pub host: CliHost,
    pub data: DataSet,
}

impl Session {
    /// Loads the project and its data. `expression` is checked in the project's scope
    /// (for `cpl eval`); `gate` says whose `input`s `--input` may bind; the data loaders
    /// keep `max_per_code` diagnostics of each code per file (`0`: all); `jobs` threads
    /// parse, read data and evaluate long loops.
    pub fn open(
        root: &Path,
        inputs: &[Input],
        expression: Option<&str>,
        gate: Option<&str>,
        max_per_code: usize,
        jobs: Jobs,
    ) -> Result<Session, Diagnostic> {
        let now = now()?;
        let options = CheckOptions { now, jobs };
        let mut project = Project::load_with(root, &options, expression);
        let host = CliHost {
            root: project.root.clone(),
            now,
        };
        project.max_per_code = max_per_code;
        let data = project.load_data(inputs, gate, &host);
        Ok(Session { project, host, data })
    }

    /// Every problem found so far, project and data.
    pub fn diagnostics(&self) -> Diagnostics {
        let mut all = self.project.diagnostics.clone();
        all.extend(self.data.diagnostics.iter().cloned());
        all.sort();
        all
    }

    /// The file that SARIF results without a place are attached to, by its absolute path
    /// (the report shows it from its path base, as it shows every other file).
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
}
