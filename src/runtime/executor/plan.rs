//! `cpl run --dry-run`: what a run would do, in order, without calling anything. Only
//! the connectors' settings are evaluated (a `url` may read the environment), so the
//! plan shows the real address each step would call — with any password in it, and
//! any secret it reads, masked.

use super::redact::Redactor;
use super::sensitive::sensitive_values;
use crate::compile::{CompiledWorkflow, EdgeKind, StepId};
use crate::eval::{Env, new_frame};
use crate::ir::Value;
use crate::ir::{ConnectorKind, StepCall, StepDef};
use crate::time::Duration;

/// One step of a plan.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedStep {
    pub step: StepId,
    pub name: String,
    /// Steps in the same wave may run at the same time; wave 1 starts first.
    pub wave: u32,
    /// `policy fraud_max_drift`, `atlas.retrain`, `log`, `fail`.
    pub call: String,
    /// The call as written, arguments included, on one line.
    pub call_text: String,
    /// What would be called: `POST http://127.0.0.1:8700/retrain`, or the command line
    /// and its directory. `None` for steps that call nothing outside.
    pub target: Option<String>,
    /// The `when` condition, as written.
    pub when: Option<String>,
    pub retries: u32,
    pub backoff: Option<Duration>,
    pub timeout: Option<Duration>,
    pub always: bool,
    /// The steps it waits for, each once, with why: `data`, `when` and/or `after`.
    pub needs: Vec<(String, Vec<EdgeKind>)>,
}

/// A workflow's plan, in a topological order.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub workflow: String,
    pub steps: Vec<PlannedStep>,
}

/// Plans a run of `workflow`. `exec` directories are shown relative to the project root.
pub fn plan(env: &Env<'_>, workflow: &CompiledWorkflow) -> Plan {
    let def = env.program.workflows.get(workflow.workflow.index());
    // An address is shown as it is, but a password in it, or a secret a `url` reads,
    // is masked as a run would mask it.
    let mut redactor = Redactor::new();
    for value in def.map(|d| sensitive_values(env, d)).unwrap_or_default() {
        redactor.add(&value);
    }
    let mut steps = Vec::new();
    for &step in workflow.order() {
        let Some(step_def) = def.and_then(|d| d.steps.get(step.index())) else {
            continue;
        };
        let (call, target) = describe_call(env, step_def);
        let mut needs: Vec<(String, Vec<EdgeKind>)> = Vec::new();
        for edge in workflow.edges().iter().filter(|e| e.to == step) {
            let name = workflow.name_of(edge.from);
            match needs.iter_mut().find(|(n, _)| n == name) {
                Some((_, kinds)) => kinds.push(edge.kind),
                None => needs.push((name.to_owned(), vec![edge.kind])),
            }
        }
        steps.push(PlannedStep {
            step,
            name: step_def.name.to_string(),
            wave: workflow.level(step).saturating_add(1),
            call,
            call_text: squash(env.sources.slice(step_def.call_span)),
            target: target.map(|t| redactor.text(&t)),
            when: step_def.when.as_ref().map(|w| squash(env.sources.slice(w.span))),
            retries: step_def.retries,
            backoff: step_def.backoff,
            timeout: step_def.timeout,
            always: step_def.always,
            needs,
        });
    }
    Plan {
        workflow: workflow.name.to_string(),
        steps,
    }
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn describe_call(env: &Env<'_>, def: &StepDef) -> (String, Option<String>) {
    let program = env.program;
    match &def.call {
        StepCall::Log(_) => ("log".to_owned(), None),
        StepCall::Fail(_) => ("fail".to_owned(), None),
        StepCall::Policy { policy, .. } => {
            let name = program.policies.get(policy.index()).map(|p| &*p.name).unwrap_or("?");
            (format!("policy {name}"), None)
        }
        StepCall::Action { connector, action, .. } => {
            let Some(c) = program.connectors.get(connector.index()) else {
                return ("?".to_owned(), None);
            };
            let action_name = c.actions.get(*action).map(|a| &*a.name).unwrap_or("?");
            let target = match &c.kind {
                ConnectorKind::Http { url, .. } => {
                    let mut frame = new_frame(64);
                    match env.eval(url, &mut frame) {
                        Ok(Value::Str(base)) | Ok(Value::Secret(base)) => {
                            format!("POST {}/{action_name}", base.trim_end_matches('/'))
                        }
                        Ok(other) => format!("POST {other}/{action_name}"),
                        Err(e) => format!("POST <{}>/{action_name}", e.message),
                    }
                }
                ConnectorKind::Exec { command, dir, .. } => {
                    let words: Vec<&str> = command.iter().map(|c| &**c).chain([action_name]).collect();
                    // Relative to the project root, so plans read the same on every machine.
                    let shown = std::path::Path::new(".").join(dir);
                    format!("run `{}` in {}", words.join(" "), shown.display())
                }
            };
            (format!("{}.{action_name}", c.name), Some(target))
        }
    }
}
