// expect: E0001 E0002
// `{` in a string starts an interpolation; a JSON text needs `\{` for its braces. The
// help says so, whichever way the parse fails.
const BROKEN = "{\"name\": \"crm\"}"
const ALSO_BROKEN = len("{\"name\": \"crm\"}")
const FINE = "\{\"name\": \"crm\"}"
const ALSO_FINE = "{len(FINE)} characters"
