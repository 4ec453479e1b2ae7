//! The registry: every entity loaded from every source, indexed by kind and key. Built
//! once all sources are loaded: it reports duplicate keys, resolves references (filling
//! each [`RefSlot`](crate::ir::RefSlot)'s target), checks version requirements and finds
//! cycles among references between entities of the same kind.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::ir::EntityId;
use crate::ir::Program;
use crate::ir::{Record, Value};
use crate::source::Origin;
use crate::source::{SourceMap, Span};

use super::collect::{Found, FoundEntity, FoundRef, Keys};
use crate::source::Locator;

/// Edit-distance comparisons spent on "did you mean" for dangling references, in total,
/// so that thousands of dangling references into a large kind stay fast.
const SUGGESTION_BUDGET: usize = 2_000_000;

/// Entities by kind and key, with the [`Locator`] that places their origins.
#[derive(Debug, Default)]
pub struct Registry {
    /// Per entity kind: key → index into `records`.
    index: Vec<Keys>,
    records: Vec<FoundEntity>,
    locator: Locator,
}

impl Registry {
    /// The entity of kind `kind` with key `key`.
    pub fn get(&self, kind: EntityId, key: &str) -> Option<&Arc<Record>> {
        let index = self.index.get(kind.index())?.get(key)?;
        self.records.get(index as usize).map(|e| &e.record)
    }

    /// The entities of one kind, in load order (a repeated key included).
    pub fn entities(&self, kind: EntityId) -> impl Iterator<Item = &Arc<Record>> {
        self.records.iter().filter(move |e| e.kind == kind).map(|e| &e.record)
    }

    /// How many distinct keys of one kind were loaded.
    pub fn count(&self, kind: EntityId) -> usize {
        self.index.get(kind.index()).map_or(0, Keys::len)
    }

    /// The locator shared with loading, whose caches already know the data files.
    pub fn locator(&self) -> &Locator {
        &self.locator
    }

    /// The span of a value's origin (see [`Locator::locate`]).
    pub fn locate(&self, sources: &SourceMap, origin: &Origin) -> Span {
        self.locator.locate(sources, origin)
    }
}

pub(crate) fn build(
    program: &Program,
    sources: &SourceMap,
    found: Found,
    locator: Locator,
    diags: &mut Vec<Diagnostic>,
) -> Registry {
    let Found {
        entities,
        refs,
        index,
        duplicates,
        ..
    } = found;
    let mut problems = Vec::new();
    for (first, again) in duplicates {
        let (Some(first), Some(again)) = (entities.get(first as usize), entities.get(again as usize)) else {
            continue;
        };
        let kind = kind_name(program, again.kind);
        let diagnostic = Diagnostic::new(Code::DuplicateKey, format!("duplicate `{kind}` key `{}`", again.key()))
            .at(again.key_at(program).span(sources, &locator), "defined again here")
            .with_label(first.key_at(program).span(sources, &locator), "first defined here")
            .with_help(format!("keys of `{kind}` must be unique across all its sources"));
        problems.push(diagnostic);
    }
    let edges = resolve(program, sources, &locator, &entities, &index, &refs, &mut problems);
    if !edges.is_empty() {
        cycles(program, sources, &locator, &entities, &refs, edges, &mut problems);
    }
    problems.sort_by_key(|d: &Diagnostic| d.span().map(|s| (s.file, s.start)));
    diags.extend(problems);
    Registry {
        index,
        records: entities,
        locator,
    }
}

fn kind_name(program: &Program, kind: EntityId) -> &str {
    program.entities.get(kind.index()).map_or("entity", |e| &*e.name)
}

/// An edge between two entities of the same kind: (from, to, index of the reference).
type Edge = (u32, u32, u32);

