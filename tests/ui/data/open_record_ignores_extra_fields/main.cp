// An entity ending with `...` accepts fields it does not declare, in every format, and
// ignores them (a closed entity reports them: see `yaml_unknown_field_did_you_mean`).
// eval: [s.name for s in services]
// eval: [s.owner for s in services]
entity service {
  key name: string
  owner: string
  ...
}

source services: [service] = "data/services.*"
