// expect: E0403 E0405 E0407 E0409
// An enumeration's typo, malformed version requirements, a duration, a date and a
// secret of the wrong kind, each placed at its value in one JSON manifest.

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

source tools: [tool] = "tool.json"
