#!/usr/bin/env bash
# Benchmark: `simulate` over a week of 15-second samples (40,320 rows, 2 metrics, ~0.2% missing),
# for the table, JSON and --only-changes outputs. Reports the median wall time of RUNS runs and
# the peak resident memory (GNU time). Needs a release build:
#   cargo build --release -p notejam-autoscaler   (from the repository root)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target=${CARGO_TARGET_DIR:-$HOME/.cache/notejam-cloud/target}
bin=${NOTEJAM_AUTOSCALER_BIN:-$target/release/notejam-autoscaler}
runs=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

[ -x "$bin" ] || { echo "no release binary at $bin: cargo build --release" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "GNU time is needed: apt-get install -y time" >&2; exit 1; }
python3 "$here/examples/traces/generate.py" --week "$work/week.csv"
echo "trace: $(($(wc -l <"$work/week.csv") - 1)) samples, $(du -h "$work/week.csv" | cut -f1)"

bench() {
  local label=$1; shift
  local times=() rss=0
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$work/t" "$bin" simulate --policy "$here/examples/policy.yaml" \
      --trace "$work/week.csv" --baseline "$here/tests/fixtures/baseline.json" "$@" >"$work/out"
    read -r secs kb <"$work/t"
    times+=("$secs")
    [ "$kb" -gt "$rss" ] && rss=$kb
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  printf '%-16s median %ss (runs: %s)  peak RSS %d MiB  output %s\n' "$label" "$median" "${times[*]}" $((rss / 1024)) "$(du -h "$work/out" | cut -f1)"
}

bench table
bench only-changes --only-changes
bench json --output json
tail -2 "$work/out" >/dev/null
"$bin" simulate --policy "$here/examples/policy.yaml" --trace "$work/week.csv" \
  --baseline "$here/tests/fixtures/baseline.json" --only-changes | tail -2
