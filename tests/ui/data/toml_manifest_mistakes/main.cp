// expect: E0403 E0405 E0404
// A TOML tool manifest: integers widen to floats, not the reverse; enum and constraint
// failures point at the value.
entity tool {
  key name: string
  version: version
  metadata: {
    category: "data" | "action" | "retrieval"
    timeout_ms: int where it > 0
    weight: float
  }
}

source tools: [tool] = "tools/*.toml"
// eval: [t.metadata.weight for t in tools]
