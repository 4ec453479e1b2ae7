//! Ctrl-C and `SIGTERM` while a workflow runs. The first signal cancels the run: the
//! executor kills the programs it started (they run in their own process groups, so
//! the terminal's signal does not reach them), records what became of every step and
//! ends the run as `failed`. A second signal ends cpl at once, as usual.

use crate::runtime::cancel::Cancel;

/// Keeps the handlers installed; dropping it removes the cancelling one.
pub struct Guard {
    #[cfg(unix)]
    handle: Option<signal_hook::iterator::Handle>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(handle) = &self.handle {
            handle.close();
        }
    }
}

/// Cancels `cancel` on the first `SIGINT` or `SIGTERM` (with reason `interrupted` or
/// `terminated`); exits with status 130 on the second. Where signals cannot be
/// watched, the run simply cannot be cancelled.
#[cfg(unix)]
pub fn watch(cancel: Cancel) -> Guard {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::flag;
    use signal_hook::iterator::Signals;

    let seen = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        // Order matters: the exit is armed by the flag that the first signal sets.
        let _ = flag::register_conditional_shutdown(signal, 130, Arc::clone(&seen));
        let _ = flag::register(signal, Arc::clone(&seen));
    }
    let Ok(mut signals) = Signals::new([SIGINT, SIGTERM]) else {
        return Guard { handle: None };
    };
    let handle = signals.handle();
    let spawned = std::thread::Builder::new().name("signals".to_owned()).spawn(move || {
        if let Some(signal) = signals.forever().next() {
            cancel.cancel(if signal == SIGTERM { "terminated" } else { "interrupted" });
        }
    });
    Guard {
        handle: spawned.ok().map(|_| handle),
    }
}

#[cfg(not(unix))]
pub fn watch(_cancel: Cancel) -> Guard {
    Guard {}
}
