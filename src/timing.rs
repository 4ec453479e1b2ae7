//! Stage timings for performance work: with `CPL_TIMINGS=1`, each stage of a run prints
//! how long it took to stderr. Off by default, and free when off.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("CPL_TIMINGS").is_some_and(|v| !v.is_empty() && v != "0"))
}

/// Times one stage; `next` ends it and starts the following one.
pub struct Timer {
    stage: &'static str,
    started: Option<Instant>,
}

impl Timer {
    pub fn start(stage: &'static str) -> Timer {
        Timer {
            stage,
            started: enabled().then(Instant::now),
        }
    }

    pub fn next(self, stage: &'static str) -> Timer {
        self.stop();
        Timer::start(stage)
    }

    pub fn stop(self) {
        if let Some(started) = self.started {
            eprintln!(
                "cpl: {:<12} {:>9.3} ms",
                self.stage,
                started.elapsed().as_secs_f64() * 1e3
            );
        }
    }
}
