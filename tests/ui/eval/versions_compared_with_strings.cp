// A string literal where a version is expected is parsed as one, so comparisons follow
// semantic versioning, not string order: 1.10.0 is after 1.9.0, a pre-release before its
// release.
// eval: V >= "1.9.0"
// eval: [V > "1.9.0", "1.10.0" > "1.9.0"]
// eval: ("2.0.0-rc.1" as version) < ("2.0.0" as version)
// eval: [v for v in VERSIONS if v < "1.10.0"]
// eval: [v for v in VERSIONS if satisfies(v, "^1.9")]
// eval: max(VERSIONS)
// policy: minimum_version
const V: version = "1.10.0"
const VERSIONS: [version] = ["1.9.0", "1.10.0", "2.0.0-rc.1", "2.0.0", "0.9.9"]

policy minimum_version {
  level soft
  for v in VERSIONS
  require v >= "1.9.0" => "version {v} is too old"
}
