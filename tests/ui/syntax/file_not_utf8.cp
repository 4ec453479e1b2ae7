// expect: E0011
// A file that is not UTF-8 (here Latin-1) is reported, not guessed at.
const CAFÉ = "café"
