// expect: E0109
policy fraud_max_drift(drift: float, max_drift: float = 0.15) {
  level advisory
  deny when drift > max_drift => "drift {drift} exceeds {max_drift}"
}

fn scale(x: float, factor: float) -> float = x * factor

const D = fraud_max_drift(drif: 0.2)
const S = scale(x: 1.0, factr: 2.0)
const L = len(xs: [1, 2])
