#!/usr/bin/env bash
# Composition and virtualization, side by side in one run:
#   - `wash compose ROOT --plug P -o OUT` against `wac plug ROOT --plug P -o OUT` on the same
#     inputs (the greet-caller/greeter test fixtures, built by wash first); goal <= 0.9x, output no larger.
#   - `wash virt --env K=V` (env only): bytes added and wall time; goals < 20 KB, < 100 ms.
# Usage: bash bench/compose-virt.sh [runs]   (WASH=path/to/wash to skip building wash;
#        installs `wac` with `cargo install --locked wac-cli` when it is missing)
set -euo pipefail
runs=${1:-21}
source "$(dirname "$0")/common.sh"
need_cargo_tool wac wac-cli 0.12.0
export CARGO_TARGET_DIR=$work/target

# Inputs: greeter (exports acme:greeter/greet) and a caller importing it, built as plain
# components (the caller alone, so that it still imports greet).
cp -r "$repo/tests/fixtures/greeter" "$repo/tests/fixtures/greet-caller" "$work/"
sdk=$repo/crates/wash-sdk
for d in greeter greet-caller; do
  sed -i "s|path = \"../../../crates/wash-sdk\"|path = \"$sdk\"|" "$work/$d/Cargo.toml"
done
plug=$("$WASH" build --json --manifest-path "$work/greeter/Cargo.toml" | sed 's/.*"path":"\([^"]*\)".*/\1/')
# `wash build` of the caller would compose greeter in; cargo leaves the import open.
(cd "$work/greet-caller" && cargo build --quiet --target wasm32-wasip2)
root=$CARGO_TARGET_DIR/wasm32-wasip2/debug/greet-caller.wasm

declare -a wash_ns wac_ns virt_ns
for _ in $(seq 1 "$runs"); do
  t=$(now); "$WASH" compose "$root" --plug "$plug" -o "$work/wash.wasm" >/dev/null 2>&1; wash_ns+=($(( $(now) - t )))
  t=$(now); wac plug "$root" --plug "$plug" -o "$work/wac.wasm" >/dev/null 2>&1; wac_ns+=($(( $(now) - t )))
  t=$(now); "$WASH" virt "$plug" -o "$work/virt.wasm" --env LOG_LEVEL=info >/dev/null 2>&1; virt_ns+=($(( $(now) - t )))
done
w=$(median "${wash_ns[@]}"); c=$(median "${wac_ns[@]}"); v=$(median "${virt_ns[@]}")
before=$(stat -c %s "$plug"); after=$(stat -c %s "$work/virt.wasm")
awk -v w="$w" -v c="$c" -v v="$v" -v n="$runs" -v b="$before" -v a="$after" \
    -v ws="$(stat -c %s "$work/wash.wasm")" -v cs="$(stat -c %s "$work/wac.wasm")" 'BEGIN {
  printf "compose (greet-caller + greeter), median of %d runs each\n", n
  printf "  wash compose        %8.1f ms  (%d bytes)\n", w/1e6, ws
  printf "  wac plug            %8.1f ms  (%d bytes)\n", c/1e6, cs
  printf "  ratio wash/wac      %8.3fx  (goal <= 0.9x)\n", w/c
  printf "virt, env only (greeter, %d bytes)\n", b
  printf "  wash virt --env     %8.1f ms  (goal < 100 ms)\n", v/1e6
  printf "  bytes added         %8d     (goal < 20 KB)\n", a-b
}'
