// expect: E0802
workflow w(model: string) {
  step check = log("checking {model}")
  step retrain = log("retraining")
    after chek
}
