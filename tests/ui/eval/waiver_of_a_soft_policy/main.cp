// expect: I0701 W0301 E0702
// now: 2026-11-22
// The brief's waiver: the violation for subject `search` becomes a waived note that
// does not fail the gate; another violation of the same policy still does. A waiver
// that matches nothing is a warning.
// policy: no_deps_on_deprecated
// gate: registry_valid
entity artifact {
  key id: string
  status: "active" | "deprecated"
  depends_on: [ref artifact] = []
}

source artifacts: [artifact] = "registry/artifacts.yaml"

policy no_deps_on_deprecated {
  level soft
  for a in artifacts
  deny when any d in a.depends_on: d.status == "deprecated"
    => "`{a.id}` depends on deprecated {join([d.id for d in a.depends_on if d.status == "deprecated"], ", ")}"
}

waiver search_uses_legacy_memory {
  policy no_deps_on_deprecated
  subject "search"
  until 2027-03-31
  owner "search-team"
  reason "moves to the new memory backend, ADR-0007"
}

waiver forgotten {
  policy no_deps_on_deprecated
  subject "billing"
  until 2027-03-31
  owner "payments"
  reason "billing was migrated long ago"
}

gate registry_valid {
  policies [no_deps_on_deprecated]
}
