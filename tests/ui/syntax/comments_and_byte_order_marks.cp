// The parser sees comments and byte-order marks as spaces; offsets stay exact.
// eval: URL
// eval: SUM /* a comment in an expression given on its own */ * 10
// eval: GREETING
// eval: RAW
// eval: LAST
/* a block comment /* nested */ before an item */ const URL = "http://example.com/*not-a-comment*/"
const SUM = 1 /* inline */ + // trailing
  2 +﻿3 // a byte-order mark between tokens is a space too
const NAME = "cpl"
const GREETING = "hello {NAME /* inside an interpolation */}"
const RAW = r"//x/*y*/"
const LAST = 1 // a comment that ends the file without a newline