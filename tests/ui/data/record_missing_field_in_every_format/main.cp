// expect: E0401
// A required field left out is `E0401` in every format, at the record, naming the field
// and where it is declared; so is one of a nested record. CSV says where the value is
// lacking instead: a missing column once at the header, an unquoted empty cell at the
// cell.
entity service {
  key name: string
  owner: string
  tier: int
  contact: {
    email: string
  }
}

source services: [service] = "data/services.*"
