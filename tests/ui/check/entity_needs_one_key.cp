// expect: E0212
entity no_key {
  name: string
}

entity two_keys {
  key name: string
  key id: string
}

entity int_key {
  key id: int
}
