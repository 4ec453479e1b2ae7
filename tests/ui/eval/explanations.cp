// expect: E0702
// Every violation shows the values of its condition's sub-expressions, and for a
// comparison, what would make it pass.
const BLOCKED_REGIONS = ["cn-north-1", "ru-central-1"]
const ALLOWED_TIERS = ["pro", "enterprise"]

policy explained(replicas: int = 7, max_replicas: int = 5, region: string = "cn-north-1",
                 tier: string = "free", public: bool = true, encrypted: bool = false,
                 owner: string = "", version: version = "0.9.0") {
  level soft
  deny when replicas > max_replicas => "too many replicas"
  require replicas * 2 <= max_replicas + 1 => "replicas must fit twice"
  deny when public and not encrypted => "public and unencrypted"
  deny when owner == "" or tier == "free" => "no owner or free tier"
  deny when not encrypted => "not encrypted"
  deny when region in BLOCKED_REGIONS => "blocked region"
  require tier in ALLOWED_TIERS => "tier not allowed"
  deny when tier not in ALLOWED_TIERS => "tier not allowed"
  require version >= "1.0.0" => "too old"
  require len(owner) > 0 => "owner is empty"
}
