#!/usr/bin/env bash
# Fuzzes every target for SECONDS each (default 60) and prints a table: target, executions,
# seconds, crashes. Crashing inputs go to fuzz/crashes/; the exit status is non-zero if any.
# The dev profile: dependencies are optimized there already (see the root Cargo.toml), and a
# release build of wash and wasmtime takes far longer than a run.
# SEED fixes the PRNG seed; CARGO_TARGET_DIR is honoured as cargo honours it.
set -euo pipefail
seconds="${1:-60}"
here="$(cd "$(dirname "$0")" && pwd)"
cargo build -p wash-fuzz --manifest-path "$here/../Cargo.toml" --quiet
bin="${CARGO_TARGET_DIR:-$here/../target}/debug/wash-fuzz"
seed="${SEED:-$(date +%s)}"
echo "seed $seed, $seconds s per target"
printf '%-9s %11s %8s %8s\n' target executions seconds crashes
status=0
for target in $("$bin" --list | cut -d' ' -f1); do
    "$bin" "$target" --seconds "$seconds" --seed "$seed" --row || status=1
done
exit "$status"
