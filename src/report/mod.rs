//! Rendering: diagnostics for terminals (miette) and machines (JSON, SARIF, GitHub
//! workflow commands). Every stage builds [`Diagnostic`] values; this module renders them
//! once, at the edge, through the single entry point [`render`].

mod decisions;
mod github;
pub mod graph;
mod human;
mod json;
mod position;
pub mod runs;
mod sarif;

use std::fmt;
use std::io::Write;
use std::str::FromStr;

use crate::diagnostics::Diagnostic;
use crate::source::SourceMap;

pub use decisions::{
    Context, decision_diagnostics, decision_json, decision_line, decision_record_json, gate_json, gate_lines,
    gate_summary_markdown, unused_waiver_diagnostics,
};
pub use github::{escape_data, escape_property};
pub use human::{render_diagnostic as render_human_diagnostic, summary};
pub use json::{JSON_VERSION, diagnostic_to_json, diagnostics_to_json};
pub use position::PathBase;
pub use sarif::{SARIF_SCHEMA, sarif_log};

/// How diagnostics are written. `junit` (for `cpl test`) will join these; it reports test
/// results rather than diagnostics, so it is not one of them yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Source snippets with labels, for people (miette).
    Human,
    /// cpl's own versioned JSON, one object per diagnostic.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…::…`), shown as annotations.
    Github,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: &'static [Format] = &[Format::Human, Format::Json, Format::Sarif, Format::Github];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A format name that is not one of [`Format::ALL`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownFormat(pub String);

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Format::ALL.iter().map(|format| format.as_str()).collect();
        write!(f, "unknown format `{}`, expected one of {}", self.0, names.join(", "))
    }
}

impl std::error::Error for UnknownFormat {}

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        let name = s.trim().to_ascii_lowercase();
        Format::ALL
            .iter()
            .copied()
            .find(|format| format.as_str() == name)
            .ok_or_else(|| UnknownFormat(s.to_string()))
    }
}

/// Choices the caller makes about the output; the renderers never look at the terminal or
/// the environment themselves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderOptions {
    /// Colours in human output. The CLI sets it from is-terminal and `NO_COLOR`.
    pub color: bool,
    /// Width in columns that human output wraps at.
    pub width: usize,
    /// End human output with a summary line such as `error: 2 errors, 1 warning emitted`.
    pub summary: bool,
    /// A file that SARIF results with no place of their own are anchored to: relative to
    /// the project root (e.g. `cpl.toml`), or absolute, then shown from [`Self::paths`].
    /// GitHub code scanning rejects a whole upload when one result has no location, so the
    /// CLI should set it for `--format sarif`.
    pub anchor: Option<String>,
    /// What the file paths in every format are relative to.
    pub paths: PathBase,
}

impl Default for RenderOptions {
    fn default() -> RenderOptions {
        RenderOptions {
            color: false,
            width: 100,
            summary: true,
            anchor: None,
            paths: PathBase::Project,
        }
    }
}

/// Writes `diags` to `out` in `format`. Positions are looked up in `sources`; a span in a
/// file that `sources` does not know is shown without a place rather than dropped.
pub fn render(
    diags: &[Diagnostic],
    sources: &SourceMap,
    format: Format,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Human => {
            for (i, diag) in diags.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                out.write_all(human::render_diagnostic(diag, sources, options).as_bytes())?;
            }
            if options.summary
                && let Some(line) = human::summary_styled(diags, options.color)
            {
                if !diags.is_empty() {
                    writeln!(out)?;
                }
                writeln!(out, "{line}")?;
            }
            Ok(())
        }
        Format::Json => json::write(diags, sources, &options.paths, out),
        Format::Sarif => sarif::write(diags, sources, options, out),
        Format::Github => {
            for diag in diags {
                writeln!(out, "{}", github::command(diag, sources, &options.paths))?;
            }
            Ok(())
        }
    }
}

/// [`render`] into a string, for tests and for callers that embed the output.
pub fn render_to_string(diags: &[Diagnostic], sources: &SourceMap, format: Format, options: &RenderOptions) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = render(diags, sources, format, options, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for format in Format::ALL {
            assert_eq!(format.as_str().parse::<Format>(), Ok(*format));
            assert_eq!(format.to_string(), format.as_str());
        }
        assert_eq!(" SARIF ".parse::<Format>(), Ok(Format::Sarif));
        let err = "junit".parse::<Format>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown format `junit`, expected one of human, json, sarif, github"
        );
    }
}
