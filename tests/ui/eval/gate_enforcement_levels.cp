// expect: E0701 E0702 W0701 W0702
// Sentinel's levels in gates: a hard denial fails, a soft denial fails (without
// `--override`), an advisory denial and a warning are reported and never fail.
// gate: only_hard
// gate: only_soft
// gate: only_advisory
// gate: warnings_only
const TEAMS = ["platform", ""]

policy hard_owner {
  level hard
  for t in TEAMS
  require t != "" => "a team has no name"
}

policy soft_owner {
  level soft
  for t in TEAMS
  require t != "" => "a team has no name"
}

policy advisory_owner {
  level advisory
  for t in TEAMS
  require t != "" => "a team has no name"
}

policy warns_only {
  for t in TEAMS
  warn when t == "" => "a team has no name"
}

gate only_hard {
  policies [hard_owner]
}

gate only_soft {
  policies [soft_owner]
}

gate only_advisory {
  policies [advisory_owner]
}

gate warnings_only {
  policies [warns_only, advisory_owner]
}
