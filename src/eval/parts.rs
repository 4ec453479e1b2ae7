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
    from_diagnostic(failed.diagnostic("the loop"), at)
}

/// The internal error for a loop at `at` whose chunks went over another number of items
/// than its list has.
pub(super) fn miscounted(mismatch: &CountMismatch, at: Span) -> EvalError {
    from_diagnostic(mismatch.diagnostic("the loop"), at)
}

fn from_diagnostic(diagnostic: crate::diagnostics::Diagnostic, at: Span) -> EvalError {
    EvalError {
        code: diagnostic.code,
        message: diagnostic.message,
        span: at,
        help: diagnostic.help,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use std::num::NonZeroUsize;

    use super::*;
    use crate::diagnostics::Code;
    use crate::eval::{FixedHost, Outcome};
    use crate::ir::Value;
    use crate::parallel::{Chunking, Jobs};
    use crate::source::{FileKind, SourceMap};

    /// A `for` and a comprehension over the same list.
    const POLICY: &str = "policy p(xs: [int]) {\n  let ys = [x for x in xs]\n  for x in xs\n  deny when x < 0\n  deny when len(ys) != len(xs)\n}\n\npolicy q(xs: [int]) {\n  for x in xs\n  deny when x < 0\n}\n";

    /// The outcome and error codes of policy `policy` over `0..10` cut in chunks of three
    /// on two threads, with chunk `fail` failing if given.
    fn decide(policy: u32, fail: Option<usize>) -> (Outcome, bool, Vec<Code>) {
        let mut sources = SourceMap::new();
        let file = sources.add("p.cp", None, FileKind::Cpl, POLICY);
        let parsed = crate::syntax::parse_file(file, POLICY);
        let options = crate::check::CheckOptions {
            now: jiff::Timestamp::UNIX_EPOCH,
            jobs: Jobs::ONE,
        };
        let (checked, _) = crate::check::check_with(&[parsed.module], &sources, &options, None);
        assert!(!checked.diagnostics.has_errors(), "{:?}", checked.diagnostics);
        let host = FixedHost::default();
        let env = Env::new(&checked.program, &sources, &[], &host)
            .with_jobs(Jobs::new(2).unwrap())
            .with_chunking(Chunking::every(NonZeroUsize::new(3).unwrap()));
        let args = [("xs".into(), Value::list((0..10).map(Value::Int).collect()))];
        let decide = || env.decide(crate::ir::PolicyId(policy), &args);
        let decision = match fail {
            Some(chunk) => crate::parallel::failing_chunk(chunk, decide),
            None => decide(),
        };
        let codes = decision.errors.iter().map(|f| f.error.code).collect();
        (decision.outcome, decision.allowed(), codes)
    }

    #[test]
    fn a_loop_with_a_chunk_that_fails_is_an_internal_error_and_not_allowed() {
        assert_eq!(decide(0, None), (Outcome::Allow, true, vec![]));
        for policy in [0, 1] {
            for chunk in 0..4 {
                let (outcome, allowed, codes) = decide(policy, Some(chunk));
                assert_eq!(outcome, Outcome::Indeterminate, "{policy} {chunk}");
                assert!(!allowed);
                assert_eq!(codes, vec![Code::InternalError]);
            }
        }
    }
}
