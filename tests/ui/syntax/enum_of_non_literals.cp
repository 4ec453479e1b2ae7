// expect: E0009
type mode = "a" | int
type maybe = "a"? | "b"
