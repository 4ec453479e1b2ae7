// expect: E0303
// Only soft and advisory policies may be waived; `hard` is the default level.
policy always_hard {
  deny when true => "no"
}

policy explicit_hard {
  level hard
  deny when true => "no"
}

waiver w1 {
  policy always_hard
  until 2027-01-01
  owner "team"
  reason "because"
}

waiver w2 {
  policy explicit_hard
  until 2027-01-01
  owner "team"
  reason "because"
}
