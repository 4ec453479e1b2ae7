//! What one evaluation of a flag gives: OpenFeature's resolution details. A value is
//! always paired with the reason it was chosen; an evaluation that went wrong says so
//! with an error code, and never passes a value off as a success.

use std::sync::Arc;

use crate::ir::Value;

/// Why a flag has the value it has (OpenFeature's standard reasons).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The flag has no rules: its default is its only value.
    Static,
    /// A `when` rule or a `rollout` matched.
    TargetingMatch,
    /// A `split` chose the variant.
    Split,
    /// No rule matched: the default.
    Default,
    /// `enabled false`: the default, whatever the rules say.
    Disabled,
    /// The evaluation failed; the default is served with an [`ErrorCode`].
    Error,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Static => "STATIC",
            Reason::TargetingMatch => "TARGETING_MATCH",
            Reason::Split => "SPLIT",
            Reason::Default => "DEFAULT",
            Reason::Disabled => "DISABLED",
            Reason::Error => "ERROR",
        }
    }
}

/// Why an evaluation failed (OpenFeature's and OFREP's error codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// No flag has this key.
    FlagNotFound,
    /// The context could not be read (not a JSON object, or not of the context's type).
    ParseError,
    /// A value is not of the type the flag or the caller expects.
    TypeMismatch,
    /// The context lacks what a rule buckets or targets by.
    TargetingKeyMissing,
    /// The context does not fit the project's `context` declaration.
    InvalidContext,
    /// Anything else (an evaluation error in a rule).
    General,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::FlagNotFound => "FLAG_NOT_FOUND",
            ErrorCode::ParseError => "PARSE_ERROR",
            ErrorCode::TypeMismatch => "TYPE_MISMATCH",
            ErrorCode::TargetingKeyMissing => "TARGETING_KEY_MISSING",
            ErrorCode::InvalidContext => "INVALID_CONTEXT",
            ErrorCode::General => "GENERAL",
        }
    }
}

/// A failed evaluation's code and what went wrong, in words.
#[derive(Clone, Debug, PartialEq)]
pub struct FlagError {
    pub code: ErrorCode,
    pub message: String,
}

/// One evaluation of one flag.
#[derive(Clone, Debug)]
pub struct Evaluation {
    /// The flag's external key (its name, or its `key "…"`).
    pub key: Arc<str>,
    /// The value served: the rule's, or the default (also on error). `None` only when
    /// there is no flag to take a default from ([`ErrorCode::FlagNotFound`]).
    pub value: Option<Value>,
    /// The variant's name, where the value came from a named variant (`split` arms,
    /// `"on"`/`"off"` for booleans, or the value's text); `None` with no value.
    pub variant: Option<Arc<str>>,
    pub reason: Reason,
    pub error: Option<FlagError>,
}
