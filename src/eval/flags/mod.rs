//! Feature flags at run time: the bucketing that `rollout` and `split` share with flagd,
//! what one evaluation gives, and the evaluation itself.

pub mod bucket;
mod evaluate;
mod outcome;

pub use evaluate::{Resolved, RuleFailure, not_found, served_default};
pub use outcome::{ErrorCode, Evaluation, FlagError, Reason};
