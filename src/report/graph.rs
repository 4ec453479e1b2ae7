//! A workflow's DAG for people and tools: Graphviz `dot`, Mermaid, JSON and an indented
//! text listing. Nodes are steps, labelled with their call, `when` condition and
//! `retry`/`timeout`/`always`; edges say why one step waits for another.

use std::fmt::Write;

use serde_json::{Value as Json, json};

use super::position::PathBase;
use crate::compile::{CompiledWorkflow, EdgeKind, StepId};
use crate::ir::{Program, StepCall, StepDef};
use crate::source::SourceMap;

/// What a node shows.
struct Node<'a> {
    name: &'a str,
    call: String,
    when: Option<String>,
    modifiers: Vec<String>,
    always: bool,
}

fn nodes<'a>(program: &'a Program, sources: &SourceMap, workflow: &CompiledWorkflow) -> Vec<Node<'a>> {
    // INVARIANT: a compiled workflow is made from `program.workflows` by its id. This is a
    // drawing, with no error to carry: a miss draws no steps rather than wrong ones.
    let Some(def) = program.workflows.get(workflow.workflow.index()) else {
        return Vec::new();
    };
    def.steps
        .iter()
        .map(|step| Node {
            name: &step.name,
            call: call_name(program, step),
            when: step
                .when
                .as_ref()
                .map(|w| sources.slice(w.span).split_whitespace().collect::<Vec<_>>().join(" ")),
            modifiers: modifiers(step),
            always: step.always,
        })
        .collect()
}

/// `policy fraud_max_drift`, `atlas.retrain`, `log` or `fail`.
pub fn call_name(program: &Program, step: &StepDef) -> String {
    match &step.call {
        StepCall::Policy { policy, .. } => format!(
            "policy {}",
            program.policies.get(policy.index()).map(|p| &*p.name).unwrap_or("?")
        ),
        StepCall::Action { connector, action, .. } => {
            let c = program.connectors.get(connector.index());
            format!(
                "{}.{}",
                c.map(|c| &*c.name).unwrap_or("?"),
                c.and_then(|c| c.actions.get(*action)).map(|a| &*a.name).unwrap_or("?")
            )
        }
        StepCall::Log(_) => "log".to_owned(),
        StepCall::Fail(_) => "fail".to_owned(),
    }
}

/// `retry 3 backoff 10s`, `timeout 10m`.
fn modifiers(step: &StepDef) -> Vec<String> {
    let mut out = Vec::new();
    if step.retries > 0 {
        match step.backoff {
            Some(b) => out.push(format!("retry {} backoff {b}", step.retries)),
            None => out.push(format!("retry {}", step.retries)),
        }
    }
    if let Some(t) = step.timeout {
        out.push(format!("timeout {t}"));
    }
    out
}

/// A step another waits for, once, with the reasons other than data in parentheses:
/// `check (when)`, `start (after)`, `fetch`.
pub fn needed(name: &str, kinds: &[EdgeKind]) -> String {
    let mut reasons: Vec<&str> = kinds.iter().filter_map(|k| edge_label(*k)).collect();
    reasons.sort_unstable();
    reasons.dedup();
    if reasons.is_empty() {
        name.to_owned()
    } else {
        format!("{name} ({})", reasons.join(", "))
    }
}

fn edge_label(kind: EdgeKind) -> Option<&'static str> {
    match kind {
        EdgeKind::Data => None,
        EdgeKind::When => Some("when"),
        EdgeKind::After => Some("after"),
    }
}

/// Graphviz: `cpl graph fraud_drift_management --format dot | dot -Tsvg > dag.svg`.
pub fn dot(program: &Program, sources: &SourceMap, workflow: &CompiledWorkflow) -> String {
    let quote = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", quote(&workflow.name));
    let _ = writeln!(out, "  rankdir=TB;");
    let _ = writeln!(out, "  node [shape=box, style=rounded, fontname=\"Helvetica\"];");
    let _ = writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=10];");
    for node in nodes(program, sources, workflow) {
        let mut lines = vec![node.name.to_owned(), node.call.clone()];
        if let Some(when) = &node.when {
            lines.push(format!("when {when}"));
        }
        lines.extend(node.modifiers.iter().cloned());
        if node.always {
            lines.push("always".to_owned());
        }
        let label = lines.iter().map(|l| quote(l)).collect::<Vec<_>>().join("\\n");
        let style = if node.always { ", style=\"rounded,dashed\"" } else { "" };
        let _ = writeln!(out, "  \"{}\" [label=\"{label}\"{style}];", quote(node.name));
    }
    for edge in workflow.edges() {
        let from = quote(workflow.name_of(edge.from));
        let to = quote(workflow.name_of(edge.to));
        let attrs = match edge.kind {
            EdgeKind::Data => String::new(),
            EdgeKind::When => " [label=\"when\"]".to_owned(),
            EdgeKind::After => " [label=\"after\", style=dashed]".to_owned(),
        };
        let _ = writeln!(out, "  \"{from}\" -> \"{to}\"{attrs};");
    }
    out.push_str("}\n");
    out
}

