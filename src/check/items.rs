//! Sources, constants and functions.

use std::path::{Component, Path};

use super::scope::Frame;
use super::{Checker, Owner, Progress};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::Type;
use crate::ir::{self, ConstId, FnId};
use crate::syntax::ast::{self, ItemKind};

impl<'a> Checker<'a> {
    /// Parameter types and defaults of functions and policies, before any body, so
    /// calls can be checked in any order.
    pub(super) fn declare_signatures(&mut self) {
        self.check_type_aliases();
        // Constants first, so a parameter's default can name one.
        for item in self.const_items.clone() {
            let placeholder = ir::ConstDef {
                name: item.name.name.clone(),
                ty: Type::Error,
                value: ir::Expr::error(item.span),
                locals: 0,
                span: item.name.span,
            };
            self.program.consts.push(placeholder);
            self.const_progress.push(Progress::Todo);
        }
        for item in self.fn_items.clone() {
            let ItemKind::Fn(decl) = &item.kind else {
                continue;
            };
            let mut frame = Frame::new();
            let params = self.declare_param_types(&decl.params, &mut frame);
            let ret = self.resolve_type(&decl.ret);
            self.program.functions.push(ir::FnDef {
                name: item.name.name.clone(),
                params,
                ret,
                body: ir::Expr::error(item.span),
                locals: frame.size(),
                span: item.name.span,
            });
        }
        for item in self.policy_items.clone() {
            let ItemKind::Policy(decl) = &item.kind else {
                continue;
            };
            let mut frame = Frame::new();
            let params = decl
                .params
                .as_ref()
                .map(|p| self.declare_param_types(p, &mut frame))
                .unwrap_or_default();
            self.program.policies.push(ir::PolicyDef {
                name: item.name.name.clone(),
                level: ir::Level::Hard,
                params,
                setup: Vec::new(),
                each: None,
                body: Vec::new(),
                locals: frame.size(),
                span: item.name.span,
                docs: item.docs.clone(),
            });
        }
    }

    /// Checks the defaults of every function's and policy's parameters, once every
    /// signature and constant is declared: a default may call a function or read a
    /// constant declared anywhere, and a call back into its own item is a cycle.
    pub(super) fn check_param_defaults(&mut self) {
        for (index, item) in self.fn_items.clone().into_iter().enumerate() {
            let ItemKind::Fn(decl) = &item.kind else {
                continue;
            };
            let id = FnId(u32::try_from(index).unwrap_or(u32::MAX));
            let params = self
                .program
                .functions
                .get(index)
                .map(|f| signature(&f.params))
                .unwrap_or_default();
            let defaults = self.param_defaults(&decl.params, &params, Some(Owner::Fn(id)));
            if let Some(function) = self.program.functions.get_mut(index) {
                for (param, default) in function.params.iter_mut().zip(defaults) {
                    param.default = default;
                }
            }
        }
        for (index, item) in self.policy_items.clone().into_iter().enumerate() {
            let ItemKind::Policy(decl) = &item.kind else {
                continue;
            };
            let Some(written) = &decl.params else {
                continue;
            };
            let id = ir::PolicyId(u32::try_from(index).unwrap_or(u32::MAX));
            let params = self
                .program
                .policies
                .get(index)
                .map(|p| signature(&p.params))
                .unwrap_or_default();
            let defaults = self.param_defaults(written, &params, Some(Owner::Policy(id)));
            if let Some(policy) = self.program.policies.get_mut(index) {
                for (param, default) in policy.params.iter_mut().zip(defaults) {
                    param.default = default;
                }
            }
        }
    }

    /// The checked default of each parameter, seeing the parameters before it.
    fn param_defaults(
        &mut self,
        written: &[ast::Param],
        params: &[ParamSlot],
        owner: Option<Owner>,
    ) -> Vec<Option<ir::Expr>> {
        let kept = owner.or(self.owner);
        let saved_owner = std::mem::replace(&mut self.owner, kept);
        let mut defaults = Vec::with_capacity(params.len());
        let mut frame = Frame::new();
        for (param, (name, ty, span)) in written.iter().zip(params) {
            defaults.push(param.default.as_ref().map(|d| self.check_expr(d, &mut frame, ty)));
            frame.declare(name.clone(), ty.clone(), *span);
        }
        self.owner = saved_owner;
        defaults
    }
}

/// A parameter's name, type and span: what its frame slot needs.
type ParamSlot = (ast::Name, Type, crate::source::Span);

fn signature(params: &[ir::Param]) -> Vec<ParamSlot> {
    params.iter().map(|p| (p.name.clone(), p.ty.clone(), p.span)).collect()
}

