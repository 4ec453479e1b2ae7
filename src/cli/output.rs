//! Where a command's results go. People get source snippets (in colour on a terminal,
//! unless `NO_COLOR` is set) with diagnostics on stderr and results on stdout; machines
//! get one document on stdout.

use std::io::{IsTerminal, Write};

use crate::diagnostics::Diagnostic;
use crate::report::{self, Format, RenderOptions};
use crate::source::SourceMap;

pub struct Output {
    pub format: Format,
    pub color: bool,
    /// `--max-per-code`: the most diagnostics of one code shown per file (`0`: all).
    pub max_per_code: usize,
}

impl Output {
    pub fn new(format: &str) -> Result<Output, String> {
        let format: Format = format.parse().map_err(|e: report::UnknownFormat| e.to_string())?;
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = !no_color && std::io::stderr().is_terminal();
        Ok(Output {
            format,
            color,
            max_per_code: crate::diagnostics::DEFAULT_MAX_PER_CODE,
        })
    }

    pub fn options(&self, anchor: Option<String>) -> RenderOptions {
        RenderOptions {
            color: self.color,
            width: terminal_width(),
            summary: true,
            anchor,
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
