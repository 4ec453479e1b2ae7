// expect: E0414
// A source's glob is relative to its file and may not leave the project.
type row = { name: string }
source rows: [row] = "../../x.yaml"
source absolute: [row] = "/etc/passwd"