/// Mermaid, for Markdown that GitHub renders. Node ids are `s_` and the step name, so
/// a step called `end` does not end the chart.
pub fn mermaid(program: &Program, sources: &SourceMap, workflow: &CompiledWorkflow) -> String {
    let quote = |s: &str| {
        s.replace('&', "#amp;")
            .replace('"', "#quot;")
            .replace('<', "#lt;")
            .replace('>', "#gt;")
    };
    let mut out = String::new();
    let _ = writeln!(out, "flowchart TD");
    for node in nodes(program, sources, workflow) {
        let mut lines = vec![format!("<b>{}</b>", quote(node.name)), quote(&node.call)];
        if let Some(when) = &node.when {
            lines.push(format!("when {}", quote(when)));
        }
        lines.extend(node.modifiers.iter().map(|m| quote(m)));
        if node.always {
            lines.push("always".to_owned());
        }
        let label = lines.join("<br/>");
        let (open, close) = if node.always { ("([", "])") } else { ("[", "]") };
        let _ = writeln!(out, "  s_{}{open}\"{label}\"{close}", node.name);
    }
    for edge in workflow.edges() {
        let from = workflow.name_of(edge.from);
        let to = workflow.name_of(edge.to);
        let arrow = match (edge.kind, edge_label(edge.kind)) {
            (EdgeKind::After, Some(label)) => format!("-.->|{label}|"),
            (_, Some(label)) => format!("-->|{label}|"),
            (_, None) => "-->".to_owned(),
        };
        let _ = writeln!(out, "  s_{from} {arrow} s_{to}");
    }
    out
}

/// The DAG as JSON: steps in declaration order, edges, a topological order and waves.
pub fn json(program: &Program, sources: &SourceMap, workflow: &CompiledWorkflow, paths: &PathBase) -> Json {
    let name = |s: &StepId| workflow.name_of(*s).to_owned();
    let steps: Vec<Json> = nodes(program, sources, workflow)
        .into_iter()
        .zip(workflow.steps())
        .map(|(node, id)| {
            json!({
                "name": node.name,
                "call": node.call,
                "when": node.when,
                "modifiers": node.modifiers,
                "always": node.always,
                "wave": workflow.level(id) + 1,
                "depends_on": workflow.dependencies(id).iter().map(name).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "workflow": &*workflow.name,
        "steps": steps,
        "edges": workflow.edges().iter().map(|e| json!({
            "from": name(&e.from),
            "to": name(&e.to),
            "kind": e.kind.as_str(),
            "location": paths.location(sources, e.span),
        })).collect::<Vec<_>>(),
        "order": workflow.order().iter().map(name).collect::<Vec<_>>(),
        "waves": workflow.waves().iter().map(|w| w.iter().map(name).collect::<Vec<_>>()).collect::<Vec<_>>(),
    })
}

/// An indented listing, wave by wave: what runs together, and what each step needs.
pub fn text(program: &Program, sources: &SourceMap, workflow: &CompiledWorkflow) -> String {
    let nodes = nodes(program, sources, workflow);
    let mut out = String::new();
    let count = workflow.len();
    let _ = writeln!(
        out,
        "workflow {} ({count} step{})",
        workflow.name,
        if count == 1 { "" } else { "s" }
    );
    let width = nodes.iter().map(|n| n.name.chars().count()).max().unwrap_or(0);
    for (index, wave) in workflow.waves().iter().enumerate() {
        let _ = writeln!(out, "  wave {}", index + 1);
        for step in wave {
            // INVARIANT: `nodes` has one entry per step of `workflow`, made from it above.
            let Some(node) = nodes.get(step.index()) else {
                continue;
            };
            let mut parts = vec![node.call.clone()];
            if let Some(when) = &node.when {
                parts.push(format!("when {when}"));
            }
            parts.extend(node.modifiers.iter().cloned());
            if node.always {
                parts.push("always".to_owned());
            }
            let mut grouped: Vec<(&str, Vec<EdgeKind>)> = Vec::new();
            for edge in workflow.edges().iter().filter(|e| e.to == *step) {
                let name = workflow.name_of(edge.from);
                match grouped.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, kinds)) => kinds.push(edge.kind),
                    None => grouped.push((name, vec![edge.kind])),
                }
            }
            let needs: Vec<String> = grouped.iter().map(|(name, kinds)| needed(name, kinds)).collect();
            if !needs.is_empty() {
                parts.push(format!("needs {}", needs.join(", ")));
            }
            let _ = writeln!(out, "    {:<width$}  {}", node.name, parts.join("  ·  "));
        }
    }
    out
}
