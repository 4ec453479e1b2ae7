//! The workflow runtime's I/O half: connectors that call real services, the run log,
//! and service-level measures. The executor (in `eval`) decides what to call and when;
//! these modules do the calling and the recording, with plain `serde_json::Value`s in
//! and out, and know nothing of the checker or the evaluator.
//!
//! - [`connector`]: `http` and `exec` calls, with timeouts and clear failures.
//! - [`runlog`]: the SQLite run log of runs, step attempts and policy decisions.
//! - [`slo`]: success rates and duration percentiles over a window of runs.
//! - [`backoff`]: the wait between retries.

pub mod backoff;
pub mod connector;
pub mod runlog;
pub mod slo;
