//! Waivers: an owned, reasoned, expiring exception that turns matching violations of a
//! `soft` or `advisory` policy into waived notes. Hard policies cannot be waived (the
//! checker rejects such waivers; they are ignored here too).
//!
//! After its `until`, a waiver hides nothing: it is an error of every command that
//! evaluates its policy (and of `cpl check`), reported beside the violations it no
//! longer hides. Commands that do not evaluate that policy are not concerned by it.

use std::sync::Arc;

use super::decision::{Decision, Outcome, Violation};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Level, Program, WaiverDef, WaiverId};

/// A decision after waivers: the violations that still count, and those waived.
#[derive(Clone, Debug)]
pub struct Waived {
    pub decision: Decision,
    pub waived: Vec<(Violation, Arc<str>)>,
    /// Waivers for this policy that matched none of its violations.
    pub unused: Vec<WaiverId>,
    /// Waivers for this policy whose `until` has passed: each an error.
    pub expired: Vec<Expired>,
}

/// A waiver past its `until`, with the violations it would have hidden: they are
/// reported as ordinary violations.
#[derive(Clone, Debug)]
pub struct Expired {
    pub waiver: WaiverId,
    pub uncovered: Vec<Violation>,
}

impl Waived {
    /// Whether something in this result is an error even if the decision allows.
    pub fn has_expired_waivers(&self) -> bool {
        !self.expired.is_empty()
    }
}

/// Whether a waiver's `until` has passed at `now`.
pub fn has_expired(waiver: &WaiverDef, now: jiff::Timestamp) -> bool {
    waiver.until.is_some_and(|until| until <= now)
}

/// Whether a waiver is in force at `now` for violations of `level`.
pub fn in_force(waiver: &WaiverDef, level: Level, now: jiff::Timestamp) -> bool {
    level != Level::Hard && waiver.until.is_some_and(|until| until > now)
}

pub fn apply_waivers(program: &Program, mut decision: Decision, now: jiff::Timestamp) -> Waived {
    let waivers: Vec<(WaiverId, &WaiverDef)> = program
        .waivers
        .iter()
        .enumerate()
        .filter(|(_, w)| w.policy == Some(decision.policy))
        .map(|(i, w)| (WaiverId(u32::try_from(i).unwrap_or(u32::MAX)), w))
        .collect();
    let mut used = vec![false; waivers.len()];
    let mut waived = Vec::new();
    let level = decision.level;
    let mut take = |list: Vec<Violation>| -> Vec<Violation> {
        let mut kept = Vec::new();
        for violation in list {
            let matching = waivers
                .iter()
                .position(|(_, w)| in_force(w, level, now) && covers(w, &violation));
            match matching {
                Some(i) => {
                    if let Some(flag) = used.get_mut(i) {
                        *flag = true;
                    }
                    let name = waivers.get(i).map(|(_, w)| w.name.clone()).unwrap_or_default();
                    waived.push((violation, name));
                }
                None => kept.push(violation),
            }
        }
        kept
    };
    decision.violations = take(std::mem::take(&mut decision.violations));
    decision.warnings = take(std::mem::take(&mut decision.warnings));
    if decision.outcome == Outcome::Deny && decision.violations.is_empty() {
        decision.outcome = Outcome::Allow;
    }
    let unused = waivers
        .iter()
        .zip(&used)
        .filter(|((_, w), used)| !**used && in_force(w, level, now))
        .map(|((id, _), _)| *id)
        .collect();
    let expired = waivers
        .iter()
        .filter(|(_, w)| has_expired(w, now))
        .map(|(id, w)| Expired {
            waiver: *id,
            uncovered: decision
                .violations
                .iter()
                .chain(&decision.warnings)
                .filter(|v| covers(w, v))
                .cloned()
                .collect(),
        })
        .collect();
    Waived {
        decision,
        waived,
        unused,
        expired,
    }
}

/// Whether a waiver names the violation's subject (or names none, covering all).
fn covers(waiver: &WaiverDef, violation: &Violation) -> bool {
    waiver
        .subject
        .as_ref()
        .is_none_or(|s| Some(s) == violation.subject.as_ref())
}

/// The errors for every expired waiver of the program, as `cpl check` reports them.
pub fn expired_waiver_diagnostics(program: &Program, now: jiff::Timestamp) -> Vec<Diagnostic> {
    program
        .waivers
        .iter()
        .filter(|w| has_expired(w, now))
        .map(|w| expired_waiver_diagnostic(w, &[]))
        .collect()
}

/// The errors for the expired waivers of one decision, each pointing at the violations
/// it no longer hides (reported as ordinary violations beside it).
pub fn decision_expiry_diagnostics(program: &Program, result: &Waived) -> Vec<Diagnostic> {
    result
        .expired
        .iter()
        .map(|e| match program.waivers.get(e.waiver.index()) {
            Some(waiver) => expired_waiver_diagnostic(waiver, &e.uncovered),
            // INVARIANT: a `WaiverId` indexes `program.waivers`; an error dropped here
            // would let the gate pass, so a broken id is an error of its own.
            None => Diagnostic::internal("an expired waiver is not in the program"),
        })
        .collect()
}

fn expired_waiver_diagnostic(waiver: &WaiverDef, uncovered: &[Violation]) -> Diagnostic {
    let mut d = Diagnostic::new(
        Code::WaiverExpired,
        format!("waiver `{}` expired on {}", waiver.name, waiver.until_text),
    )
    .at(waiver.until_span, "this date has passed");
    for violation in uncovered {
        let whom = violation
            .subject
            .as_ref()
            .map(|s| format!(", for `{s}`"))
            .unwrap_or_default();
        d = d
            .with_label(
                violation.rule_span,
                format!("no longer waived: rule {}{whom}", violation.rule),
            )
            .with_note(format!(
                "it no longer hides the violation of `{}`{whom}: {}",
                violation.policy, violation.message
            ));
    }
    d.with_help("renew it with a new date and reason, or remove it and fix what it waived")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::PolicyId;

    #[test]
    fn an_expired_waiver_missing_from_the_program_is_an_internal_error_not_dropped() {
        let decision = Decision {
            policy: PolicyId(0),
            name: Arc::from("p"),
            level: Level::Hard,
            outcome: Outcome::Allow,
            violations: Vec::new(),
            warnings: Vec::new(),
            errors: Vec::new(),
            subjects: 1,
        };
        let result = Waived {
            decision,
            waived: Vec::new(),
            unused: Vec::new(),
            expired: vec![Expired {
                waiver: WaiverId(3),
                uncovered: Vec::new(),
            }],
        };
        let diagnostics = decision_expiry_diagnostics(&Program::default(), &result);
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].code, Code::InternalError);
    }
}
