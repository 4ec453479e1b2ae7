//! Where a command's results go. People get source snippets (in colour on a terminal,
//! unless `NO_COLOR` is set) with diagnostics on stderr and results on stdout; machines
//! get one document on stdout.

use std::io::{IsTerminal, Write};

use crate::diagnostics::{Code, Diagnostic};
use crate::report::{self, Format, PathBase, RenderOptions};
use crate::source::SourceMap;

/// The environment variable GitHub Actions sets to the job summary's file.
const STEP_SUMMARY: &str = "GITHUB_STEP_SUMMARY";

pub struct Output {
    pub format: Format,
    pub color: bool,
    /// What file paths in the output are relative to: the working directory unless
    /// `--path-base` says otherwise.
    pub paths: PathBase,
    /// `--max-per-code`: the most diagnostics of one code shown per file (`0`: all).
    pub max_per_code: usize,
    /// `--jobs`: the threads a project is loaded and evaluated on.
    pub jobs: crate::parallel::Jobs,
}

impl Output {
    pub fn new(format: &str) -> Result<Output, String> {
        let format: Format = format.parse().map_err(|e: report::UnknownFormat| e.to_string())?;
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = !no_color && std::io::stderr().is_terminal();
        Ok(Output {
            format,
            color,
            paths: PathBase::Project,
            max_per_code: crate::diagnostics::DEFAULT_MAX_PER_CODE,
            jobs: crate::parallel::Jobs::ONE,
        })
    }

    pub fn options(&self, anchor: Option<String>) -> RenderOptions {
        RenderOptions {
            color: self.color,
            width: terminal_width(),
            summary: true,
            anchor,
            paths: self.paths.clone(),
        }
    }

    /// Diagnostics on their own (`cpl check`): human ones on stderr, machine ones on stdout.
    /// At most `max_per_code` of each code per file are shown, and a note counts the rest;
    /// the caller decides the exit code from all of them.
    pub fn diagnostics(&self, diags: &[Diagnostic], sources: &SourceMap, anchor: Option<String>) {
        let capped = crate::diagnostics::cap(diags.to_vec(), self.max_per_code, sources);
        let diags = capped.as_slice();
        let options = self.options(anchor);
        if self.format == Format::Human {
            let mut err = std::io::stderr().lock();
            let _ = report::render(diags, sources, self.format, &options, &mut err);
        } else {
            let mut out = std::io::stdout().lock();
            let _ = report::render(diags, sources, self.format, &options, &mut out);
            let _ = out.flush();
        }
    }

    /// A human-readable line of results, on stdout.
    pub fn line(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
    }

    /// A JSON document on stdout.
    pub fn json(&self, value: &serde_json::Value) {
        let mut out = std::io::stdout().lock();
        let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".to_string());
        let _ = writeln!(out, "{text}");
    }

    /// Appends `markdown` to the file named by `GITHUB_STEP_SUMMARY`, which GitHub Actions
    /// shows on the run's summary page; nothing when it is not set. A file that cannot be
    /// written is a warning: the result stands, but its summary is missing.
    pub fn step_summary(&self, markdown: &str) -> Option<Diagnostic> {
        let path = std::env::var_os(STEP_SUMMARY).filter(|path| !path.is_empty())?;
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut file| file.write_all(markdown.as_bytes()));
        let error = written.err()?;
        Some(
            Diagnostic::new(
                Code::StepSummaryUnwritable,
                format!(
                    "cannot append the summary to `{}` (`{STEP_SUMMARY}`): {error}",
                    std::path::Path::new(&path).display()
                ),
            )
            .with_help(format!(
                "`{STEP_SUMMARY}` must name a file that can be written, or be unset"
            )),
        )
    }

    /// An error that stops the command, before any project is loaded.
    pub fn fatal(&self, diagnostic: Diagnostic) {
        let sources = SourceMap::new();
        self.diagnostics(&[diagnostic], &sources, None);
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .filter(|&w| w >= 40)
        .unwrap_or(100)
}
