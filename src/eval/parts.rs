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

    /// `work` on every range, in order, on threads of their own (see
    /// [`crate::threads::in_order`]); a part does not cut loops of its own.
    pub(super) fn in_parts<T: Send>(&self, ranges: &[Range<usize>], work: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
        if ranges.len() <= 1 {
            return ranges.iter().map(|range| work(range.clone())).collect();
        }
        crate::threads::in_order(ranges, |range| {
            let was = IN_PART.replace(true);
            let result = work(range);
            IN_PART.set(was);
            result
        })
    }
}
