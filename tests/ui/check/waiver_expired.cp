// expect: E0304
// now: 2027-04-01
// After `until`, a waiver no longer applies and is itself an error.
policy no_deps_on_deprecated {
  level soft
  deny when false
}

waiver search_uses_legacy_memory {
  policy no_deps_on_deprecated
  subject "search"
  until 2027-03-31
  owner "search-team"
  reason "moves to the new memory backend, ADR-0007"
}

waiver still_valid {
  policy no_deps_on_deprecated
  until 2027-04-02
  owner "search-team"
  reason "still fine"
}
