//! A tiny HTTP/1.1 server on `127.0.0.1:0` with canned routes, for the `http`
//! connector's tests. One thread per connection, `Connection: close` on every reply.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use serde_json::{Map, Value, json};

/// How long `/slow` waits before answering.
pub const SLOW: Duration = Duration::from_secs(3);

/// Starts a server and returns its base URL, e.g. `http://127.0.0.1:40123`.
///
/// Routes: `/echo` (200, the request as JSON), `/notify` (200, a delivery receipt),
/// `/fail` (500, a text body), `/reflect` (200, the `x-api-key` and bearer token
/// sent, echoed back plain, JSON-escaped and percent-encoded, as a careless service
/// would), `/reflect-fail` (500, the same as text),
/// `/big-fail` (502, 2000 characters), `/slow` (200 after [`SLOW`]), `/html` (200, not
/// JSON), `/empty` (200, no body), `/no-content` (204), `/redirect` (302 to `/echo`).
pub fn start() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
    let addr = listener.local_addr().expect("local address");
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || {
                let _ = handle(stream);
            });
        }
    });
    format!("http://{addr}")
}

/// A base URL where nothing listens: a port bound and released at once.
pub fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
    let addr = listener.local_addr().expect("local address");
    drop(listener);
    format!("http://{addr}")
}

fn handle(stream: TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();

    let mut headers = Map::new();
    let mut length = 0_usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            let name = name.trim().to_ascii_lowercase();
            let value = value.trim().to_owned();
            if name == "content-length" {
                length = value.parse().unwrap_or(0);
            }
            headers.insert(name, Value::String(value));
        }
    }
    let mut body = vec![0_u8; length];
    reader.read_exact(&mut body)?;

    // Routes are matched on the last segment, so a base URL may have a path of its own.
    let route = format!("/{}", path.rsplit('/').next().unwrap_or_default());
    let (status, content_type, reply, extra) = match route.as_str() {
        "/echo" => {
            let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let reply = json!({ "method": method, "path": path, "body": body, "headers": headers });
            ("200 OK", "application/json", reply.to_string(), "")
        }
        "/reflect" => ("200 OK", "application/json", reflect(&headers).to_string(), ""),
        "/reflect-fail" => (
            "500 Internal Server Error",
            "text/plain",
            format!("cannot use {}", reflect(&headers)),
            "",
        ),
        "/notify" => (
            "200 OK",
            "application/json",
            json!({ "delivered": true, "id": "msg-1" }).to_string(),
            "",
        ),
        "/fail" => (
            "500 Internal Server Error",
            "text/plain",
            "model store unavailable:\ndisk full".to_owned(),
            "",
        ),
        "/big-fail" => ("502 Bad Gateway", "text/plain", "E".repeat(2000), ""),
        "/slow" => {
            thread::sleep(SLOW);
            ("200 OK", "application/json", "{}".to_owned(), "")
        }
        "/html" => (
            "200 OK",
            "text/html",
            "<html><body>maintenance</body></html>".to_owned(),
            "",
        ),
        "/empty" => ("200 OK", "application/json", String::new(), ""),
        "/no-content" => ("204 No Content", "application/json", String::new(), ""),
        "/redirect" => ("302 Found", "text/plain", String::new(), "location: /echo\r\n"),
        _ => ("404 Not Found", "text/plain", "no such route".to_owned(), ""),
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\
         {extra}connection: close\r\n\r\n{reply}",
        reply.len()
    )?;
    stream.flush()
}

/// A careless service's echo of the credentials it was sent.
fn reflect(headers: &Map<String, Value>) -> Value {
    let header = |name: &str| headers.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    let key = header("x-api-key");
    let token = header("authorization").trim_start_matches("Bearer ").to_owned();
    let percent = |text: &str| text.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
    json!({
        "key": key,
        "token": token,
        "escaped": [Value::String(key.clone()).to_string(), Value::String(token.clone()).to_string()],
        "percent": [percent(&key), percent(&token)],
    })
}
