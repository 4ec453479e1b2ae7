//! Strongly connected components of a directed graph over the nodes `0..n`, by Tarjan's
//! algorithm with an explicit stack: the checker's call graph, the registry's references
//! and a workflow's steps can each be a chain of hundreds of thousands of nodes, and a
//! recursive walk would exhaust the thread's stack on the first of them.

/// The strongly connected components of the graph whose node `node` has the successors
/// `successor(node, 0)`, `successor(node, 1)`, … until `None`. Roots are tried in the
/// order `roots` gives (then every node not yet reached, in index order), and each
/// component comes out, as Tarjan's algorithm finds it, after every component it
/// reaches. A component's first member is the node it was entered by.
pub fn strongly_connected(
    nodes: usize,
    roots: impl IntoIterator<Item = usize>,
    mut successor: impl FnMut(usize, usize) -> Option<usize>,
) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let mut order = vec![UNSEEN; nodes];
    let mut low = vec![0; nodes];
    let mut on_stack = vec![false; nodes];
    let mut stack: Vec<usize> = Vec::new();
    let mut components = Vec::new();
    let mut counter = 0;
    // The walk: each node entered, with how many of its successors it has tried.
    let mut walk: Vec<(usize, usize)> = Vec::new();
    for root in roots.into_iter().chain(0..nodes) {
        if order.get(root).is_none_or(|&o| o != UNSEEN) {
            continue;
        }
        walk.push((root, 0));
        while let Some(&(node, tried)) = walk.last() {
            if order.get(node) == Some(&UNSEEN) {
                set(&mut order, node, counter);
                set(&mut low, node, counter);
                counter += 1;
                stack.push(node);
                set(&mut on_stack, node, true);
            }
            if let Some(next) = successor(node, tried).filter(|&n| n < nodes) {
                if let Some(top) = walk.last_mut() {
                    top.1 += 1;
                }
                if get(&order, next) == UNSEEN {
                    walk.push((next, 0));
                } else if get(&on_stack, next) {
                    let lowest = get(&low, node).min(get(&order, next));
                    set(&mut low, node, lowest);
                }
                continue;
            }
            walk.pop();
            if let Some(&(parent, _)) = walk.last() {
                let lowest = get(&low, parent).min(get(&low, node));
                set(&mut low, parent, lowest);
            }
            if get(&low, node) == get(&order, node) {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    set(&mut on_stack, member, false);
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                component.reverse();
                components.push(component);
            }
        }
    }
    components
}

/// Whether a component holds a cycle: several nodes, or one with an edge to itself.
pub fn is_cycle(component: &[usize], mut successor: impl FnMut(usize, usize) -> Option<usize>) -> bool {
    match component {
        [] => false,
        [only] => (0..).map_while(|i| successor(*only, i)).any(|next| next == *only),
        _ => true,
    }
}

// INVARIANT: every index passed is below the `nodes` the vectors were made for; the
// accessors keep the lint against indexing without a silent default mattering.
fn get<T: Copy + Default>(values: &[T], at: usize) -> T {
    values.get(at).copied().unwrap_or_default()
}

fn set<T>(values: &mut [T], at: usize, value: T) {
    if let Some(slot) = values.get_mut(at) {
        *slot = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn components(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
        strongly_connected(edges.len(), [], |n, i| edges.get(n).and_then(|out| out.get(i)).copied())
    }

    #[test]
    fn finds_cycles_and_orders_components_after_what_they_reach() {
        // 0 → 1 → 2 → 0, 2 → 3, 4 → 4, 5 alone.
        let edges = vec![vec![1], vec![2], vec![0, 3], vec![], vec![4], vec![]];
        let found = components(&edges);
        assert_eq!(found, vec![vec![3], vec![0, 1, 2], vec![4], vec![5]]);
        let successor = |n: usize, i: usize| edges.get(n).and_then(|out| out.get(i)).copied();
        let cycles: Vec<&Vec<usize>> = found.iter().filter(|c| is_cycle(c, successor)).collect();
        assert_eq!(cycles, [&vec![0, 1, 2], &vec![4]]);
    }

    #[test]
    fn a_chain_of_a_million_nodes_needs_no_deep_stack() {
        let n = 1_000_000;
        let found = strongly_connected(n, [0], |node, i| (i == 0 && node + 1 < n).then_some(node + 1));
        assert_eq!(found.len(), n);
        // And one long cycle, closed at the end.
        let found = strongly_connected(n, [0], |node, i| (i == 0).then_some((node + 1) % n));
        assert_eq!(found.len(), 1);
        assert_eq!(found.first().map(Vec::len), Some(n));
    }

    #[test]
    fn roots_are_tried_in_the_order_given() {
        let edges = [vec![], vec![], vec![]];
        let found = strongly_connected(3, [2, 0], |n, i| edges.get(n).and_then(|out| out.get(i)).copied());
        assert_eq!(found, vec![vec![2], vec![0], vec![1]]);
    }
}
