// expect: E0001
// `&&` is not cpl: the help says `and`.
policy p(a: bool, b: bool) {
  deny when a && b
}
