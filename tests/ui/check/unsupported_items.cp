// `test` items are parsed but have no meaning yet: each is an error, so a project
// that declares them never checks clean in silence.
// expect: E0112
const limit = 3

test limit_is_small {
  expect limit < 10
}

/// Documented items are reported at their keyword too.
test documented {
  expect true
}
