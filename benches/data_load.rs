//! Timing of the data loader on the fleet benchmark's input and on many small YAML
//! manifests: `cargo bench --bench data_load -- [fleet FILE | yaml N | bomb | all]`.
//!
//! The fleet file comes from `python3 bench/fleet/gen_fleet.py 100000 /tmp/fleet-data`.
//! Prints the median of several runs and the peak resident memory of the process (run one
//! mode per process, e.g. under `/usr/bin/time -v`, for a clean figure).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a benchmark"
)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cpl::data::Loader;
use cpl::ir::NoConstraints;
use cpl::ir::Value;
use cpl::ir::{EntityDef, Program};
use cpl::ir::{EntityId, EnumType, FieldType, RecordType, Type};
use cpl::source::{FileKind, SourceMap, Span};

fn field(name: &str, ty: Type) -> FieldType {
    FieldType {
        name: Arc::from(name),
        ty,
        default: None,
        constraint: None,
        span: Span::new(cpl::source::FileId::DETACHED, 0, 0),
        docs: None,
    }
}

fn with_default(mut f: FieldType, value: Value) -> FieldType {
    f.default = Some(value);
    f
}

fn entity(program: &mut Program, name: &str, fields: Vec<FieldType>) -> EntityId {
    let id = EntityId(program.entities.len() as u32);
    program.entities.push(EntityDef {
        name: Arc::from(name),
        record: Arc::new(RecordType::new(fields, Some(0))),
        key: 0,
        span: Span::new(cpl::source::FileId::DETACHED, 0, 0),
        docs: None,
    });
    id
}

/// fleet.cp's schema; returns the program and the type of `source fleet: fleet_doc`.
fn fleet_schema() -> (Program, Type) {
    let mut program = Program::default();
    let agent = entity(
        &mut program,
        "agent",
        vec![
            field("name", Type::String),
            field("version", Type::Version),
            field("owner", Type::String),
            field("drift", Type::Float),
            field("deprecated", Type::Bool),
            field("tags", Type::list(Type::String)),
        ],
    );
    let step = Arc::new(RecordType::new(
        vec![field("id", Type::String), field("agent", Type::Ref(agent))],
        None,
    ));
    let workflow = Arc::new(RecordType::new(
        vec![
            field("name", Type::String),
            field("steps", Type::list(Type::Record(step))),
        ],
        None,
    ));
    let doc = RecordType::new(
        vec![
            field("agents", Type::list(Type::Entity(agent))),
            field("workflows", Type::list(Type::Record(workflow))),
        ],
        None,
    );
    (program, Type::Record(Arc::new(doc)))
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn fleet(path: &str, runs: usize) {
    let Ok(text) = std::fs::read_to_string(path) else {
        println!("fleet: no {path}; run `python3 bench/fleet/gen_fleet.py 100000 /tmp/fleet-data` first");
        return;
    };
    let (program, ty) = fleet_schema();
    let mut sources = SourceMap::new();
    let file = sources.add(path, None, FileKind::Json, text);
    let mut times = Vec::new();
    let mut locate_times = Vec::new();
    let mut load_times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let mut diags = Vec::new();
        let mut loader = Loader::new(&program, &sources, &NoConstraints);
        let value = loader.load_document(file, &ty, "fleet", &mut diags).expect("loads");
        let loaded = start.elapsed();
        let registry = loader.finish(&mut diags);
        times.push(start.elapsed());
        load_times.push(loaded);
        assert!(diags.is_empty(), "{diags:?}");
        // Locating 10 000 records of the 100 000-element list (violations' origins).
        let Value::Record(doc) = &value else { panic!() };
        let Some(Value::List(agents)) = doc.get("agents") else {
            panic!()
        };
        let start = Instant::now();
        let mut offsets = 0u64;
        for agent in agents.items.iter().step_by(10) {
            let Value::Record(r) = agent else { panic!() };
            let span = registry.locate(&sources, r.origin.as_ref().unwrap());
            offsets += u64::from(sources.line_col(file, span.start).column);
        }
        locate_times.push(start.elapsed());
        black_box(offsets);
        drop(black_box(value));
        drop(registry);
    }
    println!(
        "fleet {path}: load+validate+resolve median {:.1} ms (of which loading {:.1} ms; min {:.1} ms, {runs} runs); locate 10k origins to line:col {:.1} ms; peak RSS {:.1} MiB",
        median(times.clone()).as_secs_f64() * 1e3,
        median(load_times).as_secs_f64() * 1e3,
        times.iter().min().unwrap().as_secs_f64() * 1e3,
        median(locate_times).as_secs_f64() * 1e3,
        peak_rss_mib()
    );
}

