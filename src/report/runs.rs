//! Workflow runs for people and machines: the summary `cpl run` prints, the plan of
//! `--dry-run`, the listing and detail of `cpl runs`, and `cpl slo`'s table.

use serde_json::{Value as Json, json};

use crate::runtime::executor::{Plan, RunReport, StepReport};
use crate::runtime::objectives::{ObjectiveResult, ObjectiveStatus, SloReport, show, show_measured};
use crate::runtime::runlog::{AttemptStatus, RunDetail, RunStatus, RunSummary};

/// A measured duration for people: `850ms`, `4.2s`, `3m 07s`, `2h 05m`.
pub fn human_ms(ms: u64) -> String {
    crate::time::human_millis(ms)
}

fn status_word(status: AttemptStatus) -> &'static str {
    match status {
        AttemptStatus::Succeeded => "ok",
        AttemptStatus::Failed => "FAILED",
        AttemptStatus::TimedOut => "TIMEOUT",
        AttemptStatus::Skipped => "skipped",
    }
}

/// JSON on one line, cut to `max` characters.
fn short_json(value: &Json, max: usize) -> String {
    let text = match value {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    };
    cut(&text, max)
}

fn cut(text: &str, max: usize) -> String {
    let one_line = text.replace('\n', " ");
    if one_line.chars().count() > max {
        let kept: String = one_line.chars().take(max.saturating_sub(1)).collect();
        format!("{kept}…")
    } else {
        one_line
    }
}

/// What the summary says about one step after its status: the decision, the output,
/// the error or the reason it was skipped.
fn step_detail(step: &StepReport) -> String {
    if let Some(d) = &step.decision {
        let mut text = format!("decision: {} ({})", d.outcome, d.level);
        if let Some(first) = d.violations.first() {
            text.push_str(&format!(": {}", cut(first, 80)));
            if d.violations.len() > 1 {
                text.push_str(&format!(" (+{} more)", d.violations.len() - 1));
            }
        }
        return text;
    }
    match step.status {
        AttemptStatus::Succeeded => step.output.as_ref().map(|o| short_json(o, 90)).unwrap_or_default(),
        AttemptStatus::Skipped => step.reason.clone().map(|r| format!("({r})")).unwrap_or_default(),
        AttemptStatus::Failed | AttemptStatus::TimedOut => {
            step.error.as_ref().map(|e| cut(&e.message, 120)).unwrap_or_default()
        }
    }
}

/// The summary of a run, in the spirit of the seed's workflow summary. `calls` gives
/// each step's call (`atlas.retrain`), in declaration order.
pub fn run_lines(report: &RunReport, calls: &[String], runlog: &str) -> Vec<String> {
    let mut lines = vec![format!("=== {} · run {} ===", report.workflow, report.run)];
    let name_width = report.steps.iter().map(|s| s.name.chars().count()).max().unwrap_or(0);
    let call_width = calls.iter().map(|c| c.chars().count()).max().unwrap_or(0);
    for step in &report.steps {
        // INVARIANT: `calls` is parallel to the workflow's steps; a missing call only
        // blanks one column of a summary whose steps are all still listed.
        let call = calls.get(step.step.index()).map(String::as_str).unwrap_or("");
        let duration = step.duration_ms().map(human_ms).unwrap_or_else(|| "-".to_owned());
        let attempts = if step.attempts > 1 {
            format!(" ×{}", step.attempts)
        } else {
            String::new()
        };
        lines.push(format!(
            "  {:<7} {:<name_width$}  {:<call_width$}  {:>7}{attempts}  {}",
            status_word(step.status),
            step.name,
            call,
            duration,
            step_detail(step),
        ));
    }
    let mut counts = Vec::new();
    for status in [
        AttemptStatus::Succeeded,
        AttemptStatus::Failed,
        AttemptStatus::TimedOut,
        AttemptStatus::Skipped,
    ] {
        let n = report.steps.iter().filter(|s| s.status == status).count();
        if n > 0 {
            counts.push(format!("{n} {}", status.as_str().replace('_', " ")));
        }
    }
    lines.push(format!(
        "run {} in {} ({})",
        report.status,
        human_ms(report.duration_ms()),
        counts.join(", ")
    ));
    if let Some(error) = &report.error {
        lines.push(format!("reason: {error}"));
    }
    lines.push(format!("recorded in {runlog}; details: cpl runs show {}", report.run));
    lines
}

