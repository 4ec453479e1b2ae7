// The project the server tests run against: a policy with typed parameters, and a gate
// with an input and a soft policy that can be overridden.

type bucket = { name: string, public: bool }
type plan = { buckets: [bucket] }

policy max_drift(drift: float, max: float = 0.2) {
  level hard
  deny when drift > max => "drift {drift} exceeds {max}"
}

policy no_public_buckets(p: plan) {
  level hard
  for b in p.buckets
  deny when b.public => "bucket `{b.name}` is public"
}

policy few_buckets(p: plan) {
  level soft
  deny when len(p.buckets) > 2 => "{len(p.buckets)} buckets, more than 2"
}

gate deploy {
  input plan: plan
  policies [no_public_buckets(p: plan), few_buckets(p: plan)]
}
