// expect: E0001
// `||` and `!` are not cpl either; each broken item is reported once.
policy p(a: bool, b: bool) {
  deny when a || b
}

policy q(a: bool) {
  deny when !a
}
