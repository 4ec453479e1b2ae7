//! One runner for work in parts: a project's files, a long JSON list of records, a long
//! `for` or comprehension. The work is cut into chunks before any of it starts (the cut
//! depends only on the input, the [`Chunking`] and the [`Jobs`], never on timing), the
//! chunks are done on at most `jobs` threads, and their results come back in chunk
//! order. The library runs on one thread unless its caller passes a budget: only the
//! shells ask the system how many cores there are.

use std::num::NonZeroUsize;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many threads a piece of work may use, the caller's own included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Jobs(NonZeroUsize);

impl Jobs {
    /// Everything on the caller's thread: the library's default.
    pub const ONE: Jobs = Jobs(NonZeroUsize::MIN);

    /// `n` threads; `None` for zero.
    pub fn new(n: usize) -> Option<Jobs> {
        NonZeroUsize::new(n).map(Jobs)
    }

    pub fn get(self) -> usize {
        self.0.get()
    }
}

impl Default for Jobs {
    fn default() -> Jobs {
        Jobs::ONE
    }
}

impl From<NonZeroUsize> for Jobs {
    fn from(n: NonZeroUsize) -> Jobs {
        Jobs(n)
    }
}

impl std::fmt::Display for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// How a list of items is cut into chunks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chunking {
    /// A list shorter than this is one chunk: a thread would cost more than it saves.
    pub min_items: usize,
    /// Items per chunk; `None`: one chunk per job, of about equal size.
    pub items: Option<NonZeroUsize>,
}

impl Chunking {
    /// Every list is one chunk.
    pub const WHOLE: Chunking = Chunking {
        min_items: usize::MAX,
        items: None,
    };

    /// From `min_items` on, one chunk per job.
    pub const fn per_job_from(min_items: usize) -> Chunking {
        Chunking { min_items, items: None }
    }

    /// Every list, however short, in chunks of `items` (the last one shorter): for tests
    /// that cover every cut.
    pub const fn every(items: NonZeroUsize) -> Chunking {
        Chunking {
            min_items: 0,
            items: Some(items),
        }
    }

    /// Whether a list can be more than one chunk with `jobs`.
    pub fn can_cut(&self, jobs: Jobs) -> bool {
        self.items.is_some() || (jobs.get() > 1 && self.min_items < usize::MAX)
    }

    /// Whether `len` items are cut at all; then into [`Chunking::items`] each, or one
    /// chunk per job.
    pub fn cuts(&self, len: usize, jobs: Jobs) -> bool {
        len > 1 && len >= self.min_items && self.can_cut(jobs)
    }

    /// The chunks of `len` items, in order, covering `0..len` (one chunk when it is not
    /// cut, also for no items).
    pub fn ranges(&self, len: usize, jobs: Jobs) -> Vec<Range<usize>> {
        if !self.cuts(len, jobs) {
            return std::iter::once(0..len).collect();
        }
        let size = match self.items {
            Some(items) => items.get(),
            None => len.div_ceil(jobs.get().min(len)),
        };
        (0..len)
            .step_by(size.max(1))
            .map(|start| start..(start + size).min(len))
            .collect()
    }
}

/// A chunk that was not done: its work stopped on a bug in cpl.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkFailed {
    /// The chunk's place in the order, and the items it covers.
    pub chunk: usize,
    pub range: Range<usize>,
}

impl ChunkFailed {
    /// What went wrong, for the internal error (`E0509`) that `what` (the work, e.g.
    /// "reading the list") could not be done whole.
    pub fn message(&self, what: &str) -> String {
        format!(
            "internal error: {what} stopped in part {} (items {} to {})",
            self.chunk + 1,
            self.range.start,
            self.range.end
        )
    }
}

/// The parts' outputs, merged, hold another number of items than the scan found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountMismatch {
    pub scanned: usize,
    pub merged: usize,
}

impl CountMismatch {
    /// What went wrong, for the internal error (`E0509`) of `what`.
    pub fn message(&self, what: &str) -> String {
        format!(
            "internal error: {what} found {} items but its parts gave {}",
            self.scanned, self.merged
        )
    }
}

/// The help of the internal errors of work in parts.
pub const INTERNAL_HELP: &str = "this is a bug in cpl; please report it, with `--jobs 1` as a workaround meanwhile";

/// Checks that the parts' outputs, merged, hold as many items as the scan found.
pub fn check_count(scanned: usize, merged: usize) -> Result<(), CountMismatch> {
    if scanned == merged {
        Ok(())
    } else {
        Err(CountMismatch { scanned, merged })
    }
}

