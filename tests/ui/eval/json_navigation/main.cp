// expect: E0501
// On `json`, `x.f` fails when `f` is missing, `x?.f` gives null, `??` gives a default,
// and `as T` / `as T?` are checked casts.
// input: doc=service.json
// eval: doc.name as string
// eval: doc?.owner ?? "nobody"
// eval: doc.meta?.team ?? "none"
// eval: doc?.missing?.deeper ?? 0
// eval: (doc.replicas as int?) ?? 1
// eval: doc.tags[1] as string
// eval: [t as string for t in doc.tags as [json]]
// eval: doc.limits.cpu as float
// eval: doc.owner
source doc: json = input
