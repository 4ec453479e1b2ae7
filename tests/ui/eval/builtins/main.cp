// The built-in functions on values a policy meets. `digest` is the SHA-256 of the
// entity's canonical JSON (RFC 8785) without `checksum_sha256` and `signature`, so two
// manifests that differ only there have the same digest.
// eval: len([1, 2, 3]) + len("héllo") + len(LIMITS)
// eval: count([t for t in tools if t.owner == "platform"])
// eval: sum([1, 2, 3]) + sum([0.5, 0.25])
// eval: [min([3, 1, 2]), max([3, 1, 2])]
// eval: [min([2s, 1m]), max([2s, 1m])]
// eval: [min(["b", "a"]), max(["b", "a"])]
// eval: [min([0.5, 2]), max([0.5, 2])]
// eval: [abs(-3), abs(-2.5)]
// eval: [lower("AbC"), upper("AbC"), trim("  x  ")]
// eval: split("a;b;;c", ";")
// eval: join(["a", "b", "c"], ", ")
// eval: [contains("control plane", "plane"), contains([1, 2], 2), contains(["x"], "y")]
// eval: [starts_with("fraud_v3", "fraud"), ends_with("fraud_v3", "v2")]
// eval: [matches("ADR-0007", r"^ADR-\d{4}$"), "adr-7" matches r"^ADR-"]
// eval: keys(LIMITS)
// eval: values(LIMITS)
// eval: [satisfies("1.4.2", "^1.2"), satisfies("2.0.0", "^1.2"), satisfies("1.4.2", ">=1.0, <1.4")]
// eval: sha256("abc")
// eval: [t.name for t in tools if t.checksum_sha256 != null]
// eval: [digest(t) for t in tools]
// eval: digest(tools[1]) == sha256("\{\"name\":\"crm_signed\",\"owner\":\"platform\",\"version\":\"1.2.0\"}")
const LIMITS: map[int] = { replicas: 5, cpus: 8 }

entity tool {
  key name: string
  version: version
  owner: string
  checksum_sha256: string?
  signature: string?
}

source tools: [tool] = "registry/tools.yaml"
