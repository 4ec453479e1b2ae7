// expect: E1005
// Keys are strings or integers, the values flagd's evaluators write alike.
context {
  user: { id: string, score: float, admin: bool }
}

flag by_score: bool {
  default false
  rollout 10% => true by context.user.score
}

flag by_admin: "a" | "b" {
  default "a"
  split by context.user.admin { "a": 50%, "b": 50% }
}
