// expect: E0001
// The missing `}` is reported at the end of the broken item, not at the next one,
// and the next item still parses and checks.
entity tool {
  key name: string
  owner: string

policy p {
  deny when 1 + "x" == 2
}
