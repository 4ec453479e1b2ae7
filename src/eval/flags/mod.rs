//! Feature flags at run time: the bucketing that `rollout` and `split` share with flagd,
//! and what one evaluation gives.

pub mod bucket;
mod outcome;

pub use outcome::{ErrorCode, Evaluation, FlagError, Reason};
