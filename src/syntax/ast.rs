//! The spanned abstract syntax tree: what a `.cp` file says, before names are resolved.
//! Every node carries the [`Span`] it came from. pest types never appear here.

pub use crate::ir::{BinaryOp, Quantifier, RuleKind, UnaryOp};
use std::sync::Arc;

use crate::source::{FileId, Span};

/// An interned-by-sharing name.
pub type Name = Arc<str>;

#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: Name,
    pub span: Span,
}

/// One parsed file. Items that failed to parse are absent; their names (when the
/// parser could read them) are listed so later stages do not report them as unknown.
#[derive(Clone, Debug)]
pub struct Module {
    pub file: FileId,
    pub items: Vec<Item>,
    pub broken_items: Vec<Ident>,
}

#[derive(Clone, Debug)]
pub struct Item {
    pub name: Ident,
    pub kind: ItemKind,
    pub span: Span,
    pub docs: Option<String>,
}

#[derive(Clone, Debug)]
pub enum ItemKind {
    Entity(EntityDecl),
    Type(TypeExpr),
    Source(SourceDecl),
    Const(ConstDecl),
    Fn(FnDecl),
    Policy(PolicyDecl),
    Gate(GateDecl),
    Waiver(Vec<Setting>),
    Connector(ConnectorDecl),
    Workflow(WorkflowDecl),
    Context(Vec<Field>),
    Flag(FlagDecl),
    Environments(Vec<Ident>),
    Config(ConfigDecl),
    Slo(Vec<Setting>),
    Test(Vec<TestStmt>),
}

impl ItemKind {
    /// The keyword that introduces the item, as users write it.
    pub fn keyword(&self) -> &'static str {
        match self {
            ItemKind::Entity(_) => "entity",
            ItemKind::Type(_) => "type",
            ItemKind::Source(_) => "source",
            ItemKind::Const(_) => "const",
            ItemKind::Fn(_) => "fn",
            ItemKind::Policy(_) => "policy",
            ItemKind::Gate(_) => "gate",
            ItemKind::Waiver(_) => "waiver",
            ItemKind::Connector(_) => "connector",
            ItemKind::Workflow(_) => "workflow",
            ItemKind::Context(_) => "context",
            ItemKind::Flag(_) => "flag",
            ItemKind::Environments(_) => "environments",
            ItemKind::Config(_) => "config",
            ItemKind::Slo(_) => "slo",
            ItemKind::Test(_) => "test",
        }
    }

    /// The kind of item in words, with its article: "an entity", "a function".
    pub fn described(&self) -> &'static str {
        match self {
            ItemKind::Entity(_) => "an entity",
            ItemKind::Type(_) => "a type",
            ItemKind::Source(_) => "a source",
            ItemKind::Const(_) => "a constant",
            ItemKind::Fn(_) => "a function",
            ItemKind::Policy(_) => "a policy",
            ItemKind::Gate(_) => "a gate",
            ItemKind::Waiver(_) => "a waiver",
            ItemKind::Connector(_) => "a connector",
            ItemKind::Workflow(_) => "a workflow",
            ItemKind::Context(_) => "the context",
            ItemKind::Flag(_) => "a flag",
            ItemKind::Environments(_) => "the environments",
            ItemKind::Config(_) => "a config",
            ItemKind::Slo(_) => "an objective",
            ItemKind::Test(_) => "a test",
        }
    }
}

#[derive(Clone, Debug)]
pub struct EntityDecl {
    pub fields: Vec<Field>,
    /// The span of `...`: data may hold fields the schema does not declare.
    pub open: Option<Span>,
}

/// `key name: T = default where constraint`, in entities, record types, the context
/// and configs.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: Ident,
    /// The span of the `key` marker, when the field is the entity's key.
    pub key: Option<Span>,
    pub ty: TypeExpr,
    pub default: Option<Expr>,
    pub constraint: Option<Expr>,
    pub span: Span,
    pub docs: Option<String>,
}

#[derive(Clone, Debug)]
pub struct SourceDecl {
    pub ty: TypeExpr,
    pub origin: SourceOrigin,
}

#[derive(Clone, Debug)]
pub enum SourceOrigin {
    /// A glob relative to the declaring file's directory.
    Files { pattern: String, span: Span },
    /// Supplied at evaluation time with `--input name=file`.
    Input(Span),
}

#[derive(Clone, Debug)]
pub struct ConstDecl {
    pub ty: Option<TypeExpr>,
    pub value: Expr,
}

