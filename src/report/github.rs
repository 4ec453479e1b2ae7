//! `--format github`: GitHub Actions workflow commands, which the runner turns into
//! annotations on the pull request, e.g.
//! `::error file=main.cp,line=3,col=12,endLine=3,endColumn=16,title=E0101::unknown name`.
//! A policy's finding is titled with the policy and its level instead of the code:
//! `title=no_public_buckets (hard)`.
//!
//! A command is one line, so the message, the help, the notes and the other places are
//! joined with newlines and escaped as GitHub's toolkit does (`%` `\r` `\n` in the message;
//! also `:` and `,` in property values).

use super::position::{self, PathBase};
use crate::diagnostics::{Diagnostic, Severity};
use crate::source::SourceMap;

/// Escapes the message of a workflow command: `%`, `\r`, `\n`.
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes a property value of a workflow command (`file=…`, `title=…`): as
/// [`escape_data`], and also `:` and `,`, which would end the value.
pub fn escape_property(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            _ => out.push(c),
        }
    }
    out
}

fn command_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// The workflow command for one diagnostic, without the final newline.
pub(crate) fn command(diag: &Diagnostic, sources: &SourceMap, paths: &PathBase) -> String {
    // The annotation goes where the primary label is; failing that, at the first other
    // label, so that a problem with a related place still lands in a file.
    let place = position::labels(diag)
        .enumerate()
        .filter_map(|(i, (label, _))| Some((i, position::region(label.span, sources, paths)?)))
        .find(|(_, region)| region.is_artifact());

    let mut properties = Vec::new();
    if let Some((_, region)) = &place {
        properties.push(format!("file={}", escape_property(region.name())));
        properties.push(format!("line={}", region.line));
        // GitHub supports columns only within one line.
        if region.line == region.end_line {
            properties.push(format!("col={}", region.column));
            properties.push(format!("endLine={}", region.end_line));
            properties.push(format!("endColumn={}", region.end_column));
        } else {
            properties.push(format!("endLine={}", region.end_line));
        }
    }
    properties.push(format!("title={}", escape_property(&title(diag))));

    format!(
        "::{} {}::{}",
        command_name(diag.severity),
        properties.join(","),
        escape_data(&message(diag, sources, paths, place.map(|(i, _)| i)))
    )
}

/// The annotation's title: a policy's finding by its policy and level
/// (`no_public_buckets (hard)`), which is what a reviewer scanning annotations needs; any
/// other diagnostic by its code.
fn title(diag: &Diagnostic) -> String {
    match &diag.policy {
        Some(policy) => format!("{} ({})", policy.name, policy.level),
        None => diag.code.as_str().to_string(),
    }
}

/// The annotation text: the message, then the label of the annotated place (the label
/// numbered `place`), the other places with their labels, the help and the notes, one per
/// line.
fn message(diag: &Diagnostic, sources: &SourceMap, paths: &PathBase, place: Option<usize>) -> String {
    let mut lines = vec![diag.message.clone()];
    for (i, (label, _)) in position::labels(diag).enumerate() {
        if label.message.is_empty() {
            continue;
        }
        match position::region(label.span, sources, paths) {
            Some(region) if Some(i) != place => {
                lines.push(format!("{}: {}", position::location(&region), label.message));
            }
            _ => lines.push(label.message.clone()),
        }
    }
    if let Some(help) = &diag.help {
        lines.push(format!("help: {help}"));
    }
    lines.extend(diag.notes.iter().map(|note| format!("note: {note}")));
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_and_line_breaks_only() {
        assert_eq!(escape_data("50% done\r\nnext: a,b"), "50%25 done%0D%0Anext: a,b");
        // `%` first, so an escape in the input is not decoded by GitHub.
        assert_eq!(escape_data("%0A"), "%250A");
        assert_eq!(escape_data("plain `ünïcode`"), "plain `ünïcode`");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(escape_property("a:b,c%d\ne\rf"), "a%3Ab%2Cc%25d%0Ae%0Df");
        assert_eq!(escape_property("dir/file name.cp"), "dir/file name.cp");
    }
}
