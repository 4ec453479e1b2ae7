// expect: E0701 W0701
// `--override` lets a soft denial through (reported as a warning); naming a hard policy
// changes nothing and says so.
// override: soft_names
// override: hard_names
// gate: soft_only
// gate: both
const TEAMS = ["platform", "Search"]

policy hard_names {
  level hard
  for t in TEAMS
  require t == lower(t) => "team `{t}` is not lower case"
}

policy soft_names {
  level soft
  for t in TEAMS
  require t == lower(t) => "team `{t}` is not lower case"
}

gate soft_only {
  policies [soft_names]
}

gate both {
  policies [soft_names, hard_names]
}
