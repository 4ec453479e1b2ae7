//! DAG compilation: one fixture per diagnostic in `ui/`, each with an `// expect:` line
//! naming the codes it must produce (`ok` for none), snapshotted with its diagnostics
//! and, when it checks, its graph in every format. `cargo insta review` updates them.

use std::fmt::Write as _;

use cpl::compile::{EdgeKind, StepId};
use cpl::report::graph;

use super::helpers::project;

/// The codes a fixture's first line expects, sorted.
fn expected(source: &str) -> Vec<String> {
    let first = source.lines().next().unwrap_or_default();
    let list = first
        .strip_prefix("// expect:")
        .unwrap_or_else(|| panic!("a fixture starts with `// expect: …`, not {first:?}"))
        .trim();
    if list == "ok" {
        return Vec::new();
    }
    let mut codes: Vec<String> = list.split(',').map(|c| c.trim().to_owned()).collect();
    codes.sort();
    codes
}

#[test]
fn fixtures() {
    insta::glob!("ui/*.cp", |path| {
        let source = std::fs::read_to_string(path).unwrap();
        let loaded = project(&[("main.cp", &source)]);
        let mut codes: Vec<String> = loaded.codes().into_iter().map(str::to_owned).collect();
        codes.sort();
        assert_eq!(codes, expected(&source), "{}:\n{}", path.display(), loaded.rendered());
        let mut shown = String::new();
        if codes.is_empty() {
            let program = &loaded.project.program;
            let sources = &loaded.project.sources;
            for workflow in &loaded.project.workflows {
                let _ = writeln!(shown, "{}", graph::text(program, sources, workflow));
                let _ = writeln!(shown, "{}", graph::dot(program, sources, workflow));
                let _ = writeln!(shown, "{}", graph::mermaid(program, sources, workflow));
            }
        } else {
            shown = loaded.rendered();
        }
        insta::assert_snapshot!(shown);
    });
}

#[test]
fn cycles_leave_no_order_and_are_not_runnable() {
    let loaded = project(&[(
        "main.cp",
        "workflow w() {\n  step a = log(\"{b}\")\n  step b = log(\"{a}\")\n  step c = log(\"free\")\n  step d = log(\"{a}\")\n}\n",
    )]);
    let w = &loaded.project.workflows[0];
    assert!(!w.is_runnable());
    // Only the step outside the cycle and not behind it can be ordered.
    assert_eq!(w.order(), &[StepId::from_index(2)]);
}

#[test]
fn order_dependencies_and_dependents_of_the_brief_workflow() {
    let loaded = project(&[("main.cp", BRIEF)]);
    assert!(!loaded.project.diagnostics.has_errors(), "{}", loaded.rendered());
    let w = &loaded.project.workflows[0];
    let names = |ids: &[StepId]| ids.iter().map(|s| w.name_of(*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(names(w.order()), ["check", "retrain", "summary", "record"]);
    let retrain = w.step_named("retrain").unwrap();
    assert_eq!(names(w.dependencies(retrain)), ["check"]);
    assert_eq!(names(w.dependents(retrain)), ["summary"]);
    let record = w.step_named("record").unwrap();
    assert_eq!(names(w.dependencies(record)), ["summary"]);
    let kinds: Vec<(String, String, EdgeKind)> = w
        .edges()
        .iter()
        .map(|e| (w.name_of(e.from).to_owned(), w.name_of(e.to).to_owned(), e.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("check".to_owned(), "retrain".to_owned(), EdgeKind::Data),
            ("check".to_owned(), "retrain".to_owned(), EdgeKind::When),
            ("retrain".to_owned(), "summary".to_owned(), EdgeKind::Data),
            ("summary".to_owned(), "record".to_owned(), EdgeKind::Data),
        ]
    );
    assert_eq!(w.waves().len(), 4);
}

/// The brief's workflow, verbatim.
pub const BRIEF: &str = r#"const MAX_DRIFT = 0.15

policy fraud_max_drift(drift: float, max_drift: float = MAX_DRIFT) {
  level advisory
  deny when drift > max_drift => "drift {drift} exceeds threshold {max_drift}"
}

connector atlas {
  kind http
  url env("ATLAS_URL", "http://127.0.0.1:8700")
  timeout 30s
  action retrain(model: string, reason: string) -> { run_id: string }
}

connector intel {
  kind exec
  command ["python3", "agents/intel.py"]
  action summarize(model: string, drift: float, run_id: string) -> { text: string }
}

workflow fraud_drift_management(model: string, drift: float) {
  step check = fraud_max_drift(drift: drift)
  step retrain = atlas.retrain(model: model, reason: check.violations[0].message)
    when check.denied
    retry 3 backoff 10s
    timeout 10m
  step summary = intel.summarize(model: model, drift: drift, run_id: retrain.run_id)
  step record = log("drift {drift} on {model}: {summary?.text ?? "no retraining"}")
    always
}
"#;

#[test]
fn every_workflow_and_objective_code_is_explained_with_an_example() {
    use cpl::diagnostics::{Code, explanation};
    let ours = Code::ALL
        .iter()
        .filter(|c| ["E08", "E09", "W09"].iter().any(|p| c.as_str().starts_with(p)));
    for code in ours {
        let text = explanation(*code).unwrap_or_else(|| panic!("{code} has no entry in docs/diagnostics.md"));
        assert!(
            text.starts_with(&format!("## {code}: {}", code.info().title)),
            "{code}: {}",
            text.lines().next().unwrap_or_default()
        );
        assert!(text.contains("```"), "{code} has no example");
    }
}
