// expect: E0701
// The brief's `cloud_plan` gate: an `input` bound with `--input plan=…`, passed to a
// policy by name. The plan is an open record: Terraform's other fields are ignored.
// input: plan=plans/public-bucket.json
// gate: cloud_plan
type tf_change = { address: string, type: string, change: { actions: [string], after: json? }, ... }
type tf_plan = { resource_changes: [tf_change], ... }

policy no_public_buckets(plan: tf_plan) {
  level hard
  for rc in plan.resource_changes if rc.type == "aws_s3_bucket"
  deny when (rc.change.after?.acl ?? "private") as string == "public-read"
    => "`{rc.address}` would be public"
}

gate cloud_plan {
  input plan: tf_plan
  policies [no_public_buckets(plan: plan)]
}
