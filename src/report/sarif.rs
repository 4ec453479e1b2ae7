//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning, as our own serde structs for the
//! subset GitHub reads: one run; one rule per policy that has findings (`policy/<name>`,
//! described by the policy's doc comment) and one per code of the other diagnostics; one
//! result per diagnostic with its place in `locations` and the other labels in
//! `relatedLocations`.
//!
//! GitHub rejects a whole upload when one result has no location (the schema allows it), so
//! a diagnostic with no place of its own is located at its first labelled place, else at
//! [`RenderOptions::anchor`]; only when neither exists is `locations` left out.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;
use serde_json::Value;

use super::RenderOptions;
use super::position::{self, Region};
use crate::diagnostics::{Code, Diagnostic, PolicyRef, Severity};
use crate::source::SourceMap;

/// The schema the log declares: the OASIS standard, errata 01.
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The base that relative artifact URIs are resolved against: the checkout, for GitHub.
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    /// Our columns count Unicode scalar values, not SARIF's default UTF-16 code units.
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    semantic_version: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    short_description: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Text>,
    help: Text,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: SarifRegion,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRegion {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// A link for the tool, from the package metadata when it has one.
fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|uri| !uri.is_empty())
}

fn artifact_location(name: &str) -> ArtifactLocation {
    let path = name.replace('\\', "/");
    let is_windows_absolute = path.as_bytes().get(1) == Some(&b':') && path.as_bytes().get(2) == Some(&b'/');
    if path.starts_with('/') {
        ArtifactLocation {
            uri: format!("file://{}", percent_encode(&path)),
            uri_base_id: None,
        }
    } else if is_windows_absolute {
        let (drive, rest) = path.split_at(2);
        ArtifactLocation {
            uri: format!("file:///{drive}{}", percent_encode(rest)),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: percent_encode(path.trim_start_matches("./")),
            uri_base_id: Some(SRCROOT),
        }
    }
}

/// Percent-encodes a path for a URI reference: everything but unreserved characters, `/`
/// and the sub-delimiters. `:` is encoded so a first segment is never read as a scheme.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn physical_location(region: &Region<'_>) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: artifact_location(region.name()),
        region: SarifRegion {
            start_line: region.line,
            start_column: Some(region.column),
            end_line: Some(region.end_line),
            end_column: Some(region.end_column),
        },
    }
}

fn text_of(message: &str) -> Option<Text> {
    (!message.is_empty()).then(|| Text {
        text: message.to_string(),
    })
}

/// The result text: the message, then the help and the notes, one per line.
fn result_message(diag: &Diagnostic) -> String {
    let mut text = diag.message.clone();
    if let Some(help) = &diag.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    for note in &diag.notes {
        text.push_str("\nnote: ");
        text.push_str(note);
    }
    text
}

fn result(diag: &Diagnostic, rule: (String, usize), sources: &SourceMap, options: &RenderOptions) -> SarifResult {
    let places: Vec<_> = position::labels(diag)
        .filter_map(|(label, _)| Some((label, position::region(label.span, sources, &options.paths)?)))
        .filter(|(_, region)| region.is_artifact())
        .collect();
    let mut places = places.into_iter();

    let locations = match places.next() {
        Some((label, region)) => vec![Location {
            id: None,
            physical_location: physical_location(&region),
            message: text_of(&label.message),
        }],
        None => options
            .anchor
            .iter()
            .map(|anchor| Location {
                id: None,
                physical_location: PhysicalLocation {
                    artifact_location: artifact_location(&options.paths.show(anchor)),
                    region: SarifRegion {
                        start_line: 1,
                        start_column: None,
                        end_line: None,
                        end_column: None,
                    },
                },
                message: None,
            })
            .collect(),
    };
    let related_locations = places
        .enumerate()
        .map(|(i, (label, region))| Location {
            id: Some(i + 1),
            physical_location: physical_location(&region),
            message: text_of(&label.message),
        })
        .collect();

    let (rule_id, rule_index) = rule;
    SarifResult {
        rule_id,
        rule_index,
        level: level(diag.severity),
        message: Text {
            text: result_message(diag),
        },
        locations,
        related_locations,
    }
}

/// What a result is filed under: its policy when it is a finding of one, else its code.
/// Codes sort before policies, so rules list the codes first.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum RuleKey {
    Code(Code),
    Policy(String),
}

