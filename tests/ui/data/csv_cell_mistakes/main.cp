// expect: E0403 E0405 E0407 E0409 E0402
// Mistakes in CSV cells are placed at the cell (line and column), with the schema field
// as the secondary label; an unknown column is reported once, at its header.
entity artifact {
  key id: string
  entity_type: "framework" | "module" | "prompt"
  version: version
  priority: int
  depends_on: [ref artifact] = []
}

source artifacts: [artifact] = "registry/artifacts.csv"
