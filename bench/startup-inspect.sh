#!/usr/bin/env bash
# Start-up and reading a big component, side by side in one run:
#   - `wash --version` against `wasm-tools --version` (goal: wash < 5 ms);
#   - `wash inspect` against `wasm-tools component wit` on the same component: the http-hello
#     template's debug build (about 10 MB, the issue's case), and the same with a 10 MB custom
#     section added, 20 MB in all (goal <= 1.0x for both).
# Usage: bash bench/startup-inspect.sh [runs]   (WASH=path/to/wash to skip building wash;
#        installs wasm-tools 1.258.3 with `cargo install --locked` when missing)
set -euo pipefail
runs=${1:-31}
source "$(dirname "$0")/common.sh"
need_cargo_tool wasm-tools wasm-tools 1.258.3
export CARGO_TARGET_DIR=$work/target
"$WASH" new --template http-hello "$work/app" >/dev/null 2>&1
base=$(cd "$work/app" && "$WASH" build --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["path"])')
python3 "$repo/bench/pad.py" "$base" "$work/big.wasm" 10
cp "$base" "$work/ten.wasm"
declare -a wv tv wi ti wt tt
for _ in $(seq 1 "$runs"); do
  t=$(now); "$WASH" inspect "$work/ten.wasm" >/dev/null; wt+=($(( $(now) - t )))
  t=$(now); wasm-tools component wit "$work/ten.wasm" >/dev/null; tt+=($(( $(now) - t )))
  t=$(now); "$WASH" --version >/dev/null; wv+=($(( $(now) - t )))
  t=$(now); wasm-tools --version >/dev/null; tv+=($(( $(now) - t )))
  t=$(now); "$WASH" inspect "$work/big.wasm" >/dev/null; wi+=($(( $(now) - t )))
  t=$(now); wasm-tools component wit "$work/big.wasm" >/dev/null; ti+=($(( $(now) - t )))
done
printf 'start-up and inspect, median (p10-p90) of %d runs each\n' "$runs"
printf '  wash --version             %7.1f ms (%s)   wasm-tools --version        %7.1f ms (%s)   (goal: wash < 5 ms)\n' \
  "$(awk -v x="$(median "${wv[@]}")" 'BEGIN{print x/1e6}')" "$(spread "${wv[@]}")" \
  "$(awk -v x="$(median "${tv[@]}")" 'BEGIN{print x/1e6}')" "$(spread "${tv[@]}")"
ten=$(stat -c %s "$work/ten.wasm")
w=$(median "${wt[@]}"); c=$(median "${tt[@]}")
printf '  wash inspect (%4.1f MB)     %7.1f ms (%s)   wasm-tools component wit    %7.1f ms (%s)\n' \
  "$(awk -v x="$ten" 'BEGIN{print x/1e6}')" \
  "$(awk -v x="$w" 'BEGIN{print x/1e6}')" "$(spread "${wt[@]}")" \
  "$(awk -v x="$c" 'BEGIN{print x/1e6}')" "$(spread "${tt[@]}")"
awk -v w="$w" -v c="$c" 'BEGIN { printf "  ratio wash/wasm-tools      %7.3fx  (goal <= 1.0x)\n", w/c }'
w=$(median "${wi[@]}"); c=$(median "${ti[@]}")
printf '  wash inspect (20 MB)       %7.1f ms (%s)   wasm-tools component wit    %7.1f ms (%s)\n' \
  "$(awk -v x="$w" 'BEGIN{print x/1e6}')" "$(spread "${wi[@]}")" \
  "$(awk -v x="$c" 'BEGIN{print x/1e6}')" "$(spread "${ti[@]}")"
awk -v w="$w" -v c="$c" 'BEGIN { printf "  ratio wash/wasm-tools      %7.3fx  (goal <= 1.0x)\n", w/c }'
