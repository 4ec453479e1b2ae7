// expect: E0702
// The brief's `no_deprecated_tools`: `for … if` skips deprecated agents, `any … in` finds
// deprecated tools through the references, and the message lists them with a
// comprehension.
policy no_deprecated_tools {
  level soft
  for a in agents if not a.deprecated
  deny when any t in a.tools: t.deprecated
    => "agent `{a.name}` uses deprecated tools: {join([t.name for t in a.tools if t.deprecated], ", ")}"
}
