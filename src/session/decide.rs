//! Deciding one policy: its arguments (as `name=value` texts or JSON) read as the
//! declared types, the inputs it reads present, waivers applied, the decision turned into
//! diagnostics.

use std::sync::Arc;

use super::{Session, Status, Stopped, SystemHost, json_args, named_args, unknown_item};
use crate::diagnostics::Diagnostic;
use crate::eval::{Env, Waived, apply_waivers, decision_expiry_diagnostics};
use crate::ir::{ItemRef, Program, SourcesUsed, Value};
use crate::report::{self, Context};

/// A policy's decision, with the environment it was made in (to show its places).
pub struct Decided<'s> {
    pub env: Env<'s>,
    pub result: Waived,
    pub diagnostics: Vec<Diagnostic>,
    pub status: Status,
}

impl Session {
    /// Decides the policy `name` with `args` (`name=value` texts, read as the declared
    /// types), waivers applied.
    pub fn decide(&self, name: &str, args: &[String]) -> Result<Decided<'_>, Stopped> {
        self.decide_with(&self.host, name, |params, program| {
            named_args(args, "policy", name, params, program)
        })
    }

    /// Decides the policy `name` at `host`'s time with `args` given as a JSON object
    /// (each value read as its parameter's type), waivers applied.
    pub fn decide_json<'a>(
        &'a self,
        host: &'a SystemHost,
        name: &str,
        args: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Decided<'a>, Stopped> {
        self.decide_with(host, name, |params, program| {
            json_args(args, "policy", name, params, program)
        })
    }

    /// Decides the policy `name` with the arguments `read_args` gives.
    fn decide_with<'a>(
        &'a self,
        host: &'a SystemHost,
        name: &str,
        read_args: impl FnOnce(&[crate::ir::Param], &Program) -> Result<Vec<(Arc<str>, Value)>, Vec<Diagnostic>>,
    ) -> Result<Decided<'a>, Stopped> {
        let program = &self.project.program;
        let diagnostics = self.diagnostics();
        let Some((id, def)) = program.policy(name) else {
            if diagnostics.has_errors() {
                return Err(Stopped::wanting(diagnostics));
            }
            let unknown = unknown_item(program, name, "policy", |r| matches!(r, ItemRef::Policy(_)));
            return Err(Stopped::new(Status::CouldNotRun, vec![unknown]));
        };
        let args = read_args(&def.params, program).map_err(|p| Stopped::new(Status::CouldNotRun, p))?;
        if diagnostics.has_errors() {
            return Err(Stopped::wanting(diagnostics));
        }
        let mut used = SourcesUsed::new(program);
        used.policy(id);
        let missing = self.missing_inputs(&used, &format!("policy `{name}`"));
        if !missing.is_empty() {
            return Err(Stopped::new(Status::CouldNotRun, missing));
        }
        let env = Env::new(program, &self.project.sources, &self.data.sources, host);
        let decision = env.decide(id, &args);
        let result = apply_waivers(program, decision, env.host.now());
        let mut all = diagnostics.into_vec();
        all.extend(report::decision_diagnostics(&env, &result, Context::Policy));
        all.extend(decision_expiry_diagnostics(program, &result));
        all.extend(report::unused_waiver_diagnostics(&env, &result.unused));
        let status = if result.decision.allowed() && !result.has_expired_waivers() {
            Status::Passed
        } else {
            Status::Failed
        };
        Ok(Decided {
            env,
            result,
            diagnostics: all,
            status,
        })
    }
}
