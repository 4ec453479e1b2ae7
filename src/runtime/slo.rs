//! Service-level measures over the runs of a window, as `slo` objectives name them:
//! `runs`, `success_rate`, `failure_rate`, `p50_duration`, `p95_duration`,
//! `p99_duration`. Pure functions over what [`super::runlog::RunLog::window_stats`]
//! returns.
//!
//! Percentiles use the **nearest-rank** method: the p-th percentile of `n` durations
//! sorted ascending is the one at 1-based rank `⌈p × n / 100⌉`. It is always a duration
//! that some run really took (no interpolation), and p100 is the maximum. Runs still
//! marked `running` are not measured: they have no outcome or duration yet.

use crate::runtime::runlog::RunStatus;
use crate::time::Duration;

/// The names an objective may measure.
pub const METRICS: &[&str] = &[
    "runs",
    "success_rate",
    "failure_rate",
    "p50_duration",
    "p95_duration",
    "p99_duration",
];

/// The measures of one window. Rates and percentiles are `None` when no run finished
/// in it: "no data" is not "0% success".
#[derive(Clone, Debug, PartialEq)]
pub struct SloStats {
    /// Finished runs in the window.
    pub runs: usize,
    pub succeeded: usize,
    pub failed: usize,
    /// `succeeded / runs`, in 0..=1.
    pub success_rate: Option<f64>,
    /// `failed / runs`, in 0..=1.
    pub failure_rate: Option<f64>,
    pub p50_duration: Option<Duration>,
    pub p95_duration: Option<Duration>,
    pub p99_duration: Option<Duration>,
}

/// One measure's value, by kind.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Metric {
    Count(usize),
    /// A fraction in 0..=1; `None` without runs.
    Rate(Option<f64>),
    /// `None` without runs.
    Duration(Option<Duration>),
}

impl SloStats {
    /// The measure an objective names, e.g. `p95_duration`; `None` for an unknown name.
    pub fn metric(&self, name: &str) -> Option<Metric> {
        Some(match name {
            "runs" => Metric::Count(self.runs),
            "success_rate" => Metric::Rate(self.success_rate),
            "failure_rate" => Metric::Rate(self.failure_rate),
            "p50_duration" => Metric::Duration(self.p50_duration),
            "p95_duration" => Metric::Duration(self.p95_duration),
            "p99_duration" => Metric::Duration(self.p99_duration),
            _ => return None,
        })
    }
}

/// Measures the finished runs among `runs` (status and duration in milliseconds).
pub fn measure(runs: &[(RunStatus, u64)]) -> SloStats {
    let mut durations: Vec<u64> = Vec::with_capacity(runs.len());
    let (mut succeeded, mut failed) = (0_usize, 0_usize);
    for (status, duration_ms) in runs {
        match status {
            RunStatus::Succeeded => succeeded += 1,
            RunStatus::Failed => failed += 1,
            RunStatus::Running => continue,
        }
        durations.push(*duration_ms);
    }
    durations.sort_unstable();
    let total = durations.len();
    let rate = |count: usize| (total > 0).then(|| count as f64 / total as f64);
    let pct = |p: u32| percentile(&durations, p).map(millis_to_duration);
    SloStats {
        runs: total,
        succeeded,
        failed,
        success_rate: rate(succeeded),
        failure_rate: rate(failed),
        p50_duration: pct(50),
        p95_duration: pct(95),
        p99_duration: pct(99),
    }
}

/// The nearest-rank `percent`-th percentile of `sorted` (ascending): the value at
/// 1-based rank `⌈percent × n / 100⌉`, clamped to `1..=n`. `None` when empty.
pub fn percentile(sorted: &[u64], percent: u32) -> Option<u64> {
    let n = u64::try_from(sorted.len()).ok()?;
    if n == 0 {
        return None;
    }
    let rank = u64::from(percent).saturating_mul(n).saturating_add(99) / 100;
    let rank = rank.clamp(1, n);
    let index = usize::try_from(rank - 1).ok()?;
    sorted.get(index).copied()
}

