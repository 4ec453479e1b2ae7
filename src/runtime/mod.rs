//! The workflow runtime. Its I/O half calls real services and programs, keeps the run
//! log and measures runs, with plain `serde_json::Value`s and records in and out,
//! knowing nothing of the checker or the evaluator:
//!
//! - [`connector`]: `http` and `exec` calls, with timeouts and clear failures.
//! - [`runlog`]: the SQLite run log of runs, step attempts and policy decisions.
//! - [`slo`]: success rates and duration percentiles over a window of runs.
//! - [`backoff`]: the wait between retries.
//! - [`cancel`]: stopping a run in progress (Ctrl-C), waking its waits.
//!
//! On top of it, joining it to the pure stages (`eval` does no I/O of its own):
//!
//! - [`executor`]: runs a compiled workflow: order, concurrency, skips, retries,
//!   timeouts, typed replies, decisions, redaction, records.
//! - [`objectives`]: `slo` items measured against the run log.

pub mod backoff;
pub mod cancel;
pub mod connector;
pub mod executor;
pub mod objectives;
pub mod runlog;
pub mod slo;
