//! The one module that knows petgraph: builds a step graph, finds its strongly
//! connected components (every cycle, self-loops included) and orders it. Everything
//! leaves this module as [`StepId`]s.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use petgraph::graph::{DiGraph, NodeIndex};

use super::StepId;

/// A directed graph over the steps `0..n`; an edge `a → b` means `b` needs `a` first.
pub(super) struct Dag {
    graph: DiGraph<(), ()>,
}

impl Dag {
    /// A graph of `n` steps with the given edges (duplicates are fine).
    pub(super) fn new(n: usize, edges: impl IntoIterator<Item = (StepId, StepId)>) -> Dag {
        let mut graph = DiGraph::with_capacity(n, n);
        for _ in 0..n {
            graph.add_node(());
        }
        for (from, to) in edges {
            if from.index() < n && to.index() < n {
                graph.update_edge(node(from), node(to), ());
            }
        }
        Dag { graph }
    }

    fn successors(&self, step: StepId) -> impl Iterator<Item = StepId> + '_ {
        self.graph.neighbors(node(step)).map(step_of)
    }

    /// Every cycle's members: each strongly connected component of more than one step,
    /// and each step with an edge to itself, as a component of its own. Members are in
    /// declaration order; components are ordered by their first member.
    pub(super) fn cycles(&self) -> Vec<Vec<StepId>> {
        // petgraph's own `tarjan_scc` recurses once per step of a chain.
        let successors: Vec<Vec<usize>> = self
            .graph
            .node_indices()
            .map(|n| self.graph.neighbors(n).map(NodeIndex::index).collect())
            .collect();
        let successor = |n: usize, i: usize| successors.get(n).and_then(|out| out.get(i)).copied();
        let mut out = Vec::new();
        for component in crate::graph::strongly_connected(successors.len(), [], successor) {
            if component.len() > 1 {
                let mut members: Vec<StepId> = component.into_iter().map(StepId::from_index).collect();
                members.sort();
                out.push(members);
            }
        }
        for index in self.graph.node_indices() {
            if self.graph.contains_edge(index, index) {
                out.push(vec![step_of(index)]);
            }
        }
        out.sort();
        out
    }

    /// A shortest cycle through `start` that stays inside `members`, as the steps it
    /// visits from `start` (not repeated at the end). Self-loops are not followed, so a
    /// component of several steps gives a cycle through several steps.
    pub(super) fn cycle_through(&self, start: StepId, members: &[StepId]) -> Vec<StepId> {
        let n = self.graph.node_count();
        let mut previous: Vec<Option<StepId>> = vec![None; n];
        let mut queue = VecDeque::from([start]);
        let mut seen = vec![false; n];
        if let Some(flag) = seen.get_mut(start.index()) {
            *flag = true;
        }
        while let Some(current) = queue.pop_front() {
            let mut next: Vec<StepId> = self
                .successors(current)
                .filter(|s| *s != current && members.binary_search(s).is_ok())
                .collect();
            next.sort();
            for successor in next {
                if successor == start {
                    let mut path = vec![current];
                    let mut at = current;
                    while let Some(p) = previous.get(at.index()).copied().flatten() {
                        path.push(p);
                        at = p;
                    }
                    path.reverse();
                    return path;
                }
                if let Some(flag) = seen.get_mut(successor.index())
                    && !*flag
                {
                    *flag = true;
                    if let Some(slot) = previous.get_mut(successor.index()) {
                        *slot = Some(current);
                    }
                    queue.push_back(successor);
                }
            }
        }
        vec![start]
    }

    /// Kahn's algorithm, taking the earliest-declared ready step first, so the order is
    /// stable and reads like the source. Steps on or behind a cycle are left out.
    /// Also returns each step's level: the length of the longest chain of steps it
    /// waits for (0 for a step that waits for none).
    pub(super) fn order(&self) -> (Vec<StepId>, Vec<u32>) {
        let n = self.graph.node_count();
        let mut waiting: Vec<usize> = self
            .graph
            .node_indices()
            .map(|i| self.graph.neighbors_directed(i, petgraph::Direction::Incoming).count())
            .collect();
        let mut level = vec![0_u32; n];
        let mut ready: BinaryHeap<Reverse<StepId>> = waiting
            .iter()
            .enumerate()
            .filter(|(_, w)| **w == 0)
            .map(|(i, _)| Reverse(StepId::from_index(i)))
            .collect();
        let mut order = Vec::with_capacity(n);
        while let Some(Reverse(step)) = ready.pop() {
            order.push(step);
            let here = level.get(step.index()).copied().unwrap_or(0);
            for successor in self.successors(step) {
                if let Some(l) = level.get_mut(successor.index()) {
                    *l = (*l).max(here.saturating_add(1));
                }
                if let Some(w) = waiting.get_mut(successor.index()) {
                    *w = w.saturating_sub(1);
                    if *w == 0 {
                        ready.push(Reverse(successor));
                    }
                }
            }
        }
        (order, level)
    }
}

fn node(step: StepId) -> NodeIndex {
    NodeIndex::new(step.index())
}

fn step_of(index: NodeIndex) -> StepId {
    StepId::from_index(index.index())
}
