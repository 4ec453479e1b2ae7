// expect: E0101
// A `let` before `for` cannot see the loop variable; a `let` after `for` can.
entity agent {
  key name: string
  owner: string
}

source agents: [agent] = input

policy before_for_uses_loop_variable {
  let owner = a.owner
  for a in agents
  require owner != "" => "no owner"
}

policy fine {
  let known = [a.name for a in agents]
  for a in agents
  let owner = a.owner
  require owner != "" and a.name in known => "agent `{a.name}` has no owner"
}
