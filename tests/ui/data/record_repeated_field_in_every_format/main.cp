// expect: E0406
// A declared field given twice is a duplicate key (`E0406`) in every format, at the second
// key with the first labelled. TOML's parser refuses the file itself; CSV reports a
// repeated column once, at the header.
entity service {
  key name: string
  owner: string
}

source services: [service] = "data/services.*"
