//! Recursion is not allowed: functions are pure and total, so a function, policy or
//! constant that reaches itself through calls is reported, with the path it takes.

use std::collections::HashMap;

use super::{Checker, Owner};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;

/// The calls each body makes.
type Edges = HashMap<Owner, Vec<(Owner, Span)>, crate::hash::Fast>;

impl<'a> Checker<'a> {
    pub(super) fn report_call_cycles(&mut self) {
        let mut edges: Edges = Edges::default();
        for (from, to, span) in &self.calls {
            edges.entry(*from).or_default().push((*to, *span));
        }
        for list in edges.values_mut() {
            list.sort_by_key(|(to, span)| (*to, span.start));
        }
        let mut nodes: Vec<Owner> = edges.keys().copied().collect();
        nodes.sort();
        let components = strongly_connected(&nodes, &edges);
        for component in components {
            let cyclic = component.len() > 1
                || component
                    .first()
                    .is_some_and(|n| edges.get(n).is_some_and(|out| out.iter().any(|(to, _)| to == n)));
            if !cyclic {
                continue;
            }
            self.report_cycle(&component, &edges);
        }
    }

    fn report_cycle(&mut self, component: &[Owner], edges: &Edges) {
        // Walk the cycle from its first member, following edges inside the component.
        let Some(&start) = component.iter().min() else {
            return;
        };
        let mut path = vec![start];
        let mut spans = Vec::new();
        let mut current = start;
        loop {
            let next = edges.get(&current).and_then(|out| {
                out.iter()
                    .find(|(to, _)| component.contains(to) && (!path.contains(to) || *to == start))
            });
            let Some((to, span)) = next else {
                break;
            };
            spans.push((*span, current, *to));
            if *to == start {
                break;
            }
            path.push(*to);
            current = *to;
        }
        let names: Vec<String> = path
            .iter()
            .chain(std::iter::once(&start))
            .map(|o| self.owner_name(*o))
            .collect();
        let chain = names.join(" → ");
        let first = names.first().cloned().unwrap_or_default();
        let mut diagnostic = Diagnostic::new(Code::Cycle, format!("`{first}` refers to itself: {chain}"));
        for (i, (span, from, to)) in spans.iter().enumerate() {
            let label = format!("`{}` uses `{}` here", self.owner_name(*from), self.owner_name(*to));
            diagnostic = if i == 0 {
                diagnostic.at(*span, label)
            } else {
                diagnostic.with_label(*span, label)
            };
        }
        self.report(
            diagnostic.with_help(
                "functions, policies and constants cannot be recursive; compute the value without the cycle",
            ),
        );
    }

    fn owner_name(&self, owner: Owner) -> String {
        let name = match owner {
            Owner::Const(id) => self.program.consts.get(id.index()).map(|c| c.name.clone()),
            Owner::Fn(id) => self.program.functions.get(id.index()).map(|f| f.name.clone()),
            Owner::Policy(id) => self.program.policies.get(id.index()).map(|p| p.name.clone()),
        };
        name.map(|n| n.to_string()).unwrap_or_default()
    }
}

/// Tarjan's algorithm, iterative so a long chain of calls cannot exhaust the stack.
fn strongly_connected(nodes: &[Owner], edges: &Edges) -> Vec<Vec<Owner>> {
    #[derive(Clone, Copy)]
    struct Info {
        index: usize,
        low: usize,
        on_stack: bool,
    }
    let mut info: HashMap<Owner, Info> = HashMap::new();
    let mut stack: Vec<Owner> = Vec::new();
    let mut components = Vec::new();
    let mut next_index = 0;
    let empty = Vec::new();
    for &root in nodes {
        if info.contains_key(&root) {
            continue;
        }
        // (node, position in its edge list)
        let mut work: Vec<(Owner, usize)> = vec![(root, 0)];
        while let Some((node, position)) = work.pop() {
            if position == 0 && !info.contains_key(&node) {
                info.insert(
                    node,
                    Info {
                        index: next_index,
                        low: next_index,
                        on_stack: true,
                    },
                );
                next_index += 1;
                stack.push(node);
            }
            let out = edges.get(&node).unwrap_or(&empty);
            if let Some((child, _)) = out.get(position) {
                work.push((node, position + 1));
                match info.get(child).copied() {
                    None => work.push((*child, 0)),
                    Some(child_info) if child_info.on_stack => {
                        if let Some(n) = info.get_mut(&node) {
                            n.low = n.low.min(child_info.index);
                        }
                    }
                    Some(_) => {}
                }
                continue;
            }
            // All children done: propagate low-link to the parent and pop a component.
            let Some(node_info) = info.get(&node).copied() else {
                continue;
            };
            if let Some((parent, _)) = work.last() {
                let parent = *parent;
                if let Some(p) = info.get_mut(&parent) {
                    p.low = p.low.min(node_info.low);
                }
            }
            if node_info.low == node_info.index {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    if let Some(m) = info.get_mut(&member) {
                        m.on_stack = false;
                    }
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                components.push(component);
            }
        }
    }
    components
}
