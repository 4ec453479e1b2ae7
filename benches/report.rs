//! Rendering a large report: 2 000 policy violations in a 20 MB pretty-printed JSON
//! registry of 100 000 records, in human and JSON format. The project is generated into a
//! temporary directory, loaded and decided once; only the rendering is timed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

use cpl::check::CheckOptions;
use cpl::eval::{Env, FixedHost, apply_waivers};
use cpl::project::Project;
use cpl::report::{self, Context, Format, RenderOptions};

const RECORDS: usize = 100_000;
/// Every this-many-th record violates the policy: 2 000 findings.
const BAD_EVERY: usize = 50;

const MAIN_CP: &str = "entity service {\n  key name: string\n  public: bool\n  description: string\n}\n\n\
    source services: [service] = \"registry/services.json\"\n\n\
    /// Services are private.\npolicy no_public_services {\n  level hard\n  for s in services\n  \
    deny when s.public => \"`{s.name}` is public\"\n}\n";

/// The registry: one record of about 200 bytes per service, pretty-printed.
fn registry() -> String {
    let description = "a service that does something useful for somebody, described at length ".repeat(2);
    let mut json = String::from("[\n");
    for i in 0..RECORDS {
        let comma = if i + 1 < RECORDS { "," } else { "" };
        json.push_str(&format!(
            "  {{\n    \"name\": \"svc-{i:06}\",\n    \"public\": {},\n    \"description\": \"{description}\"\n  }}{comma}\n",
            i % BAD_EVERY == 0
        ));
    }
    json.push_str("]\n");
    json
}

fn render_large_report(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.cp"), MAIN_CP).unwrap();
    std::fs::create_dir(dir.path().join("registry")).unwrap();
    std::fs::write(dir.path().join("registry/services.json"), registry()).unwrap();

    let options = CheckOptions {
        now: jiff::Timestamp::UNIX_EPOCH,
        jobs: cpl::parallel::Jobs::ONE,
    };
    let mut project = Project::load(dir.path(), &options);
    let host = FixedHost::default();
    let data = project.load_data(&[], None, &host);
    let env = Env::new(&project.program, &project.sources, &data.sources, &host);
    let (id, _) = project.program.policy("no_public_services").unwrap();
    let decision = apply_waivers(&project.program, env.decide(id, &[]), jiff::Timestamp::UNIX_EPOCH);
    let diags = report::decision_diagnostics(&env, &decision, Context::Policy);
    assert_eq!(diags.len(), RECORDS / BAD_EVERY);

    let mut group = c.benchmark_group("render 2 000 findings in a 20 MB file");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    for format in [Format::Human, Format::Json] {
        group.bench_function(format.as_str(), |b| {
            b.iter(|| {
                let out = report::render_to_string(&diags, &project.sources, format, &RenderOptions::default());
                std::hint::black_box(out.len())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, render_large_report);
criterion_main!(benches);
