//! Long loops in chunks. A policy's `for` or a comprehension over a long list is cut
//! into consecutive chunks ([`crate::parallel`]), done on up to the environment's jobs
//! and joined in order, so what a loop computes never depends on how it was cut (the
//! tests cover every cut). Evaluation is pure and the environment is shared read-only;
//! the caches it fills (constants, regexes, list indexes) are safe to fill from any
//! thread. A chunk that fails, or a join that went over another number of items than
//! the list has, is an internal error: the loop's result is an error, never shorter.

use std::cell::Cell;
use std::ops::Range;

use super::EvalError;
use super::env::Env;
use crate::diagnostics::Code;
use crate::parallel::{ChunkFailed, CountMismatch};
use crate::source::Span;

thread_local! {
    /// Set while this thread evaluates a chunk: a chunk never cuts a loop of its own, so
    /// a nested loop does not start threads from threads.
    static IN_PART: Cell<bool> = const { Cell::new(false) };
}

/// Marks this thread as in a chunk until dropped, also when the chunk's work unwinds.
struct InPart(bool);

impl InPart {
    fn enter() -> InPart {
        InPart(IN_PART.replace(true))
    }
}

impl Drop for InPart {
    fn drop(&mut self) {
        IN_PART.set(self.0);
    }
}

impl Env<'_> {
    /// Consecutive ranges covering `len` items: one, unless the list is long enough to
    /// cut (see [`Env::with_chunking`]) and this is not already a chunk.
    pub(super) fn parts_of(&self, len: usize) -> Vec<Range<usize>> {
        if IN_PART.get() {
            return std::iter::once(0..len).collect();
        }
        self.chunking.ranges(len, self.jobs)
    }

    /// `work` on every range, results in order (see [`crate::parallel::run`]); a chunk
    /// does not cut loops of its own.
    pub(super) fn in_parts<T: Send>(
        &self,
        ranges: &[Range<usize>],
        work: impl Fn(Range<usize>) -> T + Sync,
    ) -> Result<Vec<T>, ChunkFailed> {
        if let [whole] = ranges {
            return Ok(vec![work(whole.clone())]);
        }
        crate::parallel::run(self.jobs, ranges, |range| {
            let _part = InPart::enter();
            work(range)
        })
    }
}

/// The internal error for a loop at `at` whose chunk `failed`.
pub(super) fn part_failed(failed: &ChunkFailed, at: Span) -> EvalError {
    internal(failed.message("the loop"), at)
}

/// The internal error for a loop at `at` whose chunks went over another number of items
/// than its list has.
pub(super) fn miscounted(mismatch: &CountMismatch, at: Span) -> EvalError {
    internal(mismatch.message("the loop"), at)
}

fn internal(message: String, at: Span) -> EvalError {
    EvalError::new(Code::InternalError, message, at).with_help(crate::parallel::INTERNAL_HELP)
}
