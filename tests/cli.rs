//! Tests that run the real `cpl` binary: the examples, every output format, exit codes,
//! the failure paths of the command line, and the README examples, whose output must be
//! exactly what the binary prints.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `cpl` with the pinned environment, in `dir`.
fn cpl(dir: &Path, args: &[&str]) -> (i32, String, String) {
    common::binary::cpl(dir, args).run().triple()
}

/// [`cpl`] with more environment variables.
fn cpl_with(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> (i32, String, String) {
    let mut command = common::binary::cpl(dir, args);
    for (name, value) in env {
        command = command.env(name, value);
    }
    command.run().triple()
}

/// [`cpl`] with `stdin` written to its standard input through a pipe.
fn cpl_with_stdin(dir: &Path, args: &[&str], stdin: impl std::io::Read + Send + 'static) -> (i32, String, String) {
    common::binary::cpl(dir, args).stdin(stdin).run().triple()
}

fn example(name: &str) -> PathBuf {
    repo().join("examples").join(name)
}

#[test]
fn examples_check_cleanly() {
    for name in ["repo-governance", "ai-platform", "aiaas-platform"] {
        let (code, out, err) = cpl(&example(name), &["check"]);
        assert_eq!(code, 0, "{name}: {out}{err}");
        assert!(out.starts_with("ok: "), "{out}");
        assert!(err.is_empty(), "{err}");
    }
}

#[test]
fn check_finds_the_project_from_a_path() {
    let (code, out, _) = cpl(&repo(), &["check", "examples/repo-governance/gates.cp"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn gates_exit_with_their_verdict() {
    let dir = example("repo-governance");
    assert_eq!(cpl(&dir, &["gate", "registry_valid"]).0, 0);
    assert_eq!(
        cpl(&dir, &["gate", "cloud_plan", "--input", "plan=plans/tfplan-ok.json"]).0,
        0
    );
    assert_eq!(
        cpl(
            &dir,
            &["gate", "cloud_plan", "--input", "plan=plans/tfplan-public-bucket.json"]
        )
        .0,
        1
    );
    let ai = example("ai-platform");
    assert_eq!(cpl(&ai, &["gate", "registry_valid"]).0, 1);
    assert_eq!(
        cpl(&ai, &["gate", "registry_valid", "--override", "no_deprecated_tools"]).0,
        0
    );
}

#[test]
fn a_hard_policy_cannot_be_overridden() {
    let dir = example("repo-governance");
    let (code, out, _) = cpl(
        &dir,
        &[
            "gate",
            "cloud_plan",
            "--input",
            "plan=plans/tfplan-public-bucket.json",
            "--override",
            "no_public_buckets",
        ],
    );
    assert_eq!(code, 1);
    assert!(out.contains("`--override no_public_buckets` has no effect"), "{out}");
}

#[test]
fn policy_json_carries_decisions_and_explanations() {
    let dir = example("ai-platform");
    let (code, out, _) = cpl(&dir, &["policy", "no_deprecated_tools", "--format", "json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["version"], 1);
    let decision = &json["decision"];
    assert_eq!(decision["outcome"], "deny");
    let violation = &decision["violations"][0];
    assert_eq!(violation["subject"], "sales_assistant");
    assert_eq!(violation["origin"], "registry/agents/sales_assistant.yaml:1:1");
    assert_eq!(violation["rule"], 1);
    assert!(violation["explanation"].as_array().is_some_and(|e| !e.is_empty()));
    assert_eq!(json["diagnostics"][0]["code"], "E0702");
}

#[test]
fn policy_args_are_typed() {
    let dir = example("repo-governance");
    let plan = ["--arg", "plan=@plans/tfplan-public-bucket.json"];
    let with = |extra: &[&str]| {
        let mut args = vec!["policy", "prod_changes_approved"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&plan);
        cpl(&dir, &args)
    };
    // `approved_by: string?`: missing means null, and the production change is denied.
    assert_eq!(with(&[]).0, 1);
    let (code, _, err) = with(&["--arg", "aproved_by=security"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("E0602") && err.contains("did you mean `approved_by`?"),
        "{err}"
    );
    let (code, _, err) = with(&["--arg", "approved_by"]);
    assert_eq!(code, 2);
    assert!(err.contains("E0601"), "{err}");
}

#[test]
fn a_bad_float_argument_names_the_expected_type() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.cp"),
        "policy fraud_max_drift(drift: float, max_drift: float = 0.15) {\n  level advisory\n  deny when drift > max_drift => \"drift {drift} exceeds threshold {max_drift}\"\n}\n",
    )
    .unwrap();
    let (code, _, err) = cpl(dir.path(), &["policy", "fraud_max_drift", "--arg", "drift=high"]);
    assert_eq!(code, 2);
    assert!(err.contains("expected a number, found `high`"), "{err}");
    let (code, out, _) = cpl(
        dir.path(),
        &["policy", "fraud_max_drift", "--arg", "drift=22%", "--format", "json"],
    );
    assert_eq!(code, 1);
    assert!(out.contains("drift 0.22 exceeds threshold 0.15"), "{out}");
    let (code, _, err) = cpl(dir.path(), &["policy", "fraud_max_drift"]);
    assert_eq!(code, 2);
    assert!(err.contains("needs `--arg drift=…`"), "{err}");
}

#[test]
fn unknown_items_and_inputs_cannot_run() {
    let dir = example("repo-governance");
    let (code, _, err) = cpl(&dir, &["gate", "registry_vaild"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("E0603") && err.contains("did you mean `registry_valid`?"),
        "{err}"
    );
    let (code, _, err) = cpl(&dir, &["gate", "cloud_plan", "--input", "pln=plans/tfplan-ok.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("E0604") && err.contains("did you mean `plan`?"), "{err}");
    let (code, _, err) = cpl(&dir, &["gate", "cloud_plan"]);
    assert_eq!(code, 2);
    assert!(err.contains("E0415"), "{err}");
    let (code, _, err) = cpl(&dir, &["gate", "cloud_plan", "--input", "plan=plans/missing.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("E0010") && err.contains("no such file"), "{err}");
    let (code, _, err) = cpl(&dir, &["gate", "registry_valid", "--override", "no_such_policy"]);
    assert_eq!(code, 2);
    assert!(err.contains("E0605"), "{err}");
    let (code, _, err) = cpl(&dir, &["check", "--format", "xml"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown format `xml`"), "{err}");
}

#[test]
fn sarif_output_is_valid_sarif() {
    let dir = example("repo-governance");
    let (code, out, _) = cpl(
        &dir,
        &[
            "gate",
            "cloud_plan",
            "--input",
            "plan=plans/tfplan-public-bucket.json",
            "--format",
            "sarif",
        ],
    );
    assert_eq!(code, 1);
    let log: serde_json::Value = serde_json::from_str(&out).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("tests/data/sarif-schema-2.1.0.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    for result in results {
        let location = &result["locations"][0]["physicalLocation"];
        assert!(location["artifactLocation"]["uri"].as_str().is_some());
        assert!(location["region"]["startLine"].as_u64().is_some());
        // Violations are filed under their policy's rule.
        assert!(result["ruleId"].as_str().unwrap().starts_with("policy/"), "{result}");
    }
}

#[test]
fn github_output_annotates_files() {
    let dir = example("ai-platform");
    let (code, out, _) = cpl(&dir, &["gate", "registry_valid", "--format", "github"]);
    assert_eq!(code, 1);
    assert!(
        out.lines().any(
            |l| l.starts_with("::error file=registry/agents/sales_assistant.yaml,line=1,col=1")
                && l.contains("title=no_deprecated_tools (soft)")
        ),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("::warning ") && l.contains("title=stable_tool_versions (advisory)")),
        "{out}"
    );
}

#[test]
fn explain_prints_the_documentation() {
    let (code, out, _) = cpl(&repo(), &["explain", "e0101"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("## E0101: unknown name"), "{out}");
    let (code, _, err) = cpl(&repo(), &["explain", "E1010"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean"), "{err}");
}

#[test]
fn many_files_parsed_on_any_number_of_threads_report_in_file_order() {
    let dir = tempfile::tempdir().unwrap();
    // Long and short files mixed, so the threads take them in an order of their own.
    for i in 0..24 {
        let lines = if i % 5 == 0 { 400 } else { 1 };
        let padding: String = (0..lines).map(|n| format!("const PAD_{i}_{n} = 1\n")).collect();
        std::fs::write(
            dir.path().join(format!("m{i:02}.cp")),
            format!("{padding}const BROKEN_{i} = missing_{i}\n"),
        )
        .unwrap();
    }
    let (code, whole, _) = cpl(dir.path(), &["check", "--format", "github", "--jobs", "1"]);
    assert_eq!(code, 1);
    let files: Vec<&str> = whole
        .lines()
        .filter_map(|l| l.strip_prefix("::error file=")?.split(',').next())
        .collect();
    let expected: Vec<String> = (0..24).map(|i| format!("m{i:02}.cp")).collect();
    assert_eq!(files, expected, "{whole}");
    for jobs in ["2", "3", "7", "30"] {
        let (code, out, _) = cpl(dir.path(), &["check", "--format", "github", "--jobs", jobs]);
        assert_eq!((code, out.as_str()), (1, whole.as_str()), "--jobs {jobs}");
    }
    let (code, out, _) = cpl(dir.path(), &["check", "--format", "github"]);
    assert_eq!((code, out.as_str()), (1, whole.as_str()), "the default --jobs");
}

#[test]
fn jobs_must_be_a_number_of_threads_from_one_up() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.cp"), "const A = 1\n").unwrap();
    for bad in ["0", "two", "1.5", ""] {
        let (code, _, err) = cpl(dir.path(), &["check", "--jobs", bad]);
        assert_eq!(code, 2, "--jobs {bad:?}: {err}");
        assert!(err.contains("--jobs"), "{err}");
        assert!(err.contains("number of threads from 1 up"), "{err}");
    }
    let (code, out, _) = cpl(dir.path(), &["check", "--jobs", "0", "--format", "json"]);
    assert_eq!(code, 2);
    assert!(out.contains("E0601") && out.contains("--jobs"), "{out}");
    let (code, _, err) = cpl(dir.path(), &["--jobs", "3", "check"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn files_that_are_not_text_are_reported_not_crashed_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.cp"), "const A = 1\n").unwrap();
    std::fs::write(dir.path().join("binary.cp"), [0u8, 159, 146, 150, 0, 1, 2]).unwrap();
    std::fs::write(dir.path().join("latin1.cp"), b"const B = \"caf\xe9\"\n").unwrap();
    let (code, _, err) = cpl(dir.path(), &["check"]);
    assert_eq!(code, 1);
    assert!(err.contains("E0013") && err.contains("E0011"), "{err}");
    assert!(err.contains("line 1, column 15"), "{err}");
}

/// A JSON document on one line of 300 KB, with mistakes far past column 65 535: each is
/// shown in a window of its line, with the whole line's column in its header (miette
/// pads a label to its column, which once made it panic).
#[test]
fn mistakes_deep_in_a_long_line_are_shown_in_a_window_of_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("fleet.cp"),
        "entity agent {\n  key name: string\n  drift: float\n}\n\ntype doc = { agents: [agent] }\nsource fleet: doc = \"fleet.json\"\n",
    )
    .unwrap();
    let agents: Vec<String> = (0..6000)
        .map(|i| match i {
            5000 => format!(r#"{{"name": "agent-{i:06}", "drift": "high"}}"#),
            5500 => r#"{"name": "agent-000007", "drift": 0.1}"#.to_string(),
            _ => format!(r#"{{"name": "agent-{i:06}", "drift": 0.1}}"#),
        })
        .collect();
    let json = format!(r#"{{"agents": [{}]}}"#, agents.join(", "));
    std::fs::write(dir.path().join("fleet.json"), &json).unwrap();
    let (code, _, err) = cpl(dir.path(), &["check"]);
    assert_eq!(code, 1, "{err}");
    let column = json.find(r#""high""#).unwrap() + 1;
    assert!(err.contains(&format!("fleet.json:1:{column}]")), "{err}");
    assert!(err.contains(r#""agent-005000", "drift": "high"}"#), "{err}");
    assert!(err.contains("duplicate `agent` key `agent-000007`"), "{err}");
    // Each snippet line is a window: no line of the report is much longer than the screen,
    // and dots at both ends say the line goes on.
    assert!(err.lines().all(|line| line.chars().count() < 200), "{err}");
    let window = err.lines().find(|l| l.contains(r#""drift": "high""#)).unwrap();
    assert!(window.starts_with(" 1 │ ...") && window.ends_with("..."), "{window}");

    // A syntax error just as far in.
    let broken = json.replacen(r#"}, {"name": "agent-005200""#, r#"} {"name": "agent-005200""#, 1);
    std::fs::write(dir.path().join("fleet.json"), &broken).unwrap();
    let (code, _, err) = cpl(dir.path(), &["check"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("expected `,` or `]`"), "{err}");
    assert!(err.lines().all(|line| line.chars().count() < 200), "{err}");
}

#[test]
fn an_empty_directory_is_not_a_project() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = cpl(dir.path(), &["check"]);
    assert_eq!(code, 2);
    assert!(err.contains("E0014"), "{err}");
    let (code, _, err) = cpl(dir.path(), &["check", "--project", "no/such/dir"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not a directory"), "{err}");
}

#[test]
fn a_huge_source_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let line = "const X0 = 1\n";
    let big = line.repeat((cpl::project::MAX_SOURCE_BYTES as usize / line.len()) + 10);
    std::fs::write(dir.path().join("big.cp"), big).unwrap();
    let (code, _, err) = cpl(dir.path(), &["check"]);
    assert_eq!(code, 1);
    assert!(err.contains("E0012"), "{err}");
}

#[test]
fn deep_nesting_and_long_expressions_are_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("const A = {}1{}\n", "(".repeat(20_000), ")".repeat(20_000));
    let long = format!("const B = {}\n", vec!["1"; 200_000].join(" + "));
    std::fs::write(dir.path().join("deep.cp"), deep).unwrap();
    std::fs::write(dir.path().join("long.cp"), long).unwrap();
    let (code, _, err) = cpl(dir.path(), &["check"]);
    assert_eq!(code, 1);
    assert!(err.contains("E0004") && err.contains("E0007"), "{err}");
}

#[test]
fn every_format_reports_a_broken_project() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.cp"),
        "policy p {\n  for a in agnets\n  deny when a.x => \"x\"\n}\nsource agents: [string] = input\n",
    )
    .unwrap();
    for format in ["human", "json", "sarif", "github"] {
        let (code, out, err) = cpl(dir.path(), &["check", "--format", format]);
        assert_eq!(code, 1, "{format}");
        let text = if format == "human" { err } else { out };
        assert!(text.contains("E0101"), "{format}: {text}");
        assert!(text.contains("agents"), "{format}: {text}");
    }
}

/// Every `console` block of the examples' READMEs and the top-level README: each `$ cpl …`
/// line is run in the README's directory and must print exactly what follows it (stdout
/// and stderr together, as a terminal shows them), and exit as the `[exit N]` line says.
#[test]
fn readme_examples_show_real_output() {
    let mut readmes = vec![
        repo().join("examples/repo-governance/README.md"),
        repo().join("examples/ai-platform/README.md"),
    ];
    for extra in ["examples/fraud-drift/README.md", "examples/aiaas-platform/README.md"] {
        if repo().join(extra).exists() {
            readmes.push(repo().join(extra));
        }
    }
    let mut failures = Vec::new();
    for readme in readmes {
        let dir = readme.parent().unwrap().to_path_buf();
        let text = std::fs::read_to_string(&readme).unwrap();
        for block in text.split("```console\n").skip(1) {
            let block = block.split("\n```").next().unwrap();
            let mut lines = block.lines().peekable();
            while let Some(line) = lines.next() {
                let Some(command) = line.strip_prefix("$ ") else {
                    continue;
                };
                let mut expected = Vec::new();
                while let Some(next) = lines.peek() {
                    if next.starts_with("$ ") {
                        break;
                    }
                    expected.push(lines.next().unwrap().to_string());
                }
                // `NAME=value cpl …` sets variables for that command, as a shell does.
                let (assignments, invocation) = split_variable_assignments(command);
                let shell = match invocation.strip_prefix("cpl ") {
                    Some(rest) => format!("{assignments}{} {rest}", env!("CARGO_BIN_EXE_cpl")),
                    None => command.to_string(),
                };
                let output = Command::new("bash")
                    .arg("-c")
                    .arg(format!("{shell} 2>&1"))
                    .current_dir(&dir)
                    .env("NO_COLOR", "1")
                    .env("COLUMNS", "100")
                    .env("CPL_NOW", "2026-11-22T12:00:00Z")
                    .env_remove("GITHUB_STEP_SUMMARY")
                    .output()
                    .unwrap();
                let mut actual: Vec<String> = String::from_utf8_lossy(&output.stdout)
                    .trim_end_matches('\n')
                    .lines()
                    .map(|l| l.trim_end().to_string())
                    .collect();
                if actual.len() == 1 && actual[0].is_empty() {
                    actual.clear();
                }
                let code = output.status.code().unwrap_or(-1);
                if code != 0 {
                    actual.push(format!("[exit {code}]"));
                }
                if actual != expected {
                    failures.push(format!(
                        "{}: `{command}`\n--- expected\n{}\n--- actual\n{}",
                        readme.display(),
                        expected.join("\n"),
                        actual.join("\n")
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The leading `NAME=value ` words of a shell command, and the rest of it.
fn split_variable_assignments(command: &str) -> (&str, &str) {
    let mut rest = command;
    while let Some((word, after)) = rest.split_once(' ') {
        let is_assignment = word.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        });
        if !is_assignment {
            break;
        }
        rest = after;
    }
    command.split_at(command.len() - rest.len())
}

/// The README's first command, as a new user types it, on the real clock and a year and
/// a month from now: a waiver or a date in an example must not break it on a given day.
#[test]
fn the_readme_main_command_works_today_and_next_year() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let block = readme.split("```sh\n").nth(1).unwrap();
    let first = block.lines().next().unwrap();
    let args: Vec<&str> = first
        .split('#')
        .next()
        .unwrap()
        .split_once(" -- ")
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    assert_eq!(args.first(), Some(&"check"), "{first}");
    let next_year = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(24 * 400))
        .unwrap();
    for now in [None, Some(next_year.to_string())] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cpl"));
        command
            .args(&args)
            .current_dir(repo())
            .env("NO_COLOR", "1")
            .env_remove("CPL_NOW");
        if let Some(now) = &now {
            command.env("CPL_NOW", now);
        }
        let output = command.output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "`{first}` at {now:?}:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// The README's language snippet is a whole project: copied alone into an empty
/// directory, it checks without an error.
#[test]
fn the_readme_snippet_checks_on_its_own() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let snippet = readme.split("```cp\n").nth(1).unwrap().split("\n```").next().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.cp"), snippet).unwrap();
    let (code, out, err) = cpl(dir.path(), &["check"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("ok: 1 file, "), "{out}");
    assert!(!err.contains("error"), "{err}");
}

/// A project with a gate input, a project-level input and a policy reading it, for the
/// `--input` tests; the returned directory holds `ok.json`, a valid plan.
fn input_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.cp"),
        "type plan_doc = { changes: [string] }\n\
         source plan: plan_doc = input\n\
         policy small_plan {\n  level hard\n  deny when len(plan.changes) > 2 => \"too many changes\"\n}\n\
         policy small(p: plan_doc) {\n  level hard\n  deny when len(p.changes) > 2 => \"too many changes\"\n}\n\
         gate deploy {\n  input next: plan_doc\n  policies [small(p: next)]\n}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("ok.json"), r#"{"changes": ["a"]}"#).unwrap();
    dir
}

/// A project with a waiver that expired before the pinned clock (`CPL_NOW` is
/// 2026-11-22): policy `no_deprecated_deps` is waived for `search` until 2026-11-01.
fn project_with_an_expired_waiver() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.cp"),
        r#"entity artifact {
  key id: string
  deprecated: bool = false
  depends_on: [string] = []
}

const ARTIFACTS: [artifact] = [
  { id: "legacy", deprecated: true },
  { id: "search", depends_on: ["legacy"] },
]

policy no_deprecated_deps {
  level soft
  for a in ARTIFACTS
  deny when "legacy" in a.depends_on => "`{a.id}` depends on `legacy`"
}

policy ids_are_short {
  for a in ARTIFACTS
  deny when len(a.id) > 20 => "`{a.id}` is too long"
}

waiver search_on_legacy {
  policy no_deprecated_deps
  subject "search"
  until 2026-11-01
  owner "search-team"
  reason "moving off legacy"
}

gate registry_valid {
  policies [no_deprecated_deps]
}

gate names_valid {
  policies [ids_are_short]
}

workflow announce() {
  step say = log("hello")
}

workflow review() {
  step decide = no_deprecated_deps()
}
"#,
    )
    .unwrap();
    dir
}

#[test]
fn a_broken_input_file_is_shown_for_what_it_is_and_never_passes() {
    let dir = input_project();
    let files: &[(&str, &[u8], &str, &str)] = &[
        (
            "truncated.json",
            b"{\"changes\": [\"a\",",
            "E0411",
            "truncated.json:1:17",
        ),
        ("empty.json", b"", "E0411", "data file is empty"),
        ("bad.yaml", b"changes:\n  - a\n   - b: [\n", "E0411", "bad.yaml:"),
        (
            "utf16.json",
            b"\xff\xfe{\0}\0",
            "E0011",
            "is UTF-16 (little-endian), not UTF-8",
        ),
        ("binary.json", b"\x7fELF\0\0\x01", "E0013", "looks like a binary file"),
        (
            "latin1.json",
            b"{\"changes\": [\"caf\xe9\"]}",
            "E0011",
            "line 1, column 18",
        ),
    ];
    for (file, bytes, code, shown) in files {
        std::fs::write(dir.path().join(file), bytes).unwrap();
        let input = format!("next={file}");
        let (status, out, err) = cpl(dir.path(), &["gate", "deploy", "--input", &input]);
        assert_eq!(status, 1, "{file}: {out}{err}");
        assert!(err.contains(code) && err.contains(shown), "{file}: {err}");
        assert!(err.contains(&format!("[{file}:")), "{file}: {err}");
        assert!(
            !err.contains("E0415") && !err.contains("needs its input"),
            "{file}: {err}"
        );
        assert!(!out.contains("passed"), "{file}: {out}");
        // A project-level input read by `eval` and `policy` fails the same way.
        let input = format!("plan={file}");
        let (status, _, err) = cpl(dir.path(), &["eval", "len(plan.changes)", "--input", &input]);
        assert_eq!(status, 1, "{file}: {err}");
        assert!(err.contains(code) && !err.contains("not given"), "{file}: {err}");
        let (status, out, err) = cpl(dir.path(), &["policy", "small_plan", "--input", &input]);
        assert_eq!(status, 1, "{file}: {out}{err}");
        assert!(err.contains(code) && !err.contains("not given"), "{file}: {err}");
    }
    // The good file passes, so the failures above are the files' own.
    assert_eq!(cpl(dir.path(), &["gate", "deploy", "--input", "next=ok.json"]).0, 0);
    assert_eq!(
        cpl(dir.path(), &["policy", "small_plan", "--input", "plan=ok.json"]).0,
        0
    );
}

#[test]
fn missing_is_said_only_of_an_input_not_given() {
    let dir = input_project();
    let (status, _, err) = cpl(dir.path(), &["gate", "deploy"]);
    assert_eq!(status, 2);
    assert!(err.contains("E0415") && err.contains("needs its input `next`"), "{err}");
    let (status, _, err) = cpl(dir.path(), &["eval", "len(plan.changes)"]);
    assert_eq!(status, 2);
    assert!(
        err.contains("E0415") && err.contains("`plan`, which was not given"),
        "{err}"
    );
    // A file that does not exist is not a missing input either: the path is named.
    let (status, _, err) = cpl(dir.path(), &["gate", "deploy", "--input", "next=nope.json"]);
    assert_eq!(status, 2);
    assert!(
        err.contains("E0010") && err.contains("`nope.json`: no such file"),
        "{err}"
    );
    assert!(!err.contains("E0415"), "{err}");
}

#[test]
fn an_input_given_twice_is_an_error_naming_both() {
    let dir = input_project();
    std::fs::write(dir.path().join("other.json"), r#"{"changes": []}"#).unwrap();
    let (status, _, err) = cpl(
        dir.path(),
        &[
            "gate",
            "deploy",
            "--input",
            "next=ok.json",
            "--input",
            "next=other.json",
        ],
    );
    assert_eq!(status, 2, "{err}");
    assert!(
        err.contains("E0606") && err.contains("`--input next` is given twice: `ok.json` and `other.json`"),
        "{err}"
    );
    let (status, _, err) = cpl_with_stdin(
        dir.path(),
        &[
            "gate",
            "deploy",
            "--input",
            "next=-",
            "--input",
            "plan=-",
            "--input-format",
            "json",
        ],
        &br#"{"changes": []}"#[..],
    );
    assert_eq!(status, 2, "{err}");
    assert!(
        err.contains("E0606") && err.contains("`--input next=-` and `--input plan=-`"),
        "{err}"
    );
}

#[test]
fn an_input_with_an_unknown_name_gets_a_suggestion() {
    let dir = input_project();
    let (status, _, err) = cpl(dir.path(), &["gate", "deploy", "--input", "nxt=ok.json"]);
    assert_eq!(status, 2);
    assert!(err.contains("E0604") && err.contains("did you mean `next`?"), "{err}");
    // With a mistyped gate, the gate is what is unknown, not its input.
    let (status, _, err) = cpl(dir.path(), &["gate", "deplo", "--input", "next=ok.json"]);
    assert_eq!(status, 2);
    assert!(err.contains("E0603") && err.contains("did you mean `deploy`?"), "{err}");
    assert!(!err.contains("E0604"), "{err}");
}

#[test]
fn standard_input_is_read_with_its_format_given() {
    let dir = input_project();
    let big = r#"{"changes": ["a", "b", "c"]}"#;
    let gate = ["gate", "deploy", "--input", "next=-", "--input-format", "json"];
    let (status, out, err) = cpl_with_stdin(dir.path(), &gate, &br#"{"changes": ["a"]}"#[..]);
    assert_eq!(status, 0, "{out}{err}");
    let (status, _, err) = cpl_with_stdin(dir.path(), &gate, big.as_bytes());
    assert_eq!(status, 1, "{err}");
    assert!(err.contains("E0701") && err.contains("too many changes"), "{err}");
    // Broken data on standard input is pointed at there.
    let (status, _, err) = cpl_with_stdin(dir.path(), &gate, &b"{\"changes\": [1"[..]);
    assert_eq!(status, 1, "{err}");
    assert!(err.contains("E0411") && err.contains("[<stdin>:1:"), "{err}");
    // YAML, by `--input-format yaml`.
    let (status, out, err) = cpl_with_stdin(
        dir.path(),
        &[
            "eval",
            "len(plan.changes)",
            "--input",
            "plan=-",
            "--input-format",
            "yaml",
        ],
        &b"changes:\n  - a\n  - b\n"[..],
    );
    assert_eq!((status, out.trim()), (0, "2"), "{err}");
    // Without `--input-format`, standard input has no name to tell its format by.
    let (status, _, err) = cpl_with_stdin(
        dir.path(),
        &["gate", "deploy", "--input", "next=-"],
        &br#"{"changes": []}"#[..],
    );
    assert_eq!(status, 2);
    assert!(
        err.contains("E0607") && err.contains("standard input") && err.contains("--input-format json"),
        "{err}"
    );
    let (status, _, err) = cpl_with_stdin(
        dir.path(),
        &["gate", "deploy", "--input", "next=-", "--input-format", "jsn"],
        &br#"{"changes": []}"#[..],
    );
    assert_eq!(status, 2);
    assert!(err.contains("E0601") && err.contains("did you mean `json`?"), "{err}");
}

#[test]
fn a_file_without_a_known_extension_needs_its_format_given() {
    let dir = input_project();
    std::fs::write(dir.path().join("plan"), r#"{"changes": ["a"]}"#).unwrap();
    std::fs::write(dir.path().join("plan.txt"), "changes:\n  - a\n").unwrap();
    for file in ["plan", "plan.txt"] {
        let input = format!("next={file}");
        let (status, _, err) = cpl(dir.path(), &["gate", "deploy", "--input", &input]);
        assert_eq!(status, 2, "{err}");
        assert!(
            err.contains("E0607") && err.contains(&format!("`{file}`")) && err.contains("--input-format"),
            "{err}"
        );
    }
    let with_format = |file: &str, format: &str| {
        let input = format!("next={file}");
        cpl(
            dir.path(),
            &["gate", "deploy", "--input", &input, "--input-format", format],
        )
    };
    assert_eq!(with_format("plan", "json").0, 0);
    assert_eq!(with_format("plan.txt", "yaml").0, 0);
    // The extension, when known, says the format: `ok.json` is not read as YAML.
    assert_eq!(with_format("ok.json", "csv").0, 0);
}

/// A pipe has no size to check beforehand: reading stops just past the data limit.
#[test]
fn standard_input_beyond_the_data_limit_is_refused() {
    let dir = input_project();
    let limit = cpl::project::MAX_DATA_BYTES;
    let endless = std::io::repeat(b' ').take(limit + 1024 * 1024);
    let (status, _, err) = cpl_with_stdin(
        dir.path(),
        &["gate", "deploy", "--input", "next=-", "--input-format", "json"],
        endless,
    );
    assert_eq!(status, 1, "{err}");
    assert!(
        err.contains("E0012") && err.contains("`<stdin>` is more than the 256 MiB limit"),
        "{err}"
    );
}

#[test]
fn command_line_paths_that_match_nothing_are_errors() {
    let root = repo();
    let check = |path: &str| cpl(&root, &["check", path]);
    let (status, _, err) = check("examples/repo-governance/nonexist.cp");
    assert_eq!(status, 2);
    assert!(
        err.contains("E0608") && err.contains("`examples/repo-governance/nonexist.cp` does not exist"),
        "{err}"
    );
    let (status, _, err) = check("examples/repo-governance/nope/*.cp");
    assert_eq!(status, 2);
    assert!(
        err.contains("`examples/repo-governance/nope/*.cp` matches no file"),
        "{err}"
    );
    let (status, _, err) = check("examples/repo-governance/[.cp");
    assert_eq!(status, 2);
    assert!(err.contains("is not a valid pattern"), "{err}");
    let (status, _, err) = check("examples/repo-governance/README.md");
    assert_eq!(status, 2);
    assert!(
        err.contains("`examples/repo-governance/README.md` is not one of the project's files"),
        "{err}"
    );
    // A quoted glob that matches is expanded, and checks.
    let (status, out, err) = check("examples/repo-governance/*.cp");
    assert_eq!(status, 0, "{out}{err}");
    // Each bad path is reported, not only the first.
    let (status, _, err) = cpl(&root, &["check", "a.cp", "b/*.cp"]);
    assert_eq!(status, 2);
    assert!(
        err.contains("`a.cp` does not exist") && err.contains("`b/*.cp` matches no file"),
        "{err}"
    );
}

#[test]
fn a_run_log_named_on_the_command_line_must_exist_to_be_read() {
    let dir = example("fraud-drift");
    for command in ["runs", "slo"] {
        let (status, _, err) = cpl(&dir, &[command, "--runlog", "no/such/runs.db"]);
        assert_eq!(status, 2, "{command}: {err}");
        assert!(
            err.contains("E0608") && err.contains("`--runlog no/such/runs.db` does not exist"),
            "{err}"
        );
    }
    assert!(!dir.join("no").exists());
}

#[test]
fn an_expired_waiver_is_an_error_of_check() {
    let dir = project_with_an_expired_waiver();
    let (code, out, err) = cpl(dir.path(), &["check"]);
    assert_eq!(code, 1, "{out}{err}");
    let all = format!("{out}{err}");
    assert!(all.contains("E0304"), "{all}");
    assert!(all.contains("waiver `search_on_legacy` expired on 2026-11-01"), "{all}");
}

#[test]
fn an_expired_waiver_fails_the_gate_and_policy_of_its_policy_beside_the_violation() {
    let dir = project_with_an_expired_waiver();
    for args in [&["gate", "registry_valid"][..], &["policy", "no_deprecated_deps"][..]] {
        let (code, out, err) = cpl(dir.path(), args);
        assert_eq!(code, 1, "{args:?}: {out}{err}");
        let all = format!("{out}{err}");
        assert!(all.contains("error[E0304]"), "{args:?}: {all}");
        assert!(
            all.contains("error[E0702]: `search` depends on `legacy`"),
            "{args:?}: {all}"
        );
        assert!(
            all.contains("no longer waived: rule 1, for `search`"),
            "{args:?}: {all}"
        );
    }
}

#[test]
fn an_expired_waiver_does_not_stop_what_does_not_evaluate_its_policy() {
    let dir = project_with_an_expired_waiver();
    let (code, out, err) = cpl(dir.path(), &["gate", "names_valid"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!format!("{out}{err}").contains("E0304"), "{out}{err}");
    let (code, out, err) = cpl(dir.path(), &["eval", "1+1"]);
    assert_eq!((code, out.trim()), (0, "2"), "{err}");
    let (code, out, err) = cpl(dir.path(), &["run", "announce"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn an_expired_waiver_fails_a_workflow_step_that_decides_its_policy() {
    let dir = project_with_an_expired_waiver();
    let (code, out, err) = cpl(dir.path(), &["run", "review"]);
    assert_ne!(code, 0, "{out}{err}");
    assert!(
        format!("{out}{err}").contains("an expired waiver `search_on_legacy` (until 2026-11-01)"),
        "{out}{err}"
    );
}

/// Every file path a report names, in any format: snippet headers, annotation files and
/// the places in their messages, JSON `file`s and locations, SARIF artifact URIs.
fn paths_in(format: &str, out: &str) -> Vec<String> {
    let location = regex::Regex::new(r"^(.+?):\d+:\d+$").unwrap();
    match format {
        "human" => regex::Regex::new(r"╭─\[(.+?):\d+:\d+\]")
            .unwrap()
            .captures_iter(out)
            .map(|c| c[1].to_string())
            .collect(),
        "github" => {
            let file = regex::Regex::new(r"file=([^,]+),").unwrap();
            let place = regex::Regex::new(r"%0A([^%\s`]+):\d+:\d+: ").unwrap();
            file.captures_iter(out)
                .chain(place.captures_iter(out))
                .map(|c| c[1].to_string())
                .collect()
        }
        "json" => {
            let mut found = Vec::new();
            json_paths(&serde_json::from_str(out).unwrap(), &location, &mut found);
            found
        }
        "sarif" => {
            let log: serde_json::Value = serde_json::from_str(out).unwrap();
            let mut found = Vec::new();
            sarif_uris(&log, &mut found);
            found
        }
        other => panic!("no format {other}"),
    }
}

fn json_paths(value: &serde_json::Value, location: &regex::Regex, found: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value.as_str()) {
                    ("file", Some(path)) => found.push(path.to_string()),
                    ("origin" | "rule_location" | "location", Some(place)) => {
                        found.push(location.captures(place).unwrap()[1].to_string());
                    }
                    _ => json_paths(value, location, found),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| json_paths(v, location, found)),
        _ => {}
    }
}

fn sarif_uris(value: &serde_json::Value, found: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(uri) = map.get("artifactLocation").and_then(|a| a["uri"].as_str()) {
                // The paths of these tests need no percent-encoding.
                assert!(!uri.contains('%'), "{uri}");
                found.push(uri.strip_prefix("file://").unwrap_or(uri).to_string());
            }
            map.values().for_each(|v| sarif_uris(v, found));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| sarif_uris(v, found)),
        _ => {}
    }
}

/// The output a format is written to: human diagnostics go to stderr.
fn report_of(format: &str, out: String, err: String) -> String {
    if format == "human" { err } else { out }
}

#[test]
fn paths_in_reports_are_relative_to_the_working_directory_or_the_path_base() {
    let plan = "examples/repo-governance/plans/tfplan-public-bucket.json";
    let elsewhere = tempfile::tempdir().unwrap();
    let (project, plan_abs) = (example("repo-governance"), repo().join(plan));
    let (project, plan_abs) = (project.to_str().unwrap(), plan_abs.to_str().unwrap());
    let base = repo();
    for format in ["human", "json", "sarif", "github"] {
        let from_repo = &["--project", "examples/repo-governance", "gate", "cloud_plan"];
        let mut args = from_repo.to_vec();
        let input = format!("plan={plan}");
        args.extend(["--input", &input, "--format", format]);
        let (code, out, err) = cpl(&repo(), &args);
        assert_eq!(code, 1, "{format}: {err}");
        let report = report_of(format, out, err);
        let paths = paths_in(format, &report);
        assert!(paths.iter().any(|p| p == plan), "{format}: {paths:?}");
        assert!(
            paths.iter().any(|p| p == "examples/repo-governance/policies/cloud.cp"),
            "{format}: {paths:?}"
        );
        for path in &paths {
            assert!(
                base.join(path).is_file(),
                "{format}: `{path}` is not a file under the repository"
            );
        }

        // From another directory, with `--path-base` the repository: the same report.
        let input = format!("plan={plan_abs}");
        let base_arg = base.to_str().unwrap();
        let args = [
            "--project",
            project,
            "gate",
            "cloud_plan",
            "--input",
            &input,
            "--format",
            format,
            "--path-base",
            base_arg,
        ];
        let (code, out, err) = cpl(elsewhere.path(), &args);
        assert_eq!(code, 1, "{format}: {err}");
        assert_eq!(report_of(format, out, err), report, "{format}");

        // From another directory without it: paths from there, still pointing at the files.
        let (code, out, err) = cpl(elsewhere.path(), &args[..8]);
        assert_eq!(code, 1, "{format}: {err}");
        let paths = paths_in(format, &report_of(format, out, err));
        assert!(paths.len() >= 4, "{format}: {paths:?}");
        for path in &paths {
            assert!(
                elsewhere.path().join(path).is_file(),
                "{format}: `{path}` is not a file from the working directory"
            );
        }
    }
}

#[test]
fn data_file_paths_in_reports_are_relative_to_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("governance");
    std::fs::create_dir_all(project.join("registry")).unwrap();
    std::fs::write(
        project.join("main.cp"),
        "entity team {\n  key name: string\n  size: int\n}\n\nsource teams: [team] = \"registry/*.yaml\"\n",
    )
    .unwrap();
    std::fs::write(project.join("registry/core.yaml"), "name: core\nsize: many\n").unwrap();
    for format in ["human", "json", "sarif", "github"] {
        let (code, out, err) = cpl(dir.path(), &["check", "--project", "governance", "--format", format]);
        assert_eq!(code, 1, "{format}: {out}{err}");
        let paths = paths_in(format, &report_of(format, out, err));
        assert!(
            paths.iter().any(|p| p == "governance/registry/core.yaml"),
            "{format}: {paths:?}"
        );
        for path in &paths {
            assert!(dir.path().join(path).is_file(), "{format}: `{path}`");
        }
    }
}

#[test]
fn a_path_base_that_is_not_a_directory_stops_the_command() {
    let (code, out, err) = cpl(&example("repo-governance"), &["check", "--path-base", "no/such/dir"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("error[E0010]: `--path-base no/such/dir` is not a directory"),
        "{err}"
    );
}

fn cloud_plan_sarif() -> serde_json::Value {
    let (code, out, err) = cpl(
        &example("repo-governance"),
        &[
            "gate",
            "cloud_plan",
            "--input",
            "plan=plans/tfplan-public-bucket.json",
            "--format",
            "sarif",
        ],
    );
    assert_eq!(code, 1, "{err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn sarif_has_a_rule_per_policy_described_by_its_doc_comment() {
    let log = cloud_plan_sarif();
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join("tests/data/sarif-schema-2.1.0.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");

    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "policy/no_public_buckets",
            "policy/only_registered_services",
            "policy/prod_changes_approved"
        ]
    );
    let buckets = &rules[0];
    assert_eq!(
        buckets["fullDescription"]["text"],
        "Buckets are private unless the registry says otherwise."
    );
    assert_eq!(
        buckets["shortDescription"]["text"],
        "Buckets are private unless the registry says otherwise. (hard)"
    );
    assert!(
        buckets["help"]["text"]
            .as_str()
            .unwrap()
            .contains("policy `no_public_buckets` (hard)")
    );
    assert_eq!(buckets["defaultConfiguration"]["level"], "error");
    // A result names its policy's rule, by id and by index; prod_changes_approved has two.
    let mut per_rule = vec![0; rules.len()];
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(result["ruleId"], rules[index]["id"], "{result}");
        per_rule[index] += 1;
    }
    assert_eq!(per_rule, [1, 1, 2]);
}

#[test]
fn github_annotations_of_violations_are_titled_with_policy_and_level() {
    let (code, out, _) = cpl(
        &example("repo-governance"),
        &[
            "gate",
            "cloud_plan",
            "--input",
            "plan=plans/tfplan-public-bucket.json",
            "--format",
            "github",
        ],
    );
    assert_eq!(code, 1);
    let titles: Vec<&str> = out
        .lines()
        .map(|l| l.split(",title=").nth(1).unwrap().split("::").next().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "only_registered_services (hard)",
            "no_public_buckets (hard)",
            "prod_changes_approved (soft)",
            "prod_changes_approved (soft)"
        ]
    );
    // Other diagnostics keep their code as the title.
    let (_, out, _) = cpl(
        &example("repo-governance"),
        &["gate", "cloud_plan", "--format", "github"],
    );
    assert!(out.contains("title=E0415::"), "{out}");
}

#[test]
fn gate_appends_a_table_to_the_github_step_summary() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let env = [("GITHUB_STEP_SUMMARY", summary.as_path())];
    let governance = example("repo-governance");
    let failing = ["gate", "cloud_plan", "--input", "plan=plans/tfplan-public-bucket.json"];
    assert_eq!(cpl_with(&governance, &failing, &env).0, 1);
    assert_eq!(
        cpl_with(&governance, &["gate", "registry_valid", "--format", "json"], &env).0,
        0
    );
    let text = std::fs::read_to_string(&summary).unwrap();
    let expected = "earlier step
### cpl gate `cloud_plan`: failed

| policy | level | outcome | violations | waived |
|---|---|---|---:|---:|
| `only_registered_services` | hard | **deny (fails the gate)** | 1 | 0 |
| `no_public_buckets` | hard | **deny (fails the gate)** | 1 | 0 |
| `prod_changes_approved` | soft | **deny (fails the gate)** | 2 | 0 |

### cpl gate `registry_valid`: passed
";
    assert!(text.starts_with(expected), "{text}");
    assert!(
        text.contains("| `purpose_is_descriptive` | hard | allow (passed) | 0 | 0 |\n"),
        "{text}"
    );
}

#[test]
fn a_step_summary_that_cannot_be_written_is_a_warning_not_a_silent_loss() {
    let dir = tempfile::tempdir().unwrap();
    // A directory cannot be appended to.
    let env = [("GITHUB_STEP_SUMMARY", dir.path())];
    let governance = example("repo-governance");
    let (code, out, err) = cpl_with(&governance, &["gate", "registry_valid"], &env);
    assert_eq!(code, 0, "the gate's verdict stands: {out}{err}");
    assert!(err.contains("warning[W0609]: cannot append the summary to"), "{err}");
    assert!(err.contains("(`GITHUB_STEP_SUMMARY`)"), "{err}");
    let failing = [
        "gate",
        "cloud_plan",
        "--input",
        "plan=plans/tfplan-public-bucket.json",
        "--format",
        "github",
    ];
    let (code, out, _) = cpl_with(&governance, &failing, &env);
    assert_eq!(code, 1);
    assert!(
        out.lines()
            .any(|l| l.starts_with("::warning ") && l.contains("title=W0609")),
        "{out}"
    );
}

/// `cpl decisions` lists what the server recorded, newest first, filtered, in both
/// formats; a bad filter is an argument error with a suggestion.
#[test]
fn decisions_lists_the_served_decisions() {
    use cpl::runtime::runlog::{DecisionKind, Durability, RunLog, ServedDecision};
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.cp"), "const x = 1\n").unwrap();
    let (code, out, _) = cpl(dir.path(), &["decisions"]);
    assert_eq!((code, out.trim()), (0, "no decisions served yet"));
    let log = RunLog::open(&dir.path().join(".cpl/runs.db")).unwrap();
    for (kind, name, outcome) in [
        (DecisionKind::Policy, "agent_ownership", "deny"),
        (DecisionKind::Flag, "new-ai-model", "SPLIT"),
    ] {
        let decision = ServedDecision {
            kind,
            name: name.into(),
            outcome: outcome.into(),
            project_version: "0123456789abcdef".into(),
            request: serde_json::json!({}),
            result: serde_json::json!({ "outcome": outcome }),
        };
        log.append_served(&decision, Durability::Synced).unwrap();
    }
    drop(log);
    let (code, out, err) = cpl(dir.path(), &["decisions"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].contains("flag    new-ai-model  SPLIT  (project 0123456789ab)"),
        "{out}"
    );
    assert!(lines[1].contains("policy  agent_ownership  deny"), "{out}");
    let (code, out, _) = cpl(dir.path(), &["decisions", "--kind", "policy", "--format", "json"]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let listed = doc["decisions"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["name"], "agent_ownership");
    assert_eq!(listed[0]["result"]["outcome"], "deny");
    let (code, _, err) = cpl(dir.path(), &["decisions", "--kind", "flags"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `flag`"), "{err}");
}

// ---------------------------------------------------------------------------
// `cpl config`

/// The brief's configuration, with the secret read from `CPL_TEST_DATABASE_URL`.
const PLATFORM_CONFIG: &str = r#"
environments [dev, staging, production]

config platform {
  database_url: secret = secret("CPL_TEST_DATABASE_URL")
  pool_size: int = 10 where it >= 1 and it <= 500
  model: {
    name: string = "fraud-large"
    temperature: float = 0.7 where it >= 0.0 and it <= 2.0
  }
  env staging { pool_size = 20 }
  env production { pool_size = 50, model.temperature = 0.3 }
}
"#;

/// A value no output may show unless `--reveal` is given.
const SECRET: &str = "postgres://app:hunter2-s3cr3t@db/platform";

fn config_project(source: &str, toml: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.cp"), source).unwrap();
    if let Some(toml) = toml {
        std::fs::write(dir.path().join("cpl.toml"), toml).unwrap();
    }
    dir
}

fn cpl_config(dir: &Path, args: &[&str]) -> common::binary::Ran {
    common::binary::cpl(dir, args)
        .env("CPL_TEST_DATABASE_URL", SECRET)
        .run()
}

#[test]
fn config_prints_the_environments_document_in_declaration_order() {
    let dir = config_project(PLATFORM_CONFIG, None);
    let ran = cpl_config(dir.path(), &["config", "platform", "--env", "production"]);
    assert_eq!(ran.code, 0, "{}", ran.text());
    assert!(ran.stderr.is_empty(), "{}", ran.stderr);
    let expected = r#"{
  "database_url": "***",
  "pool_size": 50,
  "model": {
    "name": "fraud-large",
    "temperature": 0.3
  }
}
"#;
    assert_eq!(ran.stdout, expected);

    let ran = cpl_config(
        dir.path(),
        &["config", "platform", "--env", "staging", "--format", "json"],
    );
    assert_eq!(ran.code, 0, "{}", ran.text());
    let json: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["config"], "platform");
    assert_eq!(json["env"], "staging");
    assert_eq!(
        json["document"],
        serde_json::json!({
            "database_url": "***",
            "pool_size": 20,
            "model": { "name": "fraud-large", "temperature": 0.7 }
        })
    );
}

#[test]
fn config_never_shows_a_secret_without_reveal() {
    // A constraint that fails on the secret, so that messages are checked too.
    let failing = PLATFORM_CONFIG.replace(
        "secret(\"CPL_TEST_DATABASE_URL\")",
        "secret(\"CPL_TEST_DATABASE_URL\") where it == \"postgres://elsewhere\"",
    );
    let good = config_project(PLATFORM_CONFIG, None);
    let bad = config_project(&failing, None);
    for format in ["human", "json", "sarif", "github"] {
        for (dir, expected_code) in [(&good, 0), (&bad, 1)] {
            let ran = cpl_config(dir.path(), &["config", "platform", "--env", "dev", "--format", format]);
            assert_eq!(ran.code, expected_code, "{format}: {}", ran.text());
            assert!(
                !ran.text().contains("hunter2"),
                "{format} shows the secret: {}",
                ran.text()
            );
        }
    }
    let ran = cpl_config(bad.path(), &["config", "platform", "--env", "dev"]);
    assert!(ran.stderr.contains("error[E1103]"), "{}", ran.stderr);
    assert!(ran.stderr.contains(r#"is "***", which fails"#), "{}", ran.stderr);
    assert!(ran.stdout.is_empty(), "no partial document: {}", ran.stdout);

    let ran = cpl_config(good.path(), &["config", "platform", "--reveal"]);
    assert_eq!(ran.code, 0, "{}", ran.text());
    let json: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(json["database_url"], SECRET);
}

#[test]
fn config_without_env_takes_the_default_of_cpl_toml_else_the_first_environment() {
    let first = config_project(PLATFORM_CONFIG, None);
    let ran = cpl_config(first.path(), &["config", "platform", "--format", "json"]);
    assert_eq!(ran.code, 0, "{}", ran.text());
    let json: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(json["env"], "dev");
    assert_eq!(json["document"]["pool_size"], 10);

    let toml = "[project]\ndefault_environment = \"production\"\n";
    let chosen = config_project(PLATFORM_CONFIG, Some(toml));
    let ran = cpl_config(chosen.path(), &["config", "platform", "--format", "json"]);
    assert_eq!(ran.code, 0, "{}", ran.text());
    let json: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(json["env"], "production");
    assert_eq!(json["document"]["pool_size"], 50);

    // `environment` is the short name of the setting.
    let short = config_project(PLATFORM_CONFIG, Some("[project]\nenvironment = \"staging\"\n"));
    let ran = cpl_config(short.path(), &["config", "platform", "--format", "json"]);
    assert_eq!(ran.code, 0, "{}", ran.text());
    let json: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(json["env"], "staging");

    let typo = config_project(
        PLATFORM_CONFIG,
        Some("[project]\ndefault_environment = \"prodution\"\n"),
    );
    let ran = cpl_config(typo.path(), &["check"]);
    assert_eq!(ran.code, 1, "{}", ran.text());
    assert!(
        ran.stderr
            .contains("error[E1101]: the default environment `prodution` is not declared"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("cpl.toml:2:23"), "{}", ran.stderr);
    assert!(ran.stderr.contains("did you mean `production`?"), "{}", ran.stderr);
    let ran = cpl_config(typo.path(), &["config", "platform"]);
    assert_eq!(ran.code, 1, "{}", ran.text());
    assert!(ran.stdout.is_empty(), "{}", ran.stdout);
}

#[test]
fn config_unknown_names_get_did_you_mean_and_exit_2() {
    let dir = config_project(PLATFORM_CONFIG, None);
    let ran = cpl_config(dir.path(), &["config", "platform", "--env", "prodction"]);
    assert_eq!(ran.code, 2, "{}", ran.text());
    assert!(
        ran.stderr.contains("error[E1101]: no environment named `prodction`"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("did you mean `production`?"), "{}", ran.stderr);
    let ran = cpl_config(dir.path(), &["config", "platfrom"]);
    assert_eq!(ran.code, 2, "{}", ran.text());
    assert!(
        ran.stderr.contains("error[E0603]: no config named `platfrom`"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("did you mean `platform`?"), "{}", ran.stderr);
    assert!(ran.stdout.is_empty(), "{}", ran.stdout);
}

#[test]
fn config_with_an_unset_secret_names_the_variable_and_prints_nothing() {
    let dir = config_project(PLATFORM_CONFIG, None);
    let ran = common::binary::cpl(dir.path(), &["config", "platform", "--env", "production"]).run();
    assert_eq!(ran.code, 1, "{}", ran.text());
    assert!(
        ran.stderr.contains("secret `CPL_TEST_DATABASE_URL` is not set"),
        "{}",
        ran.stderr
    );
    assert!(ran.stdout.is_empty(), "no partial document: {}", ran.stdout);
    let ran = common::binary::cpl(dir.path(), &["config", "platform", "--format", "json"]).run();
    assert_eq!(ran.code, 1, "{}", ran.text());
    let json: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert!(json.get("document").is_none(), "{json}");
    assert_eq!(json["diagnostics"][0]["code"], "E0507");
    // Set to nothing is no secret either.
    let ran = common::binary::cpl(dir.path(), &["config", "platform"])
        .env("CPL_TEST_DATABASE_URL", "")
        .run();
    assert_eq!(ran.code, 1, "{}", ran.text());
    assert!(
        ran.stderr.contains("secret `CPL_TEST_DATABASE_URL` is set but empty"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stdout.is_empty(),
        "no document with an empty secret: {}",
        ran.stdout
    );
}

#[test]
fn config_constraints_on_computed_values_fail_at_resolution_at_the_override() {
    let source = PLATFORM_CONFIG.replace(
        "env production { pool_size = 50,",
        "env production { pool_size = int(env(\"CPL_TEST_POOL\", \"50\")),",
    );
    let dir = config_project(&source, None);
    assert_eq!(cpl_config(dir.path(), &["check"]).code, 0);
    let ran = common::binary::cpl(dir.path(), &["config", "platform", "--env", "production"])
        .env("CPL_TEST_DATABASE_URL", SECRET)
        .env("CPL_TEST_POOL", "0")
        .run();
    assert_eq!(ran.code, 1, "{}", ran.text());
    assert!(
        ran.stderr.contains(
            "error[E1103]: `pool_size` in environment `production` is 0, which fails `it >= 1 and it <= 500`"
        ),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("main.cp:12:32"), "at the override: {}", ran.stderr);
    assert!(ran.stdout.is_empty(), "no partial document: {}", ran.stdout);
    // Another environment does not use the override, and resolves.
    let ran = common::binary::cpl(dir.path(), &["config", "platform", "--env", "staging"])
        .env("CPL_TEST_DATABASE_URL", SECRET)
        .env("CPL_TEST_POOL", "0")
        .run();
    assert_eq!(ran.code, 0, "{}", ran.text());
}

#[test]
fn config_of_a_project_that_does_not_check_resolves_nothing() {
    let source = PLATFORM_CONFIG.replace("model.temperature = 0.3", "model.temperature = \"low\"");
    let dir = config_project(&source, None);
    let ran = cpl_config(dir.path(), &["config", "platform", "--env", "staging"]);
    assert_eq!(ran.code, 1, "{}", ran.text());
    assert!(
        ran.stderr.contains("error[E0201]: `model.temperature` is a `float`"),
        "{}",
        ran.stderr
    );
    assert!(ran.stdout.is_empty(), "{}", ran.stdout);
}

/// `cpl flag`: value, variant and reason, in words and as JSON, with the exit code of each
/// outcome: 0 with a value, 1 when the evaluation failed, 2 when the flag or the context
/// cannot be read.
#[test]
fn flag_prints_value_variant_and_reason() {
    let platform = example("aiaas-platform");
    let (code, out, err) = cpl(
        &platform,
        &[
            "flag",
            "new_ai_model",
            "--ctx",
            "tenant.id=tenant123",
            "--ctx",
            "tenant.tier=free",
            "--ctx",
            "tenant.region=eu",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out, "new-ai-model = true\n  variant  on\n  reason   TARGETING_MATCH\n");
    // By external key, as JSON, in a context given whole.
    let context = r#"{"tenant": {"id": "t-1001", "tier": "pro", "region": "us"}, "user": {"id": "alice"}}"#;
    let (code, out, _) = cpl(
        &platform,
        &["flag", "checkout-flow", "--ctx-json", context, "--format", "json"],
    );
    assert_eq!(code, 0, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["key"], "checkout-flow");
    assert_eq!(json["reason"], "SPLIT");
    assert_eq!(json["variant"], json["value"]);
    assert_eq!(json["version"], 1);
    assert!(json.get("errorCode").is_none(), "{json}");
    // `--ctx` is set over `--ctx-json`.
    let (_, over, _) = cpl(
        &platform,
        &[
            "flag",
            "new-ai-model",
            "--ctx-json",
            context,
            "--ctx",
            "tenant.tier=enterprise",
            "--format",
            "json",
        ],
    );
    let over: serde_json::Value = serde_json::from_str(&over).unwrap();
    assert_eq!(over["value"], true, "{over}");
    assert_eq!(over["reason"], "TARGETING_MATCH");
    // The kill switch reads no context.
    let (code, out, _) = cpl(&platform, &["flag", "beta_features"]);
    assert_eq!(code, 0);
    assert!(out.contains("reason   DISABLED"), "{out}");
}

#[test]
fn a_flag_evaluation_that_fails_shows_the_default_and_exits_1() {
    let platform = example("aiaas-platform");
    // The context lacks the tenant's region: not of the `context` type.
    let (code, out, _) = cpl(
        &platform,
        &[
            "flag",
            "new_ai_model",
            "--ctx",
            "tenant.id=t1",
            "--ctx",
            "tenant.tier=free",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 1, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["reason"], "ERROR");
    assert_eq!(json["errorCode"], "INVALID_CONTEXT");
    assert_eq!(json["value"], false, "the default, said to be one");
    assert!(json["errorMessage"].as_str().unwrap().contains("region"), "{json}");
    let (code, out, _) = cpl(&platform, &["flag", "new_ai_model", "--ctx", "tenant.id=t1"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("(the default)") && out.contains("error    INVALID_CONTEXT"),
        "{out}"
    );
}

#[test]
fn flag_argument_errors_exit_2_with_did_you_mean() {
    let platform = example("aiaas-platform");
    let (code, _, err) = cpl(&platform, &["flag", "new_ai_modle"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("E0603") && err.contains("no flag named `new_ai_modle`"),
        "{err}"
    );
    assert!(err.contains("did you mean `new_ai_model`?"), "{err}");
    let (code, _, err) = cpl(&platform, &["flag", "new_ai_model", "--ctx", "tenant.tir=pro"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("`tenant` has no field `tir`") && err.contains("did you mean `tier`?"),
        "{err}"
    );
    let (code, _, err) = cpl(&platform, &["flag", "new_ai_model", "--ctx", "tenant.tier=gold"]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid value for `--ctx tenant.tier`"), "{err}");
    let (code, _, err) = cpl(&platform, &["flag", "new_ai_model", "--ctx-json", "[1]"]);
    assert_eq!(code, 2);
    assert!(err.contains("`--ctx-json` is not a JSON object"), "{err}");
    let (code, out, _) = cpl(
        &platform,
        &["flag", "new_ai_model", "--ctx", "nope", "--format", "json"],
    );
    assert_eq!(code, 2);
    assert!(out.contains("E0601"), "a machine-readable error: {out}");
}

#[test]
fn a_flag_in_a_project_that_does_not_check_is_not_evaluated() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.cp"), "flag f: bool {\n  default 42\n}\n").unwrap();
    let (code, out, err) = cpl(dir.path(), &["flag", "f"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("E0201"), "{err}");
}
