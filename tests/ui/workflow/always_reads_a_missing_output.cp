// expect: E0804 E0208
// An `always` step runs even when the steps it reads failed or were skipped: their
// outputs are optional there, and reading a field needs `?.` and a default.
connector intel {
  kind exec
  command ["python3", "agents/intel.py"]
  action summarize(model: string) -> { text: string }
}

workflow report(model: string) {
  step summary = intel.summarize(model: model)
  step unguarded = log("{summary.text}") always
  step guarded = log("{summary?.text ?? "no summary"}") always
  step plain = log("{summary.text}")
}

connector maybe {
  kind exec
  command ["python3", "maybe.py"]
  action find() -> { text: string }?
}

// An action that may return null is `E0208` in any step, not `E0804`.
workflow optional_reply() {
  step found = maybe.find()
  step use = log("{found.text}")
}
