//! Tests of the workflow runtime's I/O: the SQLite run log, real HTTP calls against a
//! local server, and real child processes.

// clippy.toml lets `#[test]` functions unwrap and panic; the helpers they share here
// (a test server, fixtures) deserve the same licence.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[cfg(unix)]
mod exec;
mod http;
mod http_server;
mod runlog;
