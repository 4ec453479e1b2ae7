//! The `http` connector: `POST {base_url}/{action}` with the arguments as a JSON body,
//! one JSON value back.

use std::io;

use serde_json::Value;
use ureq::Agent;

use super::{ConnectorError, excerpt};
use crate::time::Duration;

/// The largest reply body read, in bytes.
pub const BODY_LIMIT: u64 = 16 * 1024 * 1024;

/// One call of an action of an `http` connector.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpCall {
    /// The connector's `url`, e.g. `http://127.0.0.1:8700` (a trailing `/` is fine).
    pub base_url: String,
    /// The action's name, the last segment of the URL.
    pub action: String,
    pub args: Value,
    /// The whole exchange, connecting to reading the last byte of the reply.
    pub timeout: Duration,
    /// Sent as given, after `content-type` and `accept`; never quoted in errors.
    pub headers: Vec<(String, String)>,
}

impl HttpCall {
    /// `{base_url}/{action}` with exactly one `/` between them.
    pub fn url(&self) -> String {
        format!(
            "{}/{}",
            self.base_url.trim_end_matches('/'),
            self.action.trim_start_matches('/')
        )
    }
}

/// Makes the call. Any 2xx reply must be JSON (a `204 No Content` reads as `null`);
/// redirects are not followed (a 3xx is a failure like any other non-2xx status),
/// since following one would turn the `POST` into a `GET` or drop its body.
pub fn call_http(call: &HttpCall) -> Result<Value, ConnectorError> {
    let url = call.url();
    if call.timeout.nanos() <= 0 {
        return Err(ConnectorError::InvalidCall(format!(
            "the timeout of `POST {url}` must be positive, not {}",
            call.timeout
        )));
    }
    if let Some((name, _)) = call.headers.iter().find(|(_, value)| !is_header_text(value)) {
        // The value may be a secret: the message names the header only.
        return Err(ConnectorError::InvalidCall(format!(
            "the header `{name}` of `POST {url}` has characters an HTTP header cannot carry \
             (printable ASCII only)"
        )));
    }
    let agent: Agent = Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(call.timeout.to_std()))
        .max_redirects(0)
        .max_redirects_will_error(false)
        .build()
        .into();
    let mut request = agent
        .post(&url)
        .header("accept", "application/json")
        .header("user-agent", concat!("cpl/", env!("CARGO_PKG_VERSION")));
    for (name, value) in &call.headers {
        request = request.header(name, value);
    }
    let failed = |e| classify(e, &url, call.timeout);
    let response = request.send_json(&call.args).map_err(failed)?;
    let status = response.status().as_u16();
    let body = response.into_body().into_with_config().limit(BODY_LIMIT).read_to_vec();
    if !(200..300).contains(&status) {
        // The status is the failure; a body that cannot be read only loses the excerpt.
        let body = body.unwrap_or_default();
        return Err(ConnectorError::HttpStatus {
            url,
            status,
            excerpt: excerpt(&String::from_utf8_lossy(&body)),
        });
    }
    let body = match body {
        Ok(body) => body,
        Err(ureq::Error::BodyExceedsLimit(limit)) => {
            return Err(ConnectorError::TooLarge {
                what: format!("the reply of `POST {url}`"),
                limit,
                stderr: None,
            });
        }
        Err(e) => return Err(failed(e)),
    };
    if status == 204 && body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&body).map_err(|e| ConnectorError::NotJson {
        what: format!("the reply of `POST {url}`"),
        reason: if body.iter().all(u8::is_ascii_whitespace) {
            "it is empty".to_owned()
        } else {
            e.to_string()
        },
        excerpt: excerpt(&String::from_utf8_lossy(&body)),
        stderr: None,
    })
}

/// Printable ASCII, spaces and tabs: what a header value may hold (RFC 9110).
fn is_header_text(value: &str) -> bool {
    value.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
}

/// How std's `ToSocketAddrs` words a failed DNS lookup.
const LOOKUP_FAILED: &str = "failed to lookup address information";

/// Sorts ureq's errors into the failures a user can act on differently.
fn classify(error: ureq::Error, url: &str, timeout: Duration) -> ConnectorError {
    let url = url.to_owned();
    match error {
        ureq::Error::Timeout(_) => ConnectorError::HttpTimeout { url, after: timeout },
        ureq::Error::Io(e) => match e.kind() {
            io::ErrorKind::ConnectionRefused => ConnectorError::ConnectionRefused { url },
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ConnectorError::HttpTimeout { url, after: timeout },
            io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable | io::ErrorKind::AddrNotAvailable => {
                ConnectorError::Unreachable {
                    url,
                    reason: e.to_string(),
                }
            }
            // std reports a failed name lookup with an uncategorized kind; its message
            // is the only way to tell it from a connection that broke mid-exchange.
            _ if e.to_string().starts_with(LOOKUP_FAILED) => ConnectorError::Unreachable {
                url,
                reason: format!(
                    "cannot resolve its host name ({})",
                    e.to_string()
                        .trim_start_matches(LOOKUP_FAILED)
                        .trim_start_matches(':')
                        .trim()
                        .to_lowercase()
                ),
            },
            _ => ConnectorError::Http {
                url,
                reason: e.to_string(),
            },
        },
        ureq::Error::HostNotFound => ConnectorError::Unreachable {
            url,
            reason: "host not found".to_owned(),
        },
        ureq::Error::ConnectionFailed => ConnectorError::Unreachable {
            url,
            reason: "the connection failed".to_owned(),
        },
        ureq::Error::BadUri(reason) => ConnectorError::InvalidCall(format!("`{url}` is not a valid URL: {reason}")),
        ureq::Error::Http(e) => ConnectorError::InvalidCall(format!("cannot build the request to `{url}`: {e}")),
        ureq::Error::BodyExceedsLimit(limit) => ConnectorError::TooLarge {
            what: format!("the reply of `POST {url}`"),
            limit,
            stderr: None,
        },
        other => ConnectorError::Http {
            url,
            reason: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(base: &str, action: &str) -> HttpCall {
        HttpCall {
            base_url: base.into(),
            action: action.into(),
            args: Value::Null,
            timeout: Duration::from_nanos(1),
            headers: Vec::new(),
        }
    }

    #[test]
    fn urls_join_with_one_slash() {
        assert_eq!(call("http://h:1", "go").url(), "http://h:1/go");
        assert_eq!(call("http://h:1/", "go").url(), "http://h:1/go");
        assert_eq!(call("http://h:1/api//", "/go").url(), "http://h:1/api/go");
    }

    #[test]
    fn a_zero_timeout_is_refused_before_connecting() {
        let mut c = call("http://127.0.0.1:9", "go");
        c.timeout = Duration::ZERO;
        assert!(matches!(call_http(&c), Err(ConnectorError::InvalidCall(_))));
    }
}