#[derive(Clone, Debug)]
pub struct FnDecl {
    pub params: Vec<Param>,
    pub ret: TypeExpr,
    pub body: Expr,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: Ident,
    pub ty: TypeExpr,
    pub default: Option<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct PolicyDecl {
    /// `None` when the policy is written without parentheses.
    pub params: Option<Vec<Param>>,
    pub body: Vec<PolicyStmt>,
}

#[derive(Clone, Debug)]
pub enum PolicyStmt {
    Level(Ident),
    Let(LetStmt),
    For(ForStmt),
    Rule(PolicyRule),
}

#[derive(Clone, Debug)]
pub struct LetStmt {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ForStmt {
    pub var: Ident,
    pub collection: Expr,
    pub filter: Option<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct PolicyRule {
    pub kind: RuleKind,
    pub condition: Expr,
    pub message: Option<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct GateDecl {
    pub inputs: Vec<Param>,
    pub policies: Vec<PolicyRef>,
}

/// `name` or `name(arg: value, …)` in a gate's policy list.
#[derive(Clone, Debug)]
pub struct PolicyRef {
    pub name: Ident,
    pub args: Option<Vec<Arg>>,
    pub span: Span,
}

/// `name value`: the settings of waivers, connectors, flags and objectives.
#[derive(Clone, Debug)]
pub struct Setting {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ConnectorDecl {
    pub settings: Vec<Setting>,
    pub actions: Vec<Action>,
}

#[derive(Clone, Debug)]
pub struct Action {
    pub name: Ident,
    pub params: Vec<Param>,
    pub returns: Option<TypeExpr>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct WorkflowDecl {
    pub params: Option<Vec<Param>>,
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug)]
pub struct Step {
    pub name: Ident,
    pub call: Expr,
    pub when: Option<Expr>,
    pub retry: Option<Retry>,
    pub timeout: Option<Expr>,
    /// The span of the `always` marker.
    pub always: Option<Span>,
    pub after: Vec<Ident>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Retry {
    pub attempts: Expr,
    pub backoff: Option<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct FlagDecl {
    pub ty: TypeExpr,
    pub rules: Vec<FlagRule>,
    pub settings: Vec<Setting>,
}

#[derive(Clone, Debug)]
pub enum FlagRule {
    When {
        condition: Expr,
        value: Expr,
        span: Span,
    },
    Rollout {
        share: Expr,
        value: Expr,
        by: Expr,
        span: Span,
    },
    Split {
        by: Expr,
        arms: Vec<(Expr, Expr)>,
        span: Span,
    },
}

#[derive(Clone, Debug)]
pub struct ConfigDecl {
    pub fields: Vec<Field>,
    pub envs: Vec<EnvBlock>,
}

#[derive(Clone, Debug)]
pub struct EnvBlock {
    pub name: Ident,
    pub overrides: Vec<Override>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Override {
    pub path: Vec<Ident>,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum TestStmt {
    Mock { path: Vec<Ident>, value: Expr, span: Span },
    Given { name: Ident, value: Expr, span: Span },
    Let(LetStmt),
    Expect(Expr),
}

// ---------------------------------------------------------------------------
// Types

#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeExprKind {
    Named(Ident),
    List(Box<TypeExpr>),
    Map(Box<TypeExpr>),
    Record {
        fields: Vec<Field>,
        open: bool,
    },
    Ref(Ident),
    Optional(Box<TypeExpr>),
    /// `"a" | "b"`: each member with its span.
    Enum(Vec<(String, Span)>),
    /// A type that did not lower; its diagnostic was already reported.
    Error,
}

// ---------------------------------------------------------------------------
// Expressions

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Literal(Literal),
    /// A string with `{…}` interpolations.
    Interpolated(Vec<StrPart>),
    Name(Ident),
    Field {
        base: Box<Expr>,
        field: Ident,
        /// `?.` rather than `.`.
        optional: bool,
    },
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
    },
    Call {
        callee: Box<Expr>,
        args: Vec<Arg>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Cast {
        value: Box<Expr>,
        ty: TypeExpr,
    },
    If {
        condition: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    Quantifier {
        kind: Quantifier,
        var: Ident,
        collection: Box<Expr>,
        condition: Box<Expr>,
    },
    List(Vec<Expr>),
    Comprehension {
        element: Box<Expr>,
        clauses: Vec<Clause>,
    },
    Record(Vec<RecordEntry>),
    /// An expression that did not lower; its diagnostic was already reported.
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Written as `25%`; the value is the fraction (0.25).
    Percent(f64),
    Duration(crate::time::Duration),
    Timestamp(jiff::Timestamp),
    String(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum StrPart {
    Text(String),
    Expr(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Clause {
    For { var: Ident, collection: Expr },
    If(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub struct RecordEntry {
    pub key: Ident,
    pub value: Expr,
}
