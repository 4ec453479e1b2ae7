// expect: E0403 E0404 E0405 E0409
// An enumeration's typo, a version, a duration, a timestamp, a map of the wrong values
// and a malformed version requirement, each placed at its value.

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

source tools: [tool] = "tools.yaml"
