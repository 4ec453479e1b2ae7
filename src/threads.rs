//! Work in parts on every core: consecutive ranges of one job, each on a thread of its
//! own, with results in the ranges' order. Used by the JSON loader (long lists of
//! records) and the evaluator (long loops); both join the results so that nothing
//! depends on how the work was cut.

use std::ops::Range;

/// The cores to use: all there are, at most 8. Asked of the system once: on Linux the
/// answer reads cgroup files, and the loader and the evaluator ask for every document
/// and loop.
pub fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8))
}

/// `work` on every range, results in order: the first range on this thread and the
/// others on threads of their own (with cpl's deep stack). A range whose thread cannot
/// start, or fails, is done on this thread instead.
pub fn in_order<T: Send>(ranges: &[Range<usize>], work: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    let Some((first, rest)) = ranges.split_first() else {
        return Vec::new();
    };
    if rest.is_empty() {
        return vec![work(first.clone())];
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = rest
            .iter()
            .map(|range| {
                std::thread::Builder::new()
                    .stack_size(crate::STACK_SIZE)
                    .spawn_scoped(scope, || work(range.clone()))
            })
            .collect();
        let mut results = vec![work(first.clone())];
        for (handle, range) in handles.into_iter().zip(rest) {
            match handle.map_err(|_| ()).and_then(|h| h.join().map_err(|_| ())) {
                Ok(result) => results.push(result),
                Err(()) => results.push(work(range.clone())),
            }
        }
        results
    })
}
