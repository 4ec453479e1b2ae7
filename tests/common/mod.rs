//! The one helper fixture tests go through: run a fixture (a `.cp` file or a project
//! folder) the way `cpl` would, and describe everything that came out as text.
//!
//! A fixture may start with directives in `//` comments:
//! - `// expect: E0101 W0301` — these codes must be reported;
//! - `// now: 2026-11-22` — the clock (default 2026-06-01);
//! - `// eval: EXPR` — evaluate an expression and show its value;
//! - `// policy: NAME` or `// policy: NAME arg=value …` — decide a policy;
//! - `// gate: NAME` (with `// input: name=file` and `// override: POLICY`) — run a gate.
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

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cpl::check::CheckOptions;
use cpl::diagnostics::Diagnostic;
use cpl::eval::{Env, FixedHost, apply_waivers, decision_expiry_diagnostics, expired_waiver_diagnostics, new_frame};
use cpl::project::{Input, Project};
use cpl::report::{self, Context, Format, RenderOptions};

pub struct Directives {
    pub expect: Vec<String>,
    pub now: jiff::Timestamp,
    pub evals: Vec<String>,
    pub policies: Vec<(String, Vec<(String, String)>)>,
    pub gates: Vec<String>,
    pub inputs: Vec<(String, String)>,
    pub overrides: Vec<String>,
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
    let options = CheckOptions {
        now: d.now,
        jobs: cpl::parallel::Jobs::ONE,
    };
    let mut project = Project::load(&root, &options);
    let host = FixedHost {
        now: Some(d.now),
        ..FixedHost::default()
    };
    let inputs: Vec<Input> = d
        .inputs
        .iter()
        .map(|(name, file)| Input {
            name: name.clone(),
            path: root.join(file),
            format: None,
        })
        .collect();
    let gate = d.gates.first().map(String::as_str);
    let data = project.load_data(&inputs, gate, &host);
    let mut diagnostics: Vec<Diagnostic> = project.diagnostics.clone().into_vec();
    diagnostics.extend(data.fatal.iter().cloned());
    diagnostics.extend(data.diagnostics.iter().cloned());
    // What stops evaluation: expired waivers do not; they are errors of `check` (shown
    // here) and of each decision of their policy (shown with it).
    let blocked = diagnostics.iter().any(Diagnostic::is_error);
    diagnostics.extend(expired_waiver_diagnostics(&project.program, d.now));
    let render = |diags: &[Diagnostic]| {
        let text = report::render_to_string(
            diags,
            &project.sources,
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
        || !d.gates.is_empty();
    if stage_eval && !blocked {
        let env = Env::new(&project.program, &project.sources, &data.sources, &host);
        for expr in &d.evals {
            out.push_str(&eval_expression(&root, &options, &inputs, &host, expr, &mut all_codes));
        }
        let mut policies: Vec<(String, Vec<(String, String)>)> = d.policies.clone();
        if policies.is_empty() && d.gates.is_empty() && d.evals.is_empty() {
            policies = project
                .program
                .policies
                .iter()
                .filter(|p| p.params.iter().all(|param| param.default.is_some()))
                .map(|p| (p.name.to_string(), Vec::new()))
                .collect();
        }
        // Each decision and gate is followed by what it reported.
        let mut emit = |out: &mut String, diags: Vec<Diagnostic>| {
            all_codes.extend(diags.iter().map(|d| d.code.to_string()));
            if !diags.is_empty() {
                out.push_str(&render(&diags));
            }
        };
        for (name, raw_args) in &policies {
            let (id, def) = project
                .program
                .policy(name)
                .unwrap_or_else(|| panic!("no policy `{name}`"));
            let args: Vec<(Arc<str>, cpl::ir::Value)> = raw_args
                .iter()
                .map(|(k, v)| {
                    let param = def.params.iter().find(|p| &*p.name == k).unwrap();
                    let value = cpl::cli::typed_value(v, &param.ty, &project.program).unwrap();
                    (param.name.clone(), value)
                })
                .collect();
            let result = apply_waivers(&project.program, env.decide(id, &args), d.now);
            if !raw_args.is_empty() {
                let shown: Vec<String> = raw_args.iter().map(|(k, v)| format!("{k}={v}")).collect();
                writeln!(out, "--- decide `{name}` with {}", shown.join(" ")).unwrap();
            }
            writeln!(out, "--- {}", report::decision_line(&result)).unwrap();
            let mut diags = report::decision_diagnostics(&env, &result, Context::Policy);
            diags.extend(decision_expiry_diagnostics(&project.program, &result));
            emit(&mut out, diags);
        }
        for gate in &d.gates {
            let (id, _) = project.program.gate(gate).unwrap();
            let overrides: Vec<Arc<str>> = d.overrides.iter().map(|o| Arc::from(o.as_str())).collect();
            let result = env.run_gate(id, &data.gate_inputs, &overrides);
            if !overrides.is_empty() {
                writeln!(
                    out,
                    "--- run gate `{gate}` with --override {}",
                    d.overrides.join(" --override ")
                )
                .unwrap();
            }
            for line in report::gate_lines(&result) {
                writeln!(out, "--- {line}").unwrap();
            }
            let mut diags = Vec::new();
            for p in &result.policies {
                diags.extend(report::decision_diagnostics(&env, &p.result, Context::Gate(p.verdict)));
                diags.extend(decision_expiry_diagnostics(&project.program, &p.result));
            }
            diags.extend(report::unused_waiver_diagnostics(&env, &result.unused_waivers));
            emit(&mut out, diags);
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

/// Evaluates one `// eval:` expression in the fixture's project.
fn eval_expression(
    root: &Path,
    options: &CheckOptions,
    inputs: &[Input],
    host: &FixedHost,
    expr: &str,
    codes: &mut Vec<String>,
) -> String {
    let mut project = Project::load_with(root, options, Some(expr));
    let data = project.load_data(inputs, None, host);
    let problems = project.expression_diagnostics.clone().into_vec();
    let render = |diags: &[Diagnostic]| {
        report::render_to_string(diags, &project.sources, Format::Human, &RenderOptions::default())
    };
    codes.extend(problems.iter().map(|d| d.code.to_string()));
    let Some(checked) = project
        .expression
        .as_ref()
        .filter(|_| !problems.iter().any(Diagnostic::is_error))
    else {
        return format!("--- eval `{expr}`: does not check\n{}", render(&problems));
    };
    let env = Env::new(&project.program, &project.sources, &data.sources, host);
    let mut frame = new_frame(checked.locals);
    match env.eval(&checked.expr, &mut frame) {
        Ok(v) => format!(
            "--- eval `{expr}`\n{}\n",
            serde_json::to_string(&v.to_json(false)).unwrap()
        ),
        Err(e) => {
            codes.push(e.code.to_string());
            format!("--- eval `{expr}`: error\n{}", render(&[e.to_diagnostic()]))
        }
    }
}

/// The repository root, for tests that read examples.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
