//! Explanations: when a rule fires, the values of its condition's sub-expressions
//! (`a.owner` = `""`) and, for comparisons, what would make it pass. Computed only for
//! rules that fired, so the cost is paid by violations, not by every evaluation.

use super::decision::Explained;
use super::env::Env;
use super::expr::Frame;
use crate::ir::{BinaryOp, Quantifier, RuleKind, UnaryOp};
use crate::ir::{Expr, ExprKind, RuleDef};
use crate::ir::{Value, format_float};

/// At most this many sub-expressions are shown per violation.
const MAX_EXPLAINED: usize = 8;
/// Rendered values are cut to this many characters.
const MAX_VALUE_CHARS: usize = 120;

impl Env<'_> {
    pub(super) fn explain(&self, rule: &RuleDef, frame: &mut Frame) -> (Vec<Explained>, Option<String>) {
        let mut nodes = Vec::new();
        collect(&rule.condition, &mut nodes, 0);
        let mut explained: Vec<Explained> = Vec::new();
        for node in nodes {
            if explained.len() >= MAX_EXPLAINED {
                break;
            }
            let text = self.sources.slice(node.span).trim().to_string();
            if text.is_empty() || explained.iter().any(|e| e.expr == text) {
                continue;
            }
            let Ok(value) = self.eval(node, frame) else {
                continue;
            };
            // A whole record (the loop variable, say) says less than its fields do.
            if matches!(node.kind, ExprKind::Local(_) | ExprKind::Global(_))
                && matches!(value.resolve_ref(), Value::Record(_) | Value::Map(_))
            {
                continue;
            }
            let value = render(&value);
            if value == text {
                continue;
            }
            explained.push(Explained { expr: text, value });
        }
        // A rule fires when its condition is true (`deny`, `warn`) or false (`require`);
        // it passes when the condition takes the other value.
        let pass_when = rule.kind == RuleKind::Require;
        let hint = self
            .hint(&rule.condition, pass_when, frame, 0)
            .map(|h| format!("would pass if {h}"));
        (explained, hint)
    }

    /// What must hold for `e` to evaluate to `want`.
    fn hint(&self, e: &Expr, want: bool, frame: &mut Frame, depth: u32) -> Option<String> {
        if depth > 4 {
            return None;
        }
        let text = |x: &Expr| format!("`{}`", self.sources.slice(x.span).trim());
        match &e.kind {
            ExprKind::Binary { op, lhs, rhs } => match op {
                BinaryOp::And | BinaryOp::Or => {
                    let l = self.hint(lhs, want, frame, depth + 1)?;
                    let r = self.hint(rhs, want, frame, depth + 1)?;
                    // not (a and b) = not a or not b; a and b = a and b.
                    let joiner = match (op, want) {
                        (BinaryOp::And, true) | (BinaryOp::Or, false) => "and",
                        _ => "or",
                    };
                    Some(format!("{l} {joiner} {r}"))
                }
                op if op.is_comparison() => {
                    let op = if want { *op } else { negate(*op) };
                    let target = self.operand(rhs, frame);
                    Some(format!("{} {} {target}", text(lhs), op.symbol()))
                }
                BinaryOp::In | BinaryOp::NotIn => {
                    let is_in = (*op == BinaryOp::In) == want;
                    Some(format!(
                        "{} were {}in {}",
                        text(lhs),
                        if is_in { "" } else { "not " },
                        text(rhs)
                    ))
                }
                _ => None,
            },
            ExprKind::Unary {
                op: UnaryOp::Not,
                operand,
            } => self.hint(operand, !want, frame, depth + 1),
            ExprKind::Quantifier { kind, collection, .. } => {
                let phrase = match (kind, want) {
                    (Quantifier::Any, true) => "some element of",
                    (Quantifier::Any, false) => "no element of",
                    (Quantifier::All, true) => "every element of",
                    (Quantifier::All, false) => "not every element of",
                };
                Some(format!("{phrase} {} matched", text(collection)))
            }
            ExprKind::Field { .. } | ExprKind::Local(_) | ExprKind::Builtin { .. } | ExprKind::CallFn { .. } => {
                Some(format!("{} were {want}", text(e)))
            }
            _ => None,
        }
    }

    /// The right side of a comparison in a hint: literals as written, expressions with
    /// their value.
    fn operand(&self, e: &Expr, frame: &mut Frame) -> String {
        let text = self.sources.slice(e.span).trim().to_string();
        if matches!(e.kind, ExprKind::Const(_)) {
            return format!("`{text}`");
        }
        match self.eval(e, frame) {
            Ok(v) => format!("`{text}` ({})", render(&v)),
            Err(_) => format!("`{text}`"),
        }
    }
}

