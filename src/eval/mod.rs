//! Evaluation of the typed IR: expressions, policies, decisions, waivers and gates.
//!
//! **Invariant:** the evaluator never sees an unchecked AST, and does no I/O of its
//! own: the clock, the environment and files come through [`Host`].

mod builtins;
mod cast;
pub mod config;
mod convert;
mod decision;
mod env;
mod error;
mod explain;
mod expr;
pub mod flags;
mod gate;
mod ops;
mod parts;
mod policy;
mod waivers;

pub use builtins::{DIGEST_EXCLUDED_FIELDS, entity_digest, hex};
pub use decision::{Decision, Explained, Failure, Outcome, Violation};
pub use env::{Env, FixedHost, Host, LOOP_CHUNKING};
pub use error::{EvalError, EvalResult};
pub use explain::render;
pub use expr::{Frame, conforms, new_frame};
pub use gate::{GateResult, PolicyResult, Verdict};
pub use waivers::{
    Expired, Waived, apply_waivers, decision_expiry_diagnostics, expired_waiver_diagnostics, has_expired, in_force,
};
