// expect: E0213
type point = { x: int, y: int }

entity agent {
  key name: string
  home: ref point
  count: ref int
}
