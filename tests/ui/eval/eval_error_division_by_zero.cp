// expect: E0503 E0703
// policy: average_is_low
// gate: g
policy average_is_low(total: int = 10, count: int = 0) {
  level advisory
  deny when total % count > 3 => "uneven"
}

gate g {
  policies [average_is_low]
}
