// expect: I0701
// now: 2026-11-22
// When every violation of a soft policy is waived, the gate passes and shows them as
// waived notes.
// gate: g
const SERVICES = ["search"]

policy no_legacy {
  level soft
  for s in SERVICES
  deny when s == "search" => "`{s}` uses the legacy memory backend"
}

waiver search_uses_legacy_memory {
  policy no_legacy
  subject "search"
  until 2027-03-31
  owner "search-team"
  reason "moves to the new memory backend, ADR-0007"
}

gate g {
  policies [no_legacy]
}
