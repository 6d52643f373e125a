#!/usr/bin/env bash
# Runs every benchmark, then writes target/bench-summary.md: one table per group with
# each store's time and its ratio to embedis (the numbers BENCHMARKS.md quotes).
#
#   scripts/bench.sh            # the full suite
#   scripts/bench.sh --quick    # shorter runs (EMBEDIS_BENCH_QUICK=1), for a first look
#   scripts/bench.sh zsets redis   # only these benchmark targets
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--quick" ]; then
  export EMBEDIS_BENCH_QUICK=1
  shift
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(store collections lists zsets pubsub transactions redis cache kevy hit_ratio)
fi

mkdir -p target/bench-logs
start=$(date +%s)
for t in "${targets[@]}"; do
  echo "== cargo bench --bench $t"
  cargo bench --bench "$t" 2>&1 | tee "target/bench-logs/$t.txt" | grep -E "^[a-z].*time:|bytes|B/|^\|" || true
done
python3 scripts/bench_table.py target/criterion > target/bench-summary.md
if [ -f target/bench-logs/hit_ratio.txt ]; then
  { echo; echo "## Hit ratio"; echo; grep -E "^\|" target/bench-logs/hit_ratio.txt; } >> target/bench-summary.md
fi
echo "== $(($(date +%s) - start)) s; tables in target/bench-summary.md, logs in target/bench-logs/"
