//! Resolving a config for an environment through the facade: `cpl config`, and the
//! server's `GET /v1/config/{name}?env=E`.

use std::sync::Arc;

use super::{Session, Status, Stopped, unknown_item};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::ir::{ConfigDef, ItemRef, SourcesUsed};

/// A config's resolved document.
#[derive(Debug)]
pub struct Resolved {
    pub name: Arc<str>,
    /// The environment resolved; `None` when the project declares none.
    pub env: Option<Arc<str>>,
    /// The fields in declaration order, groups as objects; secrets as `"***"` unless
    /// revealed.
    pub document: serde_json::Value,
    /// Warnings found on the way.
    pub diagnostics: Vec<Diagnostic>,
}

impl Session {
    /// The resolved document of config `name` for `env` (`None`: the project's default
    /// environment from `cpl.toml`, else the first declared one, else none), secrets
    /// masked unless `reveal`. An unknown config or environment stops it with a "did you
    /// mean"; so does a project that does not check, and a value that cannot be resolved
    /// (no partial document is ever returned).
    pub fn config(&self, name: &str, env: Option<&str>, reveal: bool) -> Result<Resolved, Stopped> {
        let program = &self.project.program;
        let diagnostics = self.diagnostics();
        let Some((_, def)) = program.config(name) else {
            if diagnostics.has_errors() {
                return Err(Stopped::wanting(diagnostics));
            }
            let unknown = unknown_item(program, name, "config", |r| matches!(r, ItemRef::Config(_)));
            return Err(Stopped::new(Status::CouldNotRun, vec![unknown]));
        };
        let environment = self
            .environment(env)
            .map_err(|d| Stopped::new(Status::CouldNotRun, vec![d]))?;
        if diagnostics.has_errors() {
            return Err(Stopped::wanting(diagnostics));
        }
        let missing = self.missing_inputs(&config_sources(program, def), &format!("config `{name}`"));
        if !missing.is_empty() {
            return Err(Stopped::new(Status::CouldNotRun, missing));
        }
        let env_for_eval = self.env();
        match crate::eval::config::resolve(&env_for_eval, def, environment.as_deref(), reveal) {
            Ok(document) => Ok(Resolved {
                name: def.name.clone(),
                env: environment,
                document,
                diagnostics: diagnostics.into_vec(),
            }),
            Err(problems) => {
                let mut all = diagnostics;
                all.extend(problems);
                Err(Stopped::wanting(all))
            }
        }
    }

    /// The environment to resolve: the one asked for, which must be declared; else the
    /// default of `cpl.toml`; else the first declared; else none.
    fn environment(&self, asked: Option<&str>) -> Result<Option<Arc<str>>, Diagnostic> {
        let declared = &self.project.program.environments;
        let Some(asked) = asked else {
            let default = self.project.config.default_environment.as_deref();
            let chosen = match default {
                Some(name) => declared.iter().find(|e| &*e.name == name),
                None => declared.first(),
            };
            return Ok(chosen.map(|e| e.name.clone()));
        };
        if let Some(found) = declared.iter().find(|e| &*e.name == asked) {
            return Ok(Some(found.name.clone()));
        }
        let names: Vec<&str> = declared.iter().map(|e| &*e.name).collect();
        let help = did_you_mean(asked, names.iter().copied()).unwrap_or_else(|| {
            if names.is_empty() {
                "this project declares no environments: leave out `--env`".to_string()
            } else {
                let listed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                format!("the environments are {}", listed.join(", "))
            }
        });
        Err(Diagnostic::new(Code::UnknownEnvironment, format!("no environment named `{asked}`")).with_help(help))
    }
}

/// The sources any value of a config may read.
fn config_sources<'p>(program: &'p crate::ir::Program, def: &ConfigDef) -> SourcesUsed<'p> {
    let mut used = SourcesUsed::new(program);
    for leaf in &def.leaves {
        if let Some(default) = &leaf.default {
            used.expr(&default.expr);
        }
        if let Some(constraint) = &leaf.constraint {
            used.expr(&constraint.expr);
        }
    }
    for block in &def.envs {
        for o in &block.overrides {
            used.expr(&o.value.expr);
        }
    }
    used
}
