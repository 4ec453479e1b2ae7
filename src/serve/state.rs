//! What every request shares: the loaded project (behind a lock that a reload swaps, so
//! that a request keeps the version it started with), the options and the metrics.

use std::sync::{Arc, RwLock};

use super::Options;
use super::metrics::Metrics;
use crate::session::Session;

/// One loaded version of the project.
pub struct Loaded {
    pub session: Session,
    /// The content digest of the project's files ([`Session::version`]).
    pub version: String,
}

impl Loaded {
    pub fn new(session: Session) -> Loaded {
        let version = session.version();
        Loaded { session, version }
    }
}

/// The server's shared state.
pub struct State {
    current: RwLock<Arc<Loaded>>,
    pub options: Options,
    pub metrics: Metrics,
}

impl State {
    pub fn new(loaded: Loaded, options: Options) -> State {
        State {
            current: RwLock::new(Arc::new(loaded)),
            options,
            metrics: Metrics::default(),
        }
    }

    /// The version serving now; a request holds it to its end, whatever is swapped in.
    pub fn current(&self) -> Arc<Loaded> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Swaps in a new version atomically (a reload).
    pub fn replace(&self, loaded: Loaded) {
        let next = Arc::new(loaded);
        match self.current.write() {
            Ok(mut guard) => *guard = next,
            Err(poisoned) => *poisoned.into_inner() = next,
        }
    }
}

/// The session is shared by every request's thread.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<Loaded>();
};
