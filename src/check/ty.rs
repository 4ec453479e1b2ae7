//! Type expressions to types: built-in names, entities, `type` aliases (expanded, with
//! cycles reported), records with their defaults and `where` constraints.

use std::sync::Arc;

use super::scope::Frame;
use super::{Checker, Progress};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::ir::Value;
use crate::ir::{self, ExprKind, ItemRef};
use crate::ir::{Constraint, EntityId, EnumType, FieldType, RecordType, Type};
use crate::syntax::ast::{self, ItemKind, TypeExprKind};
use crate::syntax::prescan::MAX_NESTING;

/// Whether a record may mark a field `key`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyRule {
    /// An entity: exactly one key field.
    Required,
    /// A record type: at most one, naming records in violations.
    Optional,
}

impl<'a> Checker<'a> {
    pub(super) fn declare_entities(&mut self) {
        for item in &self.entity_items {
            self.program.entities.push(ir::EntityDef {
                name: item.name.name.clone(),
                record: Arc::new(RecordType::new(Vec::new(), None)),
                key: 0,
                span: item.name.span,
                docs: item.docs.clone(),
            });
        }
    }

    pub(super) fn resolve_entities(&mut self) {
        let items = self.entity_items.clone();
        for (i, item) in items.iter().enumerate() {
            let ItemKind::Entity(decl) = &item.kind else {
                continue;
            };
            let record = self.record_type(&decl.fields, KeyRule::Required, Some(&item.name), decl.open.is_some());
            let key = record.key.unwrap_or(0);
            if let Some(def) = self.program.entities.get_mut(i) {
                def.record = record;
                def.key = key;
            }
        }
    }

    /// Resolves a written type.
    fn not_an_entity(&mut self, name: &ast::Ident) -> Type {
        self.report(
            Diagnostic::new(Code::NotAnEntity, format!("`{}` is not an entity", name.name))
                .at(name.span, "`ref` needs an entity kind")
                .with_help("only entities have keys to refer to; declare it with `entity`"),
        );
        Type::Error
    }

    pub(super) fn resolve_type(&mut self, t: &ast::TypeExpr) -> Type {
        match &t.kind {
            TypeExprKind::Named(name) => self.named_type(name),
            TypeExprKind::List(inner) => Type::list(self.resolve_type(inner)),
            TypeExprKind::Map(inner) => Type::Map(Arc::new(self.resolve_type(inner))),
            TypeExprKind::Optional(inner) => {
                let inner_ty = self.resolve_type(inner);
                if matches!(inner_ty, Type::Optional(_)) {
                    // `T??` is `T?`; not worth an error.
                    return inner_ty;
                }
                Type::optional(inner_ty)
            }
            TypeExprKind::Enum(members) => {
                let mut seen: Vec<Arc<str>> = Vec::new();
                for (member, span) in members {
                    if seen.iter().any(|m| &**m == member) {
                        self.report(
                            Diagnostic::new(Code::DuplicateDefinition, format!("`\"{member}\"` is listed twice"))
                                .at(*span, "listed again here")
                                .with_help("remove the repeated value"),
                        );
                    } else {
                        seen.push(Arc::from(member.as_str()));
                    }
                }
                Type::Enum(Arc::new(EnumType { members: seen }))
            }
            TypeExprKind::Record { fields, open } => {
                Type::Record(self.record_type(fields, KeyRule::Optional, None, *open))
            }
            TypeExprKind::Ref(name) => match self.program.names.get(&name.name) {
                Some(ItemRef::Entity(id)) => Type::Ref(*id),
                _ if self.broken.contains(&name.name) => Type::Error,
                Some(_) => self.not_an_entity(name),
                None if super::BUILTIN_TYPES.contains(&&*name.name) => self.not_an_entity(name),
                None => {
                    let entities: Vec<Arc<str>> = self.entity_names();
                    let help = did_you_mean(&name.name, entities.iter().map(|n| &**n));
                    self.report(
                        Diagnostic::new(Code::UnknownType, format!("unknown entity `{}`", name.name))
                            .at(name.span, "no entity of this name")
                            .with_help_opt(help),
                    );
                    Type::Error
                }
            },
            TypeExprKind::Error => Type::Error,
        }
    }

