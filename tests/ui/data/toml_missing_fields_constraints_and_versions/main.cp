// expect: E0401 E0404 E0407 E0409
// An array of tables named after the source, with a missing field, a version and a
// constraint broken, and references to a missing and an unsatisfied tool.

entity tool {
  key name: string
  version: version
  owner: string
  deprecated: bool = false
  depends_on: [ref tool] = []
  metadata: {
    category: "data" | "action" | "retrieval"
    inputs_schema: json
    outputs_schema: json
    timeout_ms: int where it > 0
    retry_attempts: int = 0
    timeout: duration?
    released: timestamp?
    labels: map[string] = {}
    token: secret?
  }
}

source tools: [tool] = "tools.toml"
