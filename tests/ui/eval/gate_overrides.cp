// expect: E0701 W0701
// `--override` lets a soft denial through (reported as a warning); naming a hard policy
// changes nothing and says so.
// override: soft_owner
// override: hard_owner
// gate: soft_only
// gate: both
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

gate soft_only {
  policies [soft_owner]
}

gate both {
  policies [soft_owner, hard_owner]
}
