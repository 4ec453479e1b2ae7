//! The built-in functions at run time. Hashing and signatures use `sha2`,
//! `serde_json_canonicalizer` (RFC 8785) and `ed25519-dalek`, never hand-rolled code.

use std::cmp::Ordering;
use std::path::PathBuf;
use std::sync::Arc;

use sha2::Digest as _;

use super::env::Env;
use super::error::{EvalError, EvalResult};
use crate::diagnostics::Code;
use crate::ir::Value;
use crate::ir::{Builtin, Expr};
use crate::source::Span;
use crate::time::Duration;

/// Fields left out of an entity's digest: they hold the digest and its signature.
pub const DIGEST_EXCLUDED_FIELDS: &[&str] = &["checksum_sha256", "signature"];

impl Env<'_> {
    pub(super) fn builtin(
        &self,
        builtin: Builtin,
        args: Vec<Value>,
        arg_exprs: &[Expr],
        call: &Expr,
    ) -> EvalResult<Value> {
        use Builtin::*;
        let span = call.span;
        let at = |i: usize| arg_exprs.get(i).map(|e| e.span).unwrap_or(span);
        let mut args = args.into_iter();
        let mut next = || args.next().unwrap_or(Value::Null);
        let bad = |i: usize, value: &Value, wanted: &str| {
            EvalError::new(
                Code::InvalidArgumentValue,
                format!("`{}` needs {wanted}, found a {}", builtin.name(), value.kind_name()),
                at(i),
            )
        };
        Ok(match builtin {
            Len | Count => {
                let x = next();
                let n = match x.resolve_ref() {
                    Value::List(l) => l.items.len(),
                    Value::Map(m) => m.len(),
                    Value::Str(s) => s.chars().count(),
                    Value::Record(r) => r.fields.len(),
                    other => return Err(bad(0, other, "a list, a map or a string")),
                };
                Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
            }
            Sum => {
                let x = next();
                let items = self.list_arg(&x, 0, builtin, arg_exprs, span)?;
                let mut total = Value::Int(0);
                for item in items.items.iter() {
                    total = match (&total, item) {
                        (Value::Int(0), Value::Duration(_)) => item.clone(),
                        _ => super::ops::binary(crate::ir::BinaryOp::Add, &total, item, span)?,
                    };
                }
                total
            }
            Min | Max => {
                let first = next();
                let candidates: Vec<Value> = if arg_exprs.len() == 1 {
                    self.list_arg(&first, 0, builtin, arg_exprs, span)?.items.clone()
                } else {
                    std::iter::once(first).chain(args).collect()
                };
                let want = if builtin == Min {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
                let mut best: Option<Value> = None;
                for candidate in candidates {
                    best = Some(match best {
                        None => candidate,
                        Some(current) => match candidate.compare(&current) {
                            Some(o) if o == want => candidate,
                            Some(_) => current,
                            None => {
                                return Err(EvalError::new(
                                    Code::NotComparable,
                                    format!(
                                        "cannot compare a {} with a {}",
                                        candidate.kind_name(),
                                        current.kind_name()
                                    ),
                                    span,
                                ));
                            }
                        },
                    });
                }
                best.unwrap_or(Value::Null)
            }
            Abs => match next() {
                Value::Int(n) => Value::Int(
                    n.checked_abs()
                        .ok_or_else(|| EvalError::new(Code::Overflow, "arithmetic overflow", span))?,
                ),
                Value::Float(x) => Value::Float(x.abs()),
                Value::Duration(d) => Value::Duration(Duration::from_nanos(
                    d.nanos()
                        .checked_abs()
                        .ok_or_else(|| EvalError::new(Code::Overflow, "arithmetic overflow", span))?,
                )),
                other => return Err(bad(0, &other, "a number or a duration")),
            },
            Lower | Upper | Trim => {
                let s = self.string_arg(next(), 0, builtin, arg_exprs, span)?;
                Value::Str(Arc::from(match builtin {
                    Lower => s.to_lowercase(),
                    Upper => s.to_uppercase(),
                    _ => s.trim().to_string(),
                }))
            }
            Split => {
                let s = self.string_arg(next(), 0, builtin, arg_exprs, span)?;
                let sep = self.string_arg(next(), 1, builtin, arg_exprs, span)?;
                if sep.is_empty() {
                    return Err(EvalError::new(
                        Code::InvalidArgumentValue,
                        "cannot split on an empty separator",
                        at(1),
                    ));
                }
                Value::list(s.split(&*sep).map(Value::str).collect())
            }
            Join => {
                let xs = next();
                let items = self.list_arg(&xs, 0, builtin, arg_exprs, span)?;
                let sep = self.string_arg(next(), 1, builtin, arg_exprs, span)?;
                let parts: Vec<String> = items.items.iter().map(|v| v.to_string()).collect();
                Value::Str(Arc::from(parts.join(&sep)))
            }
            Contains => {
                let haystack = next();
                let needle = next();
                Value::Bool(super::ops::contains(&haystack, &needle, span)?)
            }
            StartsWith | EndsWith => {
                let s = self.string_arg(next(), 0, builtin, arg_exprs, span)?;
                let affix = self.string_arg(next(), 1, builtin, arg_exprs, span)?;
                Value::Bool(if builtin == StartsWith {
                    s.starts_with(&*affix)
                } else {
                    s.ends_with(&*affix)
                })
            }
            Matches => {
                let text = next();
                let pattern = next();
                self.matches(&text, &pattern, call)?
            }
            Keys => match next().resolve_ref() {
                Value::Map(m) => Value::list(m.keys().map(|k| Value::Str(k.clone())).collect()),
                Value::Record(r) => Value::list(r.shape.names().iter().map(|k| Value::Str(k.clone())).collect()),
                other => return Err(bad(0, other, "a map or a record")),
            },
            Values => match next().resolve_ref() {
                Value::Map(m) => Value::list(m.values().cloned().collect()),
                Value::Record(r) => Value::list(r.fields.to_vec()),
                other => return Err(bad(0, other, "a map")),
            },
            Satisfies => {
                let version = match next() {
                    Value::Version(v) => v,
                    Value::Str(s) => Arc::new(semver::Version::parse(&s).map_err(|e| {
                        EvalError::new(
                            Code::InvalidArgumentValue,
                            format!("`{s}` is not a version: {e}"),
                            at(0),
                        )
                    })?),
                    other => return Err(bad(0, &other, "a version")),
                };
                let requirement = self.string_arg(next(), 1, builtin, arg_exprs, span)?;
                let requirement = semver::VersionReq::parse(&requirement).map_err(|e| {
                    EvalError::new(
                        Code::InvalidArgumentValue,
                        format!("`{requirement}` is not a version requirement: {e}"),
                        at(1),
                    )
                })?;
                Value::Bool(requirement.matches(&version))
            }
            Now => Value::Timestamp(self.host.now()),
            Env => {
                let name = self.string_arg(next(), 0, builtin, arg_exprs, span)?;
                match self.host.env_var(&name) {
                    Some(value) => Value::str(&value),
                    None if arg_exprs.len() > 1 => next(),
                    None => {
                        return Err(EvalError::new(
                            Code::EnvMissing,
                            format!("environment variable `{name}` is not set"),
                            span,
                        )
                        .with_help(format!("set it, or give a default: `env(\"{name}\", \"…\")`")));
                    }
                }
            }
            Secret => {
                let name = self.string_arg(next(), 0, builtin, arg_exprs, span)?;
                match self.host.env_var(&name) {
                    // An empty secret is never a credential: a variable set to nothing is
                    // a mistake in the deployment, said as one rather than served.
                    Some(value) if value.is_empty() => {
                        return Err(EvalError::new(
                            Code::EnvMissing,
                            format!("secret `{name}` is set but empty"),
                            span,
                        )
                        .with_help(format!("give `{name}` the secret's value")));
                    }
                    Some(value) => Value::Secret(Arc::from(value)),
                    None => {
                        return Err(
                            EvalError::new(Code::EnvMissing, format!("secret `{name}` is not set"), span)
                                .with_help(format!("secrets are read from the environment: set `{name}`")),
                        );
                    }
                }
            }
            Sha256 => {
                let s = self.string_arg(next(), 0, builtin, arg_exprs, span)?;
                Value::Str(Arc::from(hex(&sha2::Sha256::digest(s.as_bytes()))))
            }
            FileSha256 => {
                let path = self.string_arg(next(), 0, builtin, arg_exprs, span)?;
                let full = self.project_path(&path, call.span, at(0))?;
                let bytes = self.host.read_file(&full).map_err(|problem| {
                    let error = EvalError::new(problem.code, problem.message, at(0));
                    match problem.help {
                        Some(help) => error.with_help(help),
                        None => error,
                    }
                })?;
                Value::Str(Arc::from(hex(&sha2::Sha256::digest(&bytes))))
            }
            Digest => {
                let entity = next();
                Value::Str(Arc::from(hex(&entity_digest(&entity, at(0))?)))
            }
            VerifySignature => {
                let entity = next();
                let key = self.string_arg(next(), 1, builtin, arg_exprs, span)?;
                Value::Bool(verify_entity_signature(&entity, &key, at(0), at(1))?)
            }
            ToString => super::convert::to_string(next(), at(0))?,
            ToInt => super::convert::to_int(next(), at(0))?,
            ToFloat => super::convert::to_float(next(), at(0))?,
        })
    }

    fn string_arg(&self, value: Value, i: usize, builtin: Builtin, args: &[Expr], span: Span) -> EvalResult<Arc<str>> {
        match value {
            Value::Str(s) => Ok(s),
            other => Err(EvalError::new(
                Code::InvalidArgumentValue,
                format!("`{}` needs a string, found a {}", builtin.name(), other.kind_name()),
                args.get(i).map(|e| e.span).unwrap_or(span),
            )),
        }
    }

    fn list_arg(
        &self,
        value: &Value,
        i: usize,
        builtin: Builtin,
        args: &[Expr],
        span: Span,
    ) -> EvalResult<Arc<crate::ir::List>> {
        match value.resolve_ref() {
            Value::List(items) => Ok(items.clone()),
            other => Err(EvalError::new(
                Code::InvalidArgumentValue,
                format!("`{}` needs a list, found a {}", builtin.name(), other.kind_name()),
                args.get(i).map(|e| e.span).unwrap_or(span),
            )),
        }
    }

    /// A path written in a `.cp` file, relative to that file's directory, as a path
    /// relative to the project root. It may not leave the project.
    fn project_path(&self, path: &str, call: Span, at: Span) -> EvalResult<PathBuf> {
        let dir = std::path::Path::new(self.sources.name(call.file))
            .parent()
            .map(PathBuf::from)
            .unwrap_or_default();
        let mut out = PathBuf::new();
        for component in dir.join(path).components() {
            match component {
                std::path::Component::Normal(c) => out.push(c),
                std::path::Component::CurDir => {}
                std::path::Component::ParentDir if out.pop() => {}
                _ => {
                    return Err(
                        EvalError::new(Code::PathEscapesRoot, format!("`{path}` is outside the project"), at)
                            .with_help(
                                "paths are relative to the file they are written in and stay inside the project",
                            ),
                    );
                }
            }
        }
        Ok(out)
    }
}

