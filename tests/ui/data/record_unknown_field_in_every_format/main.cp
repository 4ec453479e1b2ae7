// expect: E0402 E0406
// A field the schema does not declare is the same mistake in every format, decided by
// one record builder: `E0402` at the key, with the declared fields (or "did you mean");
// the same unknown key again is a duplicate key (`E0406`), with its first place. TOML
// refuses a repeated key itself; CSV reports its header once, not once per row.
entity service {
  key name: string
  owner: string
  contact: {
    email: string
  }
}

source services: [service] = "data/services.*"
