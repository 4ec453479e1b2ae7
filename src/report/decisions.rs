//! Decisions and gate results, for people and machines. Violations become diagnostics
//! (pointing at the offending record in the data, with the rule as a second label), so
//! every output format — terminal, JSON, SARIF, GitHub annotations — shows them.

use serde_json::{Value as Json, json};

use super::position::PathBase;
use crate::diagnostics::{Code, Diagnostic, PolicyRef, Severity};
use crate::eval::{Decision, Env, Failure, GateResult, Verdict, Violation, Waived};
use crate::ir::Level;
use crate::ir::RuleKind;

/// How a decision's denials count: on their own (`cpl policy`) or in a gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    Policy,
    Gate(Verdict),
}

/// Every violation, warning, waived note and error of a decision as diagnostics.
pub fn decision_diagnostics(env: &Env<'_>, result: &Waived, context: Context) -> Vec<Diagnostic> {
    let decision = &result.decision;
    let mut out = Vec::new();
    for violation in &decision.violations {
        let (code, severity) = match (violation.kind, decision.level, context) {
            (RuleKind::Warn, _, _) => (Code::PolicyWarning, Severity::Warning),
            (_, Level::Advisory, _) => (Code::AdvisoryDenial, Severity::Warning),
            (_, _, Context::Gate(Verdict::Overridden)) => (Code::AdvisoryDenial, Severity::Warning),
            (_, Level::Soft, _) => (Code::SoftDenial, Severity::Error),
            (_, Level::Hard, _) => (Code::HardDenial, Severity::Error),
        };
        let mut d = violation_diagnostic(env, violation, code).with_severity(severity);
        if context == Context::Gate(Verdict::Overridden) {
            d = d.with_note(format!(
                "`{}` is soft and was overridden with `--override`",
                decision.name
            ));
        }
        out.push(d);
    }
    for violation in &decision.warnings {
        out.push(violation_diagnostic(env, violation, Code::PolicyWarning));
    }
    for (violation, waiver) in &result.waived {
        let mut d = violation_diagnostic(env, violation, Code::Waived);
        if let Some(def) = env.program.waivers.iter().find(|w| w.name == *waiver) {
            let until = def.until_text.clone();
            let owner = def.owner.as_deref().unwrap_or("?");
            let reason = def.reason.as_deref().unwrap_or("");
            d = d
                .with_label(def.span, format!("waived by `{waiver}`"))
                .with_note(format!("waiver `{waiver}` (owner `{owner}`, until {until}): {reason}"));
        }
        out.push(d);
    }
    for failure in &decision.errors {
        out.push(failure_diagnostic(env, decision, failure));
    }
    if decision.outcome == crate::eval::Outcome::Indeterminate
        && let Context::Gate(_) = context
    {
        let span = env.program.policies.get(decision.policy.index()).map(|p| p.span);
        let mut d = Diagnostic::new(
            Code::Indeterminate,
            format!("policy `{}` could not be decided, so the gate fails", decision.name),
        )
        .with_help("an evaluation error is never read as allowed: fix the error above");
        if let Some(span) = span {
            d = d.at(span, "indeterminate");
        }
        out.push(d);
    }
    out
}

/// A warning for each waiver a gate run found no violation for.
pub fn unused_waiver_diagnostics(env: &Env<'_>, unused: &[crate::ir::WaiverId]) -> Vec<Diagnostic> {
    unused
        .iter()
        .map(|id| match env.program.waivers.get(id.index()) {
            Some(w) => unused_waiver_diagnostic(env, w),
            // INVARIANT: a `WaiverId` indexes `program.waivers`; a warning is not dropped
            // in silence when it does not.
            None => Diagnostic::internal("an unused waiver is not in the program"),
        })
        .collect()
}

fn unused_waiver_diagnostic(env: &Env<'_>, w: &crate::ir::WaiverDef) -> Diagnostic {
    // The policy's name is only words of the message: a waiver whose policy did not
    // resolve was reported by the checker, and the warning itself is kept either way.
    let policy = w
        .policy
        .and_then(|p| env.program.policies.get(p.index()))
        .map(|p| p.name.to_string())
        .unwrap_or_default();
    let subject = w.subject.as_ref().map(|s| format!(" for `{s}`")).unwrap_or_default();
    Diagnostic::new(
        Code::WaiverUnused,
        format!("waiver `{}` matches no violation of `{policy}`{subject}", w.name),
    )
    .at(w.span, "waives nothing")
    .with_help("remove it if the problem it covered is fixed")
}

