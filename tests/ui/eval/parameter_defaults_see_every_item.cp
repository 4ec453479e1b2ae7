// A parameter's default may read a constant or call a function declared anywhere, and a
// later parameter's default may use an earlier parameter. (Defaults were once checked
// before constants were declared: `LIMITS.max as int` became an internal error on a
// project that checked clean.)
// eval: capped(value: 7).denied
// eval: capped(value: 7, max: 10).denied
// eval: scaled(3)

policy capped(value: int, max: int = LIMITS.max as int, twice: int = double(max)) {
  deny when value > max => "{value} is over {max} (twice is {twice})"
}

fn scaled(x: int, by: int = double(FACTOR)) -> int = x * by

const LIMITS: json = { max: 5 }
const FACTOR = 2

fn double(n: int) -> int = n * 2
