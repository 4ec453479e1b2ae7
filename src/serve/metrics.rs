//! Prometheus metrics in its text format, written by hand: requests by route and status,
//! request latency by route, decisions by outcome, flag evaluations by reason, reloads by
//! result. Counters live behind one lock; a request takes it once.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// The latency buckets' upper bounds, in seconds.
const BUCKETS: &[f64] = &[
    0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Counters>,
}

#[derive(Default)]
struct Counters {
    /// By route pattern: requests by status, and their latency.
    routes: BTreeMap<String, Route>,
    decisions: BTreeMap<(&'static str, String), u64>,
    flags: BTreeMap<(&'static str, &'static str), u64>,
    reloads: BTreeMap<&'static str, u64>,
}

#[derive(Default)]
struct Route {
    statuses: BTreeMap<u16, u64>,
    latency: Histogram,
}

#[derive(Default)]
struct Histogram {
    /// Per bucket of [`BUCKETS`], not cumulative; the last slot is `+Inf`.
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        if self.counts.is_empty() {
            self.counts = vec![0; BUCKETS.len() + 1];
        }
        let slot = BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(BUCKETS.len());
        if let Some(count) = self.counts.get_mut(slot) {
            *count += 1;
        }
        self.sum += seconds;
        self.count += 1;
    }
}

impl Metrics {
    fn with<R>(&self, f: impl FnOnce(&mut Counters) -> R) -> R {
        match self.inner.lock() {
            Ok(mut guard) => f(&mut guard),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    pub fn request(&self, route: &str, status: u16, latency: Duration) {
        self.with(|c| {
            // Looked up by `&str`: a route seen before costs no allocation.
            let stats = match c.routes.get_mut(route) {
                Some(stats) => stats,
                None => c.routes.entry(route.to_string()).or_default(),
            };
            *stats.statuses.entry(status).or_default() += 1;
            stats.latency.observe(latency.as_secs_f64());
        });
    }

    /// A policy's or gate's decision (`kind`): `allow`, `deny`, `indeterminate`, `pass`,
    /// `fail`, or `error` when it could not be made.
    pub fn decision(&self, kind: &'static str, outcome: &str) {
        self.with(|c| *c.decisions.entry((kind, outcome.to_string())).or_default() += 1);
    }

    /// A flag evaluation, by reason and error code (`""` for none).
    pub fn flag(&self, reason: &'static str, error: &'static str) {
        self.with(|c| *c.flags.entry((reason, error)).or_default() += 1);
    }

    /// A reload of the project, `applied` or `refused`.
    pub fn reload(&self, result: &'static str) {
        self.with(|c| *c.reloads.entry(result).or_default() += 1);
    }

    /// Everything, in the Prometheus text format.
    pub fn render(&self) -> String {
        self.with(|c| {
            let mut out = String::new();
            header(
                &mut out,
                "cpl_http_requests_total",
                "counter",
                "HTTP requests by route and status.",
            );
            for (route, stats) in &c.routes {
                for (status, n) in &stats.statuses {
                    let _ = writeln!(
                        out,
                        "cpl_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                        escape(route)
                    );
                }
            }
            header(
                &mut out,
                "cpl_http_request_duration_seconds",
                "histogram",
                "HTTP request latency by route.",
            );
            for (route, stats) in &c.routes {
                histogram(&mut out, &escape(route), &stats.latency);
            }
            header(
                &mut out,
                "cpl_decisions_total",
                "counter",
                "Policy and gate decisions by outcome.",
            );
            for ((kind, outcome), n) in &c.decisions {
                let _ = writeln!(
                    out,
                    "cpl_decisions_total{{kind=\"{kind}\",outcome=\"{}\"}} {n}",
                    escape(outcome)
                );
            }
            header(
                &mut out,
                "cpl_flag_evaluations_total",
                "counter",
                "Flag evaluations by reason and error code.",
            );
            for ((reason, error), n) in &c.flags {
                let _ = writeln!(
                    out,
                    "cpl_flag_evaluations_total{{reason=\"{reason}\",error_code=\"{error}\"}} {n}"
                );
            }
            header(&mut out, "cpl_reloads_total", "counter", "Project reloads by result.");
            for result in ["applied", "refused"] {
                let n = c.reloads.get(result).copied().unwrap_or(0);
                let _ = writeln!(out, "cpl_reloads_total{{result=\"{result}\"}} {n}");
            }
            out
        })
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn histogram(out: &mut String, route: &str, h: &Histogram) {
    let name = "cpl_http_request_duration_seconds";
    let mut cumulative = 0;
    for (bound, count) in BUCKETS.iter().zip(&h.counts) {
        cumulative += count;
        let _ = writeln!(out, "{name}_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}");
    }
    let _ = writeln!(out, "{name}_bucket{{route=\"{route}\",le=\"+Inf\"}} {}", h.count);
    let _ = writeln!(out, "{name}_sum{{route=\"{route}\"}} {}", h.sum);
    let _ = writeln!(out, "{name}_count{{route=\"{route}\"}} {}", h.count);
}

/// A label value as the text format writes it.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}