/// SHA-256 of an entity's canonical JSON (RFC 8785), without its digest and signature.
pub fn entity_digest(entity: &Value, span: Span) -> EvalResult<Vec<u8>> {
    let mut json = entity.resolve_ref().to_json(true);
    match &mut json {
        serde_json::Value::Object(map) => {
            for field in DIGEST_EXCLUDED_FIELDS {
                map.remove(*field);
            }
        }
        _ => {
            return Err(EvalError::new(
                Code::InvalidArgumentValue,
                format!("`digest` needs a record, found a {}", entity.kind_name()),
                span,
            ));
        }
    }
    let canonical = serde_json_canonicalizer::to_vec(&json).map_err(|e| {
        EvalError::new(
            Code::InvalidArgumentValue,
            format!("cannot canonicalize the entity: {e}"),
            span,
        )
    })?;
    Ok(sha2::Sha256::digest(&canonical).to_vec())
}

/// Checks the entity's `signature` field: an Ed25519 signature (hex) over its digest.
fn verify_entity_signature(entity: &Value, key: &str, entity_span: Span, key_span: Span) -> EvalResult<bool> {
    use ed25519_dalek::pkcs8::DecodePublicKey;
    let key_error = |why: String| {
        EvalError::new(
            Code::InvalidArgumentValue,
            format!("invalid public key: {why}"),
            key_span,
        )
        .with_help("give an Ed25519 public key in PEM (`-----BEGIN PUBLIC KEY-----`) or as 64 hex digits")
    };
    let verifying_key = if key.trim_start().starts_with("-----BEGIN") {
        ed25519_dalek::VerifyingKey::from_public_key_pem(key.trim()).map_err(|e| key_error(e.to_string()))?
    } else {
        let bytes = unhex(key.trim()).ok_or_else(|| key_error("not hex".to_string()))?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| key_error("not 32 bytes".to_string()))?;
        ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|e| key_error(e.to_string()))?
    };
    let signature_text = match entity.resolve_ref() {
        Value::Record(r) => r.get("signature").cloned(),
        Value::Map(m) => m.get("signature").cloned(),
        _ => None,
    };
    let Some(Value::Str(signature_text)) = signature_text else {
        return Ok(false);
    };
    let Some(signature_bytes) = unhex(signature_text.trim()) else {
        return Ok(false);
    };
    let Ok(signature_bytes) = <[u8; 64]>::try_from(signature_bytes) else {
        return Ok(false);
    };
    let signature = ed25519_dalek::Signature::from_bytes(&signature_bytes);
    let digest = entity_digest(entity, entity_span)?;
    Ok(verifying_key.verify_strict(&digest, &signature).is_ok())
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| text.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect()
}
