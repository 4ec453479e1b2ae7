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
        // Every item that calls or is called, numbered in order for the graph helper.
        let mut nodes: Vec<Owner> = self.calls.iter().flat_map(|(from, to, _)| [*from, *to]).collect();
        nodes.sort();
        nodes.dedup();
        let number = |owner: &Owner| nodes.binary_search(owner).ok();
        let successor = |n: usize, i: usize| {
            let from = nodes.get(n)?;
            edges.get(from)?.get(i).and_then(|(to, _)| number(to))
        };
        let callers: Vec<usize> = edges
            .keys()
            .filter_map(number)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for component in crate::graph::strongly_connected(nodes.len(), callers, successor) {
            if !crate::graph::is_cycle(&component, successor) {
                continue;
            }
            // INVARIANT: the graph helper returns only the node numbers below the count it was
            // given (`nodes.len()`), so no member is dropped here.
            let members: Vec<Owner> = component.iter().filter_map(|&n| nodes.get(n).copied()).collect();
            self.report_cycle(&members, &edges);
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
            Owner::Flag(id) => self.program.flags.get(id.index()).map(|f| f.name.clone()),
        };
        name.map(|n| n.to_string()).unwrap_or_default()
    }
}
