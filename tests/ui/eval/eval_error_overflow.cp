// expect: E0504 E0703
// policy: budget
// gate: g
policy budget(spent: int = 9223372036854775807, extra: int = 1) {
  level soft
  deny when spent + extra > 100 => "over budget"
}

gate g {
  policies [budget]
}
