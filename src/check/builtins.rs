//! Typing of the built-in functions. Each built-in has a fixed shape; a wrong call is a
//! check error, never a run-time surprise.

use super::Checker;
use super::assign::assignable;
use super::expr::{plural, typed};
use super::scope::Frame;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::Type;
use crate::ir::Value;
use crate::ir::{self, Builtin, ExprKind};
use crate::source::Span;
use crate::syntax::ast;

impl<'a> Checker<'a> {
    pub(super) fn builtin_call(
        &mut self,
        builtin: Builtin,
        name: &ast::Ident,
        args: &[ast::Arg],
        frame: &mut Frame,
        span: Span,
    ) -> ir::Expr {
        for arg in args {
            if let Some(arg_name) = &arg.name {
                self.report(
                    Diagnostic::new(
                        Code::UnknownArgument,
                        format!("`{}` takes its arguments by position", name.name),
                    )
                    .at(arg_name.span, "named argument")
                    .with_help(format!("write `{}({})`", name.name, signature(builtin))),
                );
            }
        }
        let (min, max) = arity(builtin);
        if args.len() < min || args.len() > max {
            let expected = if min == max {
                format!("{min} argument{}", plural(min))
            } else if max == usize::MAX {
                format!("at least {min} argument{}", plural(min))
            } else {
                format!("{min} to {max} arguments")
            };
            self.report(
                Diagnostic::new(
                    Code::ArgumentCount,
                    format!("`{}` takes {expected}, got {}", name.name, args.len()),
                )
                .at(span, "in this call")
                .with_help(format!("`{}({})`", name.name, signature(builtin))),
            );
            for arg in args {
                self.infer(&arg.value, frame, None);
            }
            return ir::Expr::error(span);
        }
        let values: Vec<&ast::Expr> = args.iter().map(|a| &a.value).collect();
        let (args, ty) = self.builtin_types(builtin, &values, frame, span);
        typed(ExprKind::Builtin { builtin, args }, ty, span)
    }

