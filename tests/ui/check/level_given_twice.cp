// expect: E0008
policy p {
  level soft
  level hard
  deny when false
}

policy q {
  level soft
  deny when false
}

waiver w {
  policy q
  owner "a"
  owner "b"
  until 2027-01-01
  reason "because"
}
