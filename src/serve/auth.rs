//! Bearer tokens: `--token-file` holds one per line; every request but `/health` must
//! carry one as `Authorization: Bearer …`. Tokens are kept as digests and compared in
//! constant time, and never written anywhere.

use std::path::Path;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};

use super::http::error_response;
use super::state::State as Shared;

/// The accepted tokens, as SHA-256 digests.
#[derive(Clone)]
pub struct Tokens {
    digests: Vec<[u8; 32]>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tokens({} kept as digests)", self.digests.len())
    }
}

impl Tokens {
    /// The tokens of a file, one per line; blank lines and `#` comments are skipped. A
    /// file with no token is an error: it would lock every client out.
    pub fn from_file(path: &Path) -> Result<Tokens, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the token file `{}`: {e}", path.display()))?;
        let tokens = Tokens::from_lines(&text);
        if tokens.digests.is_empty() {
            return Err(format!(
                "the token file `{}` holds no token (one per line)",
                path.display()
            ));
        }
        Ok(tokens)
    }

    fn from_lines(text: &str) -> Tokens {
        let digests = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(digest)
            .collect();
        Tokens { digests }
    }

    /// Whether `given` is one of the tokens. Every token is compared, each over its whole
    /// digest, so that the time taken says nothing about how close `given` came.
    pub fn accepts(&self, given: &str) -> bool {
        let given = digest(given);
        let mut found = 0u8;
        for token in &self.digests {
            let difference = token.iter().zip(given.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b));
            found |= u8::from(difference == 0);
        }
        found == 1
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Refuses a request without a valid bearer token (401), but for `/health`.
pub async fn require_token(State(state): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let Some(tokens) = &state.options.tokens else {
        return next.run(request).await;
    };
    if request.uri().path() == "/health" {
        return next.run(request).await;
    }
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if given.is_some_and(|token| tokens.accepts(token)) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_string();
    let version = state.current().version.clone();
    let mut response = error_response(
        &path,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "this server needs `Authorization: Bearer TOKEN` with one of its tokens",
        &version,
    );
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::Tokens;

    #[test]
    fn accepts_only_listed_tokens() {
        let tokens = Tokens::from_lines("# ops\nalpha\n\n  beta  \n");
        assert!(tokens.accepts("alpha"));
        assert!(tokens.accepts("beta"));
        assert!(!tokens.accepts("alph"));
        assert!(!tokens.accepts(""));
        assert!(!tokens.accepts("# ops"));
    }

    #[test]
    fn no_token_in_a_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens");
        std::fs::write(&path, "# none yet\n\n").unwrap();
        assert!(Tokens::from_file(&path).is_err());
    }
}
