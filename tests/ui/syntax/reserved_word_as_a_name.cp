// expect: E0001
// A reserved word cannot name an item; the help says so.
const in = 3

// A missing name after a keyword is not blamed on the keyword.
policy p {
  let = 4
  deny when false
}
