// Policies the workflows consult. Each is an ordinary policy: `cpl policy` evaluates
// it on its own, and a workflow step records its decision in the run log.

const MAX_DRIFT = 0.15

/// Seed 000: "drift > threshold → evaluate policy → retrain → summarize → log".
policy fraud_max_drift(drift: float, max_drift: float = MAX_DRIFT) {
  level advisory
  deny when drift > max_drift => "drift {drift} exceeds threshold {max_drift}"
}

/// A document a governance scan found.
type document = {
  id: string
  title: string
  owner: string
  pii: [string]
  shared: "public" | "internal" | "private"
}

/// Documents holding personal data must not be shared beyond their team.
policy pii_exposure(docs: [document]) {
  level hard
  for d in docs
  deny when len(d.pii) > 0 and d.shared != "private"
    => "`{d.title}` holds {join(d.pii, ", ")} and is shared {d.shared}"
}

/// An incident the supply-chain agent correlated from shipments and news.
type incident = {
  id: string
  supplier: string
  severity: "low" | "medium" | "high"
  summary: string
  evidence: [string]
}

/// High-severity supply-chain incidents need a human.
policy supply_risk(incidents: [incident]) {
  level advisory
  for i in incidents
  deny when i.severity == "high" => "{i.supplier}: {i.summary}"
}
