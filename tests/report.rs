//! Rendering of diagnostics in every format, over hand-built diagnostics in a project of a
//! `.cp` file, a YAML data file and a broken `.cp` file: snapshots of each format, the
//! SARIF log checked against the official SARIF 2.1.0 schema, and the GitHub escaping.

use cpl::diagnostics::{Code, Diagnostic, Severity};
use cpl::report::{self, Format, RenderOptions};
use cpl::source::{FileId, FileKind, SourceMap, Span};
use serde_json::Value;

const AGENTS_CP: &str = r#"/// An AI agent registered with the control plane.
entity agent {
  key name: string
  owner: string
  metadata: {
    max_tokens: int where it >= 1 and it <= 32000
  }
}

source agents: [agent] = "registry/agents/*.yaml"

policy owned(a: agent) {
  deny "agent {a.name} has no owner" if ownr == ""
  warn "naïve café ☕ limit" if a.metadata.max_tokens > 30000
}
"#;

const SUMMARIZER_YAML: &str = "name: summarizer
ownr: ml-platform
metadata:
  max_tokens: 64000
";

const BROKEN_CP: &str = "fn f(x: int) -> int = x +
policy p {
  deny if true
";

struct Project {
    sources: SourceMap,
    agents: FileId,
    yaml: FileId,
    broken: FileId,
}

impl Project {
    fn new() -> Project {
        let mut sources = SourceMap::new();
        let agents = sources.add("policies/agents.cp", None, FileKind::Cpl, AGENTS_CP);
        let yaml = sources.add("registry/agents/summarizer.yaml", None, FileKind::Yaml, SUMMARIZER_YAML);
        let broken = sources.add("policies/broken.cp", None, FileKind::Cpl, BROKEN_CP);
        Project {
            sources,
            agents,
            yaml,
            broken,
        }
    }

    /// The span of the `nth` (0-based) occurrence of `needle` in `file`.
    #[expect(clippy::panic, reason = "a fixture without the text is a broken test")]
    fn find(&self, file: FileId, needle: &str, nth: usize) -> Span {
        let text = self.sources.text(file);
        let start = text
            .match_indices(needle)
            .nth(nth)
            .unwrap_or_else(|| panic!("`{needle}` not found {nth} times"))
            .0;
        Span::new(file, start, start + needle.len())
    }

    /// A zero-width span just after the `nth` occurrence of `needle`.
    fn after(&self, file: FileId, needle: &str, nth: usize) -> Span {
        let span = self.find(file, needle, nth);
        Span::new(file, span.end as usize, span.end as usize)
    }

    fn end_of(&self, file: FileId) -> Span {
        let len = self.sources.text(file).len();
        Span::new(file, len, len)
    }

    fn diagnostics(&self) -> Vec<Diagnostic> {
        vec![
            Diagnostic::new(Code::UnknownName, "unknown name `ownr`")
                .at(self.find(self.agents, "ownr", 0), "not found in this scope")
                .with_help("did you mean `a.owner`?"),
            // Primary in the data file, the schema field in the `.cp` file.
            Diagnostic::new(Code::UnknownDataField, "unknown field `ownr` in `agent`")
                .at(self.find(self.yaml, "ownr", 0), "not a field of `agent`")
                .with_label(self.find(self.agents, "owner: string", 0), "did you mean this field?")
                .with_help("did you mean `owner`?"),
            // The secondary ends at the end of its line.
            Diagnostic::new(Code::ConstraintFailed, "`64000` does not satisfy `it <= 32000`")
                .at(self.find(self.yaml, "64000", 0), "more than 32000")
                .with_label(
                    self.find(self.agents, "it <= 32000", 0),
                    "constraint of `agent.metadata.max_tokens`",
                ),
            // No place at all.
            Diagnostic::new(Code::MissingInput, "input `plan` not given")
                .with_help("pass it with `--input plan=FILE`")
                .with_note("sources bound to `input` are supplied at evaluation time"),
            // A warning after non-ASCII text on the same line: columns count characters.
            Diagnostic::new(Code::PolicyWarning, "policy `owned` warns: naïve café ☕ limit").at(
                self.find(self.agents, "a.metadata.max_tokens", 0),
                "is 64000 for `summarizer`",
            ),
            Diagnostic::new(Code::Waived, "violation of `owned` waived")
                .at(self.find(self.agents, "deny", 0), "this rule denied `summarizer`")
                .with_note("waiver `legacy-agents` expires on 2027-03-31")
                .with_note("approved by `platform-team`"),
            // Zero width at the end of a line.
            Diagnostic::new(Code::SyntaxError, "expected an expression after `+`")
                .at(self.after(self.broken, "x +", 0), "expected an expression"),
            // Zero width at the end of the file, after its last newline.
            Diagnostic::new(Code::SyntaxError, "unclosed `{`")
                .at(self.end_of(self.broken), "the file ends here")
                .with_label(self.find(self.broken, "{", 0), "opened here"),
        ]
    }
}

fn render(format: Format, options: &RenderOptions) -> String {
    let project = Project::new();
    report::render_to_string(&project.diagnostics(), &project.sources, format, options)
}

/// The tool version changes with every release; snapshots should not.
macro_rules! assert_versionless_snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({filters => vec![(r#""semanticVersion": "[^"]+""#, r#""semanticVersion": "[version]""#)]}, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

#[test]
fn human() {
    insta::assert_snapshot!("human", render(Format::Human, &RenderOptions::default()));
}

#[test]
fn human_colour_only_when_asked() {
    let plain = render(Format::Human, &RenderOptions::default());
    assert!(!plain.contains('\u{1b}'), "escape codes without colour:\n{plain}");
    let coloured = render(
        Format::Human,
        &RenderOptions {
            color: true,
            ..RenderOptions::default()
        },
    );
    assert!(coloured.contains("\u{1b}["), "no escape codes with colour:\n{coloured}");
}

#[test]
fn human_wraps_at_the_given_width() {
    let project = Project::new();
    let long = "word ".repeat(30);
    let diag = Diagnostic::new(Code::InvalidArg, long.trim()).with_help(long.trim());
    let options = RenderOptions {
        width: 40,
        summary: false,
        ..RenderOptions::default()
    };
    let out = report::render_to_string(&[diag], &project.sources, Format::Human, &options);
    for line in out.lines() {
        assert!(line.chars().count() <= 40, "line longer than 40 columns: `{line}`");
    }
    assert!(out.starts_with("  error[E0601]: word word"), "{out}");
}

#[test]
fn summary_counts_by_severity_led_by_the_worst() {
    let project = Project::new();
    let diags = project.diagnostics();
    assert_eq!(
        report::summary(&diags).as_deref(),
        Some("error: 6 errors, 1 warning, 1 note emitted")
    );
    let warning = Diagnostic::new(Code::WaiverUnused, "waiver `w` matches nothing");
    assert_eq!(
        report::summary(&[warning.clone(), warning.clone()]).as_deref(),
        Some("warning: 2 warnings emitted")
    );
    let note = warning.with_severity(Severity::Note);
    assert_eq!(report::summary(&[note]).as_deref(), Some("note: 1 note emitted"));
    assert_eq!(report::summary(&[]), None);
}

#[test]
fn human_with_no_diagnostics_is_empty() {
    let project = Project::new();
    let out = report::render_to_string(&[], &project.sources, Format::Human, &RenderOptions::default());
    assert_eq!(out, "");
}

#[test]
fn json() {
    insta::assert_snapshot!("json", render(Format::Json, &RenderOptions::default()));
}

#[test]
fn json_embeds_the_same_objects() {
    let project = Project::new();
    let diags = project.diagnostics();
    let document = report::diagnostics_to_json(&diags, &project.sources, &report::PathBase::Project);
    assert_eq!(document["version"], 1);
    for (i, diag) in diags.iter().enumerate() {
        assert_eq!(
            report::diagnostic_to_json(diag, &project.sources, &report::PathBase::Project),
            document["diagnostics"][i]
        );
    }
    // What `render` prints is the same document.
    let printed: Value = serde_json::from_str(&render(Format::Json, &RenderOptions::default())).unwrap();
    assert_eq!(printed, document);
}

#[test]
fn sarif() {
    let options = RenderOptions {
        anchor: Some("cpl.toml".into()),
        ..RenderOptions::default()
    };
    assert_versionless_snapshot!("sarif", render(Format::Sarif, &options));
}

#[expect(clippy::expect_used, reason = "a missing or broken schema file is a broken test")]
fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/sarif-schema-2.1.0.json"
    ))
    .expect("the SARIF schema is in tests/data");
    let schema: Value = serde_json::from_str(&text).expect("the SARIF schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn schema_errors(validator: &jsonschema::Validator, log: &Value) -> Vec<String> {
    validator
        .iter_errors(log)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect()
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    let validator = sarif_validator();
    let project = Project::new();
    let diags = project.diagnostics();
    for anchor in [None, Some("cpl.toml".to_string())] {
        let options = RenderOptions {
            anchor,
            ..RenderOptions::default()
        };
        let printed: Value = serde_json::from_str(&render(Format::Sarif, &options)).unwrap();
        assert_eq!(printed, report::sarif_log(&diags, &project.sources, &options));
        let errors = schema_errors(&validator, &printed);
        assert!(errors.is_empty(), "{options:?}: {errors:#?}");
    }
    // An empty run is valid too.
    let empty = report::sarif_log(&[], &project.sources, &RenderOptions::default());
    assert_eq!(schema_errors(&validator, &empty), Vec::<String>::new());
}

#[test]
fn sarif_validation_catches_a_broken_log() {
    // The schema check must be able to fail: break a valid log in four ways.
    let validator = sarif_validator();
    let project = Project::new();
    let log = report::sarif_log(&project.diagnostics(), &project.sources, &RenderOptions::default());
    let mut bad_level = log.clone();
    bad_level["runs"][0]["results"][0]["level"] = "fatal".into();
    let mut no_message = log.clone();
    no_message["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    let mut bad_line = log.clone();
    bad_line["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0.into();
    // Formats are checked too (`uri`; draft 4 has no `uri-reference`).
    let mut bad_uri = log;
    bad_uri["$schema"] = "sarif 2.1.0".into();
    for (what, broken) in [
        ("a level", bad_level),
        ("no message", no_message),
        ("a line", bad_line),
        ("a URI", bad_uri),
    ] {
        assert!(!schema_errors(&validator, &broken).is_empty(), "{what} not caught");
    }
}

#[test]
fn sarif_results_all_have_a_location_when_anchored() {
    // GitHub code scanning rejects the whole upload if one result has no location.
    let project = Project::new();
    let options = RenderOptions {
        anchor: Some("cpl.toml".into()),
        ..RenderOptions::default()
    };
    let log = report::sarif_log(&project.diagnostics(), &project.sources, &options);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 8);
    for result in results {
        let uri = &result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
        assert!(uri.is_string(), "no location: {result}");
    }
    // Without an anchor the placeless diagnostic has no location, which the schema allows.
    let log = report::sarif_log(&project.diagnostics(), &project.sources, &RenderOptions::default());
    let missing = &log["runs"][0]["results"][3];
    assert_eq!(missing["ruleId"], "E0415");
    assert!(missing.get("locations").is_none());
}

#[test]
fn sarif_rules_are_the_codes_used() {
    let project = Project::new();
    let log = report::sarif_log(&project.diagnostics(), &project.sources, &RenderOptions::default());
    let run = &log["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["id"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["E0001", "E0101", "E0402", "E0404", "E0415", "W0702", "I0701"]);
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(result["ruleId"], rules[index]);
    }
    assert_eq!(run["tool"]["driver"]["semanticVersion"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn github() {
    insta::assert_snapshot!("github", render(Format::Github, &RenderOptions::default()));
}

#[test]
fn github_escapes_messages_and_properties() {
    let mut sources = SourceMap::new();
    let file = sources.add("dir,with:odd%/a.cp", None, FileKind::Cpl, "x\n");
    let diag = Diagnostic::new(Code::InvalidLiteral, "100% wrong: a, b")
        .at(Span::new(file, 0, 1), "here")
        .with_help("write `50%`\nor nothing");
    let out = report::render_to_string(&[diag], &sources, Format::Github, &RenderOptions::default());
    assert_eq!(
        out,
        "::error file=dir%2Cwith%3Aodd%25/a.cp,line=1,col=1,endLine=1,endColumn=2,title=E0005::\
         100%25 wrong: a, b%0Ahere%0Ahelp: write `50%25`%0Aor nothing\n"
    );
}

#[test]
fn github_spans_over_lines_have_no_columns() {
    let project = Project::new();
    let span = project.find(project.agents, "{\n  key", 0);
    let diag = Diagnostic::new(Code::EntityKey, "entity needs exactly one key").at(span, "");
    let out = report::render_to_string(&[diag], &project.sources, Format::Github, &RenderOptions::default());
    assert_eq!(
        out,
        "::error file=policies/agents.cp,line=2,endLine=3,title=E0212::entity needs exactly one key\n"
    );
}

#[test]
fn labels_in_unknown_files_are_skipped_not_fatal() {
    let project = Project::new();
    let diag = Diagnostic::new(Code::UnknownName, "unknown name `x`")
        .at(Span::new(FileId::DETACHED, 0, 1), "here")
        .with_help("check the spelling");
    for format in Format::ALL {
        let out = report::render_to_string(
            std::slice::from_ref(&diag),
            &project.sources,
            *format,
            &RenderOptions::default(),
        );
        assert!(out.contains("unknown name `x`"), "{format}: {out}");
    }
    let json = report::diagnostic_to_json(&diag, &project.sources, &report::PathBase::Project);
    assert_eq!(json["file"], Value::Null);
    assert_eq!(json["labels"][0]["line"], Value::Null);
}

/// A project whose registry is one pretty-printed JSON file of `records` services, every
/// `bad_every`-th of them public, and a hard policy that denies public services. Returns
/// the project's directory and, for each public service, its name and the 1-based line of
/// its record.
#[expect(
    clippy::unwrap_used,
    reason = "a temporary directory that cannot be written is a broken test"
)]
fn public_services_project(records: usize, bad_every: usize) -> (tempfile::TempDir, Vec<(String, usize)>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.cp"),
        "entity service {\n  key name: string\n  public: bool\n  description: string\n}\n\n\
         source services: [service] = \"registry/services.json\"\n\n\
         /// Services are private.\npolicy no_public_services {\n  level hard\n  for s in services\n  \
         deny when s.public => \"`{s.name}` is public\"\n}\n",
    )
    .unwrap();
    let description = "a service that does something useful for somebody, described at length ".repeat(2);
    let mut json = String::from("[\n");
    let mut public = Vec::new();
    let mut line = 2;
    for i in 0..records {
        let name = format!("svc-{i:06}");
        let is_public = i % bad_every == 0;
        if is_public {
            public.push((name.clone(), line));
        }
        let comma = if i + 1 < records { "," } else { "" };
        json.push_str(&format!(
            "  {{\n    \"name\": \"{name}\",\n    \"public\": {is_public},\n    \"description\": \"{description}\"\n  }}{comma}\n"
        ));
        line += 5;
    }
    json.push_str("]\n");
    std::fs::create_dir(dir.path().join("registry")).unwrap();
    std::fs::write(dir.path().join("registry/services.json"), json).unwrap();
    (dir, public)
}

#[test]
fn human_output_of_thousands_of_findings_in_a_large_file_shows_each_in_its_place() {
    use cpl::eval::{Env, FixedHost};
    // 100 000 records of about 200 bytes: a 20 MB file, and 2 000 violations spread over
    // it. Rendering used to read the file from its start for every snippet; now each
    // snippet reads its own lines, and this test checks that they are the right ones.
    let (dir, public) = public_services_project(100_000, 50);
    let size = std::fs::metadata(dir.path().join("registry/services.json"))
        .unwrap()
        .len();
    assert!(size > 20_000_000, "{size} bytes");
    assert_eq!(public.len(), 2_000);

    let options = cpl::check::CheckOptions {
        now: jiff::Timestamp::UNIX_EPOCH,
        jobs: cpl::parallel::Jobs::ONE,
    };
    let mut project = cpl::project::Project::load(dir.path(), &options);
    let host = FixedHost::default();
    let data = project.load_data(&[], None, &host);
    assert!(project.diagnostics.is_empty() && data.diagnostics.is_empty());
    let env = Env::new(&project.program, &project.sources, &data.sources, &host);
    let (id, _) = project.program.policy("no_public_services").unwrap();
    let decision = cpl::eval::apply_waivers(&project.program, env.decide(id, &[]), jiff::Timestamp::UNIX_EPOCH);
    let diags = report::decision_diagnostics(&env, &decision, report::Context::Policy);
    assert_eq!(diags.len(), 2_000);

    let out = report::render_to_string(&diags, &project.sources, Format::Human, &RenderOptions::default());
    let findings: Vec<&str> = out.split("\n\n").collect();
    // One block per finding, then the summary line.
    assert_eq!(findings.len(), 2_001, "{}", &out[..out.len().min(2_000)]);
    assert_eq!(findings[2_000].trim(), "error: 2000 errors emitted");
    for ((name, line), block) in public.iter().zip(&findings) {
        assert!(block.contains(&format!("error[E0701]: `{name}` is public")), "{block}");
        assert!(
            block.contains(&format!("[registry/services.json:{line}:3]")),
            "{name}: {block}"
        );
        // The snippet shows the record's own lines, numbered as in the file.
        assert!(
            block.contains(&format!(" {} │     \"name\": \"{name}\",", line + 1)),
            "{block}"
        );
        assert!(block.contains("[main.cp:13:"), "{block}");
    }
}

#[test]
fn sarif_files_policy_findings_under_a_rule_per_policy() {
    use cpl::diagnostics::PolicyRef;
    let project = Project::new();
    let span = project.find(project.agents, "deny", 0);
    let policy = |name: &str, level: &'static str, docs: Option<&str>| PolicyRef {
        name: name.into(),
        level,
        docs: docs.map(Into::into),
    };
    let documented = policy("owned", "hard", Some("Every agent has an owner.\nThe owner is paged."));
    let diags = vec![
        Diagnostic::new(Code::HardDenial, "agent `a` has no owner")
            .at(span, "here")
            .for_policy(documented.clone()),
        Diagnostic::new(Code::UnknownName, "unknown name `ownr`").at(span, "here"),
        Diagnostic::new(Code::AdvisoryDenial, "agent `b` is large")
            .at(span, "here")
            .with_severity(Severity::Warning)
            .for_policy(policy("small", "advisory", None)),
        Diagnostic::new(Code::Waived, "agent `c` has no owner")
            .at(span, "here")
            .for_policy(documented),
    ];
    let log = report::sarif_log(&diags, &project.sources, &RenderOptions::default());
    assert_eq!(schema_errors(&sarif_validator(), &log), Vec::<String>::new());
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    // Codes first, then policies by name; the waived finding shares its policy's rule.
    assert_eq!(ids, ["E0101", "policy/owned", "policy/small"]);
    assert_eq!(rules[1]["shortDescription"]["text"], "Every agent has an owner. (hard)");
    assert_eq!(
        rules[1]["fullDescription"]["text"],
        "Every agent has an owner.\nThe owner is paged."
    );
    assert_eq!(rules[1]["defaultConfiguration"]["level"], "error");
    assert_eq!(rules[2]["shortDescription"]["text"], "policy `small` (advisory)");
    assert!(rules[2].get("fullDescription").is_none());
    assert_eq!(rules[2]["defaultConfiguration"]["level"], "warning");
    let filed: Vec<(&str, u64, &str)> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap(),
                r["ruleIndex"].as_u64().unwrap(),
                r["level"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        filed,
        [
            ("policy/owned", 1, "error"),
            ("E0101", 0, "error"),
            ("policy/small", 2, "warning"),
            ("policy/owned", 1, "note")
        ]
    );
}
