// expect: E0215
// Defaults, a waiver's expiry and subject must be known without evaluation.
policy p {
  level soft
  deny when false
}

fn today() -> timestamp = now()

entity agent {
  key name: string
  created: timestamp = now()
}

waiver w {
  policy p
  subject "agent-{1 + 1}"
  until today()
  owner "team"
  reason "because"
}
