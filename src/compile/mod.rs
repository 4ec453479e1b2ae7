//! Compiling: each checked workflow becomes a DAG of its steps, with a stable
//! topological order, the dependencies and dependents of every step, and the edges
//! with the spans that made them. Cycles are compile errors (`E0801`), one diagnostic
//! per strongly connected component and one per self-loop, listing the cycle in order.
//!
//! **Invariant:** compiling is pure and never reports what the checker already did: an
//! unknown step (`E0802`) never becomes an edge, so it cannot show up here again.
//! petgraph stays inside [`dag`]; the rest of cpl sees [`StepId`]s.

mod dag;

use std::sync::Arc;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{Program, StepCall, StepDef, WorkflowDef, WorkflowId};
use crate::source::Span;

use dag::Dag;

/// A step of one workflow: its index in [`WorkflowDef::steps`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StepId(u32);

impl StepId {
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The id of the step at `index`; saturates (such a step never exists).
    pub fn from_index(index: usize) -> StepId {
        StepId(u32::try_from(index).unwrap_or(u32::MAX))
    }
}

/// Why one step waits for another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeKind {
    /// The step's arguments use the other's output.
    Data,
    /// The step's `when` reads the other's output.
    When,
    /// `after other`: order only.
    After,
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Data => "data",
            EdgeKind::When => "when",
            EdgeKind::After => "after",
        }
    }
}

/// `to` waits for `from`; `span` is where `to` names `from` (the first place, when it
/// does so several times for the same reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    pub from: StepId,
    pub to: StepId,
    pub kind: EdgeKind,
    pub span: Span,
}

/// A workflow as a DAG, ready to execute or draw.
// INVARIANT: `names`, `levels`, `dependencies` and `dependents` are parallel, one entry per
// step, built together by `compile` and private, and a `StepId` comes from this workflow's
// own `steps()` or `order()`. The accessors' defaults are never taken; they have no error
// to return, and an empty `dependencies` for a foreign id is why ids must not cross workflows.
#[derive(Clone, Debug)]
pub struct CompiledWorkflow {
    pub workflow: WorkflowId,
    pub name: Arc<str>,
    names: Vec<Arc<str>>,
    order: Vec<StepId>,
    levels: Vec<u32>,
    dependencies: Vec<Vec<StepId>>,
    dependents: Vec<Vec<StepId>>,
    edges: Vec<Edge>,
    cyclic: bool,
}

impl CompiledWorkflow {
    /// How many steps the workflow has.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Every step, in declaration order.
    pub fn steps(&self) -> impl Iterator<Item = StepId> + '_ {
        (0..self.names.len()).map(StepId::from_index)
    }

    pub fn name_of(&self, step: StepId) -> &str {
        self.names.get(step.index()).map(|n| &**n).unwrap_or("?")
    }

    pub fn step_named(&self, name: &str) -> Option<StepId> {
        self.names.iter().position(|n| &**n == name).map(StepId::from_index)
    }

    /// A topological order: every step after the steps it depends on; among steps that
    /// could go next, the one declared first. Complete unless the workflow is cyclic.
    pub fn order(&self) -> &[StepId] {
        &self.order
    }

    /// Whether the workflow can run: it has no cycle.
    pub fn is_runnable(&self) -> bool {
        !self.cyclic
    }

    /// The steps `step` waits for, in declaration order, each once.
    pub fn dependencies(&self, step: StepId) -> &[StepId] {
        self.dependencies
            .get(step.index())
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The steps that wait for `step`, in declaration order, each once.
    pub fn dependents(&self, step: StepId) -> &[StepId] {
        self.dependents.get(step.index()).map(Vec::as_slice).unwrap_or_default()
    }

    /// Every edge, one per pair of steps and reason, ordered by the waiting step.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// The length of the longest chain of steps `step` waits for.
    pub fn level(&self, step: StepId) -> u32 {
        self.levels.get(step.index()).copied().unwrap_or(0)
    }

    /// The steps grouped by [`level`](Self::level): each group can start once the
    /// groups before it are done. The steps of one group never depend on each other.
    pub fn waves(&self) -> Vec<Vec<StepId>> {
        let mut waves: Vec<Vec<StepId>> = Vec::new();
        for &step in &self.order {
            let level = self.level(step) as usize;
            while waves.len() <= level {
                waves.push(Vec::new());
            }
            if let Some(wave) = waves.get_mut(level) {
                wave.push(step);
            }
        }
        for wave in &mut waves {
            wave.sort();
        }
        waves
    }
}