/// Sub-expressions worth showing, outermost first. The base of a field access is not
/// shown on its own (`a.owner` says more than the whole of `a`).
fn collect<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>, depth: u32) {
    if depth > 16 {
        return;
    }
    match &e.kind {
        ExprKind::Field { .. } | ExprKind::Local(_) | ExprKind::Global(_) | ExprKind::StepOutput { .. } => out.push(e),
        ExprKind::Index { index, .. } => {
            out.push(e);
            collect(index, out, depth + 1);
        }
        ExprKind::Builtin { args, .. } => {
            out.push(e);
            for arg in args {
                collect(arg, out, depth + 1);
            }
        }
        ExprKind::CallFn { args, .. } => {
            out.push(e);
            for arg in args.iter().flatten() {
                collect(arg, out, depth + 1);
            }
        }
        // A quantifier's truth is what fired the rule; its collection says more.
        ExprKind::Quantifier { collection, .. } => collect(collection, out, depth + 1),
        ExprKind::Comprehension { .. } => out.push(e),
        ExprKind::Binary { op, lhs, rhs } => {
            if matches!(
                op,
                BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem | BinaryOp::Coalesce
            ) {
                out.push(e);
            }
            collect(lhs, out, depth + 1);
            collect(rhs, out, depth + 1);
        }
        ExprKind::Unary { operand, .. } | ExprKind::Cast { value: operand, .. } | ExprKind::ToFloat(operand) => {
            collect(operand, out, depth + 1)
        }
        ExprKind::If { condition, .. } => collect(condition, out, depth + 1),
        _ => {}
    }
}

fn negate(op: BinaryOp) -> BinaryOp {
    match op {
        BinaryOp::Eq => BinaryOp::Ne,
        BinaryOp::Ne => BinaryOp::Eq,
        BinaryOp::Lt => BinaryOp::Ge,
        BinaryOp::Le => BinaryOp::Gt,
        BinaryOp::Gt => BinaryOp::Le,
        BinaryOp::Ge => BinaryOp::Lt,
        other => other,
    }
}

/// A value as shown in explanations: strings quoted, so an empty one is visible; long
/// values cut short. The cost is bounded by the cut, not by the value: a list of 100 000
/// elements renders its first few.
pub fn render(value: &Value) -> String {
    let mut out = String::new();
    write_bounded(value, &mut out);
    if out.chars().count() > MAX_VALUE_CHARS {
        let cut: String = out.chars().take(MAX_VALUE_CHARS).collect();
        format!("{cut}…")
    } else {
        out
    }
}

fn write_bounded(value: &Value, out: &mut String) {
    if out.len() > MAX_VALUE_CHARS {
        return;
    }
    match value {
        Value::Str(s) => out.push_str(&format!("{:?}", &**s)),
        Value::Float(x) => out.push_str(&format_float(*x)),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.items.iter().enumerate() {
                if out.len() > MAX_VALUE_CHARS {
                    out.push_str(&format!("… ({} in all)", items.items.len()));
                    break;
                }
                if i > 0 {
                    out.push_str(", ");
                }
                write_bounded(item, out);
            }
            out.push(']');
        }
        Value::Map(map) => write_bounded_entries(map.iter(), out),
        Value::Record(record) => write_bounded_entries(record.entries(), out),
        Value::Ref(slot) => out.push_str(&format!("{:?}", slot.written())),
        other => out.push_str(&other.to_string()),
    }
}

/// `{k: v, …}` of a map or a record, cut off like a list once `out` is long enough.
fn write_bounded_entries<'v, K: std::fmt::Display>(entries: impl Iterator<Item = (K, &'v Value)>, out: &mut String) {
    out.push('{');
    for (i, (k, v)) in entries.enumerate() {
        if out.len() > MAX_VALUE_CHARS {
            out.push('…');
            break;
        }
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&format!("{k}: "));
        write_bounded(v, out);
    }
    out.push('}');
}
