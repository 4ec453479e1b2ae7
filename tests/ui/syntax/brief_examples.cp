// Every example of the language brief, exactly as written there, parses.
/// An AI agent registered with the control plane.
entity agent {
  key name: string
  version: version
  owner: string
  deprecated: bool = false
  tools: [ref tool]
  metadata: {
    description: string
    max_tokens: int where it >= 1 and it <= 32000
    temperature: float where it >= 0.0 and it <= 2.0
    capabilities: [string] = []
  }
  checksum_sha256: string?
  signature: string?
}

entity tool {
  key name: string
  version: version
  owner: string
  deprecated: bool = false
  metadata: {
    category: "data" | "action" | "retrieval"
    inputs_schema: json
    outputs_schema: json
    timeout_ms: int where it > 0
    retry_attempts: int = 0
  }
}

type tf_change = { address: string, type: string, change: { actions: [string], after: json? } }
type tf_plan = { resource_changes: [tf_change] }

source agents: [agent] = "registry/agents/*.yaml"
source tools: [tool] = "registry/tools/*.yaml"
source plan: tf_plan = input        // supplied at evaluation time: --input plan=plan.json

const MAX_DRIFT = 0.15
const REGIONS: [string] = ["eu-west-1", "us-east-1"]
fn is_production(env: string) -> bool = env == "production" or env == "prod"

policy agent_ownership {
  level hard
  for a in agents
  require a.owner != "" => "agent `{a.name}` has no owner"
  warn when a.deprecated => "agent `{a.name}` is deprecated"
}

policy no_deprecated_tools {
  level soft
  for a in agents if not a.deprecated
  deny when any t in a.tools: t.deprecated
    => "agent `{a.name}` uses deprecated tools: {join([t.name for t in a.tools if t.deprecated], ", ")}"
}

policy fraud_max_drift(drift: float, max_drift: float = MAX_DRIFT) {
  level advisory
  deny when drift > max_drift => "drift {drift} exceeds threshold {max_drift}"
}

waiver search_uses_legacy_memory {
  policy no_deps_on_deprecated
  subject "search"
  until 2027-03-31
  owner "search-team"
  reason "moves to the new memory backend, ADR-0007"
}

gate registry_valid {
  policies [agent_ownership, no_deprecated_tools]
}

gate cloud_plan {
  input plan: tf_plan
  policies [no_public_buckets(plan: plan), prod_changes_approved(plan: plan)]
}

connector atlas {
  kind http
  url env("ATLAS_URL", "http://127.0.0.1:8700")
  timeout 30s
  action retrain(model: string, reason: string) -> { run_id: string }
}

connector intel {
  kind exec
  command ["python3", "agents/intel.py"]
  action summarize(model: string, drift: float, run_id: string) -> { text: string }
}

workflow fraud_drift_management(model: string, drift: float) {
  step check = fraud_max_drift(drift: drift)
  step retrain = atlas.retrain(model: model, reason: check.violations[0].message)
    when check.denied
    retry 3 backoff 10s
    timeout 10m
  step summary = intel.summarize(model: model, drift: drift, run_id: retrain.run_id)
  step record = log("drift {drift} on {model}: {summary?.text ?? "no retraining"}")
    always
}

context {
  tenant: { id: string, tier: "free" | "pro" | "enterprise" }
  user: { id: string }?
}

flag new_ai_model: bool {
  default false
  when context.tenant.tier == "enterprise" => true
  when context.tenant.id in ["tenant123"] => true
  rollout 25% => true by context.tenant.id
}

flag checkout_flow: "a" | "b" | "c" {
  default "a"
  split by context.user?.id ?? context.tenant.id { "a": 50%, "b": 30%, "c": 20% }
}

flag beta_features: bool {
  default false
  enabled false        // kill switch: always serve the default
}

environments [dev, staging, production]

config platform {
  database_url: secret = secret("DATABASE_URL")
  pool_size: int = 10 where it >= 1 and it <= 500
  model: {
    name: string = "fraud-large"
    temperature: float = 0.7 where it >= 0.0 and it <= 2.0
  }
  env staging { pool_size = 20 }
  env production { pool_size = 50, model.temperature = 0.3 }
}

slo drift_workflow_health {
  workflow fraud_drift_management
  window 30d
  objective success_rate >= 99%
  objective p95_duration <= 5m
}

test drift_above_threshold_retrains {
  mock atlas.retrain => { run_id: "run-42" }
  mock intel.summarize => { text: "Drift rose to 0.22; retraining started." }
  let run = fraud_drift_management(model: "fraud_v3", drift: 0.22)
  expect run.status == "succeeded"
  expect run.steps.retrain.status == "succeeded"
}

test ownerless_agent_is_denied {
  given agents = [{ name: "a1", version: "1.0.0", owner: "", tools: [],
                    metadata: { description: "x", max_tokens: 10, temperature: 0.1 } }]
  expect agent_ownership().denied
  expect len(agent_ownership().violations) == 1
}

test enterprise_tenants_get_the_new_model {
  expect new_ai_model({ tenant: { id: "t9", tier: "enterprise" } }) == true
}
