// expect: E0101
// An unknown name is reported with the closest name in scope.
const MAX_DRIFT = 0.15

fn too_high(drift: float) -> bool = drift > MAX_DRIFTT
fn uses_param(threshold: float) -> bool = treshold > 1.0
fn nothing_close() -> int = zzzzzz
