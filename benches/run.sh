#!/usr/bin/env bash
# Whole-process figures for docs/performance.md, measured side by side in one run:
#   1. the fleet workload (../shared/bench/fleet) for cpl, its peers (regorus, OPA's Go
#      engine, Cedar, plain Python; each skipped when not installed) and the hand-written
#      Rust floor, at N = 1 000, 10 000 and 100 000; then cpl's 100k/10k ratio;
#   2. `cpl check` of a generated project of 50 000 lines;
#   3. `cpl check` of 10 000 YAML agent manifests.
# Each figure is the median wall time (to the millisecond) and peak RSS of RUNS runs after
# one warm-up, the engines of one table taking turns run by run.
# Usage: bash benches/run.sh            (RUNS=5 by default)
set -u
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
FLEET=../shared/bench/fleet
DATA=${D:-/tmp/fleet-data}
export D=$DATA RUNS
cargo build --release --quiet --bin cpl --example fleet_floor || exit 2
CPL=$PWD/target/release/cpl
FLOOR=$PWD/target/release/examples/fleet_floor
mkdir -p "$DATA"

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# interleaved NAME CMD [NAME CMD ...]: runs every command once per round, RUNS rounds
# after a warm-up, so that a slow minute of this shared machine slows every engine alike;
# prints each one's median wall time (seconds, to the millisecond) and median peak RSS,
# and skips a command that fails (a peer that is not installed).
interleaved() {
  local names=() cmds=() i
  while [ $# -ge 2 ]; do
    if eval "$2" >/dev/null 2>&1; then names+=("$1"); cmds+=("$2")
    else printf "%-34s skipped (not installed or failed)\n" "$1"; fi
    shift 2
  done
  local stats; stats=$(mktemp)
  local -A walls=() mems=()
  # What `/usr/bin/time` itself costs (a few milliseconds), taken off every figure.
  local overhead=() start end
  for _ in 1 2 3 4 5; do
    start=$(date +%s%N); /usr/bin/time -f %M -o "$stats" true; end=$(date +%s%N)
    overhead+=($((end - start)))
  done
  local base; base=$(printf '%s\n' "${overhead[@]}" | median)
  for _ in $(seq "$RUNS"); do
    for i in "${!cmds[@]}"; do
      start=$(date +%s%N)
      eval "/usr/bin/time -f %M -o $stats ${cmds[$i]}" >/dev/null 2>&1
      end=$(date +%s%N)
      walls[$i]+=" $(awk -v ns=$((end - start - base)) 'BEGIN {printf "%.3f", ns / 1e9}')"
      mems[$i]+=" $(tail -1 "$stats")"
    done
  done
  rm -f "$stats"
  for i in "${!cmds[@]}"; do
    local wall mem
    wall=$(printf '%s\n' ${walls[$i]} | median)
    mem=$(printf '%s\n' ${mems[$i]} | median)
    printf "%-34s wall_s_median=%-7s peak_MiB_median=%s\n" "${names[$i]}" "$wall" "$(awk -v k="$mem" 'BEGIN {printf "%.1f", k/1024}')"
    WALL_OF[${names[$i]}]=$wall
  done
}
declare -A WALL_OF=()

echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "## 1. fleet"
for n in 1000 10000 100000; do
  [ -f "$DATA/fleet-$n.json" ] || (cd "$FLEET" && python3 gen_fleet.py "$n" "$DATA")
done
# The same engines and command lines as the benchmark's bench.sh, interleaved.
for n in 1000 10000 100000; do
  echo "== N=$n (expected violations: $(cat "$DATA/expected-$n.txt"), cpl says: $("$CPL" eval 'len(fleet_drift().violations)' --project "$FLEET" --input fleet="$DATA/fleet-$n.json" 2>&1 | tail -1))"
  interleaved \
    "cpl" "$CPL eval 'len(fleet_drift().violations)' --project $FLEET --input fleet=$DATA/fleet-$n.json" \
    "hand-written Rust (the floor)" "$FLOOR $DATA/fleet-$n.json" \
    "regorus" "regorus eval -d $FLEET/fleet.rego -i $DATA/fleet-$n.json data.fleet.nviolations" \
    "opa (Go engine via python)" "python3 $FLEET/run_opa_go.py $FLEET/fleet.rego $DATA/fleet-$n.json" \
    "cedar (cedarpy, N requests)" "python3 $FLEET/run_cedarpy.py $FLEET/fleet.cedar $DATA/cedar-entities-$n.json $DATA/cedar-requests-$n.json" \
    "python3 plain loop" "python3 $FLEET/run_python_plain.py $DATA/fleet-$n.json"
  if [ "$n" = 100000 ] && [ -n "${WALL_OF[regorus]:-}" ]; then
    awk -v c="${WALL_OF[cpl]}" -v f="${WALL_OF[hand-written Rust (the floor)]}" -v r="${WALL_OF[regorus]}" \
      'BEGIN {printf "cpl against regorus: %.2fx as fast; against the floor: %.2fx its time\n", r / c, c / f}'
  fi
done
echo "== cpl, 100k against 10k (linearity)"
interleaved \
  "cpl N=10000" "$CPL eval 'len(fleet_drift().violations)' --project $FLEET --input fleet=$DATA/fleet-10000.json" \
  "cpl N=100000" "$CPL eval 'len(fleet_drift().violations)' --project $FLEET --input fleet=$DATA/fleet-100000.json"
awk -v a="${WALL_OF[cpl N=100000]}" -v b="${WALL_OF[cpl N=10000]}" 'BEGIN {printf "ratio 100k/10k: %.1f (linear is 10)\n", a/b}'
echo
echo "## 2. cpl check, 50 000 lines of .cp"
[ -d /tmp/cpl-large ] || python3 benches/gen_project.py /tmp/cpl-large 50000
# The floor at N = 100 000 runs in turn with it as a gauge of this shared machine's
# phase: it takes about 0.08 s when the machine is quiet.
interleaved "cpl check (50k lines)" "$CPL check --project /tmp/cpl-large" \
  "gauge: the fleet floor, N=100000" "$FLOOR $DATA/fleet-100000.json"

echo
echo "## 3. cpl check, 10 000 YAML manifests"
[ -d /tmp/cpl-manifests ] || python3 benches/gen_manifests.py /tmp/cpl-manifests 10000
interleaved "cpl check (10k manifests)" "$CPL check --project /tmp/cpl-manifests"
echo
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
