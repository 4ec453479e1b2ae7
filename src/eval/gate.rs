//! Gates, with HashiCorp Sentinel's enforcement levels: an advisory denial is reported
//! and never fails; a soft denial fails unless the caller overrides that policy by name;
//! a hard denial always fails; an indeterminate decision always fails; so does a policy
//! with an expired waiver, whatever its level (the expiry is an error, not a denial).

use std::sync::Arc;

use super::env::Env;
use super::expr::new_frame;
use super::waivers::{Waived, apply_waivers};
use crate::ir::RuleKind;
use crate::ir::Value;
use crate::ir::{GateId, Level, WaiverId};

/// What became of one policy in a gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    /// Denied, but advisory: reported, not failing.
    Advisory,
    /// Denied, soft, and overridden by the caller.
    Overridden,
    Failed,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Advisory => "advisory",
            Verdict::Overridden => "overridden",
            Verdict::Failed => "failed",
        }
    }
}

#[derive(Clone, Debug)]
pub struct PolicyResult {
    pub result: Waived,
    pub verdict: Verdict,
}

#[derive(Clone, Debug)]
pub struct GateResult {
    pub gate: Arc<str>,
    pub passed: bool,
    pub policies: Vec<PolicyResult>,
    pub unused_waivers: Vec<WaiverId>,
    /// Overrides naming a hard policy: accepted, and without effect.
    pub ignored_overrides: Vec<Arc<str>>,
}

impl Env<'_> {
    /// Runs a gate. `inputs` binds the gate's `input`s by name (already validated
    /// against their types); `overrides` names soft policies the caller lets through.
    pub fn run_gate(&self, gate: GateId, inputs: &[(Arc<str>, Value)], overrides: &[Arc<str>]) -> GateResult {
        let now = self.host.now();
        let Some(def) = self.program.gates.get(gate.index()) else {
            return GateResult {
                gate: Arc::from("?"),
                passed: false,
                policies: Vec::new(),
                unused_waivers: Vec::new(),
                ignored_overrides: Vec::new(),
            };
        };
        let mut frame = new_frame(def.locals);
        for input in &def.inputs {
            if let Some((_, value)) = inputs.iter().find(|(n, _)| *n == input.name)
                && let Some(slot) = frame.get_mut(input.local.index())
            {
                *slot = value.clone();
            }
        }
        let mut policies = Vec::new();
        let mut unused_waivers = Vec::new();
        let mut ignored_overrides = Vec::new();
        for gate_policy in &def.policies {
            let Some(policy) = self.program.policies.get(gate_policy.policy.index()) else {
                continue;
            };
            let mut callee = new_frame(policy.locals);
            let decision = match self.bind_gate_args(&policy.params, &gate_policy.args, &mut frame, &mut callee) {
                Ok(()) => self.decide_in(gate_policy.policy, callee, super::policy::Explain::Yes),
                Err(error) => {
                    let mut d =
                        self.decide_in(gate_policy.policy, new_frame(policy.locals), super::policy::Explain::No);
                    d.outcome = super::decision::Outcome::Indeterminate;
                    d.errors.insert(
                        0,
                        super::decision::Failure {
                            error,
                            subject: None,
                            origin: None,
                            rule: None,
                        },
                    );
                    d
                }
            };
            let result = apply_waivers(self.program, decision, now);
            unused_waivers.extend(result.unused.iter().copied());
            let overridden = overrides.iter().any(|o| **o == *policy.name);
            if overridden && policy.level == Level::Hard && !ignored_overrides.contains(&policy.name) {
                ignored_overrides.push(policy.name.clone());
            }
            let verdict = verdict(&result, overridden);
            policies.push(PolicyResult { result, verdict });
        }
        let passed = policies.iter().all(|p| p.verdict != Verdict::Failed);
        GateResult {
            gate: def.name.clone(),
            passed,
            policies,
            unused_waivers,
            ignored_overrides,
        }
    }

    fn bind_gate_args(
        &self,
        params: &[crate::ir::Param],
        args: &[Option<crate::ir::Expr>],
        gate_frame: &mut super::expr::Frame,
        callee: &mut super::expr::Frame,
    ) -> super::error::EvalResult<()> {
        for (param, arg) in params.iter().zip(args) {
            let value = match (arg, &param.default) {
                (Some(a), _) => self.eval(a, gate_frame)?,
                (None, Some(d)) => self.eval(d, callee)?,
                (None, None) => Value::Null,
            };
            if let Some(slot) = callee.get_mut(param.local.index()) {
                *slot = value;
            }
        }
        Ok(())
    }
}

fn verdict(result: &Waived, overridden: bool) -> Verdict {
    use super::decision::Outcome;
    let decision = &result.decision;
    if result.has_expired_waivers() {
        return Verdict::Failed;
    }
    match decision.outcome {
        Outcome::Indeterminate => Verdict::Failed,
        Outcome::Allow => Verdict::Passed,
        Outcome::Deny => {
            let denies = decision.violations.iter().any(|v| v.kind != RuleKind::Warn);
            match decision.level {
                _ if !denies => Verdict::Passed,
                Level::Advisory => Verdict::Advisory,
                Level::Soft if overridden => Verdict::Overridden,
                _ => Verdict::Failed,
            }
        }
    }
}