fn violation_diagnostic(env: &Env<'_>, violation: &Violation, code: Code) -> Diagnostic {
    let rule_label = format!(
        "rule {} of `{}` ({})",
        violation.rule,
        violation.policy,
        violation.level.as_str()
    );
    let mut d = Diagnostic::new(code, violation.message.clone()).for_policy(policy_ref(env, violation));
    d = match &violation.origin {
        Some(origin) => {
            let span = env.origin_span(origin);
            let label = match &violation.subject {
                Some(subject) => format!("`{subject}`"),
                None => "this record".to_string(),
            };
            d.at(span, label).with_label(violation.rule_span, rule_label)
        }
        None => {
            let label = match &violation.subject {
                Some(subject) => format!("{rule_label}, for `{subject}`"),
                None => rule_label,
            };
            d.at(violation.rule_span, label)
        }
    };
    for explained in &violation.explanation {
        d = d.with_note(format!("`{}` = {}", explained.expr, explained.value));
    }
    if let Some(hint) = &violation.hint {
        d = d.with_help(hint.clone());
    }
    d
}

/// The policy a violation breaks, with its doc comment.
fn policy_ref(env: &Env<'_>, violation: &Violation) -> PolicyRef {
    let docs = env
        .program
        .policy(&violation.policy)
        .and_then(|(_, def)| def.docs.as_deref())
        .map(Into::into);
    PolicyRef {
        name: violation.policy.clone(),
        level: violation.level.as_str(),
        docs,
    }
}

fn failure_diagnostic(env: &Env<'_>, decision: &Decision, failure: &Failure) -> Diagnostic {
    let mut d = failure.error.to_diagnostic();
    let whom = match &failure.subject {
        Some(subject) => format!(" for `{subject}`"),
        None => String::new(),
    };
    d = d.with_note(format!("`{}` is indeterminate{whom}", decision.name));
    if let Some(origin) = &failure.origin {
        d = d.with_label(env.origin_span(origin), "while evaluating this record");
    }
    d
}

/// A decision as the run log keeps it: [`decision_json`] with paths from the project root.
pub fn decision_record_json(env: &Env<'_>, result: &Waived) -> Json {
    decision_json(env, result, &PathBase::Project)
}

/// A decision as JSON, with explanations and data locations, their paths shown from
/// `paths`.
pub fn decision_json(env: &Env<'_>, result: &Waived, paths: &PathBase) -> Json {
    let decision = &result.decision;
    let violation = |v: &Violation, waiver: Option<&str>| {
        let mut out = json!({
            "policy": &*v.policy,
            "rule": v.rule,
            "kind": v.kind.keyword(),
            "message": v.message,
            "level": v.level.as_str(),
            "subject": v.subject.as_deref(),
            "origin": v.origin.as_ref().map(|o| paths.location(env.sources, env.origin_span(o))),
            "rule_location": paths.location(env.sources, v.rule_span),
            "explanation": v.explanation.iter().map(|e| json!({"expr": e.expr, "value": e.value})).collect::<Vec<_>>(),
            "hint": v.hint,
        });
        if let (Some(waiver), Json::Object(map)) = (waiver, &mut out) {
            map.insert("waived_by".to_string(), json!(waiver));
        }
        out
    };
    json!({
        "policy": &*decision.name,
        "level": decision.level.as_str(),
        "outcome": decision.outcome.as_str(),
        "allowed": decision.allowed(),
        "denied": decision.denied(),
        "subjects": decision.subjects,
        "violations": decision.violations.iter().map(|v| violation(v, None)).collect::<Vec<_>>(),
        "warnings": decision.warnings.iter().map(|v| violation(v, None)).collect::<Vec<_>>(),
        "waived": result.waived.iter().map(|(v, w)| violation(v, Some(w))).collect::<Vec<_>>(),
        "errors": decision.errors.iter().map(|f| json!({
            "code": f.error.code.as_str(),
            "message": f.error.message,
            "subject": f.subject.as_deref(),
            "location": paths.location(env.sources, f.error.span),
            "rule": f.rule,
        })).collect::<Vec<_>>(),
    })
}

pub fn gate_json(env: &Env<'_>, gate: &GateResult, paths: &PathBase) -> Json {
    json!({
        "gate": &*gate.gate,
        "passed": gate.passed,
        "policies": gate.policies.iter().map(|p| {
            let mut decision = decision_json(env, &p.result, paths);
            if let Json::Object(map) = &mut decision {
                map.insert("verdict".to_string(), json!(p.verdict.as_str()));
            }
            decision
        }).collect::<Vec<_>>(),
        "ignored_overrides": gate.ignored_overrides.iter().map(|o| o.to_string()).collect::<Vec<_>>(),
    })
}

