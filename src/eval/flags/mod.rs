//! Feature flags at run time: a flag's rules evaluated in a context (bucketing through
//! [`crate::bucket`], flagd's), and what one evaluation gives.

mod evaluate;
mod outcome;

pub use evaluate::{Resolved, RuleFailure, not_found, served_default};
pub use outcome::{ErrorCode, Evaluation, FlagError, Reason};
