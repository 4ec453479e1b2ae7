//! Running one gate: overrides that name policies, every input the gate and its policies
//! read present (given at open, or as JSON documents on an open session, as the server
//! does), each policy's decision and verdict, waivers applied.

use std::sync::Arc;

use super::{Session, Status, Stopped, SystemHost, could_not_run, missing_inputs_in, unknown_item};
use crate::diagnostics::{Code, Diagnostic, Diagnostics, did_you_mean};
use crate::eval::{Env, GateResult, decision_expiry_diagnostics};
use crate::ir::{ItemRef, SourcesUsed};
use crate::project::{DataSet, load_json_inputs};
use crate::report::{self, Context};
use crate::source::SourceMap;
/// A gate's result, with the environment it ran in.
pub struct GateRun<'s> {
    pub env: Env<'s>,
    pub result: GateResult,
    pub diagnostics: Vec<Diagnostic>,
    pub status: Status,
}

/// A gate's inputs given as JSON documents on an open session (the server's requests):
/// the project's files with the documents added, and the data with them bound.
pub struct GivenInputs {
    sources: SourceMap,
    data: DataSet,
}

impl GivenInputs {
    /// The project's files and the given documents: where the run's diagnostics point.
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }
}

impl Session {
    /// Runs the gate `name`, with `overrides` (policy names) lowering soft-mandatory
    /// failures to warnings. The gate's inputs are those given at [`Session::open`].
    pub fn gate(&self, name: &str, overrides: &[String]) -> Result<GateRun<'_>, Stopped> {
        self.gate_on(
            &self.host,
            &self.project.sources,
            &self.data,
            self.diagnostics(),
            name,
            overrides,
        )
    }

    /// Loads the inputs of the gate `name` given as JSON documents (by input name), on
    /// this session's project and data, without reading the project again. An unknown
    /// gate or input stops here; problems in a document are kept for the gate's run.
    pub fn gate_inputs(&self, name: &str, inputs: &[(String, serde_json::Value)]) -> Result<GivenInputs, Stopped> {
        let program = &self.project.program;
        let Some((_, def)) = program.gate(name) else {
            let diagnostics = self.diagnostics();
            if diagnostics.has_errors() {
                return Err(Stopped::wanting(diagnostics));
            }
            let unknown = unknown_item(program, name, "gate", |r| matches!(r, ItemRef::Gate(_)));
            return Err(Stopped::new(Status::CouldNotRun, vec![unknown]));
        };
        let mut sources = self.project.sources.clone();
        let data = load_json_inputs(
            program,
            &mut sources,
            &self.data.sources,
            Some(def),
            inputs,
            &self.host,
            self.project.max_per_code,
        );
        if !data.fatal.is_empty() {
            return Err(Stopped::new(Status::CouldNotRun, data.fatal));
        }
        Ok(GivenInputs { sources, data })
    }

    /// Runs the gate `name` at `host`'s time on inputs from [`Session::gate_inputs`],
    /// under every rule of [`Session::gate`]: missing inputs, overrides that name no
    /// policy, problems in the data, expired waivers.
    pub fn gate_with_inputs<'a>(
        &'a self,
        host: &'a SystemHost,
        given: &'a GivenInputs,
        name: &str,
        overrides: &[String],
    ) -> Result<GateRun<'a>, Stopped> {
        let mut diagnostics = self.diagnostics();
        diagnostics.extend(given.data.diagnostics.iter().cloned());
        diagnostics.sort();
        self.gate_on(host, &given.sources, &given.data, diagnostics, name, overrides)
    }

    /// Runs the gate `name` on `data` (whose files are in `sources`), with the project's
    /// and the data's problems in `diagnostics`.
    fn gate_on<'a>(
        &'a self,
        host: &'a SystemHost,
        sources: &'a SourceMap,
        data: &'a DataSet,
        diagnostics: Diagnostics,
        name: &str,
        overrides: &[String],
    ) -> Result<GateRun<'a>, Stopped> {
        let program = &self.project.program;
        let Some((id, def)) = program.gate(name) else {
            if diagnostics.has_errors() {
                return Err(Stopped::wanting(diagnostics));
            }
            let unknown = unknown_item(program, name, "gate", |r| matches!(r, ItemRef::Gate(_)));
            return Err(Stopped::new(Status::CouldNotRun, vec![unknown]));
        };
        let mut problems: Vec<Diagnostic> = overrides
            .iter()
            .filter(|o| program.policy(o).is_none())
            .map(|o| {
                let help = did_you_mean(
                    o,
                    def.policies
                        .iter()
                        .filter_map(|p| program.policies.get(p.policy.index()))
                        .map(|p| &*p.name),
                );
                Diagnostic::new(Code::InvalidOverride, format!("`--override {o}` names no policy"))
                    .with_help(help.unwrap_or_else(|| format!("override one of the policies gate `{name}` runs")))
            })
            .collect();
        let mut used = SourcesUsed::new(program);
        for gate_policy in &def.policies {
            used.policy(gate_policy.policy);
            for arg in gate_policy.args.iter().flatten() {
                used.expr(arg);
            }
        }
        problems.extend(missing_inputs_in(program, data, &used, &format!("gate `{name}`")));
        for input in def.inputs.iter().filter(|i| !data.input_given(&i.name)) {
            problems.push(
                Diagnostic::new(
                    Code::MissingInput,
                    format!("gate `{name}` needs its input `{}`", input.name),
                )
                .at(input.span, "declared here")
                .with_help(format!("pass it with `--input {}=FILE`", input.name)),
            );
        }
        if !problems.is_empty() {
            return Err(Stopped::new(Status::CouldNotRun, problems));
        }
        if diagnostics.has_errors() {
            return Err(Stopped::wanting(diagnostics));
        }
        let env = Env::new(program, sources, &data.sources, host);
        let overrides: Vec<Arc<str>> = overrides.iter().map(|o| Arc::from(o.as_str())).collect();
        let result = env.run_gate(id, &data.gate_inputs, &overrides);
        let mut all = diagnostics.into_vec();
        for policy in &result.policies {
            all.extend(report::decision_diagnostics(
                &env,
                &policy.result,
                Context::Gate(policy.verdict),
            ));
            all.extend(decision_expiry_diagnostics(program, &policy.result));
        }
        all.extend(report::unused_waiver_diagnostics(&env, &result.unused_waivers));
        let status = if could_not_run(&all) {
            Status::CouldNotRun
        } else if result.passed {
            Status::Passed
        } else {
            Status::Failed
        };
        Ok(GateRun {
            env,
            result,
            diagnostics: all,
            status,
        })
    }
}
