// expect: E0403
// TOML writes `nan` and `inf`, which YAML and CSV data are refused and JSON cannot hold:
// cpl's numbers are finite, so each is an error where it is written, in a `float` field
// and in a `json` one alike. (They once loaded as `null`.)
entity reading {
  key name: string
  value: float
  extra: json = null
}

source readings: [reading] = "registry/*.toml"
