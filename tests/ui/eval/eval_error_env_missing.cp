// expect: E0507 E0703
// policy: region_is_allowed
// gate: g
policy region_is_allowed {
  level soft
  deny when env("CPL_TEST_SURELY_UNSET") == "us-east-1" => "region not allowed"
}

gate g {
  policies [region_is_allowed]
}
