// expect: E0701 W0702
// The brief's `agent_ownership`: a hard `require` and a `warn`. Each violation names its
// subject and data origin and shows the values that made it fire.
policy agent_ownership {
  level hard
  for a in agents
  require a.owner != "" => "agent `{a.name}` has no owner"
  warn when a.deprecated => "agent `{a.name}` is deprecated"
}
