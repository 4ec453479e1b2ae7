// The seed's control plane registry as CSV: a list cell holds `;`-separated items, an
// empty cell is null for an optional field and the default (or an empty list)
// otherwise, and a quoted cell may hold commas.
// eval: [a.id for a in artifacts]
// eval: [a.id for a in artifacts if a.migration_plan != null]
// eval: [{ id: a.id, deps: [d.id for d in a.depends_on] } for a in artifacts]
// eval: [a.migration_plan for a in artifacts if a.status == "deprecated"]
// eval: [a.tags for a in artifacts]
entity artifact {
  key id: string
  entity_type: "framework" | "module" | "prompt"
  name: string
  version: version
  status: "active" | "deprecated"
  owner: string
  purpose: string
  depends_on: [ref artifact] = []
  tags: [string] = ["untagged"]
  migration_plan: string?
}

source artifacts: [artifact] = "registry/control_plane_registry.csv"
