//! The workflow runtime's I/O half: connectors that call real services, the run log,
//! and service-level measures. The executor (in `eval`) decides what to call and when;
//! these modules do the calling and the recording, with plain `serde_json::Value`s in
//! and out, and know nothing of the checker or the evaluator.
//!
//! - [`connector`]: `http` and `exec` calls, with timeouts and clear failures.
//! - [`runlog`]: the SQLite run log of runs, step attempts and policy decisions.
//! - [`slo`]: success rates and duration percentiles over a window of runs.
//! - [`backoff`]: the wait between retries.
//! - [`cancel`]: stopping a run in progress (Ctrl-C), waking its waits.

pub mod backoff;
pub mod cancel;
pub mod connector;
pub mod executor;
pub mod objectives;
pub mod runlog;
pub mod slo;
