// expect: E0506 E0703
// A json `null` where a value is needed is an evaluation error, not `false`; every rule
// runs, so both failures are reported. A cast to an optional type keeps the null.
// policy: replicas
// gate: g
const SERVICE: json = { name: "billing", replicas: null }

policy replicas {
  level soft
  deny when SERVICE.replicas + 1 > 3 => "too many replicas"
  deny when (SERVICE.replicas as int) > 3 => "too many replicas"
  deny when (SERVICE.replicas as int?) == 4 => "four replicas"
}

gate g {
  policies [replicas]
}
