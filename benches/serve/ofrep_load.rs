//! A load client for `cpl serve`'s OFREP route: N keep-alive connections, one thread
//! each, sending `POST /ofrep/v1/evaluate/flags/{key}` over raw HTTP/1.1 for a fixed
//! time, then printing throughput and the latency distribution.
//!
//! ```text
//! cargo run --release --example ofrep_load -- --addr 127.0.0.1:8181 --connections 8 --seconds 10 --key new-ai-model
//! ```
//!
//! Run it in its own process (and on its own core, with `taskset`), so that the server's
//! figures do not include the client's work.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

struct Options {
    addr: String,
    connections: usize,
    seconds: u64,
    key: String,
    context: String,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        addr: "127.0.0.1:8181".to_string(),
        connections: 8,
        seconds: 10,
        key: "new-ai-model".to_string(),
        context: r#"{"targetingKey":"user-1","tenant":{"id":"tenant-42","tier":"pro"}}"#.to_string(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("`{flag}` needs a value"))?;
        match flag.as_str() {
            "--addr" => options.addr = value,
            "--connections" => options.connections = value.parse().map_err(|_| "--connections: a number")?,
            "--seconds" => options.seconds = value.parse().map_err(|_| "--seconds: a number")?,
            "--key" => options.key = value,
            "--context" => options.context = value,
            _ => return Err(format!("unknown option `{flag}`")),
        }
    }
    Ok(options)
}

/// What one connection saw.
#[derive(Default)]
struct Tally {
    /// Latencies in microseconds.
    latencies: Vec<u32>,
    /// Answers by status class: 2xx, 4xx, other.
    ok: u64,
    client_errors: u64,
    other: u64,
}

fn main() {
    let options = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("ofrep_load: {message}");
            std::process::exit(2);
        }
    };
    let body = format!(r#"{{"context":{}}}"#, options.context);
    let request = format!(
        "POST /ofrep/v1/evaluate/flags/{} HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{}",
        options.key,
        options.addr,
        body.len(),
        body
    );
    let until = Instant::now() + Duration::from_secs(options.seconds);
    let started = Instant::now();
    let handles: Vec<_> = (0..options.connections)
        .map(|_| {
            let (addr, request) = (options.addr.clone(), request.clone());
            std::thread::spawn(move || drive(&addr, request.as_bytes(), until))
        })
        .collect();
    let mut all = Tally::default();
    for handle in handles {
        match handle.join() {
            Ok(Ok(tally)) => {
                all.latencies.extend(tally.latencies);
                all.ok += tally.ok;
                all.client_errors += tally.client_errors;
                all.other += tally.other;
            }
            Ok(Err(e)) => eprintln!("ofrep_load: a connection failed: {e}"),
            Err(_) => eprintln!("ofrep_load: a connection's thread failed"),
        }
    }
    report(&mut all, started.elapsed(), &options);
}

/// Sends requests on one connection until `until`.
fn drive(addr: &str, request: &[u8], until: Instant) -> std::io::Result<Tally> {
    let stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut tally = Tally::default();
    let mut line = String::new();
    let mut body = Vec::new();
    while Instant::now() < until {
        let sent = Instant::now();
        writer.write_all(request)?;
        line.clear();
        reader.read_line(&mut line)?;
        let status: u16 = line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut length = 0usize;
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
        let micros = u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX);
        tally.latencies.push(micros);
        match status {
            200..=299 => tally.ok += 1,
            400..=499 => tally.client_errors += 1,
            _ => tally.other += 1,
        }
    }
    Ok(tally)
}

fn report(all: &mut Tally, elapsed: Duration, options: &Options) {
    all.latencies.sort_unstable();
    let count = all.latencies.len();
    let at = |q: f64| {
        let index = ((count as f64 - 1.0) * q).round() as usize;
        all.latencies.get(index).copied().unwrap_or(0)
    };
    let rate = count as f64 / elapsed.as_secs_f64();
    println!(
        "{count} requests in {:.1} s over {} connections: {rate:.0} req/s",
        elapsed.as_secs_f64(),
        options.connections
    );
    println!("status: {} 2xx, {} 4xx, {} other", all.ok, all.client_errors, all.other);
    println!(
        "latency (µs): p50 {}  p90 {}  p99 {}  p99.9 {}  max {}",
        at(0.50),
        at(0.90),
        at(0.99),
        at(0.999),
        all.latencies.last().copied().unwrap_or(0)
    );
}
