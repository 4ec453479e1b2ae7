// expect: E0002
const PATTERN = r"^[a-z]+

const OK = 1