fn step_json(step: &StepReport) -> Json {
    json!({
        "name": &*step.name,
        "status": step.status.as_str(),
        "attempts": step.attempts,
        "started_at": step.started_at.map(|t| t.to_string()),
        "ended_at": step.ended_at.map(|t| t.to_string()),
        "duration_ms": step.duration_ms(),
        "output": step.output,
        "error": step.error.as_ref().map(|e| json!({"code": e.code.as_str(), "message": e.message})),
        "reason": step.reason,
        "stderr": step.stderr,
        "decision": step.decision.as_ref().map(|d| d.detail.clone()),
    })
}

pub fn run_json(report: &RunReport) -> Json {
    json!({
        "id": report.run.as_str(),
        "workflow": &*report.workflow,
        "status": report.status.as_str(),
        "started_at": report.started_at.to_string(),
        "ended_at": report.ended_at.to_string(),
        "duration_ms": report.duration_ms(),
        "args": report.args,
        "error": report.error,
        "steps": report.steps.iter().map(step_json).collect::<Vec<_>>(),
    })
}

/// `--dry-run`: the steps in the order they would start, wave by wave.
pub fn plan_lines(plan: &Plan) -> Vec<String> {
    let mut lines = vec![format!(
        "plan for {} ({} step{}; nothing is called)",
        plan.workflow,
        plan.steps.len(),
        if plan.steps.len() == 1 { "" } else { "s" }
    )];
    for (index, step) in plan.steps.iter().enumerate() {
        lines.push(format!(
            "  {}. [wave {}] {} = {}",
            index + 1,
            step.wave,
            step.name,
            step.call_text
        ));
        if let Some(target) = &step.target {
            lines.push(format!("       calls  {target}"));
        }
        if let Some(when) = &step.when {
            lines.push(format!("       when   {when}"));
        }
        if !step.needs.is_empty() {
            let needs: Vec<String> = step
                .needs
                .iter()
                .map(|(name, kinds)| super::graph::needed(name, kinds))
                .collect();
            let rule = if step.always {
                "runs whatever they end with"
            } else {
                "skipped unless they succeed"
            };
            lines.push(format!("       needs  {} — {rule}", needs.join(", ")));
        }
        let mut mods = Vec::new();
        if step.retries > 0 {
            mods.push(match step.backoff {
                Some(b) => format!("retry {} backoff {b}", step.retries),
                None => format!("retry {}", step.retries),
            });
        }
        if let Some(t) = step.timeout {
            mods.push(format!("timeout {t}"));
        }
        if step.always {
            mods.push("always".to_owned());
        }
        if !mods.is_empty() {
            lines.push(format!("       with   {}", mods.join(", ")));
        }
    }
    lines
}

