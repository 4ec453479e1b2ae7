//! The values a workflow can read through `secret(…)` and `env(…)`, found before its
//! first step: the masker must know them before any program it starts can print them.
//!
//! Everything the workflow can reach is searched — its parameters' defaults, its steps'
//! arguments and conditions, the settings of the connectors it calls, and the
//! constants, functions and policies those use — and every value read through
//! `secret(…)` or `env(…)` there is masked. One exception: `env(…)` read by an `http`
//! connector's `url` is an address, shown in the plan and in errors; only the password
//! of a URL written `scheme://user:password@host` is masked.

use crate::eval::{Env, new_frame};

use crate::ir::Value;
use crate::ir::{Builtin, ConnectorKind, Expr, ExprKind, Reach, StepCall, Visit, WorkflowDef};

/// Slots for the locals a built-in's name argument may use (comprehension variables).
const NAME_LOCALS: u32 = 64;

/// The texts to mask in a run of `workflow`, read from the host now.
pub fn sensitive_values(env: &Env<'_>, workflow: &WorkflowDef) -> Vec<String> {
    let mut everywhere = reads(env, true);
    let mut in_urls = reads(env, false);
    let mut urls = Vec::new();
    for param in &workflow.params {
        if let Some(default) = &param.default {
            everywhere.expr(default);
        }
    }
    for step in &workflow.steps {
        if let Some(when) = &step.when {
            everywhere.expr(when);
        }
        match &step.call {
            StepCall::Policy { policy, args } => {
                args.iter().flatten().for_each(|a| everywhere.expr(a));
                everywhere.policy(*policy);
            }
            StepCall::Action { connector, args, .. } => {
                args.iter().for_each(|a| everywhere.expr(a));
                match env.program.connectors.get(connector.index()).map(|c| &c.kind) {
                    Some(ConnectorKind::Http {
                        url, headers, token, ..
                    }) => {
                        in_urls.expr(url);
                        urls.push(url);
                        headers.iter().for_each(|(_, v)| everywhere.expr(v));
                        token.iter().for_each(|t| everywhere.expr(t));
                    }
                    Some(ConnectorKind::Exec { env: variables, .. }) => {
                        variables.iter().for_each(|(_, v)| everywhere.expr(v));
                    }
                    None => {}
                }
            }
            StepCall::Log(e) | StepCall::Fail(e) => everywhere.expr(e),
        }
    }
    let mut values = everywhere.visitor.values;
    values.extend(in_urls.visitor.values);
    for url in urls {
        if let Ok(value) = env.eval(url, &mut new_frame(NAME_LOCALS))
            && let Some(password) = url_password(&sent_text(&value))
        {
            values.push(password.to_owned());
        }
    }
    values
}

/// The password of `scheme://user:password@host/…`, if the URL has one.
pub fn url_password(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let (userinfo, _) = authority.rsplit_once('@')?;
    let (_, password) = userinfo.split_once(':')?;
    (!password.is_empty()).then_some(password)
}

/// A setting's text as sent: a secret's own, anything else as interpolation shows it.
fn sent_text(value: &Value) -> String {
    match value {
        Value::Secret(s) | Value::Str(s) => s.to_string(),
        other => other.to_string(),
    }
}

/// What a set of expressions reads through `secret(…)` (and `env(…)` when `env_too`),
/// following constants, functions and policies, each once.
type Reads<'e, 'a> = Reach<'e, SecretReads<'e, 'a>>;

fn reads<'e, 'a>(env: &'e Env<'a>, env_too: bool) -> Reads<'e, 'a> {
    Reach::new(
        env.program,
        SecretReads {
            env,
            env_too,
            values: Vec::new(),
        },
    )
}

/// The values read by the `secret(…)` and `env(…)` calls [`Reach`] comes to.
struct SecretReads<'e, 'a> {
    env: &'e Env<'a>,
    env_too: bool,
    values: Vec<String>,
}

impl Visit for SecretReads<'_, '_> {
    fn visit(&mut self, e: &Expr) {
        if let ExprKind::Builtin { builtin, args } = &e.kind {
            self.builtin(*builtin, args);
        }
    }
}

impl SecretReads<'_, '_> {
    /// Reads the variable a `secret(…)` or `env(…)` names. A name computed from what
    /// only the run knows (a step's output, a function's parameter) cannot be read now;
    /// its value is masked from the moment a step evaluates it as a `secret`.
    fn builtin(&mut self, builtin: Builtin, args: &[Expr]) {
        if !(builtin == Builtin::Secret || self.env_too && builtin == Builtin::Env) {
            return;
        }
        let Some(name) = args.first() else {
            return;
        };
        if let Ok(Value::Str(name)) = self.env.eval(name, &mut new_frame(NAME_LOCALS))
            && let Some(value) = self.env.host.env_var(&name)
        {
            self.values.push(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_passwords_are_found() {
        assert_eq!(url_password("https://bot:s3cret@h.example/x"), Some("s3cret"));
        assert_eq!(url_password("https://bot:s3c@ret@h.example"), Some("s3c@ret"));
        assert_eq!(url_password("https://bot@h.example/a:b@c"), None);
        assert_eq!(url_password("http://127.0.0.1:8700"), None);
        assert_eq!(url_password("no scheme"), None);
    }
}