/// `work` on every chunk, on at most `jobs` threads (this one included, the others with
/// cpl's deep stack), the results in chunk order. This thread does the first chunk, and
/// each thread then takes the next chunk not yet taken, so a slow chunk or a slow thread
/// does not leave the others idle; which thread does a chunk changes nothing in its
/// result. A chunk whose work panics is reported, the first in
/// chunk order, never left out; a thread that cannot start leaves its chunks to the
/// others.
pub fn run<T: Send>(
    jobs: Jobs,
    chunks: &[Range<usize>],
    work: impl Fn(Range<usize>) -> T + Sync,
) -> Result<Vec<T>, ChunkFailed> {
    let threads = jobs.get().min(chunks.len());
    // The first chunk is the caller's: its thread allocates fastest (see `cli::main`),
    // and the first chunk is the one given room for everything.
    let next = AtomicUsize::new(1);
    let fail = injected_failure();
    let take = |first: Option<usize>| {
        let mut done = Vec::new();
        let mut first = first;
        loop {
            let index = first.take().unwrap_or_else(|| next.fetch_add(1, Ordering::Relaxed));
            let Some(range) = chunks.get(index) else {
                return done;
            };
            let result = catch_unwind(AssertUnwindSafe(|| {
                if fail == Some(index) {
                    std::panic::resume_unwind(Box::new("an injected failure"));
                }
                work(range.clone())
            }));
            done.push((index, result.ok()));
        }
    };
    let mut slots: Vec<Option<T>> = chunks.iter().map(|_| None).collect();
    let mut place = |done: Vec<(usize, Option<T>)>| {
        for (index, result) in done {
            if let Some(slot) = slots.get_mut(index) {
                *slot = result;
            }
        }
    };
    if threads <= 1 {
        place(take(Some(0)));
    } else {
        std::thread::scope(|scope| {
            let take = &take;
            let handles: Vec<_> = (1..threads)
                .filter_map(|_| {
                    std::thread::Builder::new()
                        .stack_size(crate::STACK_SIZE)
                        .spawn_scoped(scope, move || take(None))
                        .ok()
                })
                .collect();
            place(take(Some(0)));
            for handle in handles {
                // A thread that died outside a chunk's work left its chunks unfilled:
                // they are reported below.
                if let Ok(done) = handle.join() {
                    place(done);
                }
            }
        });
    }
    slots
        .into_iter()
        .zip(chunks)
        .enumerate()
        .map(|(chunk, (slot, range))| {
            slot.ok_or_else(|| ChunkFailed {
                chunk,
                range: range.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
thread_local! {
    /// The chunk that [`run`], called on this thread, makes fail as if its work had
    /// panicked: the failure paths of the runner's callers are tested with it.
    static FAIL_CHUNK: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

#[cfg(test)]
fn injected_failure() -> Option<usize> {
    FAIL_CHUNK.get()
}

#[cfg(not(test))]
fn injected_failure() -> Option<usize> {
    None
}

/// Runs `f` with chunk `chunk` of every [`run`] called on this thread failing.
#[cfg(test)]
pub(crate) fn failing_chunk<R>(chunk: usize, f: impl FnOnce() -> R) -> R {
    let was = FAIL_CHUNK.replace(Some(chunk));
    let result = f();
    FAIL_CHUNK.set(was);
    result
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

    use super::*;

    fn jobs(n: usize) -> Jobs {
        Jobs::new(n).unwrap()
    }

    #[test]
    fn every_cut_covers_every_item_once_in_order() {
        for len in 0..40 {
            for n in 1..=41 {
                let plans = [
                    Chunking::per_job_from(0),
                    Chunking::every(NonZeroUsize::new(n).unwrap()),
                ];
                for plan in plans {
                    let ranges = plan.ranges(len, jobs(n));
                    let covered: Vec<usize> = ranges.iter().flat_map(Clone::clone).collect();
                    assert_eq!(covered, (0..len).collect::<Vec<_>>(), "{len} {n} {plan:?}");
                    assert!(ranges.len() == 1 || ranges.iter().all(|r| !r.is_empty()));
                    if plan.items.is_none() {
                        assert!(ranges.len() <= n, "{len} {n}: {ranges:?}");
                    }
                }
            }
        }
        assert_eq!(Chunking::WHOLE.ranges(10, jobs(4)), vec![0..10]);
        assert_eq!(Chunking::per_job_from(0).ranges(10, Jobs::ONE), vec![0..10]);
        assert_eq!(Chunking::per_job_from(11).ranges(10, jobs(4)), vec![0..10]);
        assert_eq!(
            Chunking::per_job_from(0).ranges(10, jobs(4)),
            vec![0..3, 3..6, 6..9, 9..10]
        );
        let threes = Chunking::every(NonZeroUsize::new(3).unwrap());
        assert_eq!(threes.ranges(7, Jobs::ONE), vec![0..3, 3..6, 6..7]);
    }

    #[test]
    fn results_come_back_in_chunk_order_whatever_the_jobs() {
        let items: Vec<u64> = (0..100).collect();
        for n in 1..=12 {
            let chunks = Chunking::every(NonZeroUsize::new(n).unwrap()).ranges(items.len(), jobs(n));
            let sums = run(jobs(n), &chunks, |range| items[range].to_vec()).unwrap();
            assert_eq!(sums.concat(), items, "{n}");
        }
        assert_eq!(run(jobs(3), &[], |range: Range<usize>| range.len()), Ok(vec![]));
    }

    #[test]
    fn a_chunk_that_panics_is_reported_never_left_out() {
        for n in 1..=4 {
            let chunks = [0..2, 2..4, 4..6, 6..8];
            let result = run(jobs(n), &chunks, |range| {
                if range.start == 4 {
                    panic!("a bug");
                }
                range.len()
            });
            assert_eq!(result, Err(ChunkFailed { chunk: 2, range: 4..6 }), "{n}");
        }
        let failed = failing_chunk(1, || run(jobs(2), &[0..1, 1..2], |range| range.len()));
        assert_eq!(failed, Err(ChunkFailed { chunk: 1, range: 1..2 }));
        let message = failed.unwrap_err().message("reading the list");
        assert!(message.contains("part 2"), "{message}");
    }

    #[test]
    fn a_merge_with_another_count_than_the_scan_is_an_internal_error() {
        assert_eq!(check_count(3, 3), Ok(()));
        let mismatch = check_count(3, 2).unwrap_err();
        assert_eq!(mismatch, CountMismatch { scanned: 3, merged: 2 });
        assert!(
            mismatch
                .message("reading the list")
                .contains("3 items but its parts gave 2")
        );
    }

    #[test]
    fn jobs_are_never_zero() {
        assert_eq!(Jobs::new(0), None);
        assert_eq!(Jobs::default(), Jobs::ONE);
        assert_eq!(jobs(4).get(), 4);
    }
}
