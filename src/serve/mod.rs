//! `cpl serve`: the HTTP API of the brief and the OpenFeature Remote Evaluation Protocol,
//! a thin shell over the [`crate::session`] facade, as the CLI is. One open project is
//! shared read-only by every request; each answer names the project version that gave it.
//!
//! The module owns the runtime (with the worker count its caller gives), the routes, the
//! bearer-token check, the metrics, the request log and graceful shutdown.

mod api;
mod auth;
mod decisions;
mod http;
mod log;
mod metrics;
mod ofrep;
mod reload;
mod state;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};

pub use auth::Tokens;
pub use decisions::{DecisionLog, DecisionWriter};
pub use reload::{Reload, Reopen};
pub use state::Loaded;

use crate::session::Session;

/// How the server runs.
#[derive(Clone, Debug)]
pub struct Options {
    pub addr: SocketAddr,
    /// Bearer tokens every request but `/health` must carry; `None`: no authentication.
    pub tokens: Option<Tokens>,
    /// Worker threads of the runtime, and at most as many evaluations at once.
    pub jobs: usize,
    /// The longest a request may take before it is answered 503.
    pub timeout: Duration,
    /// The largest request body read, in bytes (larger: 413).
    pub body_limit: usize,
    /// Watch the project and swap in each change that checks cleanly; `None`: serve the
    /// project as it was opened.
    pub reload: Option<Reload>,
    /// Where every served decision is appended.
    pub decisions: DecisionLog,
}

/// Why the server could not start or stopped in error.
#[derive(Debug)]
pub struct ServeError(pub String);

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Serves `session` until SIGTERM or SIGINT; requests in flight then finish. The bound
/// address is logged first (a JSON line with `"event":"listening"`), so that a caller
/// that asked for port 0 learns the port.
pub fn serve(session: Session, options: Options) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.jobs.max(1))
        .max_blocking_threads(options.jobs.max(1))
        .thread_stack_size(crate::STACK_SIZE)
        .enable_all()
        .build()
        .map_err(|e| ServeError(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(run(session, options))
}

async fn run(session: Session, options: Options) -> Result<(), ServeError> {
    let loaded = Loaded::new(session);
    let listener = tokio::net::TcpListener::bind(options.addr)
        .await
        .map_err(|e| ServeError(format!("cannot listen on {}: {e}", options.addr)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| ServeError(format!("cannot read the bound address: {e}")))?;
    let reload = options.reload.clone();
    let authenticated = options.tokens.is_some();
    let state = Arc::new(state::State::new(loaded, options));
    // Watching before the server says it listens: no change after that line is missed.
    let watching = reload.map(|reload| reload::watch(state.clone(), reload)).transpose()?;
    log::listening(addr, &state.current(), authenticated, watching.is_some());
    let app = router(state);
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| ServeError(format!("the server stopped: {e}")));
    drop(watching);
    served?;
    log::stopped();
    Ok(())
}

/// Every route, behind the request log, the timeout and the token check (in that order,
/// outermost first).
fn router(state: Arc<state::State>) -> Router {
    Router::new()
        .route("/health", get(api::health))
        .route("/metrics", get(api::metrics))
        .route("/v1/policies/{name}", post(api::policy))
        .route("/v1/gates/{name}", post(api::gate))
        .route("/v1/config/{name}", get(api::config))
        .route("/ofrep/v1/evaluate/flags/{key}", post(ofrep::evaluate))
        .route("/ofrep/v1/evaluate/flags", post(ofrep::evaluate_all))
        .route("/ofrep/v1/configuration", get(ofrep::configuration))
        .fallback(http::not_found)
        .method_not_allowed_fallback(http::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::require_token))
        .layer(axum::middleware::from_fn_with_state(state.clone(), http::deadline))
        .layer(axum::middleware::from_fn_with_state(state.clone(), log::observe))
        .with_state(state)
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    log::stopping();
}
