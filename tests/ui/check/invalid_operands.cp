// expect: E0203
const A = 1 + "x"
const B = -"x"
const C = 3 in 4
const D = true * 2
const E = 2026-01-01 + 2026-01-02