/// Every workflow of a program, compiled, and the problems found.
#[derive(Debug, Default)]
pub struct Compiled {
    /// By [`WorkflowId`].
    pub workflows: Vec<CompiledWorkflow>,
    pub diagnostics: Diagnostics,
}

/// Compiles every workflow of a checked program.
pub fn compile(program: &Program) -> Compiled {
    let mut compiled = Compiled::default();
    for (index, def) in program.workflows.iter().enumerate() {
        let id = WorkflowId(u32::try_from(index).unwrap_or(u32::MAX));
        let (workflow, problems) = compile_workflow(id, def);
        compiled.workflows.push(workflow);
        compiled.diagnostics.extend(problems);
    }
    compiled
}

/// Compiles one workflow: its DAG, and an `E0801` for every cycle.
pub fn compile_workflow(id: WorkflowId, def: &WorkflowDef) -> (CompiledWorkflow, Vec<Diagnostic>) {
    let n = def.steps.len();
    let edges = edges_of(def);
    let dag = Dag::new(n, edges.iter().map(|e| (e.from, e.to)));
    let mut dependencies: Vec<Vec<StepId>> = vec![Vec::new(); n];
    let mut dependents: Vec<Vec<StepId>> = vec![Vec::new(); n];
    for edge in &edges {
        if let Some(list) = dependencies.get_mut(edge.to.index()) {
            list.push(edge.from);
        }
        if let Some(list) = dependents.get_mut(edge.from.index()) {
            list.push(edge.to);
        }
    }
    for list in dependencies.iter_mut().chain(dependents.iter_mut()) {
        list.sort();
        list.dedup();
    }
    let mut problems = Vec::new();
    let cycles = dag.cycles();
    for members in &cycles {
        problems.push(cycle_diagnostic(def, &dag, &edges, members));
    }
    let (order, levels) = dag.order();
    let workflow = CompiledWorkflow {
        workflow: id,
        name: def.name.clone(),
        names: def.steps.iter().map(|s| s.name.clone()).collect(),
        order,
        levels,
        dependencies,
        dependents,
        edges,
        cyclic: !cycles.is_empty(),
    };
    (workflow, problems)
}

/// One edge per (from, to, kind), at the first span that made it.
fn edges_of(def: &WorkflowDef) -> Vec<Edge> {
    let mut edges: Vec<Edge> = Vec::new();
    for (index, step) in def.steps.iter().enumerate() {
        let to = StepId::from_index(index);
        let first = edges.len();
        for &(from, span) in &step.depends_on {
            let from = StepId(from);
            if from.index() >= def.steps.len() {
                continue;
            }
            let kind = edge_kind(step, span);
            let known = edges
                .get(first..)
                .is_some_and(|mine| mine.iter().any(|e| e.from == from && e.kind == kind));
            if !known {
                edges.push(Edge { from, to, kind, span });
            }
        }
        if let Some(mine) = edges.get_mut(first..) {
            mine.sort_by_key(|e| (e.from, e.kind));
        }
    }
    edges
}

/// Where a reference sits says why it is there: in `when`, in the call, or in `after`.
fn edge_kind(step: &StepDef, span: Span) -> EdgeKind {
    let inside = |outer: Span| outer.file == span.file && outer.start <= span.start && span.end <= outer.end;
    if step.when.as_ref().is_some_and(|w| inside(w.span)) {
        return EdgeKind::When;
    }
    let in_call = match &step.call {
        StepCall::Policy { args, .. } => args.iter().flatten().any(|a| inside(a.span)),
        StepCall::Action { args, .. } => args.iter().any(|a| inside(a.span)),
        StepCall::Log(e) | StepCall::Fail(e) => inside(e.span),
    };
    if in_call { EdgeKind::Data } else { EdgeKind::After }
}