pub fn plan_json(plan: &Plan) -> Json {
    json!({
        "workflow": plan.workflow,
        "steps": plan.steps.iter().map(|s| json!({
            "name": s.name,
            "wave": s.wave,
            "call": s.call,
            "call_text": s.call_text,
            "target": s.target,
            "when": s.when,
            "retries": s.retries,
            "backoff": s.backoff.map(|d| d.to_string()),
            "timeout": s.timeout.map(|d| d.to_string()),
            "always": s.always,
            "needs": s.needs.iter().map(|(n, kinds)| json!({
                "step": n,
                "kinds": kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn run_status_word(status: RunStatus) -> &'static str {
    match status {
        // A run that is not finished is either still going or was killed: the log
        // cannot tell which.
        RunStatus::Running => "running/unfinished",
        RunStatus::Succeeded => "succeeded",
        RunStatus::Failed => "failed",
    }
}

/// `cpl runs`: one line per run, newest first.
pub fn runs_lines(runs: &[RunSummary]) -> Vec<String> {
    if runs.is_empty() {
        return vec!["no runs recorded".to_owned()];
    }
    let id_width = runs.iter().map(|r| r.id.as_str().len()).max().unwrap_or(0);
    let wf_width = runs.iter().map(|r| r.workflow.chars().count()).max().unwrap_or(0);
    runs.iter()
        .map(|r| {
            let duration = r.duration_ms.map(human_ms).unwrap_or_else(|| "-".to_owned());
            let error = r
                .error
                .as_deref()
                .map(|e| format!("  {}", cut(e, 80)))
                .unwrap_or_default();
            format!(
                "{:<id_width$}  {:<wf_width$}  {:<18}  {:>8}{error}",
                r.id.as_str(),
                r.workflow,
                run_status_word(r.status),
                duration
            )
        })
        .collect()
}

pub fn summary_json(r: &RunSummary) -> Json {
    json!({
        "id": r.id.as_str(),
        "workflow": r.workflow,
        "status": r.status.as_str(),
        "finished": r.status.is_finished(),
        "started_at": r.started_at.to_string(),
        "ended_at": r.ended_at.map(|t| t.to_string()),
        "duration_ms": r.duration_ms,
        "error": r.error,
    })
}

/// `cpl runs show ID`: the run, every attempt of every step, and the decisions.
pub fn run_detail_lines(detail: &RunDetail) -> Vec<String> {
    let r = &detail.summary;
    let mut lines = vec![
        format!("run {} of {}", r.id, r.workflow),
        format!("  status    {}", run_status_word(r.status)),
        format!("  started   {}", r.started_at),
        format!(
            "  ended     {}",
            r.ended_at.map(|t| t.to_string()).unwrap_or_else(|| "-".to_owned())
        ),
    ];
    if let Some(ms) = r.duration_ms {
        lines.push(format!("  duration  {}", human_ms(ms)));
    }
    lines.push(format!("  args      {}", detail.args));
    if let Some(error) = &r.error {
        lines.push(format!("  error     {error}"));
    }
    if !r.status.is_finished() {
        lines.push("  this run has no end: it is still going, or its process was killed".to_owned());
    }
    lines.push("steps".to_owned());
    for step in &detail.steps {
        let status = step.status().map(status_word).unwrap_or("?");
        lines.push(format!("  {} {status}", step.step));
        for a in &step.attempts {
            let mut line = format!(
                "    #{} {:<9} {:>7}",
                a.attempt,
                a.status.as_str(),
                human_ms(a.duration_ms())
            );
            if let Some(reason) = &a.reason {
                line.push_str(&format!("  ({reason})"));
            }
            if let Some(output) = &a.output {
                line.push_str(&format!("  {}", short_json(output, 100)));
            }
            if let Some(error) = &a.error {
                line.push_str(&format!("  {}", cut(error, 160)));
            }
            lines.push(line);
            if let Some(stderr) = a.stderr.as_deref().filter(|s| !s.trim().is_empty()) {
                let tail: Vec<&str> = stderr.trim_end().lines().collect();
                let start = tail.len().saturating_sub(5);
                lines.push("       stderr:".to_owned());
                for l in tail.iter().skip(start) {
                    lines.push(format!("         {}", cut(l, 160)));
                }
            }
        }
    }
    if !detail.decisions.is_empty() {
        lines.push("decisions".to_owned());
        for d in &detail.decisions {
            let count = d.detail.get("violations").and_then(Json::as_array).map_or(0, Vec::len);
            lines.push(format!(
                "  {} → {} {}: {count} violation{}",
                d.step,
                d.policy,
                d.outcome,
                if count == 1 { "" } else { "s" }
            ));
            if let Some(violations) = d.detail.get("violations").and_then(Json::as_array) {
                for v in violations {
                    if let Some(message) = v.get("message").and_then(Json::as_str) {
                        lines.push(format!("    - {}", cut(message, 160)));
                    }
                }
            }
        }
    }
    lines
}

pub fn run_detail_json(detail: &RunDetail) -> Json {
    let mut run = summary_json(&detail.summary);
    if let Json::Object(map) = &mut run {
        map.insert("args".to_owned(), detail.args.clone());
        map.insert(
            "steps".to_owned(),
            Json::Array(
                detail
                    .steps
                    .iter()
                    .map(|s| {
                        json!({
                            "name": s.step,
                            "status": s.status().map(|st| st.as_str()),
                            "attempts": s.attempts.iter().map(|a| json!({
                                "attempt": a.attempt,
                                "status": a.status.as_str(),
                                "started_at": a.started_at.to_string(),
                                "ended_at": a.ended_at.to_string(),
                                "duration_ms": a.duration_ms(),
                                "output": a.output,
                                "error": a.error,
                                "stderr": a.stderr,
                                "reason": a.reason,
                            })).collect::<Vec<_>>(),
                        })
                    })
                    .collect(),
            ),
        );
        map.insert(
            "decisions".to_owned(),
            Json::Array(
                detail
                    .decisions
                    .iter()
                    .map(|d| json!({"step": d.step, "policy": d.policy, "outcome": d.outcome, "decision": d.detail}))
                    .collect(),
            ),
        );
    }
    run
}

fn objective_status_word(status: ObjectiveStatus) -> &'static str {
    match status {
        ObjectiveStatus::Met => "met",
        ObjectiveStatus::Breached => "BREACHED",
        ObjectiveStatus::NoData => "no data",
    }
}

fn measured(o: &ObjectiveResult) -> String {
    o.measured
        .as_ref()
        .map(|v| show_measured(o.metric, v))
        .unwrap_or_else(|| "-".to_owned())
}

/// `cpl slo`: for each objective, the measured value, the target and the status.
pub fn slo_lines(reports: &[SloReport]) -> Vec<String> {
    let mut lines = Vec::new();
    for slo in reports {
        lines.push(format!(
            "slo {} · workflow {} · window {} · {} finished run{}",
            slo.name,
            slo.workflow,
            slo.window,
            slo.stats.runs,
            if slo.stats.runs == 1 { "" } else { "s" }
        ));
        let width = slo.objectives.iter().map(|o| o.metric.name().len()).max().unwrap_or(0);
        for o in &slo.objectives {
            lines.push(format!(
                "  {:<8} {:<width$}  measured {:>8}  target {} {}",
                objective_status_word(o.status),
                o.metric.name(),
                measured(o),
                o.op.symbol(),
                show(o.metric, &o.target)
            ));
        }
    }
    if lines.is_empty() {
        lines.push("no service-level objectives".to_owned());
    }
    lines
}

pub fn slo_json(reports: &[SloReport]) -> Json {
    Json::Array(
        reports
            .iter()
            .map(|slo| {
                json!({
                    "slo": slo.name,
                    "workflow": slo.workflow,
                    "window": slo.window.to_string(),
                    "since": slo.since.to_string(),
                    "runs": slo.stats.runs,
                    "succeeded": slo.stats.succeeded,
                    "failed": slo.stats.failed,
                    "objectives": slo.objectives.iter().map(|o| json!({
                        "metric": o.metric.name(),
                        "op": o.op.symbol(),
                        "target": show(o.metric, &o.target),
                        "measured": o.measured.as_ref().map(|v| show_measured(o.metric, v)),
                        "value": o.measured.as_ref().map(|v| v.to_json(false)),
                        "status": match o.status {
                            ObjectiveStatus::Met => "met",
                            ObjectiveStatus::Breached => "breached",
                            ObjectiveStatus::NoData => "no_data",
                        },
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(human_ms(0), "0ms");
        assert_eq!(human_ms(999), "999ms");
        assert_eq!(human_ms(4_250), "4.2s");
        assert_eq!(human_ms(187_000), "3m 07s");
        assert_eq!(human_ms(7_500_000), "2h 05m");
    }
}