    fn named_type(&mut self, name: &ast::Ident) -> Type {
        let builtin = match &*name.name {
            "bool" => Some(Type::Bool),
            "int" => Some(Type::Int),
            "float" => Some(Type::Float),
            "string" => Some(Type::String),
            "duration" => Some(Type::Duration),
            "version" => Some(Type::Version),
            "timestamp" => Some(Type::Timestamp),
            "secret" => Some(Type::Secret),
            "json" => Some(Type::Json),
            "decision" => Some(Type::Record(crate::ir::decision_record())),
            "violation" => Some(Type::Record(crate::ir::violation_record())),
            _ => None,
        };
        if let Some(ty) = builtin {
            return ty;
        }
        match self.program.names.get(&name.name).copied() {
            Some(ItemRef::Entity(id)) => Type::Entity(id),
            Some(ItemRef::Type) => self.alias_type(name),
            _ if self.broken.contains(&name.name) => Type::Error,
            Some(other) => {
                let what = self
                    .decls
                    .get(&name.name)
                    .map(|i| i.kind.described())
                    .unwrap_or("an item");
                let _ = other;
                self.report(
                    Diagnostic::new(Code::UnknownType, format!("`{}` is {what}, not a type", name.name))
                        .at(name.span, "expected a type")
                        .with_help("types are the built-in types, entities and `type` declarations"),
                );
                Type::Error
            }
            None => {
                let mut candidates: Vec<&str> = super::BUILTIN_TYPES.to_vec();
                candidates.extend(
                    self.program
                        .names
                        .iter()
                        .filter(|(_, r)| matches!(r, ItemRef::Entity(_) | ItemRef::Type))
                        .map(|(n, _)| &**n),
                );
                let help = did_you_mean(&name.name, candidates);
                self.report(
                    Diagnostic::new(Code::UnknownType, format!("unknown type `{}`", name.name))
                        .at(name.span, "no type of this name")
                        .with_help_opt(help),
                );
                Type::Error
            }
        }
    }

    /// Expands a `type` alias, once; a cycle among aliases is reported where it closes.
    fn alias_type(&mut self, name: &ast::Ident) -> Type {
        match self.alias_types.get(&name.name) {
            Some((Progress::Done, ty)) => return ty.clone(),
            Some((Progress::Doing, _)) => {
                self.report(
                    Diagnostic::new(Code::Cycle, format!("type `{}` refers to itself", name.name))
                        .at(name.span, "used within its own definition")
                        .with_help("a type cannot contain itself; refer to entities with `ref` instead"),
                );
                return Type::Error;
            }
            _ => {}
        }
        let Some(item) = self.decls.get(&name.name).copied() else {
            return Type::Error;
        };
        let ItemKind::Type(t) = &item.kind else {
            return Type::Error;
        };
        if self.alias_depth >= MAX_NESTING as u32 {
            // Each alias expands inside the one that names it: a chain of thousands would
            // overflow the stack before any cycle check could finish.
            self.report(
                Diagnostic::new(
                    Code::NestingTooDeep,
                    format!("type aliases nested deeper than {MAX_NESTING} levels"),
                )
                .at(name.span, "this alias is one too many")
                .with_help("name the aliased type directly instead of through a chain of aliases"),
            );
            self.alias_types
                .insert(name.name.clone(), (Progress::Done, Type::Error));
            return Type::Error;
        }
        self.alias_types
            .insert(name.name.clone(), (Progress::Doing, Type::Error));
        self.alias_depth += 1;
        let ty = self.resolve_type(t);
        self.alias_depth -= 1;
        self.alias_types.insert(name.name.clone(), (Progress::Done, ty.clone()));
        ty
    }

    /// Checks every `type` declaration, used or not.
    pub(super) fn check_type_aliases(&mut self) {
        let names: Vec<ast::Ident> = self
            .decls
            .values()
            .filter(|i| matches!(i.kind, ItemKind::Type(_)))
            .map(|i| i.name.clone())
            .collect();
        for name in names {
            self.alias_type(&name);
        }
    }

    /// A record type from field declarations.
    pub(super) fn record_type(
        &mut self,
        fields: &[ast::Field],
        key_rule: KeyRule,
        entity: Option<&ast::Ident>,
        open: bool,
    ) -> Arc<RecordType> {
        let mut out: Vec<FieldType> = Vec::with_capacity(fields.len());
        let mut key = None;
        let mut key_spans = Vec::new();
        for field in fields {
            if field.name.name.is_empty() {
                continue;
            }
            if let Some(previous) = out.iter().find(|f| f.name == field.name.name) {
                self.report(
                    Diagnostic::new(
                        Code::DuplicateDefinition,
                        format!("field `{}` is declared twice", field.name.name),
                    )
                    .at(field.name.span, "declared again here")
                    .with_label(previous.span, "first declared here"),
                );
                continue;
            }
            let field_type = self.field_type(field);
            if let Some(marker) = field.key {
                key_spans.push(marker);
                if key.is_none() {
                    if !matches!(field_type.ty, Type::String | Type::Error) {
                        self.report(
                            Diagnostic::new(
                                Code::EntityKey,
                                format!("key field `{}` must be a `string`", field.name.name),
                            )
                            .at(field.ty.span, format!("this is `{}`", self.display(&field_type.ty)))
                            .with_help("keys name entities in data and in `ref`s, so they are strings"),
                        );
                    }
                    key = Some(out.len());
                }
            }
            out.push(field_type);
        }
        if let Some(entity) = entity {
            match key_spans.len() {
                0 if key_rule == KeyRule::Required => self.report(
                    Diagnostic::new(Code::EntityKey, format!("entity `{}` has no key field", entity.name))
                        .at(entity.span, "needs one field marked `key`")
                        .with_help("mark the field that identifies each entity: `key name: string`"),
                ),
                0 | 1 => {}
                _ => {
                    let mut d = Diagnostic::new(
                        Code::EntityKey,
                        format!("entity `{}` has {} key fields", entity.name, key_spans.len()),
                    )
                    .at(entity.span, "an entity has exactly one key");
                    for span in &key_spans {
                        d = d.with_label(*span, "marked `key` here");
                    }
                    self.report(d.with_help("keep `key` on the one field that identifies each entity"));
                }
            }
        } else if key_spans.len() > 1
            && let Some(second) = key_spans.get(1)
        {
            self.report(
                Diagnostic::new(Code::EntityKey, "a record has more than one key field")
                    .at(*second, "second `key`")
                    .with_help("a record type may mark at most one field `key`"),
            );
        }
        let mut record = RecordType::new(out, key);
        record.open = open;
        Arc::new(record)
    }

