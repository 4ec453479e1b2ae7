// expect: E0002
// A string that runs to the end of the line is reported at its opening quote.
const GREETING = "hello
const OTHER = 1 + "x"
