// expect: E0001
// `=` where a comparison was meant gets a help line pointing to `==`.
const MODE = "prod"

policy p {
  deny when MODE = "prod" => "production"
}
