//! The floor for the fleet benchmark: the fleet policy hand-written in Rust over typed
//! structs (serde_json into `Vec`s, a `HashSet` for the join), as the benchmark's README
//! describes it. `benches/run.sh` times it beside `cpl`, in the same run.
//!
//! Usage: `cargo run --release --example fleet_floor -- fleet-N.json`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashSet;

use serde::Deserialize;

// Strings borrow from the input text: the fastest a hand-written program gets.
#[derive(Deserialize)]
struct Agent<'a> {
    name: &'a str,
    #[allow(dead_code)]
    version: &'a str,
    #[allow(dead_code)]
    owner: &'a str,
    drift: f64,
    deprecated: bool,
    #[allow(dead_code)]
    #[serde(borrow)]
    tags: Vec<&'a str>,
}

#[derive(Deserialize)]
struct Step<'a> {
    #[allow(dead_code)]
    id: &'a str,
    agent: &'a str,
}

#[derive(Deserialize)]
struct Workflow<'a> {
    #[allow(dead_code)]
    name: &'a str,
    #[serde(borrow)]
    steps: Vec<Step<'a>>,
}

#[derive(Deserialize)]
struct Fleet<'a> {
    #[serde(borrow)]
    agents: Vec<Agent<'a>>,
    #[serde(borrow)]
    workflows: Vec<Workflow<'a>>,
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: fleet_floor FILE");
    let text = std::fs::read_to_string(path).unwrap();
    let fleet: Fleet = serde_json::from_str(&text).unwrap();
    let referenced: HashSet<&str> = fleet
        .workflows
        .iter()
        .flat_map(|w| w.steps.iter().map(|s| s.agent))
        .collect();
    let violations = fleet
        .agents
        .iter()
        .filter(|a| a.drift > 0.15 || (a.deprecated && referenced.contains(a.name)))
        .count();
    println!("{violations}");
}
