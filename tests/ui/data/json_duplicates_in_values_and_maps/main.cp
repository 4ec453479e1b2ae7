// expect: E0406
// A key repeated inside a `json` value or a `map` shows both places, at any depth.

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

source tools: [tool] = "dups.json"
