//! Workflow performance: compiling a generated workflow of 5,000 steps into its DAG,
//! and the executor's own overhead per step on a chain of 10,000 `log` steps, with
//! and without the SQLite run log. `cargo bench --bench workflows`; figures and the
//! machine they were taken on are in `docs/performance.md`.

// A benchmark is a test harness: a broken fixture should stop it loudly.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use cpl::check::CheckOptions;
use cpl::compile::compile;
use cpl::eval::{Env, FixedHost};
use cpl::project::Project;
use cpl::runtime::connector::Live;
use cpl::runtime::executor::{Executor, RunOptions};
use cpl::runtime::runlog::{MemoryRecorder, RunLog, RunRecorder, RunStatus};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

/// A workflow of `n` steps where step `i` uses the outputs of up to three earlier
/// steps (`i-1`, `i-7`, `i-31`) and every tenth also waits for one with `after`.
fn wide_workflow(n: usize) -> String {
    let mut text = String::from("workflow big(seed: string) {\n  step s0 = log(\"{seed}\")\n");
    for i in 1..n {
        let mut uses = vec![format!("{{s{}}}", i - 1)];
        for back in [7, 31] {
            if i >= back {
                uses.push(format!("{{s{}}}", i - back));
            }
        }
        let _ = write!(text, "  step s{i} = log(\"{}\")", uses.join(" "));
        if i % 10 == 0 && i >= 100 {
            let _ = write!(text, " after s{}", i - 100);
        }
        text.push('\n');
    }
    text.push_str("}\n");
    text
}

/// A chain of `n` `log` steps, each after the previous one.
fn chain(n: usize) -> String {
    let mut text = String::from("workflow chain() {\n  step s0 = log(\"step 0\")\n");
    for i in 1..n {
        let _ = writeln!(text, "  step s{i} = log(\"step {i}\") after s{}", i - 1);
    }
    text.push_str("}\n");
    text
}

fn load(text: &str) -> (tempfile::TempDir, Project) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(dir.path().join("main.cp"), text).expect("write the workflow");
    let now = jiff::Timestamp::from_second(1_795_341_600).expect("a time");
    let project = Project::load(
        dir.path(),
        &CheckOptions {
            now,
            jobs: cpl::parallel::Jobs::ONE,
        },
    );
    assert!(
        !project.diagnostics.has_errors(),
        "the generated workflow does not check"
    );
    (dir, project)
}

fn compile_bench(c: &mut Criterion) {
    let text = wide_workflow(5_000);
    let (_dir, project) = load(&text);
    let mut group = c.benchmark_group("compile");
    group.throughput(Throughput::Elements(5_000));
    group.bench_function("dag of 5000 steps", |b| b.iter(|| compile(&project.program)));
    group.sample_size(10);
    group.bench_function("parse, check and compile 5000 steps", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("a temporary directory"),
            |dir| {
                std::fs::write(dir.path().join("main.cp"), &text).expect("write");
                let now = jiff::Timestamp::from_second(1_795_341_600).expect("a time");
                Project::load(
                    dir.path(),
                    &CheckOptions {
                        now,
                        jobs: cpl::parallel::Jobs::ONE,
                    },
                )
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

const CHAIN: usize = 10_000;

fn run_chain(project: &Project, recorder: &dyn RunRecorder, sync_every_attempt: bool) {
    let host = FixedHost::default();
    let data = vec![None; project.program.sources.len()];
    let env = Env::new(&project.program, &project.sources, &data, &host);
    let mut options = RunOptions::new(project.root.clone());
    options.sync_every_attempt = sync_every_attempt;
    let executor = Executor {
        env: &env,
        workflow: &project.workflows[0],
        connectors: Arc::new(Live),
        recorder,
        options,
        on_event: None,
        describe_decision: &cpl::report::decision_record_json,
    };
    let report = executor.run(&[]).expect("the run starts");
    assert_eq!(report.status, RunStatus::Succeeded);
}

fn executor_bench(c: &mut Criterion) {
    let (dir, project) = load(&chain(CHAIN));
    let mut group = c.benchmark_group("executor");
    group.throughput(Throughput::Elements(CHAIN as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("10000 log steps, memory recorder", |b| {
        b.iter(|| run_chain(&project, &MemoryRecorder::new(), false))
    });
    let log = RunLog::open(&dir.path().join("runs.db")).expect("a run log");
    group.bench_function("10000 log steps, sqlite run log", |b| {
        b.iter(|| run_chain(&project, &log, false))
    });
    group.measurement_time(Duration::from_secs(60));
    group.bench_function("10000 log steps, sqlite run log, every attempt synced", |b| {
        b.iter(|| run_chain(&project, &log, true))
    });
    group.finish();
}

criterion_group!(benches, compile_bench, executor_bench);
criterion_main!(benches);
