// expect: E0104
entity agent {
  key name: string
  owner: string
  metadata: { description: string, max_tokens: int }
}

source agents: [agent] = input

policy p {
  for a in agents
  require a.ownr != "" => "no owner"
  deny when a.metadata.max_token > 10
  deny when a.colour == "red"
}

type point = { x: int, y: int }
const P: point = { x: 1, z: 2 }
// A misspelt field is suggested among the fields not given yet, and is not also
// reported missing.
const Q: point = { x: 1, yy: 2 }
