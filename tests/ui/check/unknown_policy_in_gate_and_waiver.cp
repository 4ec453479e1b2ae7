// expect: E0101
policy agent_ownership {
  level soft
  deny when false
}

gate registry_valid {
  policies [agent_ownershp]
}

waiver w {
  policy agent_ownersihp
  until 2027-01-01
  owner "team"
  reason "because"
}
