// expect: E0701 E0702 W0701 W0702
// Sentinel's levels in gates: a hard denial fails, a soft denial fails (without
// `--override`), an advisory denial and a warning are reported and never fail.
// gate: only_hard
// gate: only_soft
// gate: only_advisory
// gate: warnings_only
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

policy advisory_names {
  level advisory
  for t in TEAMS
  require t == lower(t) => "team `{t}` is not lower case"
}

policy warns_only {
  for t in TEAMS
  warn when t != lower(t) => "team `{t}` is not lower case"
}

gate only_hard {
  policies [hard_names]
}

gate only_soft {
  policies [soft_names]
}

gate only_advisory {
  policies [advisory_names]
}

gate warnings_only {
  policies [warns_only, advisory_names]
}
