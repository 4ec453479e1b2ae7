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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use std::collections::HashMap;

    use super::*;
    use crate::session::{OpenOptions, Vars};

    const SOURCE: &str = r#"
environments [dev, production]

config platform {
  url: secret = secret("URL")
  pool_size: int = 10 where it >= 1
  env production { pool_size = int(env("POOL", "50")) }
}
"#;

    fn session(vars: &[(&str, &str)]) -> (tempfile::TempDir, Session) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.cp"), SOURCE).unwrap();
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let options = OpenOptions {
            vars: Vars::Fixed(vars),
            ..OpenOptions::new(jiff::Timestamp::UNIX_EPOCH)
        };
        let session = Session::open(dir.path(), &options);
        (dir, session)
    }

    #[test]
    fn resolves_the_first_environment_by_default_and_masks_secrets() {
        let (_dir, session) = session(&[("URL", "postgres://secret")]);
        let resolved = session.config("platform", None, false).unwrap();
        assert_eq!(resolved.env.as_deref(), Some("dev"));
        assert_eq!(resolved.document, serde_json::json!({ "url": "***", "pool_size": 10 }));
        let revealed = session.config("platform", Some("production"), true).unwrap();
        assert_eq!(
            revealed.document,
            serde_json::json!({ "url": "postgres://secret", "pool_size": 50 })
        );
    }

    #[test]
    fn unknown_names_could_not_run_and_failed_values_produce_no_document() {
        let (_dir, session) = session(&[("URL", "x"), ("POOL", "0")]);
        let unknown = session.config("platform", Some("prod"), false).unwrap_err();
        assert_eq!(unknown.status, Status::CouldNotRun);
        assert_eq!(unknown.diagnostics[0].code, Code::UnknownEnvironment);
        let unknown = session.config("platfrom", None, false).unwrap_err();
        assert_eq!(unknown.status, Status::CouldNotRun);
        assert_eq!(unknown.diagnostics[0].help.as_deref(), Some("did you mean `platform`?"));
        let failed = session.config("platform", Some("production"), false).unwrap_err();
        assert_eq!(failed.status, Status::Failed);
        assert_eq!(failed.diagnostics[0].code, Code::ConfigConstraint);
    }
}
