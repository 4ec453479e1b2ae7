// expect: E0504
// A duration scaled by a float past what a duration holds is an overflow, whether it is
// multiplied or divided (division once saturated silently), and is never clamped.
// eval: 10s / 1e-300
// eval: 10s * 1e300
// eval: 10s / 4.0
// eval: [10s * 0.5, 2.0 * 3s]
