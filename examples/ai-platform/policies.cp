// Governance of the registry (seed 003: ownership, deprecation, versions, integrity).

/// The platform's release key: manifests are signed with its private half.
const RELEASE_KEY = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA5qmXeNWiByBDQ/N2PIkMN17+gteLksPZWiTbSM0CPAQ=\n-----END PUBLIC KEY-----"

policy agent_ownership {
  level hard
  for a in agents
  require a.owner != "" => "agent `{a.name}` has no owner"
  warn when a.deprecated => "agent `{a.name}` is deprecated"
}

policy tool_ownership {
  level hard
  for t in tools
  require t.owner != "" => "tool `{t.name}` has no owner"
}

policy no_deprecated_tools {
  level soft
  for a in agents if not a.deprecated
  deny when any t in a.metadata.tools: t.deprecated
    => "agent `{a.name}` uses deprecated tools: {join([t.name for t in a.metadata.tools if t.deprecated], ", ")}"
}

/// Production agents only call tools that reached 1.0.
policy stable_tool_versions {
  level advisory
  for a in agents
  deny when any t in a.metadata.tools: t.version < "1.0.0"
    => "agent `{a.name}` calls pre-1.0 tools: {join([t.name for t in a.metadata.tools if t.version < "1.0.0"], ", ")}"
}

/// The worst case of an agent's tools (each timeout times its attempts) fits the
/// agent's time budget.
fn worst_case_ms(a: agent) -> int =
  sum([t.metadata.timeout_ms * (t.metadata.retry_attempts + 1) for t in a.metadata.tools])

policy tool_time_budgets {
  level hard
  for a in agents
  deny when worst_case_ms(a) > a.metadata.time_budget_ms
    => "agent `{a.name}` may wait {worst_case_ms(a)} ms for its tools, over its budget of {a.metadata.time_budget_ms} ms"
}

/// Manifests are what was released: the checksum matches the content and the release
/// key signed it ("Security signatures for tamper detection", seed 003).
policy manifests_are_intact {
  level hard
  for a in agents
  require a.checksum_sha256 == digest(a) => "agent `{a.name}`: checksum does not match the manifest"
  require verify_signature(a, RELEASE_KEY) => "agent `{a.name}`: signature is not the release key's"
}

policy tool_manifests_are_intact {
  level hard
  for t in tools
  require t.checksum_sha256 == digest(t) => "tool `{t.name}`: checksum does not match the manifest"
  require verify_signature(t, RELEASE_KEY) => "tool `{t.name}`: signature is not the release key's"
}

gate registry_valid {
  policies [agent_ownership, tool_ownership, no_deprecated_tools, stable_tool_versions, tool_time_budgets,
            manifests_are_intact, tool_manifests_are_intact]
}
