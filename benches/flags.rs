//! Timing of one flag evaluation through the facade: `cargo bench --bench flags`.
//!
//! - `prepared context`: `Session::evaluate_flag_in` with a context already read, the
//!   in-process path a service takes when it evaluates several flags in one context;
//! - `JSON context`: `Session::evaluate_flag`, which also reads the JSON context against
//!   the `context` type, as `cpl flag` and the OFREP server do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a benchmark"
)]

use std::hint::black_box;

use cpl::session::{OpenOptions, Session, Vars};
use criterion::{Criterion, criterion_group, criterion_main};

const PROJECT: &str = r#"
context {
  tenant: { id: string, tier: "free" | "pro" | "enterprise" }
  user: { id: string }?
}

flag new_ai_model: bool {
  default false
  when context.tenant.tier == "enterprise" => true
  when context.tenant.id in ["tenant123"] => true
  rollout 25% => true by context.tenant.id
}

flag checkout_flow: "a" | "b" | "c" {
  default "a"
  split by context.user?.id ?? context.tenant.id { "a": 50%, "b": 30%, "c": 20% }
}

flag beta_features: bool {
  default false
  enabled false
}
"#;

fn flags(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.cp"), PROJECT).unwrap();
    let options = OpenOptions {
        vars: Vars::Fixed(Default::default()),
        ..OpenOptions::new("2026-06-01T00:00:00Z".parse().unwrap())
    };
    let session = Session::open(dir.path(), &options);
    assert!(!session.diagnostics().has_errors());
    let json = serde_json::json!({ "tenant": { "id": "t-1001", "tier": "free" }, "user": { "id": "u-42" } });
    let context = session.flag_context(&json).unwrap();
    let mut group = c.benchmark_group("flag");
    for key in ["beta_features", "new_ai_model", "checkout_flow"] {
        group.bench_function(format!("{key}, prepared context"), |b| {
            b.iter(|| black_box(session.evaluate_flag_in(black_box(key), black_box(&context))))
        });
    }
    group.bench_function("new_ai_model, JSON context", |b| {
        b.iter(|| black_box(session.evaluate_flag(black_box("new_ai_model"), black_box(&json))))
    });
    group.finish();
}

criterion_group!(benches, flags);
criterion_main!(benches);
