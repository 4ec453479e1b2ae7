//! The floor for the fleet benchmark: the fleet policy hand-written in Rust over typed
//! structs (serde_json into `Vec`s, a `HashSet` for the join), as the benchmark's README
//! describes it. `benches/run.sh` times it beside `cpl`, in the same run.
//!
//! Usage: `cargo run --release --example fleet_floor -- fleet-N.json`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashSet;

use serde::Deserialize;

#[derive(Deserialize)]
struct Agent {
    name: String,
    #[allow(dead_code)]
    version: String,
    #[allow(dead_code)]
    owner: String,
    drift: f64,
    deprecated: bool,
    #[allow(dead_code)]
    tags: Vec<String>,
}

#[derive(Deserialize)]
struct Step {
    #[allow(dead_code)]
    id: String,
    agent: String,
}

#[derive(Deserialize)]
struct Workflow {
    #[allow(dead_code)]
    name: String,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
struct Fleet {
    agents: Vec<Agent>,
    workflows: Vec<Workflow>,
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: fleet_floor FILE");
    let text = std::fs::read_to_string(path).unwrap();
    let fleet: Fleet = serde_json::from_str(&text).unwrap();
    let referenced: HashSet<&str> = fleet
        .workflows
        .iter()
        .flat_map(|w| w.steps.iter().map(|s| s.agent.as_str()))
        .collect();
    let violations = fleet
        .agents
        .iter()
        .filter(|a| a.drift > 0.15 || (a.deprecated && referenced.contains(a.name.as_str())))
        .count();
    println!("{violations}");
}
