// expect: E0401 E0402 E0403 E0404
// Every mistake in one agent manifest is reported, each at its value or key.

entity agent {
  key name: string
  version: version
  owner: string
  deprecated: bool = false
  tools: [ref tool]
  metadata: {
    description: string
    max_tokens: int where it >= 1 and it <= 32000
    temperature: float where it >= 0.0 and it <= 2.0
    capabilities: [string] = []
  }
  checksum_sha256: string?
  signature: string?
}

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

source agents: [agent] = "agents/broken.yaml"
