// expect: E0305
policy p {
  level soft
  deny when false
}

waiver no_owner {
  policy p
  until 2027-01-01
  reason "because"
}

waiver nothing {
}
