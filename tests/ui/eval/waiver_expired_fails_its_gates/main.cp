// expect: E0304 E0702
// now: 2027-04-02
// After `until`, the waiver hides nothing: `check` reports it, and so does every decision
// and gate of its policy, beside the violation it no longer hides (an ordinary soft
// denial). A gate without that policy is not concerned and passes.
// policy: no_deps_on_deprecated
// gate: registry_valid
// gate: names_valid
entity artifact {
  key id: string
  status: "active" | "deprecated"
  depends_on: [ref artifact] = []
}

source artifacts: [artifact] = "registry/artifacts.yaml"

policy no_deps_on_deprecated {
  level soft
  for a in artifacts if a.id != "reports"
  deny when any d in a.depends_on: d.status == "deprecated"
    => "`{a.id}` depends on deprecated {join([d.id for d in a.depends_on if d.status == "deprecated"], ", ")}"
}

policy ids_are_short {
  for a in artifacts
  deny when len(a.id) > 20 => "`{a.id}` is too long"
}

waiver search_uses_legacy_memory {
  policy no_deps_on_deprecated
  subject "search"
  until 2027-03-31
  owner "search-team"
  reason "moves to the new memory backend, ADR-0007"
}

gate registry_valid {
  policies [no_deps_on_deprecated]
}

gate names_valid {
  policies [ids_are_short]
}
