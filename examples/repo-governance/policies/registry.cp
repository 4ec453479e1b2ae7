// Policies from seed 002, section 2 and section 5.

/// "P0 modules cannot be deprecated without a migration plan."
policy p0_deprecation_needs_migration {
  level hard
  for a in artifacts if a.entity_type == "module" and a.priority == "P0"
  deny when a.status == "deprecated" and (a.migration_plan ?? "") == ""
    => "P0 module `{a.id}` is deprecated without a migration plan"
}

/// "All entities must have a purpose field longer than 20 characters."
policy purpose_is_descriptive {
  level hard
  for a in artifacts
  require len(trim(a.purpose)) > 20
    => "`{a.id}` has a purpose of only {len(trim(a.purpose))} characters: \"{a.purpose}\""
}

/// No active module depends on a deprecated one.
policy no_deps_on_deprecated {
  level soft
  for a in artifacts if a.status == "active"
  deny when any d in a.depends_on: d.status == "deprecated"
    => "active `{a.id}` depends on deprecated {join([d.id for d in a.depends_on if d.status == "deprecated"], ", ")}"
}

/// Every artifact that changed state has a decision record explaining why.
policy deprecations_are_recorded {
  level advisory
  let recorded = [x.id for d in decisions for x in d.affects]
  for a in artifacts if a.status == "deprecated"
  require a.id in recorded => "deprecated `{a.id}` has no decision record"
}

/// Every capability that is approved provides everything its extension point needs.
policy capabilities_meet_contracts {
  level hard
  for c in capabilities
  deny when c.approved and any f in c.extension_point.required_functions: f not in c.provides
    => "`{c.name}` lacks {join([f for f in c.extension_point.required_functions if f not in c.provides], ", ")} required by `{c.extension_point.name}`"
  warn when not c.approved => "`{c.name}` is not approved yet: applications cannot select it"
}

/// A temporary exception, owned and dated: search still reads file memory (ADR-0007).
waiver search_uses_legacy_memory {
  policy no_deps_on_deprecated
  subject "search"
  until 2029-06-30
  owner "search-team"
  reason "moves to the new memory backend, ADR-0007"
}
