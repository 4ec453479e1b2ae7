// A source's pattern is relative to the directory of the file that declares it:
// `policies/sources.cp` reads `policies/registry/*.yaml`.
// eval: [t.name for t in teams]
entity team {
  key name: string
  members: [string]
}
