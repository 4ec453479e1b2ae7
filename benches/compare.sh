#!/usr/bin/env bash
# An old cpl against a new one, measured side by side in one run:
#   1. the fleet workload at N = 100 000 (`cpl eval 'len(fleet_drift().violations)'`);
#   2. `cpl check` of a generated project of 50 000 lines;
# each whole-process (the new binary with `--jobs 2`, the old one as it comes) and pinned
# to one processor (`taskset -c 0`, the new binary with `--jobs 1`). The two binaries take
# turns run by run, after one warm-up each, so that a slow minute of a shared machine
# slows both alike; each figure is the median wall time of RUNS runs, to the millisecond,
# and the last column is new / old.
# Usage: bash benches/compare.sh OLD_BIN NEW_BIN
#   RUNS=5, FLEET=../shared/bench/fleet, D=/tmp/fleet-data, LARGE=/tmp/cpl-large by default;
#   the data and the project are generated when missing.
set -u
cd "$(dirname "$0")/.."
if [ $# -ne 2 ]; then
  echo "usage: bash benches/compare.sh OLD_BIN NEW_BIN" >&2
  exit 2
fi
OLD=$(realpath "$1")
NEW=$(realpath "$2")
RUNS=${RUNS:-5}
FLEET=$(realpath "${FLEET:-../shared/bench/fleet}")
DATA=${D:-/tmp/fleet-data}
LARGE=${LARGE:-/tmp/cpl-large}
command -v taskset >/dev/null || { echo "taskset is needed (util-linux)" >&2; exit 2; }

mkdir -p "$DATA"
[ -f "$DATA/fleet-100000.json" ] || python3 "$FLEET/gen_fleet.py" 100000 "$DATA" >/dev/null || exit 2
[ -d "$LARGE" ] || python3 benches/gen_project.py "$LARGE" 50000 >/dev/null || exit 2

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Seconds, to the millisecond, that a command takes; its output is dropped.
wall() {
  local start end
  start=$(date +%s%N)
  eval "$1" >/dev/null 2>&1
  end=$(date +%s%N)
  awk -v ns=$((end - start)) 'BEGIN {printf "%.3f", ns / 1e9}'
}

# compare NAME OLD_CMD NEW_CMD: both commands once as a warm-up (and they must agree on
# their output), then RUNS rounds of one run each, in turn.
compare() {
  local name=$1 old_cmd=$2 new_cmd=$3 old_out new_out
  old_out=$(eval "$old_cmd" 2>/dev/null | tail -1)
  new_out=$(eval "$new_cmd" 2>/dev/null | tail -1)
  if [ "$old_out" != "$new_out" ]; then
    echo "$name: the binaries disagree: old says '$old_out', new says '$new_out'" >&2
  fi
  local olds=() news=()
  for _ in $(seq "$RUNS"); do
    olds+=("$(wall "$old_cmd")")
    news+=("$(wall "$new_cmd")")
  done
  local old new
  old=$(printf '%s\n' "${olds[@]}" | median)
  new=$(printf '%s\n' "${news[@]}" | median)
  printf "%-40s old=%-7s new=%-7s new/old=%s\n" "$name" "$old" "$new" \
    "$(awk -v o="$old" -v n="$new" 'BEGIN {printf "%.3f", n / o}')"
}

FLEET_ARGS="eval 'len(fleet_drift().violations)' --project $FLEET --input fleet=$DATA/fleet-100000.json"
CHECK_ARGS="check --project $LARGE"
PIN="taskset -c 0"

echo "# medians of $RUNS, interleaved; $(nproc) processors"
compare "fleet N=100000, whole process" "$OLD $FLEET_ARGS" "$NEW --jobs 2 $FLEET_ARGS"
compare "fleet N=100000, one processor" "$PIN $OLD $FLEET_ARGS" "$PIN $NEW --jobs 1 $FLEET_ARGS"
compare "check 50k lines, whole process" "$OLD $CHECK_ARGS" "$NEW --jobs 2 $CHECK_ARGS"
compare "check 50k lines, one processor" "$PIN $OLD $CHECK_ARGS" "$PIN $NEW --jobs 1 $CHECK_ARGS"
