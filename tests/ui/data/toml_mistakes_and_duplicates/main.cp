// expect: E0402 E0403 E0405 E0406 E0411
// Mistakes in TOML manifests: wrong types, an unknown key, a typo, a local date-time where
// a timestamp is needed; a key and a table given twice; a broken and an empty file.

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

source mistakes: [tool] = "bad.toml"

source dup: [tool] = "dup.toml"

source dup_table: [tool] = "dup_table.toml"

source broken: [tool] = "broken.toml"

source empty: [tool] = "empty.toml"
