//! Workflows end to end: DAG compilation and its diagnostics, the executor against
//! fake connectors, real child processes and a real HTTP server, the run log (crashes
//! included), service-level objectives, and the `cpl` binary on the fraud-drift example.

// clippy.toml lets `#[test]` functions unwrap and panic; the helpers they share here
// (fixtures, fakes, a test server) deserve the same licence.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod cli;
mod compile;
#[cfg(unix)]
mod crash;
mod executor;
mod fakes;
mod helpers;
#[path = "../runtime/http_server.rs"]
mod http_server;
#[cfg(unix)]
mod real;
#[cfg(unix)]
mod secrets;
mod slo;
