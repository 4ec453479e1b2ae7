// Parameters, `let` and loop variables may shadow project-level names in their scope.
// eval: [over(2), over(4)]
// eval: uses_global()
// eval: SHADOW_IN_COMPREHENSION
// eval: a
// eval: SHADOW_IN_ANY
// policy: p
// policy: p limit=20
const limit = 10
const a = "a project constant"

entity agent {
  key name: string
  owner: string
}

const agents: [agent] = [
  { name: "billing-agent", owner: "payments" },
  { name: "sa", owner: "ops" },
  { name: "orphan-agent", owner: "" },
]

fn over(limit: int) -> bool = limit > 3
fn uses_global() -> int = limit

policy p(limit: int = 5) {
  let agents = [x for x in agents if x.owner != ""]
  for a in agents
  deny when len(a.name) > limit => "name of `{a.name}` is longer than {limit}"
}

const SHADOW_IN_COMPREHENSION = [a * 2 for a in [1, 2]]
const SHADOW_IN_ANY = any limit in [1, 2]: limit > 1