/// Resolves the references left for the end, checks requirements, and returns the edges
/// between entities of one kind.
fn resolve(
    program: &Program,
    sources: &SourceMap,
    locator: &Locator,
    entities: &[FoundEntity],
    index: &[Keys],
    refs: &[FoundRef],
    problems: &mut Vec<Diagnostic>,
) -> Vec<Edge> {
    let mut edges = Vec::new();
    let mut budget = SUGGESTION_BUDGET;
    for (ref_index, found) in refs.iter().enumerate() {
        let slot = &found.slot;
        let kind = kind_name(program, slot.kind);
        // INVARIANT: `index` has one key table per entity kind, by `EntityId`. A miss finds
        // no target, which is reported below as a dangling reference: never accepted.
        let keys = index.get(slot.kind.index());
        let target = found.target.or_else(|| keys.and_then(|keys| keys.get(&slot.key)));
        let Some(target) = target else {
            let at = found.at.span(sources, locator);
            let mut diagnostic = Diagnostic::new(Code::DanglingRef, format!("no `{kind}` has the key `{}`", slot.key))
                .at(at, format!("refers to a missing `{kind}`"));
            if let Some(field) = found.field {
                diagnostic = diagnostic.with_label(field, format!("declared as a reference to `{kind}` here"));
            }
            let count = keys.map_or(0, Keys::len);
            let help = if count == 0 {
                Some(format!("no `{kind}` is loaded at all; check the sources of `{kind}`"))
            } else if budget >= count {
                budget -= count;
                keys.and_then(|keys| did_you_mean(&slot.key, keys.keys()))
            } else {
                None
            };
            problems.push(diagnostic.with_help_opt(help));
            continue;
        };
        let Some(entity) = entities.get(target as usize) else {
            continue;
        };
        if let Some(requirement) = &slot.requirement {
            check_requirement(program, sources, locator, found, entity, requirement, problems);
        }
        // Set while loading when the target came first; a slot is only ever filled once.
        let _ = slot.target.set(Value::Record(entity.record.clone()));
        if let Some(owner) = found.owner
            && entities.get(owner as usize).is_some_and(|o| o.kind == slot.kind)
        {
            edges.push((owner, target, u32::try_from(ref_index).unwrap_or(u32::MAX)));
        }
    }
    edges
}

fn check_requirement(
    program: &Program,
    sources: &SourceMap,
    locator: &Locator,
    found: &FoundRef,
    entity: &FoundEntity,
    requirement: &str,
    problems: &mut Vec<Diagnostic>,
) {
    let Ok(req) = semver::VersionReq::parse(requirement) else {
        return; // reported when loaded
    };
    let key = &found.slot.key;
    let kind = kind_name(program, found.slot.kind);
    let at = found.at.span(sources, locator);
    match entity.record.get("version") {
        Some(Value::Version(version)) => {
            if !req.matches(version) {
                let mut diagnostic = Diagnostic::new(
                    Code::VersionMismatch,
                    format!("`{key}` is version `{version}`, which does not satisfy `{requirement}`"),
                )
                .at(at, format!("requires `{kind}` `{key}` at `{requirement}`"))
                .with_help(format!(
                    "update the requirement, or the `{kind}` to a version matching `{requirement}`"
                ));
                {
                    diagnostic = diagnostic.with_label(
                        entity.version_at(program).span(sources, locator),
                        format!("`{key}` is `{version}` here"),
                    );
                }
                problems.push(diagnostic);
            }
        }
        // Its version is broken or missing, which was reported where it is.
        Some(Value::Null) => {}
        _ => {
            let diagnostic = Diagnostic::new(
                Code::VersionMismatch,
                format!("`{key}` has no version to check against `{requirement}`"),
            )
            .at(at, "a version requirement")
            .with_label(
                entity.key_at(program).span(sources, locator),
                format!("`{key}` is defined here"),
            )
            .with_help(format!(
                "only entities with a `version: version` field can be required at a version; drop `@{requirement}`"
            ));
            problems.push(diagnostic);
        }
    }
}

