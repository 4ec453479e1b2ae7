//! The one helper fixture tests go through: run a fixture (a `.cp` file or a project
//! folder) the way `cpl` would, and describe everything that came out as text.
//!
//! A fixture may start with directives in `//` comments:
//! - `// expect: E0101 W0301` — these codes must be reported;
//! - `// now: 2026-11-22` — the clock (default 2026-06-01);
//! - `// eval: EXPR` — evaluate an expression and show its value;
//! - `// policy: NAME` or `// policy: NAME arg=value …` — decide a policy;
//! - `// gate: NAME` (with `// input: name=file` and `// override: POLICY`) — run a gate;
//! - `// flag: KEY {JSON context}` — evaluate a flag by its key, as services do.
//!
//! Without `eval:`, `policy:` or `gate:` directives, fixtures under `eval/` decide every policy
//! that takes no arguments.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod binary;
pub mod flagd;

use std::fmt::Write;
use std::path::{Path, PathBuf};

use cpl::diagnostics::Diagnostic;
use cpl::project::Input;
use cpl::report::{self, Format, RenderOptions};
use cpl::session::{OpenOptions, Session, Vars};

pub struct Directives {
    pub expect: Vec<String>,
    pub now: jiff::Timestamp,
    pub evals: Vec<String>,
    pub policies: Vec<(String, Vec<(String, String)>)>,
    pub gates: Vec<String>,
    pub inputs: Vec<(String, String)>,
    pub overrides: Vec<String>,
    pub flags: Vec<(String, String)>,
}

pub fn directives(text: &str) -> Directives {
    let mut d = Directives {
        expect: Vec::new(),
        now: "2026-06-01T00:00:00Z".parse().unwrap(),
        evals: Vec::new(),
        policies: Vec::new(),
        gates: Vec::new(),
        inputs: Vec::new(),
        overrides: Vec::new(),
        flags: Vec::new(),
    };
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix("//") else {
            continue;
        };
        let rest = rest.trim();
        let Some((key, value)) = rest.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "expect" => d.expect.extend(value.split_whitespace().map(String::from)),
            "now" => d.now = cpl::time::parse_timestamp(value).unwrap(),
            "eval" => d.evals.push(value.to_string()),
            "policy" => {
                let mut words = value.split_whitespace();
                let name = words.next().unwrap().to_string();
                let args = words
                    .map(|w| {
                        let (k, v) = w.split_once('=').unwrap();
                        (k.to_string(), v.to_string())
                    })
                    .collect();
                d.policies.push((name, args));
            }
            "gate" => d.gates.push(value.to_string()),
            "input" => {
                let (k, v) = value.split_once('=').unwrap();
                d.inputs.push((k.trim().to_string(), v.trim().to_string()));
            }
            "override" => d.overrides.push(value.to_string()),
            "flag" => {
                let (key, context) = value.split_once(' ').unwrap_or((value, "{}"));
                d.flags.push((key.to_string(), context.trim().to_string()));
            }
            _ => {}
        }
    }
    d
}

