#!/usr/bin/env bash
# No-op build overhead: median wall time of `wash build` against `cargo build --target
# wasm32-wasip2` on the same, already built crate, measured alternately in one run.
# Usage: bash bench/build-noop.sh [runs]     (WASH=path/to/wash to skip building wash)
set -euo pipefail
runs=${1:-21}
source "$(dirname "$0")/common.sh"
export CARGO_TARGET_DIR=$work/target
"$WASH" new --template http-hello "$work/bench-app" >/dev/null 2>&1
cd "$work/bench-app"
"$WASH" build >/dev/null 2>&1            # warm: dependencies and the component are built
cargo build --target wasm32-wasip2 >/dev/null 2>&1

declare -a wash_ns cargo_ns
for _ in $(seq 1 "$runs"); do
  t=$(now); "$WASH" build >/dev/null 2>&1; wash_ns+=($(( $(now) - t )))
  t=$(now); cargo build --target wasm32-wasip2 >/dev/null 2>&1; cargo_ns+=($(( $(now) - t )))
done
w=$(median "${wash_ns[@]}"); c=$(median "${cargo_ns[@]}")
awk -v w="$w" -v c="$c" -v n="$runs" 'BEGIN {
  printf "no-op build, median of %d runs each\n", n
  printf "  wash build                           %7.1f ms\n", w/1e6
  printf "  cargo build --target wasm32-wasip2   %7.1f ms\n", c/1e6
  printf "  ratio wash/cargo                     %7.3fx  (goal <= 1.05x)\n", w/c
}'
