//! TEMPORARY: replaced by the flags branch at merge
//!
//! The facade's flag API as the flags branch provides it, answering `FLAG_NOT_FOUND` for
//! every key so that the server can be built and tested before flags are evaluated.

use std::sync::Arc;

use super::Session;
use crate::eval::flags::{ErrorCode, Evaluation, FlagError, Reason};

/// A flag as the server lists it.
pub struct FlagInfo {
    pub key: Arc<str>,
    pub name: Arc<str>,
    pub ty: crate::ir::Type,
}

impl Session {
    /// Every flag, in declaration order.
    pub fn flags(&self) -> Vec<FlagInfo> {
        Vec::new()
    }

    /// Evaluates the flag `key` in `context`.
    pub fn evaluate_flag(&self, key: &str, _context: &serde_json::Value) -> Evaluation {
        Evaluation {
            key: Arc::from(key),
            value: None,
            variant: None,
            reason: Reason::Error,
            error: Some(FlagError {
                code: ErrorCode::FlagNotFound,
                message: format!("no flag has the key `{key}`"),
            }),
        }
    }
}
