// expect: E0414
// `cpl.toml` may come from a pull request: its source directories and its run log
// must stay inside the project, whether they climb out with `..` or are absolute.
type row = { name: string }
const rows: [row] = []
