//! `slo` items measured against the run log: each objective's metric over the window,
//! compared with its target. An objective with no finished run in its window has no
//! data: that is a warning (`W0901`), not a breach; a breach is `E0901`.

use std::cmp::Ordering;

use jiff::Timestamp;

use super::runlog::{RunLog, RunLogError};
use super::slo::{self, SloStats};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::BinaryOp;
use crate::ir::Value;
use crate::ir::{Metric, Program, SloDef};
use crate::source::Span;
use crate::time::Duration;

/// The window of an `slo` that names none: 30 days.
pub const DEFAULT_WINDOW: Duration = Duration::from_nanos(30 * 24 * 3600 * 1_000_000_000);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectiveStatus {
    Met,
    Breached,
    /// No finished run in the window: nothing to measure.
    NoData,
}

/// One objective, measured.
#[derive(Clone, Debug)]
pub struct ObjectiveResult {
    pub metric: Metric,
    pub op: BinaryOp,
    pub target: Value,
    /// A float for rates, an int for `runs`, a duration for percentiles; `None` without
    /// data.
    pub measured: Option<Value>,
    pub status: ObjectiveStatus,
    pub span: Span,
}

/// One `slo`, measured.
#[derive(Clone, Debug)]
pub struct SloReport {
    pub name: String,
    pub workflow: String,
    pub window: Duration,
    /// The start of the window.
    pub since: Timestamp,
    pub stats: SloStats,
    pub objectives: Vec<ObjectiveResult>,
    pub span: Span,
}

impl SloReport {
    pub fn breached(&self) -> bool {
        self.objectives.iter().any(|o| o.status == ObjectiveStatus::Breached)
    }
}

/// Measures `slo` over the runs that finished in its window before `now`.
pub fn measure(program: &Program, slo: &SloDef, log: &RunLog, now: Timestamp) -> Result<SloReport, RunLogError> {
    let workflow = slo
        .workflow
        .and_then(|w| program.workflows.get(w.index()))
        .map(|w| w.name.to_string())
        .unwrap_or_default();
    let window = slo.window.unwrap_or(DEFAULT_WINDOW);
    let since = now
        .checked_sub(jiff::SignedDuration::from_nanos(window.nanos()))
        .unwrap_or(Timestamp::MIN);
    let runs = log.window_stats(&workflow, since)?;
    Ok(judge(slo, workflow, window, since, slo::measure(&runs)))
}

/// Compares measured statistics with an `slo`'s objectives.
pub fn judge(slo: &SloDef, workflow: String, window: Duration, since: Timestamp, stats: SloStats) -> SloReport {
    let objectives = slo
        .objectives
        .iter()
        .map(|o| {
            let measured = measured(&stats, o.metric);
            let status = match &measured {
                None => ObjectiveStatus::NoData,
                Some(value) if holds(value, o.op, &o.target) => ObjectiveStatus::Met,
                Some(_) => ObjectiveStatus::Breached,
            };
            ObjectiveResult {
                metric: o.metric,
                op: o.op,
                target: o.target.clone(),
                measured,
                status,
                span: o.span,
            }
        })
        .collect();
    SloReport {
        name: slo.name.to_string(),
        workflow,
        window,
        since,
        stats,
        objectives,
        span: slo.span,
    }
}

fn measured(stats: &SloStats, metric: Metric) -> Option<Value> {
    if stats.runs == 0 && metric != Metric::Runs {
        return None;
    }
    match metric {
        Metric::Runs => Some(Value::Int(i64::try_from(stats.runs).unwrap_or(i64::MAX))),
        Metric::SuccessRate => stats.success_rate.map(Value::Float),
        Metric::FailureRate => stats.failure_rate.map(Value::Float),
        Metric::P50Duration => stats.p50_duration.map(Value::Duration),
        Metric::P95Duration => stats.p95_duration.map(Value::Duration),
        Metric::P99Duration => stats.p99_duration.map(Value::Duration),
    }
}

fn holds(measured: &Value, op: BinaryOp, target: &Value) -> bool {
    let Some(order) = measured.compare(target) else {
        return false;
    };
    match op {
        BinaryOp::Lt => order == Ordering::Less,
        BinaryOp::Le => order != Ordering::Greater,
        BinaryOp::Gt => order == Ordering::Greater,
        BinaryOp::Ge => order != Ordering::Less,
        BinaryOp::Eq => order == Ordering::Equal,
        BinaryOp::Ne => order != Ordering::Equal,
        _ => false,
    }
}

/// A value as `cpl slo` shows it: rates as percentages, durations in their unit.
pub fn show(metric: Metric, value: &Value) -> String {
    match (metric, value) {
        (Metric::SuccessRate | Metric::FailureRate, Value::Float(x)) => {
            let pct = format!("{:.2}", x * 100.0);
            format!("{}%", pct.trim_end_matches('0').trim_end_matches('.'))
        }
        (Metric::SuccessRate | Metric::FailureRate, Value::Int(x)) => format!("{}%", x.saturating_mul(100)),
        (_, Value::Duration(d)) => d.to_string(),
        (_, other) => other.to_string(),
    }
}

/// A measured value as `cpl slo` shows it: like [`show`], with durations rounded for
/// reading (`1m 10s`, `4.2s`) rather than exact (`70859ms`).
pub fn show_measured(metric: Metric, value: &Value) -> String {
    match value {
        Value::Duration(d) => crate::time::human_millis(u64::try_from(d.nanos() / 1_000_000).unwrap_or(0)),
        other => show(metric, other),
    }
}

/// `E0901` for every breached objective, `W0901` for every `slo` without runs.
pub fn diagnostics(reports: &[SloReport]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for slo in reports {
        if slo.stats.runs == 0 {
            out.push(
                Diagnostic::new(
                    Code::NoRuns,
                    format!(
                        "slo `{}`: no run of `{}` finished in the last {}",
                        slo.name, slo.workflow, slo.window
                    ),
                )
                .at(slo.span, "nothing to measure")
                .with_help(format!("run it with `cpl run {}`, or widen the `window`", slo.workflow)),
            );
        }
        for o in slo.objectives.iter().filter(|o| o.status == ObjectiveStatus::Breached) {
            let measured = o
                .measured
                .as_ref()
                .map(|v| show_measured(o.metric, v))
                .unwrap_or_default();
            let target = show(o.metric, &o.target);
            out.push(
                Diagnostic::new(
                    Code::ObjectiveBreached,
                    format!(
                        "slo `{}`: `{}` is {measured}, the objective is {} {target}",
                        slo.name,
                        o.metric.name(),
                        o.op.symbol()
                    ),
                )
                .at(o.span, format!("breached over the last {}", slo.window))
                .with_note(format!(
                    "{} finished runs: {} succeeded, {} failed",
                    slo.stats.runs, slo.stats.succeeded, slo.stats.failed
                )),
            );
        }
    }
    out
}