fn cycle_diagnostic(def: &WorkflowDef, dag: &Dag, edges: &[Edge], members: &[StepId]) -> Diagnostic {
    let name = |s: StepId| def.steps.get(s.index()).map(|d| &*d.name).unwrap_or("?");
    let edge = |from: StepId, to: StepId| edges.iter().find(|e| e.from == from && e.to == to);
    let describe = |e: &Edge| match e.kind {
        EdgeKind::Data => format!("`{}` uses the output of `{}`", name(e.to), name(e.from)),
        EdgeKind::When => format!("the condition of `{}` reads `{}`", name(e.to), name(e.from)),
        EdgeKind::After => format!("`{}` runs after `{}`", name(e.to), name(e.from)),
    };
    let Some(&start) = members.first() else {
        return Diagnostic::new(Code::WorkflowCycle, "cycle among steps");
    };
    if let [only] = members {
        let mut d = Diagnostic::new(Code::WorkflowCycle, format!("step `{}` depends on itself", name(*only)));
        match edge(*only, *only) {
            Some(e) => {
                let label = match e.kind {
                    EdgeKind::After => format!("`{}` cannot run after itself", name(*only)),
                    _ => format!("`{}` refers to its own output", name(*only)),
                };
                d = d.at(e.span, label);
            }
            None => {
                if let Some(step) = def.steps.get(only.index()) {
                    d = d.at(step.span, "this step");
                }
            }
        }
        return d.with_help("a step can only use steps that finish before it starts: remove this reference");
    }
    let path = dag.cycle_through(start, members);
    let mut shown: Vec<String> = path.iter().map(|s| format!("`{}`", name(*s))).collect();
    shown.push(format!("`{}`", name(start)));
    let mut d = Diagnostic::new(Code::WorkflowCycle, format!("cycle among steps: {}", shown.join(" → ")));
    let hops = path.iter().zip(path.iter().skip(1).chain(std::iter::once(&start)));
    let mut first = true;
    for (from, to) in hops {
        if let Some(e) = edge(*from, *to) {
            if first {
                d = d.at(e.span, describe(e));
                first = false;
            } else {
                d = d.with_label(e.span, describe(e));
            }
        }
    }
    let others: Vec<String> = members
        .iter()
        .filter(|m| !path.contains(m))
        .map(|m| format!("`{}`", name(*m)))
        .collect();
    if !others.is_empty() {
        d = d.with_note(format!(
            "{} {} caught in the same tangle of dependencies",
            others.join(", "),
            if others.len() == 1 { "is also" } else { "are also" }
        ));
    }
    d.with_help("a step starts after the steps it uses: remove one of these dependencies")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_ids_round_trip() {
        assert_eq!(StepId::from_index(7).index(), 7);
        assert_eq!(StepId::from_index(usize::MAX), StepId(u32::MAX));
    }

    #[test]
    fn order_is_topological_and_stable() {
        // 4 → 0 → 2, 1 → 2, 2 → 3: the earliest-declared ready step goes first.
        let edges = [(0, 2), (1, 2), (2, 3), (4, 0)].map(|(a, b)| (StepId(a), StepId(b)));
        let dag = Dag::new(5, edges);
        let (order, levels) = dag.order();
        assert_eq!(order, [1, 4, 0, 2, 3].map(StepId));
        assert_eq!(levels, vec![1, 0, 2, 3, 0]);
        assert!(dag.cycles().is_empty());
    }

    #[test]
    fn every_cycle_is_found() {
        // 0 ⇄ 1, 2 → 2, 3 → 4 → 5 → 3, 6 alone.
        let edges = [(0, 1), (1, 0), (2, 2), (3, 4), (4, 5), (5, 3), (5, 6)].map(|(a, b)| (StepId(a), StepId(b)));
        let dag = Dag::new(7, edges);
        let cycles = dag.cycles();
        assert_eq!(
            cycles,
            vec![
                vec![StepId(0), StepId(1)],
                vec![StepId(2)],
                vec![StepId(3), StepId(4), StepId(5)]
            ]
        );
        assert_eq!(
            dag.cycle_through(StepId(3), &[StepId(3), StepId(4), StepId(5)]),
            vec![StepId(3), StepId(4), StepId(5)]
        );
        let (order, _) = dag.order();
        assert!(order.is_empty(), "every step is on or behind a cycle: {order:?}");
    }
}
