// A field left out takes its default, and an optional one `null`, in every format (in
// CSV, a missing column or an unquoted empty cell); no diagnostic.
// eval: [s.name for s in services]
// eval: [s.tier for s in services]
// eval: [s.note for s in services]
// eval: [s.tags for s in services]
entity service {
  key name: string
  owner: string
  tier: int = 2
  note: string?
  tags: [string] = ["core"]
}

source services: [service] = "data/services.*"