fn millis_to_duration(ms: u64) -> Duration {
    i64::try_from(ms)
        .ok()
        .and_then(Duration::from_millis)
        .unwrap_or(Duration::from_nanos(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use RunStatus::{Failed, Running, Succeeded};

    fn ms(n: i64) -> Option<Duration> {
        Duration::from_millis(n)
    }

    #[test]
    fn no_runs_means_no_rates_and_no_percentiles() {
        let stats = measure(&[]);
        assert_eq!(stats.runs, 0);
        assert_eq!(stats.success_rate, None);
        assert_eq!(stats.failure_rate, None);
        assert_eq!(stats.p50_duration, None);
        assert_eq!(stats.p99_duration, None);
        assert_eq!(stats.metric("runs"), Some(Metric::Count(0)));
        assert_eq!(stats.metric("success_rate"), Some(Metric::Rate(None)));
    }

    #[test]
    fn one_run_is_every_percentile() {
        let stats = measure(&[(Failed, 1234)]);
        assert_eq!(stats.runs, 1);
        assert_eq!(stats.success_rate, Some(0.0));
        assert_eq!(stats.failure_rate, Some(1.0));
        assert_eq!(stats.p50_duration, ms(1234));
        assert_eq!(stats.p95_duration, ms(1234));
        assert_eq!(stats.p99_duration, ms(1234));
    }

    #[test]
    fn rates_count_only_finished_runs() {
        let runs = [(Succeeded, 10), (Succeeded, 20), (Failed, 30), (Running, 0)];
        let stats = measure(&runs);
        assert_eq!((stats.runs, stats.succeeded, stats.failed), (3, 2, 1));
        assert_eq!(stats.success_rate, Some(2.0 / 3.0));
        assert_eq!(stats.failure_rate, Some(1.0 / 3.0));
    }

    #[test]
    fn nearest_rank_on_one_to_a_hundred() {
        // Shuffled input: 1..=100 ms, so the p-th percentile is p ms.
        let runs: Vec<_> = (1..=100).rev().map(|d| (Succeeded, d)).collect();
        let stats = measure(&runs);
        assert_eq!(stats.p50_duration, ms(50));
        assert_eq!(stats.p95_duration, ms(95));
        assert_eq!(stats.p99_duration, ms(99));
        assert_eq!(stats.success_rate, Some(1.0));
    }

    #[test]
    fn nearest_rank_on_small_samples() {
        // The classic example: 15, 20, 35, 40, 50.
        let sorted = [15, 20, 35, 40, 50];
        assert_eq!(percentile(&sorted, 5), Some(15));
        assert_eq!(percentile(&sorted, 30), Some(20));
        assert_eq!(percentile(&sorted, 40), Some(20));
        assert_eq!(percentile(&sorted, 50), Some(35));
        assert_eq!(percentile(&sorted, 100), Some(50));
        assert_eq!(percentile(&sorted, 0), Some(15));
        assert_eq!(percentile(&sorted, 1000), Some(50));
        assert_eq!(percentile(&[], 50), None);
        // Ten runs: p95 and p99 are both the slowest, p50 the fifth.
        let ten: Vec<u64> = (1..=10).map(|x| x * 100).collect();
        assert_eq!(percentile(&ten, 50), Some(500));
        assert_eq!(percentile(&ten, 95), Some(1000));
        assert_eq!(percentile(&ten, 99), Some(1000));
        assert_eq!(percentile(&ten, 90), Some(900));
    }

    #[test]
    fn metric_names_are_all_known() {
        let stats = measure(&[(Succeeded, 5)]);
        for name in METRICS {
            assert!(stats.metric(name).is_some(), "{name}");
        }
        assert_eq!(stats.metric("p95_duration"), Some(Metric::Duration(ms(5))));
        assert_eq!(stats.metric("latency"), None);
    }

    #[test]
    fn huge_durations_saturate() {
        let stats = measure(&[(Succeeded, u64::MAX)]);
        assert_eq!(stats.p50_duration, Some(Duration::from_nanos(i64::MAX)));
    }
}
