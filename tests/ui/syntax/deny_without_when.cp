// expect: E0001
// A rule is `deny when C`: without `when` the parser says what it expected.
policy p {
  deny true => "always"
}
