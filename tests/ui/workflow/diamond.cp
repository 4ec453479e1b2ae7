// A clean diamond: `left` and `right` run together, `join` waits for both, and
// `audit` runs whatever happens.
connector tools {
  kind exec
  command ["python3", "tool.py"]
  action fetch(part: string) -> { rows: int }
}

policy enough(rows: int) {
  level soft
  require rows >= 10 => "only {rows} rows"
}

workflow diamond(threshold: int = 10) {
  step start = log("starting with {threshold}")
  step left = tools.fetch(part: "left") after start retry 2 backoff 1s
  step right = tools.fetch(part: "right") after start timeout 30s
  step check = enough(rows: left.rows + right.rows)
  step join = log("{left.rows + right.rows} rows") when check.allowed
  step audit = log("allowed: {check?.allowed ?? false}") always
}
