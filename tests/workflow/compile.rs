//! DAG compilation: the fixtures of `tests/ui/workflow/` (one per diagnostic, snapshotted
//! by `tests/ui.rs`) report exactly the codes they expect; the DAG's order, dependencies,
//! dependents and edges; every graph format.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use cpl::compile::{EdgeKind, StepId};
use cpl::report::graph;

use super::helpers::project;

/// The codes a fixture's `// expect:` lines name, sorted (none: it must check cleanly).
fn expected(source: &str) -> Vec<String> {
    let mut codes: Vec<String> = source
        .lines()
        .filter_map(|l| l.trim().strip_prefix("// expect:"))
        .flat_map(|list| list.split_whitespace().map(str::to_owned))
        .collect();
    codes.sort();
    codes
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui/workflow");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cp"))
        .collect();
    paths.sort();
    paths
}

/// `tests/ui.rs` snapshots the fixtures in `tests/ui/workflow/` and checks that what
/// they expect is reported; this checks that nothing else is.
#[test]
fn workflow_fixtures_report_exactly_what_they_expect() {
    let paths = fixtures();
    assert!(paths.len() >= 10, "{paths:?}");
    for path in paths {
        let source = std::fs::read_to_string(&path).unwrap();
        let loaded = project(&[("main.cp", &source)]);
        let mut codes: Vec<String> = loaded.codes().into_iter().map(str::to_owned).collect();
        codes.sort();
        assert_eq!(codes, expected(&source), "{}:\n{}", path.display(), loaded.rendered());
    }
}

/// A fixture that checks cleanly, drawn in every graph format.
#[test]
fn the_diamond_in_every_graph_format() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui/workflow/diamond.cp");
    let loaded = project(&[("main.cp", &std::fs::read_to_string(path).unwrap())]);
    assert!(loaded.project().diagnostics.is_empty(), "{}", loaded.rendered());
    let program = &loaded.project().program;
    let sources = &loaded.project().sources;
    let workflow = &loaded.project().workflows[0];
    let mut shown = String::new();
    let _ = writeln!(shown, "{}", graph::text(program, sources, workflow));
    let _ = writeln!(shown, "{}", graph::dot(program, sources, workflow));
    let _ = writeln!(shown, "{}", graph::mermaid(program, sources, workflow));
    insta::assert_snapshot!(shown);
}

#[test]
fn cycles_leave_no_order_and_are_not_runnable() {
    let loaded = project(&[(
        "main.cp",
        "workflow w() {\n  step a = log(\"{b}\")\n  step b = log(\"{a}\")\n  step c = log(\"free\")\n  step d = log(\"{a}\")\n}\n",
    )]);
    let w = &loaded.project().workflows[0];
    assert!(!w.is_runnable());
    // Only the step outside the cycle and not behind it can be ordered.
    assert_eq!(w.order(), &[StepId::from_index(2)]);
}

#[test]
fn order_dependencies_and_dependents_of_the_brief_workflow() {
    let loaded = project(&[("main.cp", BRIEF)]);
    assert!(!loaded.project().diagnostics.has_errors(), "{}", loaded.rendered());
    let w = &loaded.project().workflows[0];
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
