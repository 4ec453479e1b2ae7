// expect: E0803
// A step calls a policy, a connector action, `log` or `fail`; connector actions and
// `log` are only called by steps.
connector atlas {
  kind http
  url "http://127.0.0.1:8700"
  action retrain(model: string) -> { run_id: string }
}

workflow w(model: string) {
  step sum = 1 + 2
}

fn retrain_now(model: string) -> { run_id: string } = atlas.retrain(model: model)
const LOGGED = log("hello")
