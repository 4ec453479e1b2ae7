//! Keeping secrets out of the run log and the terminal. A `secret` value prints as
//! `***` by itself; this also masks its text wherever it turns up later — in a
//! program's standard error, an error message, a reply — the way CI systems mask
//! their secrets in logs.

use serde_json::Value as Json;

use crate::eval::Value;

/// Secrets shorter than this are not searched for in text: masking every `a` would
/// ruin the log and protect nothing.
pub const MIN_MASKED_LEN: usize = 4;

const MASK: &str = "***";

/// The secret texts seen so far in a run.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Remembers every secret inside `value` (records, lists and maps included).
    pub fn learn(&mut self, value: &Value) {
        let mut stack = vec![value];
        while let Some(v) = stack.pop() {
            match v {
                Value::Secret(s) => self.add(s),
                Value::List(l) => stack.extend(l.items.iter()),
                Value::Map(m) => stack.extend(m.values()),
                Value::Record(r) => stack.extend(r.fields.iter()),
                _ => {}
            }
        }
    }

    /// Remembers one secret text.
    pub fn add(&mut self, secret: &str) {
        if secret.len() >= MIN_MASKED_LEN && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_owned());
            // Longest first, so a secret that contains another is masked whole.
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// `text` with every known secret replaced by `***`.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        out
    }

    /// The value as JSON for showing and recording: secrets as `***`, and known secret
    /// texts masked inside strings and keys too.
    pub fn value(&self, value: &Value) -> Json {
        self.json(value.to_json(false))
    }

    /// Masks known secret texts inside JSON.
    pub fn json(&self, json: Json) -> Json {
        if self.secrets.is_empty() {
            return json;
        }
        match json {
            Json::String(s) => Json::String(self.text(&s)),
            Json::Array(items) => Json::Array(items.into_iter().map(|v| self.json(v)).collect()),
            Json::Object(map) => Json::Object(map.into_iter().map(|(k, v)| (self.text(&k), self.json(v))).collect()),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn secrets_are_masked_in_text_and_json() {
        let mut r = Redactor::new();
        r.learn(&Value::list(vec![
            Value::Secret(Arc::from("hunter2-token")),
            Value::Secret(Arc::from("abc")),
        ]));
        r.add("hunter2-token-long");
        assert_eq!(
            r.text("auth failed for hunter2-token-long and hunter2-token; abc stays"),
            "auth failed for *** and ***; abc stays"
        );
        let json = serde_json::json!({"echo": ["x hunter2-token y"], "hunter2-token": 1});
        assert_eq!(r.json(json), serde_json::json!({"echo": ["x *** y"], "***": 1}));
        assert_eq!(r.value(&Value::Secret(Arc::from("whatever"))), serde_json::json!("***"));
    }
}
