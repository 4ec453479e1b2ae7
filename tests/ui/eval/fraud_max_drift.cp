// expect: W0701
// The brief's advisory `fraud_max_drift`, called with arguments by name; the default
// `max_drift` comes from a constant. Drift 0.22 is denied (an advisory denial is a
// warning), drift 0.1 is allowed.
// policy: fraud_max_drift drift=0.22
// policy: fraud_max_drift drift=0.1
// policy: fraud_max_drift drift=0.3 max_drift=0.5
const MAX_DRIFT = 0.15

policy fraud_max_drift(drift: float, max_drift: float = MAX_DRIFT) {
  level advisory
  deny when drift > max_drift => "drift {drift} exceeds threshold {max_drift}"
}