const MANIFEST: &str = r#"name: agent_NUM
version: 1.0.0
checksum_sha256: a1b2c3d4e5f6
owner: platform-team
deprecated: false
tools: [crm_tool, order_tool]
metadata:
  description: "Handles customer support queries with FAQ and escalation"
  capabilities:
    - faq_handling
    - order_tracking
    - lead_capture
    - complaint_escalation
  max_tokens: 4000
  temperature: 0.7
  system_prompt: |
    You are a helpful customer support agent.
    Answer questions based on the knowledge base and escalate complex issues.
signature: "abc123def456"
"#;

fn yaml(n: usize) {
    let mut program = Program::default();
    let tool = EntityId(1);
    let meta = Arc::new(RecordType::new(
        vec![
            field("description", Type::String),
            with_default(field("capabilities", Type::list(Type::String)), Value::list(vec![])),
            field("max_tokens", Type::Int),
            field("temperature", Type::Float),
            field("system_prompt", Type::optional(Type::String)),
        ],
        None,
    ));
    let agent = entity(
        &mut program,
        "agent",
        vec![
            field("name", Type::String),
            field("version", Type::Version),
            field("checksum_sha256", Type::optional(Type::String)),
            field("owner", Type::String),
            with_default(field("deprecated", Type::Bool), Value::Bool(false)),
            field("tools", Type::list(Type::Ref(tool))),
            field("metadata", Type::Record(meta)),
            field("signature", Type::optional(Type::String)),
        ],
    );
    entity(
        &mut program,
        "tool",
        vec![
            field("name", Type::String),
            field(
                "kind",
                Type::Enum(Arc::new(EnumType {
                    members: vec![Arc::from("a")],
                })),
            ),
        ],
    );
    let mut sources = SourceMap::new();
    let files: Vec<_> = (0..n)
        .map(|i| {
            sources.add(
                format!("agents/agent_{i}.yaml"),
                None,
                FileKind::Yaml,
                MANIFEST.replace("NUM", &i.to_string()),
            )
        })
        .collect();
    let ty = Type::list(Type::Entity(agent));
    let mut times = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let mut diags = Vec::new();
        let mut loader = Loader::new(&program, &sources, &NoConstraints);
        let value = loader.load_source(&files, &ty, "agents", &mut diags);
        let registry = loader.finish(&mut diags);
        times.push(start.elapsed());
        // Every reference dangles here (no tools loaded): n * 2 diagnostics.
        assert_eq!(diags.len(), 2 * n);
        black_box((value, registry));
    }
    println!(
        "yaml: {n} manifests loaded, validated and resolved in {:.1} ms (median of 3); peak RSS {:.1} MiB",
        median(times).as_secs_f64() * 1e3,
        peak_rss_mib()
    );
}

fn bomb() {
    let mut text = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for pair in names.windows(2) {
        let alias = format!("*{}", pair[0]);
        text.push_str(&format!(
            "{}: &{} [{}]\n",
            pair[1],
            pair[1],
            [alias.as_str(); 9].join(",")
        ));
    }
    let program = Program::default();
    let mut sources = SourceMap::new();
    let file = sources.add("bomb.yaml", None, FileKind::Yaml, text);
    let start = Instant::now();
    let mut diags = Vec::new();
    let mut loader = Loader::new(&program, &sources, &NoConstraints);
    let value = loader.load_document(file, &Type::Json, "bomb", &mut diags);
    let elapsed = start.elapsed();
    assert!(value.is_none());
    println!(
        "bomb: billion laughs refused in {:.2} ms with {}",
        elapsed.as_secs_f64() * 1e3,
        diags
            .first()
            .map(|d| format!("{} {}", d.code, d.message))
            .unwrap_or_default()
    );
}

