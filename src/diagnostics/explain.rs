//! Long explanations of diagnostic codes, for `cpl explain`. The text is the code's
//! section of `docs/diagnostics.md`, compiled in, so the docs and the tool never disagree.

use super::Code;

const DOC: &str = include_str!("../../docs/diagnostics.md");

/// The `## CODE …` section of the diagnostic index, heading included.
pub fn explanation(code: Code) -> Option<&'static str> {
    let heading = format!("## {}", code.as_str());
    let start = DOC.match_indices(&heading).map(|(i, _)| i).find(|&i| {
        (i == 0 || DOC.get(i - 1..i) == Some("\n"))
            && DOC
                .get(i + heading.len()..)
                .is_some_and(|r| !r.starts_with(|c: char| c.is_ascii_alphanumeric()))
    })?;
    let rest = DOC.get(start..)?;
    let end = rest
        .get(3..)
        .and_then(|r| r.find("\n## "))
        .map(|i| i + 4)
        .unwrap_or(rest.len());
    rest.get(..end)
}
