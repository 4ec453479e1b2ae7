// expect: E0005
// A date that does not exist is an invalid literal.
const DAY = 2027-02-30
const TIME = 2027-03-31T25:00:00Z