    fn builtin_types(
        &mut self,
        builtin: Builtin,
        args: &[&ast::Expr],
        frame: &mut Frame,
        span: Span,
    ) -> (Vec<ir::Expr>, Type) {
        use Builtin::*;
        let mut out = Vec::new();
        let mut arg = |this: &mut Self, i: usize, expected: Option<&Type>| -> ir::Expr {
            match (args.get(i), expected) {
                (Some(a), Some(t)) => this.check_expr(a, frame, t),
                (Some(a), None) => this.infer(a, frame, None),
                (None, _) => ir::Expr::error(span),
            }
        };
        let ty = match builtin {
            Len | Count => {
                let x = arg(self, 0, None);
                self.expect_kind(&x, builtin, |t| {
                    matches!(t, Type::List(_) | Type::Map(_) | Type::Json)
                        || (builtin == Len && matches!(t, Type::String | Type::Enum(_)))
                });
                out.push(x);
                Type::Int
            }
            Sum => {
                let x = arg(self, 0, None);
                let ty = match x.ty.element() {
                    Some(Type::Int) => Type::Int,
                    Some(Type::Float) => Type::Float,
                    Some(Type::Duration) => Type::Duration,
                    Some(Type::Unknown) => Type::Int,
                    _ if x.ty.is_unconstrained() => Type::Error,
                    _ if matches!(x.ty, Type::Json) => Type::Json,
                    _ => {
                        self.wrong_argument(&x, builtin, "a list of numbers or durations");
                        Type::Error
                    }
                };
                out.push(x);
                ty
            }
            Min | Max => {
                if args.len() == 1 {
                    let x = arg(self, 0, None);
                    let ty = match x.ty.element() {
                        Some(e) if orderable(e) => Type::optional(e.clone()),
                        _ if x.ty.is_unconstrained() => Type::Error,
                        _ if matches!(x.ty, Type::Json) => Type::Json,
                        _ => {
                            self.wrong_argument(
                                &x,
                                builtin,
                                "a list of numbers, strings, durations, timestamps or versions",
                            );
                            Type::Error
                        }
                    };
                    out.push(x);
                    ty
                } else {
                    let first = arg(self, 0, None);
                    let mut ty = first.ty.clone();
                    if !orderable(&ty) && !ty.is_unconstrained() {
                        self.wrong_argument(&first, builtin, "values that can be ordered");
                        ty = Type::Error;
                    }
                    out.push(first);
                    for i in 1..args.len() {
                        let next = arg(self, i, Some(&ty.clone()));
                        if matches!(next.ty, Type::Float) {
                            ty = Type::Float;
                        }
                        out.push(next);
                    }
                    ty
                }
            }
            Abs => {
                let x = arg(self, 0, None);
                let ty = match &x.ty {
                    Type::Int | Type::Float | Type::Duration | Type::Json | Type::Error => x.ty.clone(),
                    _ => {
                        self.wrong_argument(&x, builtin, "a number or a duration");
                        Type::Error
                    }
                };
                out.push(x);
                ty
            }
            Lower | Upper | Trim | Sha256 => {
                out.push(arg(self, 0, Some(&Type::String)));
                Type::String
            }
            FileSha256 => {
                out.push(arg(self, 0, Some(&Type::String)));
                Type::String
            }
            Split => {
                out.push(arg(self, 0, Some(&Type::String)));
                out.push(arg(self, 1, Some(&Type::String)));
                Type::list(Type::String)
            }
            Join => {
                let xs = arg(self, 0, None);
                match xs.ty.element() {
                    Some(Type::List(_) | Type::Record(_) | Type::Map(_)) => {
                        self.wrong_argument(&xs, builtin, "a list of strings or other plain values")
                    }
                    Some(_) => {}
                    None if xs.ty.is_unconstrained() || matches!(xs.ty, Type::Json) => {}
                    None => self.wrong_argument(&xs, builtin, "a list"),
                }
                out.push(xs);
                out.push(arg(self, 1, Some(&Type::String)));
                Type::String
            }
            Contains => {
                let haystack = arg(self, 0, None);
                let needle = match haystack.ty.strip_optional().clone() {
                    Type::String | Type::Enum(_) => arg(self, 1, Some(&Type::String)),
                    Type::List(element) => arg(self, 1, Some(&element)),
                    Type::Map(_) => arg(self, 1, Some(&Type::String)),
                    Type::Json | Type::Error | Type::Unknown => arg(self, 1, None),
                    _ => {
                        self.wrong_argument(&haystack, builtin, "a string, a list or a map");
                        arg(self, 1, None)
                    }
                };
                out.push(haystack);
                out.push(needle);
                Type::Bool
            }
            StartsWith | EndsWith => {
                out.push(arg(self, 0, Some(&Type::String)));
                out.push(arg(self, 1, Some(&Type::String)));
                Type::Bool
            }
            Matches => {
                out.push(arg(self, 0, Some(&Type::String)));
                let pattern = arg(self, 1, Some(&Type::String));
                if let ExprKind::Const(Value::Str(p)) = &pattern.kind
                    && let Err(problem) = crate::pattern::compile_pattern(p)
                {
                    self.report(
                        Diagnostic::new(Code::InvalidRegex, "invalid regular expression")
                            .at(pattern.span, problem)
                            .with_help("patterns use Rust's `regex` syntax"),
                    );
                }
                out.push(pattern);
                Type::Bool
            }
            Keys => {
                let x = arg(self, 0, None);
                self.expect_kind(&x, builtin, |t| {
                    matches!(
                        t,
                        Type::Map(_) | Type::Record(_) | Type::Entity(_) | Type::Ref(_) | Type::Json
                    )
                });
                out.push(x);
                Type::list(Type::String)
            }
            Values => {
                let x = arg(self, 0, None);
                let ty = match &x.ty {
                    Type::Map(v) => Type::list((**v).clone()),
                    // A record's fields differ in type: their values are data.
                    Type::Json | Type::Record(_) | Type::Entity(_) | Type::Ref(_) => Type::list(Type::Json),
                    t if t.is_unconstrained() => Type::Error,
                    _ => {
                        self.wrong_argument(&x, builtin, "a map or a record");
                        Type::Error
                    }
                };
                out.push(x);
                ty
            }
            Satisfies => {
                out.push(arg(self, 0, Some(&Type::Version)));
                let requirement = arg(self, 1, Some(&Type::String));
                if let ExprKind::Const(Value::Str(req)) = &requirement.kind
                    && let Err(e) = semver::VersionReq::parse(req)
                {
                    self.report(
                        Diagnostic::new(
                            Code::InvalidVersion,
                            format!("`{req}` is not a valid version requirement"),
                        )
                        .at(requirement.span, e.to_string())
                        .with_help("requirements follow Cargo's rules: `^1.2`, `>=1.0, <2.0`, `~1.4.2`"),
                    );
                }
                out.push(requirement);
                Type::Bool
            }
            Now => Type::Timestamp,
            Env => {
                out.push(arg(self, 0, Some(&Type::String)));
                if args.len() > 1 {
                    out.push(arg(self, 1, Some(&Type::String)));
                }
                Type::String
            }
            Secret => {
                out.push(arg(self, 0, Some(&Type::String)));
                Type::Secret
            }
            Digest => {
                let x = arg(self, 0, None);
                self.expect_kind(&x, builtin, |t| {
                    matches!(
                        t,
                        Type::Record(_) | Type::Entity(_) | Type::Ref(_) | Type::Json | Type::Map(_)
                    )
                });
                out.push(x);
                Type::String
            }
            VerifySignature => {
                let x = arg(self, 0, None);
                self.expect_kind(&x, builtin, |t| {
                    matches!(
                        t,
                        Type::Record(_) | Type::Entity(_) | Type::Ref(_) | Type::Json | Type::Map(_)
                    )
                });
                out.push(x);
                out.push(arg(self, 1, Some(&Type::String)));
                Type::Bool
            }
            ToString | ToInt | ToFloat => {
                let x = arg(self, 0, None);
                match &x.ty {
                    t if t.is_unconstrained() || converts(builtin, t) => {}
                    Type::Optional(inner) if converts(builtin, inner) => self.maybe_null_argument(&x, builtin),
                    _ => self.wrong_argument(&x, builtin, conversion_sources(builtin)),
                }
                out.push(x);
                match builtin {
                    ToInt => Type::Int,
                    ToFloat => Type::Float,
                    _ => Type::String,
                }
            }
        };
        (out, ty)
    }