    fn field_type(&mut self, field: &ast::Field) -> FieldType {
        let ty = self.resolve_type(&field.ty);
        let default = field.default.as_ref().and_then(|d| self.constant_default(d, &ty));
        let constraint = field
            .constraint
            .as_ref()
            .map(|c| self.where_constraint(c, &ty, field.name.span));
        FieldType {
            name: field.name.name.clone(),
            ty,
            default,
            constraint,
            span: field.span,
            docs: field.docs.clone(),
        }
    }

    /// A field's `where` clause: a `bool` over `it`, the field's value.
    pub(super) fn where_constraint(&mut self, c: &ast::Expr, ty: &Type, field: crate::source::Span) -> Arc<Constraint> {
        let mut frame = Frame::new();
        frame.declare(Arc::from("it"), ty.clone(), field);
        let saved_owner = self.owner.take();
        let expr = self.check_expr(c, &mut frame, &Type::Bool);
        self.owner = saved_owner;
        Arc::new(Constraint {
            expr,
            locals: frame.size(),
            text: self.source_text(c.span).to_string(),
        })
    }

    /// A default value: checked against the field's type and folded to a constant.
    fn constant_default(&mut self, expr: &ast::Expr, ty: &Type) -> Option<Value> {
        let mut frame = Frame::new();
        let saved_owner = self.owner.take();
        let checked = self.check_expr(expr, &mut frame, ty);
        self.owner = saved_owner;
        if checked.ty.is_error() {
            return None;
        }
        match self.fold_constant(&checked) {
            Some(value) => Some(value),
            None => {
                self.report(
                    Diagnostic::new(Code::NotConstant, "a default must be a constant value")
                        .at(expr.span, "computed at run time")
                        .with_help("write a literal, or a `const` whose value is one"),
                );
                None
            }
        }
    }

    /// The value of an expression made of literals and constants, if it is one.
    pub(super) fn fold_constant(&self, expr: &ir::Expr) -> Option<Value> {
        Some(match &expr.kind {
            ExprKind::Const(v) => v.clone(),
            ExprKind::List(items) => Value::list(
                items
                    .iter()
                    .map(|i| self.fold_constant(i))
                    .collect::<Option<Vec<_>>>()?,
            ),
            ExprKind::Map(entries) => Value::Map(Arc::new(
                entries
                    .iter()
                    .map(|(k, v)| Some((k.clone(), self.fold_constant(v)?)))
                    .collect::<Option<_>>()?,
            )),
            ExprKind::Record { ty, fields } => Value::Record(Arc::new(crate::ir::Record {
                shape: ty.shape.clone(),
                fields: fields
                    .iter()
                    .map(|f| self.fold_constant(f))
                    .collect::<Option<Vec<_>>>()?
                    .into_boxed_slice(),
                origin: None,
            })),
            ExprKind::ToFloat(inner) => match self.fold_constant(inner)? {
                Value::Int(n) => Value::Float(n as f64),
                other => other,
            },
            ExprKind::Unary {
                op: ast::UnaryOp::Neg,
                operand,
            } => match self.fold_constant(operand)? {
                Value::Int(n) => Value::Int(n.checked_neg()?),
                Value::Float(x) => Value::Float(-x),
                Value::Duration(d) => Value::Duration(crate::time::Duration::from_nanos(d.nanos().checked_neg()?)),
                _ => return None,
            },
            ExprKind::Global(id) => {
                let def = self.program.consts.get(id.index())?;
                if self.const_progress.get(id.index()) != Some(&Progress::Done) {
                    return None;
                }
                self.fold_constant(&def.value)?
            }
            _ => return None,
        })
    }

    pub(super) fn entity_record(&self, id: EntityId) -> Option<Arc<RecordType>> {
        self.program.entities.get(id.index()).map(|e| e.record.clone())
    }
}
