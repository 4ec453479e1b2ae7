// expect: E0401 E0402 E0403 E0404 E0409
// One JSON manifest with several mistakes: each is placed at its value in the file.
entity agent {
  key name: string
  version: version
  owner: string
  metadata: {
    description: string
    max_tokens: int where it >= 1 and it <= 32000
    temperature: float where it >= 0.0 and it <= 2.0
  }
}

source agents: [agent] = "agents/*.json"
