// Cloud governor (seed 002): Terraform plans checked against registered cloud services.

const PUBLIC_ACLS: [string] = ["public-read", "public-read-write"]

fn creates_or_updates(c: tf_change) -> bool =
  "create" in c.change.actions or "update" in c.change.actions

/// Only registered services may appear in a plan.
policy only_registered_services(plan: tf_plan) {
  level hard
  let registered = [s.resource_type for s in cloud_services]
  for c in plan.resource_changes if creates_or_updates(c)
  require c.type in registered
    => "`{c.address}` is a `{c.type}`, which is not a registered cloud service"
}

/// Buckets are private unless the registry says otherwise.
policy no_public_buckets(plan: tf_plan) {
  level hard
  let allowed = [s.name for s in cloud_services if s.public_access_allowed]
  for c in plan.resource_changes if c.type == "aws_s3_bucket" and creates_or_updates(c)
  deny when ((c.change.after?.acl ?? "private") as string) in PUBLIC_ACLS and c.name not in allowed
    => "bucket `{c.address}` would be public ({c.change.after?.acl})"
}

/// Changes to production need an approval on record: "Production environments require
/// manual approval for updates" (seed 002).
policy prod_changes_approved(plan: tf_plan, approved_by: string? = null) {
  level soft
  let prod = [e for e in environments if e.tier == "production"]
  for c in plan.resource_changes if starts_with(c.address, "module.prod.") and creates_or_updates(c)
  require approved_by != null and all e in prod: (approved_by ?? "") in e.approvers
    => "`{c.address}` changes production without an approval from {join(prod[0].approvers, " or ")}"
}