fn cycles(
    program: &Program,
    sources: &SourceMap,
    locator: &Locator,
    entities: &[FoundEntity],
    refs: &[FoundRef],
    mut edges: Vec<Edge>,
    problems: &mut Vec<Diagnostic>,
) {
    edges.sort_unstable();
    edges.dedup_by_key(|e| (e.0, e.1));
    let graph = Graph::new(entities.len(), &edges);
    for component in graph.strongly_connected() {
        let Some(cycle) = graph.cycle_in(&component, entities) else {
            continue;
        };
        let Some(&(first_from, _, first_ref)) = cycle.first() else {
            continue;
        };
        let name = |i: u32| {
            entities
                .get(i as usize)
                .map_or_else(|| Arc::from("?"), FoundEntity::key)
        };
        let kind = entities
            .get(first_from as usize)
            .map_or("entity", |e| kind_name(program, e.kind));
        let mut path: Vec<String> = cycle.iter().map(|&(from, _, _)| format!("`{}`", name(from))).collect();
        path.push(format!("`{}`", name(first_from)));
        let label = |(from, to, _): &Edge| format!("`{}` refers to `{}`", name(*from), name(*to));
        let ref_span = |r: u32| refs.get(r as usize).map(|f| f.at.span(sources, locator));
        let Some(primary) = ref_span(first_ref) else {
            continue;
        };
        let mut diagnostic = Diagnostic::new(
            Code::RefCycle,
            format!("cycle among `{kind}` references: {}", path.join(" → ")),
        )
        .at(primary, cycle.first().map(label).unwrap_or_default())
        .with_help(format!(
            "references between `{kind}` entities must not loop; remove one of them"
        ));
        for edge in cycle.iter().skip(1) {
            if let Some(span) = ref_span(edge.2) {
                diagnostic = diagnostic.with_label(span, label(edge));
            }
        }
        problems.push(diagnostic);
    }
}

/// A directed graph over entity indices, as adjacency lists in one array.
struct Graph<'e> {
    starts: Vec<usize>,
    edges: &'e [Edge],
}

impl<'e> Graph<'e> {
    /// `edges` sorted by source.
    fn new(nodes: usize, edges: &'e [Edge]) -> Graph<'e> {
        let mut starts = vec![0; nodes + 1];
        for &(from, _, _) in edges {
            if let Some(count) = starts.get_mut(from as usize + 1) {
                *count += 1;
            }
        }
        for i in 1..starts.len() {
            let previous = starts.get(i - 1).copied().unwrap_or(0);
            if let Some(s) = starts.get_mut(i) {
                *s += previous;
            }
        }
        Graph { starts, edges }
    }

    fn out(&self, node: u32) -> &'e [Edge] {
        // INVARIANT: `starts` has one entry per node and one more, the running sums built
        // just above from `edges` itself, so every range is inside `edges`; no error can
        // flow from here, and the defaults are never taken.
        let from = self.starts.get(node as usize).copied().unwrap_or(0);
        let to = self.starts.get(node as usize + 1).copied().unwrap_or(from);
        self.edges.get(from..to).unwrap_or(&[])
    }

    /// The components that hold a cycle (more than one node, or a node referring to
    /// itself), entered from the nodes that refer to others, in order.
    fn strongly_connected(&self) -> Vec<Vec<u32>> {
        let nodes = self.starts.len().saturating_sub(1);
        let mut sources: Vec<usize> = self.edges.iter().map(|e| e.0 as usize).collect();
        sources.dedup();
        let successor = |node: usize, i: usize| self.out(u32::try_from(node).ok()?).get(i).map(|e| e.1 as usize);
        crate::graph::strongly_connected(nodes, sources, successor)
            .into_iter()
            .filter(|component| crate::graph::is_cycle(component, successor))
            .map(|component| component.into_iter().filter_map(|n| u32::try_from(n).ok()).collect())
            .collect()
    }

    /// One cycle through a component, from its member with the smallest key, as the
    /// edges taken: the shortest way back to the start (breadth first).
    fn cycle_in(&self, component: &[u32], entities: &[FoundEntity]) -> Option<Vec<Edge>> {
        let key = |i: u32| entities.get(i as usize).map(FoundEntity::key);
        let start = *component.iter().min_by_key(|&&i| key(i))?;
        let members: std::collections::HashSet<u32> = component.iter().copied().collect();
        let mut via: HashMap<u32, Edge> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        while let Some(node) = queue.pop_front() {
            for &edge in self.out(node) {
                let (_, to, _) = edge;
                if to == start {
                    let mut path = vec![edge];
                    let mut at = node;
                    while at != start {
                        let back = *via.get(&at)?;
                        path.push(back);
                        at = back.0;
                    }
                    path.reverse();
                    return Some(path);
                }
                if members.contains(&to) && !via.contains_key(&to) {
                    via.insert(to, edge);
                    queue.push_back(to);
                }
            }
        }
        None
    }
}
