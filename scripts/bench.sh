#!/usr/bin/env bash
# Runs every benchmark, then writes target/bench-summary.md (one table per group with
# each store's time and its ratio to embedis: the numbers BENCHMARKS.md quotes) and
# target/bench-chart.png (embedis beside each peer; BENCHMARKS.png is a copy of it).
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
  targets=(store collections lists zsets pubsub transactions redis families cache kevy hit_ratio memory snapshot aof)
fi

# One run's results only: the tables and the chart compare what ran together.
rm -rf target/criterion
mkdir -p target/bench-logs
start=$(date +%s)
for t in "${targets[@]}"; do
  echo "== cargo bench --bench $t"
  cargo bench --bench "$t" 2>&1 | tee "target/bench-logs/$t.txt" | grep -E "^[a-z].*time:|bytes|B/|^\||keys/s" || true
done
python3 scripts/bench_table.py target/criterion > target/bench-summary.md
for t in hit_ratio memory; do
  if [ -f "target/bench-logs/$t.txt" ]; then
    { echo; echo "## $t"; echo; grep -E "^\|" "target/bench-logs/$t.txt"; } >> target/bench-summary.md
  fi
done
if [ -f target/bench-logs/aof.txt ]; then
  { echo; echo "## aof"; echo; grep -E "writes/s" target/bench-logs/aof.txt; } >> target/bench-summary.md
fi
if [ -f target/bench-logs/snapshot.txt ]; then
  { echo; echo "## snapshot"; echo; grep -E "keys/s" target/bench-logs/snapshot.txt; } >> target/bench-summary.md
fi
if python3 -c "import matplotlib" 2>/dev/null; then
  python3 scripts/bench_chart.py target/criterion target/bench-chart.png
else
  echo "matplotlib not installed (pip install matplotlib): no chart"
fi
echo "== $(($(date +%s) - start)) s; tables in target/bench-summary.md, chart in target/bench-chart.png, logs in target/bench-logs/"
