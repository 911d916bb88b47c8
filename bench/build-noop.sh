#!/usr/bin/env bash
# No-op build overhead: `wash build` against `cargo build --target wasm32-wasip2` on the same,
# already built crate (the http-hello template), paired and alternated in one run, for the
# debug and the release profile. Goal: <= 1.02x.
# Usage: bash bench/build-noop.sh [runs]     (WASH=path/to/wash to skip building wash)
set -euo pipefail
runs=${1:-21}
source "$(dirname "$0")/common.sh"
export CARGO_TARGET_DIR=$work/target
"$WASH" new --template http-hello "$work/bench-app" >/dev/null 2>&1
cd "$work/bench-app"
for profile in debug release; do
  flag=(); [ "$profile" = release ] && flag=(--release)
  "$WASH" build "${flag[@]}" >/dev/null 2>&1            # warm: dependencies and the component
  cargo build --target wasm32-wasip2 "${flag[@]}" >/dev/null 2>&1
  declare -a wash_ns=() cargo_ns=()
  for _ in $(seq 1 "$runs"); do
    t=$(now); "$WASH" build "${flag[@]}" >/dev/null 2>&1; wash_ns+=($(( $(now) - t )))
    t=$(now); cargo build --target wasm32-wasip2 "${flag[@]}" >/dev/null 2>&1; cargo_ns+=($(( $(now) - t )))
  done
  w=$(median "${wash_ns[@]}"); c=$(median "${cargo_ns[@]}")
  awk -v w="$w" -v c="$c" -v n="$runs" -v p="$profile" -v ws="$(spread "${wash_ns[@]}")" -v cs="$(spread "${cargo_ns[@]}")" 'BEGIN {
    printf "no-op build (%s), median (p10-p90) of %d runs each\n", p, n
    printf "  wash build                           %7.1f ms (%s)\n", w/1e6, ws
    printf "  cargo build --target wasm32-wasip2   %7.1f ms (%s)\n", c/1e6, cs
    printf "  ratio wash/cargo                     %7.3fx  (goal <= 1.02x)\n", w/c
  }'
done