impl Checker<'_> {
    /// Declares parameters as the first locals of a frame, their defaults left to
    /// [`Checker::check_param_defaults`].
    pub(super) fn declare_param_types(&mut self, params: &[ast::Param], frame: &mut Frame) -> Vec<ir::Param> {
        let mut out: Vec<ir::Param> = Vec::new();
        for param in params {
            let ty = self.resolve_type(&param.ty);
            if let Some(previous) = out.iter().find(|p| p.name == param.name.name) {
                self.report(
                    Diagnostic::new(
                        Code::DuplicateDefinition,
                        format!("parameter `{}` is declared twice", param.name.name),
                    )
                    .at(param.name.span, "declared again here")
                    .with_label(previous.span, "first declared here"),
                );
            }
            let local = frame.declare(param.name.name.clone(), ty.clone(), param.name.span);
            out.push(ir::Param {
                name: param.name.name.clone(),
                ty,
                default: None,
                local,
                span: param.name.span,
            });
        }
        out
    }

    /// Declares parameters as the first locals of a frame, checking their defaults (each
    /// sees the parameters before it).
    pub(super) fn declare_params(&mut self, params: &[ast::Param], frame: &mut Frame) -> Vec<ir::Param> {
        let mut declared = self.declare_param_types(params, frame);
        let defaults = self.param_defaults(params, &signature(&declared), None);
        for (param, default) in declared.iter_mut().zip(defaults) {
            param.default = default;
        }
        declared
    }

    /// A frame holding a signature's parameters, in the slots they were declared in.
    pub(super) fn frame_with(params: &[ir::Param]) -> Frame {
        let mut frame = Frame::new();
        for param in params {
            frame.declare(param.name.clone(), param.ty.clone(), param.span);
        }
        frame
    }

    pub(super) fn check_sources(&mut self) {
        for item in self.source_items.clone() {
            let ItemKind::Source(decl) = &item.kind else {
                continue;
            };
            let ty = self.resolve_type(&decl.ty);
            let origin = match &decl.origin {
                ast::SourceOrigin::Input(_) => ir::SourceOrigin::Input,
                ast::SourceOrigin::Files { pattern, span } => {
                    if escapes_root(&self.dir_of(*span), pattern) {
                        self.report(
                            Diagnostic::new(
                                Code::PathEscapesRoot,
                                format!("`{pattern}` reaches outside the project"),
                            )
                            .at(*span, "this pattern leaves the project root")
                            .with_help("data paths are relative to this file's directory and stay inside the project"),
                        );
                    }
                    ir::SourceOrigin::Files {
                        pattern: pattern.clone(),
                        dir: self.dir_of(*span),
                        span: *span,
                    }
                }
            };
            self.program.sources.push(ir::SourceDef {
                name: item.name.name.clone(),
                ty,
                origin,
                span: item.name.span,
            });
        }
    }

    /// Checks a constant on first use; returns its type.
    pub(super) fn ensure_const(&mut self, id: ConstId) -> Type {
        match self.const_progress.get(id.index()) {
            Some(Progress::Done) => {
                return self
                    .program
                    .consts
                    .get(id.index())
                    .map(|c| c.ty.clone())
                    .unwrap_or(Type::Error);
            }
            // A cycle: reported once, from the call graph.
            Some(Progress::Doing) | None => return Type::Error,
            Some(Progress::Todo) => {}
        }
        let Some(item) = self.const_items.get(id.index()).copied() else {
            return Type::Error;
        };
        let ItemKind::Const(decl) = &item.kind else {
            return Type::Error;
        };
        if let Some(p) = self.const_progress.get_mut(id.index()) {
            *p = Progress::Doing;
        }
        let saved_owner = self.owner.replace(Owner::Const(id));
        let saved_steps = self.steps.take();
        let mut frame = Frame::new();
        let value = match &decl.ty {
            Some(t) => {
                let ty = self.resolve_type(t);
                self.check_expr(&decl.value, &mut frame, &ty)
            }
            None => self.infer(&decl.value, &mut frame, None),
        };
        self.owner = saved_owner;
        self.steps = saved_steps;
        let ty = match &decl.ty {
            Some(t) if !value.ty.is_error() => {
                let declared = self.resolve_type(t);
                if matches!(value.ty, Type::Int) && matches!(declared, Type::Float) {
                    Type::Float
                } else {
                    declared
                }
            }
            _ => value.ty.clone(),
        };
        if let Some(def) = self.program.consts.get_mut(id.index()) {
            def.ty = ty.clone();
            def.value = value;
            def.locals = frame.size();
        }
        if let Some(p) = self.const_progress.get_mut(id.index()) {
            *p = Progress::Done;
        }
        ty
    }

    pub(super) fn check_fn_bodies(&mut self) {
        for (i, item) in self.fn_items.clone().iter().enumerate() {
            let ItemKind::Fn(decl) = &item.kind else {
                continue;
            };
            let id = FnId(u32::try_from(i).unwrap_or(u32::MAX));
            let Some(def) = self.program.functions.get(i) else {
                continue;
            };
            let mut frame = Self::frame_with(&def.params);
            let ret = def.ret.clone();
            self.owner = Some(Owner::Fn(id));
            let body = self.check_expr(&decl.body, &mut frame, &ret);
            self.owner = None;
            if let Some(def) = self.program.functions.get_mut(i) {
                def.body = body;
                def.locals = frame.size();
            }
        }
    }
}

/// Whether a relative pattern, seen from `dir`, climbs above the project root.
pub fn escapes_root(dir: &Path, pattern: &str) -> bool {
    let path = Path::new(pattern);
    if path.is_absolute() || pattern.starts_with('/') || pattern.starts_with('\\') {
        return true;
    }
    let mut depth: i64 = dir.components().filter(|c| matches!(c, Component::Normal(_))).count() as i64;
    for component in path.components() {
        match component {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::RootDir | Component::Prefix(_) => return true,
            Component::CurDir => {}
        }
        if depth < 0 {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_may_not_climb_out() {
        assert!(!escapes_root(Path::new("sub"), "../data/*.yaml"));
        assert!(escapes_root(Path::new("sub"), "../../x.yaml"));
        assert!(escapes_root(Path::new(""), "/etc/passwd"));
        assert!(!escapes_root(Path::new(""), "registry/*.csv"));
    }
}
