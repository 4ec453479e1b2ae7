// expect: E0001
// Characters that begin an operator without being one: each error points at the
// character itself and says what was expected there, never one character further.
policy question_mark(a: int?, b: int) {
  deny when a ? b
}

policy word_after_operand(a: bool) {
  deny when a also
}

entity Slash {
  name: string /
}

policy bang(a: bool, b: bool) {
  deny when a ! b
}
