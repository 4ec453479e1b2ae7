// expect: E0301
policy p {
  level strict
  deny when false
}

policy q {
  level sofft
  deny when false
}
