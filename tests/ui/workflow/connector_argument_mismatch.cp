// expect: E0201 E0201 E0109 E0202
// Arguments are checked against the action's parameters like any call.
connector atlas {
  kind http
  url "http://127.0.0.1:8700"
  action retrain(model: string, drift: float) -> { run_id: string }
}

workflow wrong_arguments(model: string) {
  step one = atlas.retrain(model: 3, drift: "high")
  step two = atlas.retrain(model: model, drift: 0.2, reason: "drift")
  step three = atlas.retrain(model: model)
}
