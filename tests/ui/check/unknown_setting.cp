// expect: E0110
policy p {
  level soft
  deny when false
}

waiver w {
  policy p
  until 2027-01-01
  ownr "team"
  reason "because"
  expires 2027-01-01
}
