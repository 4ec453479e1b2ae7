// expect: E0401
// An agent without `owner`: the error points at the record in the data file and names
// the schema field.
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
  metadata: {
    category: "data" | "action" | "retrieval"
    timeout_ms: int where it > 0
    retry_attempts: int = 0
  }
}

source agents: [agent] = "agents/*.yaml"
source tools: [tool] = "tools/*.yaml"
