//! Cancellation of a run in progress: set once (Ctrl-C, a deadline, a failed run log),
//! seen by every step. Waits that should end early ([`Cancel::sleep`]) wake at once.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A shared flag with a wake-up: clones see the same state.
#[derive(Clone, Debug, Default)]
pub struct Cancel {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    reason: Mutex<Option<String>>,
    wake: Condvar,
}

impl Cancel {
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Cancels, with a reason for messages (`interrupted`); the first reason stays.
    pub fn cancel(&self, reason: impl Into<String>) {
        let mut slot = self.inner.reason.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(reason.into());
        }
        self.inner.wake.notify_all();
    }

    pub fn is_cancelled(&self) -> bool {
        self.reason().is_some()
    }

    /// Why it was cancelled, once it was.
    pub fn reason(&self) -> Option<String> {
        self.inner.reason.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Sleeps for `duration` unless cancelled first; returns whether the whole time passed.
    pub fn sleep(&self, duration: Duration) -> bool {
        let until = Instant::now() + duration;
        let mut slot = self.inner.reason.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if slot.is_some() {
                return false;
            }
            let now = Instant::now();
            if now >= until {
                return true;
            }
            slot = match self.inner.wake.wait_timeout(slot, until - now) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancelled_sleep_wakes_at_once() {
        let cancel = Cancel::new();
        let other = cancel.clone();
        let started = Instant::now();
        let handle = std::thread::spawn(move || other.sleep(Duration::from_secs(30)));
        std::thread::sleep(Duration::from_millis(50));
        cancel.cancel("interrupted");
        cancel.cancel("second reason is ignored");
        assert!(!handle.join().unwrap());
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(cancel.reason().as_deref(), Some("interrupted"));
    }

    #[test]
    fn an_uncancelled_sleep_takes_its_time() {
        let cancel = Cancel::new();
        let started = Instant::now();
        assert!(cancel.sleep(Duration::from_millis(30)));
        assert!(started.elapsed() >= Duration::from_millis(30));
    }
}
