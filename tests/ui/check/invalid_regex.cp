// expect: E0210
fn is_word(s: string) -> bool = s matches "(unclosed"
fn ok(s: string) -> bool = s matches r"^\w+$"
fn via_builtin(s: string) -> bool = matches(s, "[z-a]")
