//! Waivers: an owned, reasoned, expiring exception that turns matching violations of a
//! `soft` or `advisory` policy into waived notes. Hard policies cannot be waived (the
//! checker rejects such waivers; they are ignored here too).

use std::sync::Arc;

use super::decision::{Decision, Outcome, Violation};
use crate::ir::{Level, Program, WaiverDef, WaiverId};

/// A decision after waivers: the violations that still count, and those waived.
#[derive(Clone, Debug)]
pub struct Waived {
    pub decision: Decision,
    pub waived: Vec<(Violation, Arc<str>)>,
    /// Waivers for this policy that matched none of its violations.
    pub unused: Vec<WaiverId>,
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
            let matching = waivers.iter().position(|(_, w)| {
                in_force(w, level, now) && w.subject.as_ref().is_none_or(|s| Some(s) == violation.subject.as_ref())
            });
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
    Waived {
        decision,
        waived,
        unused,
    }
}