/// What serde_json itself costs on the fleet file: skipping it, and typed structs.
fn floor(path: &str) {
    #[derive(serde::Deserialize)]
    #[allow(dead_code, reason = "only deserialized")]
    struct Agent {
        name: String,
        version: String,
        owner: String,
        drift: f64,
        deprecated: bool,
        tags: Vec<String>,
    }
    #[derive(serde::Deserialize)]
    #[allow(dead_code, reason = "only deserialized")]
    struct Step {
        id: String,
        agent: String,
    }
    #[derive(serde::Deserialize)]
    #[allow(dead_code, reason = "only deserialized")]
    struct Workflow {
        name: String,
        steps: Vec<Step>,
    }
    #[derive(serde::Deserialize)]
    #[allow(dead_code, reason = "only deserialized")]
    struct Fleet {
        agents: Vec<Agent>,
        workflows: Vec<Workflow>,
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    if std::env::var_os("FLOOR_ONCE").is_some() {
        let start = Instant::now();
        let fleet: Fleet = serde_json::from_str(&text).unwrap();
        let index: std::collections::HashMap<&str, &Agent> =
            fleet.agents.iter().map(|a| (a.name.as_str(), a)).collect();
        let found = fleet
            .workflows
            .iter()
            .flat_map(|w| &w.steps)
            .filter(|s| index.contains_key(s.agent.as_str()))
            .count();
        println!(
            "floor once: typed structs + index + lookups {:.1} ms; peak RSS {:.1} MiB",
            start.elapsed().as_secs_f64() * 1e3,
            peak_rss_mib()
        );
        black_box(found);
        std::mem::forget(index);
        std::mem::forget(fleet);
        return;
    }
    let mut skip = Vec::new();
    let mut typed = Vec::new();
    for _ in 0..7 {
        let start = Instant::now();
        let _: serde::de::IgnoredAny = serde_json::from_str(&text).unwrap();
        skip.push(start.elapsed());
        let start = Instant::now();
        let fleet: Fleet = serde_json::from_str(&text).unwrap();
        let index: std::collections::HashMap<&str, &Agent> =
            fleet.agents.iter().map(|a| (a.name.as_str(), a)).collect();
        let found = fleet
            .workflows
            .iter()
            .flat_map(|w| &w.steps)
            .filter(|s| index.contains_key(s.agent.as_str()))
            .count();
        typed.push(start.elapsed());
        black_box(found);
    }
    println!(
        "floor: serde_json skipping the file {:.1} ms; into typed structs + a key index + ref lookups {:.1} ms",
        median(skip).as_secs_f64() * 1e3,
        median(typed).as_secs_f64() * 1e3
    );
}

/// One load, as the command-line tool does it: read, load, resolve, and exit without
/// freeing (measure the whole process with `/usr/bin/time -v`).
fn once(path: &str) {
    let start = Instant::now();
    let text = std::fs::read_to_string(path).expect("the fleet file");
    let (program, ty) = fleet_schema();
    let mut sources = SourceMap::new();
    let file = sources.add(path, None, FileKind::Json, text);
    let read = start.elapsed();
    let mut diags = Vec::new();
    let mut loader = Loader::new(&program, &sources, &NoConstraints);
    let value = loader.load_document(file, &ty, "fleet", &mut diags).expect("loads");
    let registry = loader.finish(&mut diags);
    let done = start.elapsed();
    println!(
        "once: read {:.1} ms, load+validate+resolve {:.1} ms; peak RSS {:.1} MiB",
        read.as_secs_f64() * 1e3,
        (done - read).as_secs_f64() * 1e3,
        peak_rss_mib()
    );
    std::mem::forget((value, registry, sources));
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let default_fleet = "/tmp/fleet-data/fleet-100000.json".to_string();
    match args.first().map(String::as_str) {
        Some("fleet") => fleet(args.get(1).unwrap_or(&default_fleet), 7),
        Some("yaml") => yaml(args.get(1).and_then(|n| n.parse().ok()).unwrap_or(10_000)),
        Some("bomb") => bomb(),
        Some("once") => once(args.get(1).unwrap_or(&default_fleet)),
        Some("floor") => floor(args.get(1).unwrap_or(&default_fleet)),
        _ => {
            fleet(&default_fleet, 7);
            yaml(10_000);
            bomb();
        }
    }
}