    fn expect_kind(&mut self, x: &ir::Expr, builtin: Builtin, ok: impl Fn(&Type) -> bool) {
        if x.ty.is_unconstrained() || ok(&x.ty) {
            return;
        }
        let what = match builtin {
            Builtin::Len => "a list, a map or a string",
            Builtin::Count => "a list or a map",
            Builtin::Keys => "a map or a record",
            _ => "a record or `json` data",
        };
        self.wrong_argument(x, builtin, what);
    }

    /// A conversion of a value that may be null: null has no string or number form.
    fn maybe_null_argument(&mut self, x: &ir::Expr, builtin: Builtin) {
        let text = super::expr::shorten(self.source_text(x.span));
        let shown = self.display(&x.ty);
        self.report(
            Diagnostic::new(Code::MaybeNull, format!("`{text}` may be null"))
                .at(x.span, format!("this is `{shown}`"))
                .with_help(format!("give a default first: `{}({text} ?? …)`", builtin.name())),
        );
    }

    fn wrong_argument(&mut self, x: &ir::Expr, builtin: Builtin, wanted: &str) {
        if x.ty.is_unconstrained() {
            return;
        }
        let shown = self.display(&x.ty);
        let mut d = Diagnostic::new(
            Code::TypeMismatch,
            format!("`{}` needs {wanted}, found `{shown}`", builtin.name()),
        )
        .at(x.span, format!("this is `{shown}`"))
        .with_help(format!("`{}({})`", builtin.name(), signature(builtin)));
        if let Type::Optional(inner) = &x.ty
            && assignable(&self.program, inner, &Type::list(Type::Unknown))
        {
            d = d.with_note("the value may be null: give a default with `?? []`");
        }
        self.report(d);
    }
}

/// Whether a conversion built-in takes a value of type `t`. `json` is checked when the
/// call runs; an optional value must be given a default first, and a secret is never
/// turned into a string.
pub(super) fn converts(builtin: Builtin, t: &Type) -> bool {
    match builtin {
        Builtin::ToString => matches!(
            t,
            Type::Bool
                | Type::Int
                | Type::Float
                | Type::String
                | Type::Enum(_)
                | Type::Duration
                | Type::Timestamp
                | Type::Version
                | Type::Json
        ),
        Builtin::ToInt => matches!(t, Type::Int | Type::Float | Type::String | Type::Json),
        Builtin::ToFloat => matches!(t, Type::Int | Type::Float | Type::String | Type::Json),
        _ => false,
    }
}

fn conversion_sources(builtin: Builtin) -> &'static str {
    match builtin {
        Builtin::ToInt => "a number or a string of digits",
        Builtin::ToFloat => "a number or a string that holds one",
        _ => "a plain value (a bool, number, string, duration, timestamp or version)",
    }
}

fn orderable(t: &Type) -> bool {
    matches!(
        t,
        Type::Int
            | Type::Float
            | Type::String
            | Type::Enum(_)
            | Type::Duration
            | Type::Timestamp
            | Type::Version
            | Type::Json
    )
}

fn arity(builtin: Builtin) -> (usize, usize) {
    use Builtin::*;
    match builtin {
        Now => (0, 0),
        Len | Count | Sum | Abs | Lower | Upper | Trim | Keys | Values | Secret | Sha256 | FileSha256 | Digest
        | ToString | ToInt | ToFloat => (1, 1),
        Split | Join | Contains | StartsWith | EndsWith | Matches | Satisfies | VerifySignature => (2, 2),
        Env => (1, 2),
        Min | Max => (1, usize::MAX),
    }
}

/// The parameters of a built-in, as shown in help.
pub fn signature(builtin: Builtin) -> &'static str {
    use Builtin::*;
    match builtin {
        Len => "xs",
        Count => "xs",
        Sum => "numbers",
        Min | Max => "xs or a, b, …",
        Abs => "x",
        Lower | Upper | Trim => "s",
        Split => "s, separator",
        Join => "xs, separator",
        Contains => "haystack, needle",
        StartsWith => "s, prefix",
        EndsWith => "s, suffix",
        Matches => "s, pattern",
        Keys | Values => "map",
        Satisfies => "version, requirement",
        Now => "",
        Env => "name, default?",
        Secret => "name",
        Sha256 => "s",
        FileSha256 => "path",
        Digest => "entity",
        VerifySignature => "entity, public_key",
        ToString | ToInt | ToFloat => "x",
    }
}
