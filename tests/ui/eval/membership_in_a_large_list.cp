// `x in xs` over a list computed once (a constant, a `let` before `for`) does not scan
// the list for every element: 10 000 elements against 10 000 stays fast.
// eval: len(TEN_THOUSAND)
// eval: 9999 in TEN_THOUSAND and not (10000 in TEN_THOUSAND)
// policy: every_element_is_known
const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
const HUNDRED = [a * 10 + b for a in DIGITS for b in DIGITS]
const TEN_THOUSAND = [a * 100 + b for a in HUNDRED for b in HUNDRED]

policy every_element_is_known {
  level soft
  let known = [x for x in TEN_THOUSAND]
  for x in TEN_THOUSAND
  deny when x not in known => "{x} is unknown"
  deny when x not in TEN_THOUSAND => "{x} is missing"
}
