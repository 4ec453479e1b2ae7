// expect: E0104 E0201
// A step's output has the action's declared return type: fields it does not declare
// cannot be read, and it cannot be used as another type.
connector atlas {
  kind http
  url "http://127.0.0.1:8700"
  action retrain(model: string) -> { run_id: string }
}

connector intel {
  kind exec
  command ["python3", "agents/intel.py"]
  action summarize(run: int) -> { text: string }
}

workflow mismatched(model: string) {
  step retrain = atlas.retrain(model: model)
  step status = log("{retrain.status}")
  step summary = intel.summarize(run: retrain.run_id)
}
