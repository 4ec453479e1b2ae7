// expect: E0401 E0402 E0403 E0404 E0405 E0406 E0409 E0411
// A misspelt and a repeated header are reported once each, at the header; each cell's
// mistake at the cell; a short row at the row.

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

source tools: [tool] = "tools.csv"