/// Runs a fixture and returns its report; panics when an `expect:` code is missing.
pub fn run_fixture(path: &Path) -> String {
    let (root, _guard, main_text) = if path.is_dir() {
        let main = std::fs::read_dir(path)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "cp"))
            .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())
            .collect::<Vec<_>>()
            .join("\n");
        (path.to_path_buf(), None, main)
    } else {
        let dir = tempfile::tempdir().unwrap();
        let name = path.file_name().unwrap();
        std::fs::copy(path, dir.path().join(name)).unwrap();
        let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
        (dir.path().to_path_buf(), Some(dir), text)
    };
    let d = directives(&main_text);
    let mut out = String::new();
    let inputs: Vec<Input> = d
        .inputs
        .iter()
        .map(|(name, file)| Input {
            name: name.clone(),
            path: root.join(file),
            format: None,
        })
        .collect();
    let options = OpenOptions {
        inputs,
        gate: d.gates.first().cloned(),
        vars: Vars::Fixed(Default::default()),
        ..OpenOptions::new(d.now)
    };
    let session = Session::open(&root, &options);
    let mut diagnostics: Vec<Diagnostic> = session.fatal().into_iter().cloned().collect();
    let checked = session.check(&[]);
    // What stops evaluation: expired waivers do not; they are errors of `check` (shown
    // here) and of each decision of their policy (shown with it).
    let blocked = !diagnostics.is_empty() || session.diagnostics().has_errors();
    diagnostics.extend(checked.diagnostics);
    let render = |diags: &[Diagnostic]| {
        let text = report::render_to_string(
            diags,
            &session.project.sources,
            Format::Human,
            &RenderOptions {
                color: false,
                width: 100,
                summary: true,
                anchor: None,
                paths: report::PathBase::Project,
            },
        );
        text.replace(&*root.to_string_lossy(), "<root>")
    };
    let mut all_codes: Vec<String> = diagnostics.iter().map(|d| d.code.to_string()).collect();
    writeln!(out, "--- diagnostics").unwrap();
    out.push_str(&render(&diagnostics));
    let stage_eval = path.components().any(|c| c.as_os_str() == "eval")
        || !d.evals.is_empty()
        || !d.policies.is_empty()
        || !d.gates.is_empty()
        || !d.flags.is_empty();
    if stage_eval && !blocked {
        for expr in &d.evals {
            out.push_str(&eval_expression(&root, &options, expr, &mut all_codes));
        }
        let mut policies: Vec<(String, Vec<(String, String)>)> = d.policies.clone();
        if policies.is_empty() && d.gates.is_empty() && d.evals.is_empty() && d.flags.is_empty() {
            policies = session
                .program()
                .policies
                .iter()
                .filter(|p| p.params.iter().all(|param| param.default.is_some()))
                .map(|p| (p.name.to_string(), Vec::new()))
                .collect();
        }
        // Each decision and gate is followed by what it reported beyond the project's
        // own diagnostics, shown above.
        let project_diagnostics = session.diagnostics().into_vec();
        let mut emit = |out: &mut String, diags: &[Diagnostic]| {
            let added: Vec<Diagnostic> = diags
                .iter()
                .filter(|d| !project_diagnostics.contains(d))
                .cloned()
                .collect();
            all_codes.extend(added.iter().map(|d| d.code.to_string()));
            if !added.is_empty() {
                out.push_str(&render(&added));
            }
        };
        for (name, raw_args) in &policies {
            let shown: Vec<String> = raw_args.iter().map(|(k, v)| format!("{k}={v}")).collect();
            if !raw_args.is_empty() {
                writeln!(out, "--- decide `{name}` with {}", shown.join(" ")).unwrap();
            }
            match session.decide(name, &shown) {
                Ok(decided) => {
                    writeln!(out, "--- {}", report::decision_line(&decided.result)).unwrap();
                    emit(&mut out, &decided.diagnostics);
                }
                Err(stopped) => {
                    writeln!(out, "--- policy `{name}` stopped").unwrap();
                    emit(&mut out, &stopped.diagnostics);
                }
            }
        }
        for gate in &d.gates {
            if !d.overrides.is_empty() {
                writeln!(
                    out,
                    "--- run gate `{gate}` with --override {}",
                    d.overrides.join(" --override ")
                )
                .unwrap();
            }
            match session.gate(gate, &d.overrides) {
                Ok(run) => {
                    for line in report::gate_lines(&run.result) {
                        writeln!(out, "--- {line}").unwrap();
                    }
                    emit(&mut out, &run.diagnostics);
                }
                Err(stopped) => {
                    writeln!(out, "--- gate `{gate}` stopped").unwrap();
                    emit(&mut out, &stopped.diagnostics);
                }
            }
        }
    }
    if stage_eval && !blocked {
        for (key, context) in &d.flags {
            out.push_str(&evaluate_flag(&session, key, context));
        }
    }
    for code in &d.expect {
        assert!(
            all_codes.iter().any(|c| c == code),
            "{}: expected {code} among {all_codes:?}\n{out}",
            path.display()
        );
    }
    out
}

/// Evaluates one `// flag:` directive: the flag's value, variant, reason and error.
fn evaluate_flag(session: &Session, key: &str, context: &str) -> String {
    let context: serde_json::Value = serde_json::from_str(context).unwrap();
    let evaluation = session.evaluate_flag(key, &context);
    let value = evaluation
        .value
        .as_ref()
        .map_or_else(|| "none".to_string(), |v| v.to_json(false).to_string());
    let mut text = format!(
        "--- flag `{key}` in {context}\nvalue {value}, variant {}, reason {}\n",
        evaluation.variant.as_deref().unwrap_or("none"),
        evaluation.reason.as_str()
    );
    if let Some(error) = &evaluation.error {
        text.push_str(&format!("error {}: {}\n", error.code.as_str(), error.message));
    }
    text
}

/// Evaluates one `// eval:` expression in the fixture's project.
fn eval_expression(root: &Path, options: &OpenOptions, expr: &str, codes: &mut Vec<String>) -> String {
    let options = OpenOptions {
        expression: Some(expr.to_string()),
        ..options.clone()
    };
    let session = Session::open(root, &options);
    let problems = session.project.expression_diagnostics.clone().into_vec();
    let render = |diags: &[Diagnostic]| {
        report::render_to_string(
            diags,
            &session.project.sources,
            Format::Human,
            &RenderOptions::default(),
        )
    };
    codes.extend(problems.iter().map(|d| d.code.to_string()));
    if problems.iter().any(Diagnostic::is_error) {
        return format!("--- eval `{expr}`: does not check\n{}", render(&problems));
    }
    match session.eval() {
        Ok(evaluated) => format!(
            "--- eval `{expr}`\n{}\n",
            serde_json::to_string(&evaluated.value.to_json(false)).unwrap()
        ),
        Err(stopped) => {
            let project = session.diagnostics().into_vec();
            let added: Vec<Diagnostic> = stopped
                .diagnostics
                .into_iter()
                .filter(|d| !project.contains(d))
                .collect();
            codes.extend(added.iter().map(|d| d.code.to_string()));
            format!("--- eval `{expr}`: error\n{}", render(&added))
        }
    }
}

/// The repository root, for tests that read examples.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
