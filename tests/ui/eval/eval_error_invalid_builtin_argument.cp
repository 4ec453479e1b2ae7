// expect: E0508 E0703
// A version requirement computed at run time that does not parse.
// policy: compatible
// gate: g
policy compatible(requirement: string = "^^1.2") {
  level soft
  deny when not satisfies("1.4.0", requirement) => "incompatible"
}

gate g {
  policies [compatible]
}