/// One line per decision: `policy agent_ownership (hard): deny, 2 violations over 5 subjects`.
pub fn decision_line(result: &Waived) -> String {
    let d = &result.decision;
    let mut parts = Vec::new();
    count(
        &mut parts,
        d.violations.iter().filter(|v| v.kind != RuleKind::Warn).count(),
        "violation",
    );
    count(
        &mut parts,
        d.violations.iter().filter(|v| v.kind == RuleKind::Warn).count() + d.warnings.len(),
        "warning",
    );
    count(&mut parts, result.waived.len(), "waived");
    count(&mut parts, d.errors.len(), "error");
    let detail = if parts.is_empty() {
        String::new()
    } else {
        format!(", {}", parts.join(", "))
    };
    let subjects = if d.subjects == 1 {
        "1 subject".to_string()
    } else {
        format!("{} subjects", d.subjects)
    };
    format!(
        "policy `{}` ({}): {}{detail} over {subjects}",
        d.name,
        d.level.as_str(),
        d.outcome.as_str()
    )
}

fn count(parts: &mut Vec<String>, n: usize, what: &str) {
    match (n, what) {
        (0, _) => {}
        (n, "waived") => parts.push(format!("{n} waived")),
        (1, w) => parts.push(format!("1 {w}")),
        (n, w) => parts.push(format!("{n} {w}s")),
    }
}

/// The table at the top of a gate's report.
pub fn gate_lines(gate: &GateResult) -> Vec<String> {
    let width = gate
        .policies
        .iter()
        .map(|p| p.result.decision.name.len())
        .max()
        .unwrap_or(0);
    let mut lines = vec![format!(
        "gate `{}`: {}",
        gate.gate,
        if gate.passed { "passed" } else { "FAILED" }
    )];
    for p in &gate.policies {
        let mark = match p.verdict {
            Verdict::Passed => "✓",
            Verdict::Failed => "✗",
            Verdict::Advisory => "!",
            Verdict::Overridden => "~",
        };
        let d = &p.result.decision;
        let denials = d.violations.iter().filter(|v| v.kind != RuleKind::Warn).count();
        let warnings = d.violations.len() - denials + d.warnings.len();
        let detail = match p.verdict {
            Verdict::Passed if !p.result.waived.is_empty() => format!("{} waived", p.result.waived.len()),
            Verdict::Passed if warnings > 0 => plural(warnings, "warning"),
            Verdict::Passed => String::new(),
            Verdict::Failed if d.outcome == crate::eval::Outcome::Indeterminate => {
                plural(d.errors.len(), "evaluation error")
            }
            Verdict::Failed => plural(denials, "violation"),
            Verdict::Advisory => format!("{} (advisory, not failing)", plural(denials, "violation")),
            Verdict::Overridden => format!("{} (overridden)", plural(denials, "violation")),
        };
        let line = format!(
            "  {mark} {:<width$}  {:<8}  {:<13}  {detail}",
            &*d.name,
            d.level.as_str(),
            d.outcome.as_str(),
        );
        lines.push(line.trim_end().to_string());
    }
    for name in &gate.ignored_overrides {
        lines.push(format!(
            "  note: `--override {name}` has no effect: `{name}` is a hard policy"
        ));
    }
    lines
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// A gate's result as Markdown, for the job summary of GitHub Actions
/// (`$GITHUB_STEP_SUMMARY`): a heading with the verdict, then one row per policy with its
/// level, outcome and what counted.
pub fn gate_summary_markdown(gate: &GateResult) -> String {
    let verdict = if gate.passed { "passed" } else { "failed" };
    let mut out = format!(
        "### cpl gate `{}`: {verdict}\n\n| policy | level | outcome | violations | waived |\n|---|---|---|---:|---:|\n",
        markdown_cell(&gate.gate)
    );
    for p in &gate.policies {
        let d = &p.result.decision;
        let denials = d.violations.iter().filter(|v| v.kind != RuleKind::Warn).count();
        let outcome = match p.verdict {
            Verdict::Passed => format!("{} (passed)", d.outcome.as_str()),
            Verdict::Failed => format!("**{} (fails the gate)**", d.outcome.as_str()),
            Verdict::Advisory => format!("{} (advisory, not failing)", d.outcome.as_str()),
            Verdict::Overridden => format!("{} (overridden)", d.outcome.as_str()),
        };
        out.push_str(&format!(
            "| `{}` | {} | {outcome} | {denials} | {} |\n",
            markdown_cell(&d.name),
            d.level.as_str(),
            p.result.waived.len()
        ));
    }
    for name in &gate.ignored_overrides {
        out.push_str(&format!(
            "\n`--override {}` has no effect: it is a hard policy.\n",
            markdown_cell(name)
        ));
    }
    out.push('\n');
    out
}

/// Text for a table cell: a `|` would end the cell, a backtick the code span.
fn markdown_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('`', "'")
}
