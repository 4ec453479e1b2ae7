// expect: E0003
const A = 1 /* a comment /* nested */ that never ends

const B = 2
