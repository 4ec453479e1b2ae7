// expect: E0505 E0703
// policy: first_region
// gate: g
const REGIONS: [string] = ["eu-west-1", "us-east-1"]

policy first_region(which: int = 5) {
  level soft
  deny when REGIONS[which] == "us-east-1" => "wrong region"
}

gate g {
  policies [first_region]
}
