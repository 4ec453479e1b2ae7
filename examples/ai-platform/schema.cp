// The multi-tenant AI platform of seed 003: versioned, signed agent and tool manifests.

/// An AI agent registered with the control plane (`registries/agents/*.yaml`).
entity agent {
  key name: string
  version: version
  /// SHA-256 of the manifest's canonical JSON without this field and `signature`.
  checksum_sha256: string?
  created_at: timestamp
  owner: string
  changelog: string
  deprecated: bool = false
  metadata: {
    description: string
    capabilities: [string] = []
    max_tokens: int where it >= 1 and it <= 32000
    temperature: float where it >= 0.0 and it <= 2.0
    /// How long one request may take end to end, tools included.
    time_budget_ms: int where it > 0
    /// Tools this agent calls; `name@^1.2` pins a compatible version.
    tools: [ref tool] = []
    system_prompt: string
  }
  /// Ed25519 signature (hex) over the checksum, by the platform's release key.
  signature: string?
}

/// A tool agents can call (`registries/tools/*.yaml`).
entity tool {
  key name: string
  version: version
  checksum_sha256: string?
  created_at: timestamp
  owner: string
  changelog: string
  deprecated: bool = false
  metadata: {
    description: string
    category: "data" | "action" | "retrieval"
    inputs_schema: json
    outputs_schema: json
    timeout_ms: int where it > 0
    retry_attempts: int = 0 where it >= 0 and it <= 10
    circuit_breaker_threshold: int?
  }
  signature: string?
}

source agents: [agent] = "registry/agents/*.yaml"
source tools: [tool] = "registry/tools/*.yaml"
