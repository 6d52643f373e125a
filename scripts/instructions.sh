#!/usr/bin/env bash
# Instructions per operation of the store's hot paths (benches/instructions.rs), counted
# by callgrind: exact and unmoved by a noisy machine, so two commits compare by a diff of
# this script's output. Needs valgrind. rustix is built on its libc backend here
# (valgrind cannot follow its raw vDSO set-up).
#   scripts/instructions.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=target/instructions
# As the peer harness builds: thin LTO, one codegen unit.
export CARGO_PROFILE_BENCH_LTO=thin CARGO_PROFILE_BENCH_CODEGEN_UNITS=1
RUSTFLAGS="--cfg rustix_use_libc" cargo bench --bench instructions --no-run --quiet
bin=$(ls -t target/instructions/release/deps/instructions-* | grep -v '\.d$' | head -1)
out=$(mktemp)
valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect='instructions::m_*' "$bin" >/dev/null 2>&1
# Per operation: loops of 100,000, except SADD and HSET (10,000 each).
callgrind_annotate --inclusive=yes "$out" 2>/dev/null |
    grep -E "instructions::m_[a-z_]+ \[" |
    sed -E 's/^ *([0-9,]+).*instructions::m_([a-z_]+) .*/\2 \1/' |
    while read -r f n; do
        n=${n//,/}
        case $f in sadd | hset) per=10000 ;; *) per=100000 ;; esac
        printf '%-12s %6d\n' "$f" $((n / per))
    done | sort
rm -f "$out"