impl RuleKey {
    fn of(diag: &Diagnostic) -> RuleKey {
        match &diag.policy {
            Some(policy) => RuleKey::Policy(policy.name.to_string()),
            None => RuleKey::Code(diag.code),
        }
    }

    fn id(&self) -> String {
        match self {
            RuleKey::Code(code) => code.as_str().to_string(),
            RuleKey::Policy(name) => format!("policy/{name}"),
        }
    }
}

fn code_rule(code: Code) -> Rule {
    let info = code.info();
    Rule {
        id: info.name.to_string(),
        short_description: Text {
            text: info.title.to_string(),
        },
        full_description: None,
        help: Text {
            text: format!("run `cpl explain {}` for the full explanation", info.name),
        },
        default_configuration: Configuration {
            level: level(info.severity),
        },
    }
}

/// A policy's rule: described by its doc comment (the first line short, all of it in
/// full and as help), at the level its denials are reported at.
fn policy_rule(policy: &PolicyRef) -> Rule {
    let level_text = format!("policy `{}` ({})", policy.name, policy.level);
    let docs = policy.docs.as_deref().map(str::trim).filter(|docs| !docs.is_empty());
    let short = docs
        .and_then(|docs| docs.lines().next())
        .map(|line| format!("{} ({})", line.trim(), policy.level))
        .unwrap_or_else(|| level_text.clone());
    Rule {
        id: format!("policy/{}", policy.name),
        short_description: Text { text: short },
        full_description: docs.map(|docs| Text { text: docs.to_string() }),
        help: Text {
            text: match docs {
                Some(docs) => format!("{docs}\n\n{level_text}"),
                None => format!("{level_text} has no doc comment; `///` above it describes it here"),
            },
        },
        default_configuration: Configuration {
            level: if policy.level == "advisory" { "warning" } else { "error" },
        },
    }
}

fn log(diags: &[Diagnostic], sources: &SourceMap, options: &RenderOptions) -> Log {
    // One rule per code or policy used, codes first, each in order; results point at
    // them by index. A policy's rule is described from the first of its findings.
    let mut used: BTreeMap<RuleKey, &Diagnostic> = BTreeMap::new();
    for diag in diags {
        used.entry(RuleKey::of(diag)).or_insert(diag);
    }
    let index: BTreeMap<&RuleKey, usize> = used.keys().enumerate().map(|(i, key)| (key, i)).collect();
    let rules = used
        .iter()
        .map(|(key, first)| match (key, &first.policy) {
            (RuleKey::Policy(_), Some(policy)) => policy_rule(policy),
            _ => code_rule(first.code),
        })
        .collect();
    let results = diags
        .iter()
        .map(|diag| {
            let key = RuleKey::of(diag);
            let rule_index = index.get(&key).copied().unwrap_or_default();
            result(diag, (key.id(), rule_index), sources, options)
        })
        .collect();

    Log {
        schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "cpl",
                    information_uri: information_uri(),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    }
}

/// The SARIF log as a JSON value.
pub fn sarif_log(diags: &[Diagnostic], sources: &SourceMap, options: &RenderOptions) -> Value {
    // Serialising strings, numbers and options into a `Value` cannot fail.
    serde_json::to_value(log(diags, sources, options)).unwrap_or(Value::Null)
}

/// Writes the log, pretty-printed, with fields in declaration order.
pub(crate) fn write(
    diags: &[Diagnostic],
    sources: &SourceMap,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(diags, sources, options))?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        let uri = |name: &str| {
            let location = artifact_location(name);
            (location.uri, location.uri_base_id)
        };
        assert_eq!(uri("policies/main.cp"), ("policies/main.cp".into(), Some(SRCROOT)));
        assert_eq!(
            uri("./data\\models 2.yaml"),
            ("data/models%202.yaml".into(), Some(SRCROOT))
        );
        assert_eq!(uri("a:b/ç.cp"), ("a%3Ab/%C3%A7.cp".into(), Some(SRCROOT)));
        assert_eq!(uri("/abs/x#1.cp"), ("file:///abs/x%231.cp".into(), None));
        assert_eq!(uri("C:\\proj\\x.cp"), ("file:///C:/proj/x.cp".into(), None));
    }
}
