// expect: E0005
// An integer that does not fit in 64 bits is an invalid literal, not a wrap-around.
const BIG = 99999999999999999999
const FINE = 9223372036854775807
