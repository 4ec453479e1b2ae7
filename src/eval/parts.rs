//! Long loops on every core. A policy's `for` or a comprehension over a long list is
//! cut into consecutive parts, one thread each, and the parts' results are joined in
//! order, so what a loop computes never depends on how it was cut (a property test
//! checks it). Evaluation is pure and the environment is shared read-only; the caches it
//! fills (constants, regexes, list indexes) are safe to fill from any thread.

use std::cell::Cell;
use std::ops::Range;

use super::env::Env;

thread_local! {
    /// Set while this thread evaluates a part: a part never cuts a loop of its own, so
    /// a nested loop does not start threads from threads.
    static IN_PART: Cell<bool> = const { Cell::new(false) };
}

impl Env<'_> {
    /// Consecutive ranges covering `len` items: one, unless the list is long (see
    /// [`Env::with_parts`]) and this is not already a part.
    pub(super) fn parts_of(&self, len: usize) -> Vec<Range<usize>> {
        let parts = if len < self.parts.min_elements || IN_PART.get() {
            1
        } else {
            self.parts.max_parts.min(len).max(1)
        };
        let size = len.div_ceil(parts).max(1);
        (0..parts)
            .map(|k| (k * size).min(len)..((k + 1) * size).min(len))
            .collect()
    }

    /// `work` on every range, in order: the first here and the others on threads of their
    /// own. A thread that cannot start (or fails) has its range done here instead.
    pub(super) fn in_parts<T: Send>(&self, ranges: &[Range<usize>], work: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
        let as_part = |range: Range<usize>| {
            let was = IN_PART.replace(true);
            let result = work(range);
            IN_PART.set(was);
            result
        };
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
                        .spawn_scoped(scope, || as_part(range.clone()))
                })
                .collect();
            let mut results = vec![as_part(first.clone())];
            for (handle, range) in handles.into_iter().zip(rest) {
                match handle.map_err(|_| ()).and_then(|h| h.join().map_err(|_| ())) {
                    Ok(result) => results.push(result),
                    Err(()) => results.push(as_part(range.clone())),
                }
            }
            results
        })
    }
}
