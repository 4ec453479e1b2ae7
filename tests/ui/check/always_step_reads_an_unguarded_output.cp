// expect: E0804
// An `always` step runs even when the steps it reads failed or were skipped: their
// outputs may be missing, so it reads them with `?.`.
connector intel {
  kind exec
  command ["python3", "agents/intel.py"]
  action summarize(model: string) -> { text: string }
}

workflow w(model: string) {
  step summary = intel.summarize(model: model)
  step record = log("summary: {summary.text}")
    always
  step fine = log("summary: {summary?.text ?? "none"}")
    always
}
