// expect: E0801
// Conditions and `after` make edges too: the cycle is listed with each edge's kind.
policy ok(raised: bool) {
  deny when raised => "raised"
}

workflow mixed() {
  step check = ok(raised: true) after notify
  step fix = log("fixing") when check.denied
  step notify = log("{fix}")
}
