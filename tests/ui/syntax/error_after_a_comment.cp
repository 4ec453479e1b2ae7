// expect: E0001
// The error is at the token after the comment, not inside it.
policy unfinished {
  deny when 1 + /* the operand
                   is missing */
}

policy complete {
  deny when 1 + /* a comment */ 2 > 5 // and another
}
