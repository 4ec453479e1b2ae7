//! The wait between retries of a failed step: exponential, capped, never overflowing.

use crate::time::Duration;

/// The longest wait between two attempts, however many retries and whatever the base:
/// ten minutes.
pub fn max_delay() -> Duration {
    Duration::from_nanos(10 * 60 * 1_000_000_000)
}

/// The wait after failed attempt number `attempt` (1 for the first try) of a step
/// declared `backoff base`: `base × 2^(attempt − 1)`, at most [`max_delay`].
///
/// Attempt 0 is treated as 1; a negative base waits not at all. No jitter: a workflow's
/// retries are few and aimed at one service, and a predictable schedule is easier to
/// read in the run log.
pub fn delay(attempt: u32, base: Duration) -> Duration {
    delay_capped(attempt, base, max_delay())
}

/// [`delay`] with another cap.
pub fn delay_capped(attempt: u32, base: Duration, cap: Duration) -> Duration {
    if base.nanos() <= 0 || cap.nanos() <= 0 {
        return Duration::ZERO;
    }
    let exponent = attempt.saturating_sub(1);
    let factor = 1_i64.checked_shl(exponent).filter(|f| *f > 0);
    match factor.and_then(|f| base.checked_mul(f)) {
        Some(d) if d <= cap => d,
        _ => cap,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: i64) -> Duration {
        Duration::from_nanos(s * 1_000_000_000)
    }

    #[test]
    fn doubles_from_the_base() {
        assert_eq!(delay(1, secs(10)), secs(10));
        assert_eq!(delay(2, secs(10)), secs(20));
        assert_eq!(delay(3, secs(10)), secs(40));
        assert_eq!(delay(0, secs(10)), secs(10));
    }

    #[test]
    fn is_capped() {
        assert_eq!(delay(6, secs(10)), secs(320));
        assert_eq!(delay(7, secs(10)), max_delay());
        assert_eq!(delay(20, secs(10)), max_delay());
        assert_eq!(delay(1, secs(3600)), max_delay());
        assert_eq!(delay_capped(3, secs(1), secs(3)), secs(3));
    }

    #[test]
    fn never_overflows() {
        // 2^62 fits in i64 but times the base does not; 2^63 and beyond do not fit at all.
        for attempt in [62, 63, 64, 65, 100, u32::MAX] {
            assert_eq!(delay(attempt, secs(1)), max_delay(), "attempt {attempt}");
        }
        assert_eq!(delay(1, Duration::from_nanos(i64::MAX)), max_delay());
    }

    #[test]
    fn non_positive_base_waits_not_at_all() {
        assert_eq!(delay(3, Duration::ZERO), Duration::ZERO);
        assert_eq!(delay(3, secs(-5)), Duration::ZERO);
    }
}
