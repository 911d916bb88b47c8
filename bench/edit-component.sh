#!/usr/bin/env bash
# Edit -> component: after a one-line change in the greeter of the `composed-app` template
# (WIT derived from Rust, the greeter composed into the front, which is virtualized and signed,
# all configured in Cargo.toml), `wash build` against plain cargo's incremental build of the
# same edit (`cargo build --workspace --target wasm32-wasip2`), paired and alternated in one
# run; each tool gets its own edit (the same line, a new string) before each of its builds.
# Goal: wash <= 1.10x cargo.
# Usage: bash bench/edit-component.sh [runs]   (WASH=path/to/wash to skip building wash)
set -euo pipefail
runs=${1:-9}
source "$(dirname "$0")/common.sh"
export CARGO_TARGET_DIR=$work/target WASH_KEYS_DIR=$work/keys
"$WASH" new --template composed-app "$work/app" >/dev/null 2>&1
"$WASH" keys new bench >/dev/null 2>&1
cat >> "$work/app/front/Cargo.toml" <<'TOML'

[package.metadata.wasmcloud.virt]
env = { LOG_LEVEL = "info" }

[package.metadata.wasmcloud.sign]
keys = ["bench"]
TOML
cd "$work/app"
src=greeter/src/lib.rs
edit() { sed -i "s/from the greeter component[^\"]*\"/from the greeter component $1!\"/" "$src"; }
"$WASH" build >/dev/null 2>&1            # warm: dependencies built, both members once
cargo build --workspace --target wasm32-wasip2 >/dev/null 2>&1
# report TITLE NOTE: prints the medians and spreads of the arrays `wash_ns` and `cargo_ns`.
report() {
  local w c
  w=$(median "${wash_ns[@]}"); c=$(median "${cargo_ns[@]}")
  awk -v w="$w" -v c="$c" -v n="$runs" -v ws="$(spread "${wash_ns[@]}")" \
      -v cs="$(spread "${cargo_ns[@]}")" -v title="$1" -v note="$2" 'BEGIN {
    printf "%s, median (p10-p90) of %d runs\n", title, n
    printf "  wash build                                      %7.1f ms (%s)\n", w/1e6, ws
    printf "  cargo build --workspace --target wasm32-wasip2  %7.1f ms (%s)\n", c/1e6, cs
    printf "  ratio wash/cargo                                %7.3fx  (%s)\n", w/c, note
  }'
}
declare -a wash_ns cargo_ns
for i in $(seq 1 "$runs"); do
  edit "w$i"; t=$(now); "$WASH" build >/dev/null 2>&1; wash_ns+=($(( $(now) - t )))
  edit "c$i"; t=$(now); cargo build --workspace --target wasm32-wasip2 >/dev/null 2>&1; cargo_ns+=($(( $(now) - t )))
done
"$WASH" verify "$CARGO_TARGET_DIR/wasmcloud/front.wasm" --key bench >/dev/null
report "edit -> component (composed-app: derive, compose, virt, sign)" "goal <= 1.10x"
# The same, the edit in the front instead (the composed, virtualized and signed crate): the
# greeter is unchanged, so wash compiles what cargo compiles, and the rest is wash's own steps
# (no goal of its own: it shows what is left once the greeter need not be compiled twice).
wash_ns=(); cargo_ns=()
front_edit() { sed -i "s/\"world[^\"]*\".to_string()/\"world$1\".to_string()/" front/src/lib.rs; }
for i in $(seq 1 "$runs"); do
  front_edit "w$i"; t=$(now); "$WASH" build >/dev/null 2>&1; wash_ns+=($(( $(now) - t )))
  front_edit "c$i"; t=$(now); cargo build --workspace --target wasm32-wasip2 >/dev/null 2>&1; cargo_ns+=($(( $(now) - t )))
done
grep -q '"worldc'"$runs"'"' front/src/lib.rs # the edit took
"$WASH" verify "$CARGO_TARGET_DIR/wasmcloud/front.wasm" --key bench >/dev/null
report "edit in the front only (the greeter unchanged)" "the greeter's own run is a no-op"
# The same workspace with nothing changed: both tools built it last, so cargo compiles nothing;
# wash must not compose, virtualize or sign again either (no goal of its own: issue 17's no-op
# goal is measured on one crate by build-noop.sh).
wash_ns=(); cargo_ns=()
"$WASH" build >/dev/null 2>&1
for i in $(seq 1 "$runs"); do
  t=$(now); "$WASH" build >/dev/null 2>&1; wash_ns+=($(( $(now) - t )))
  t=$(now); cargo build --workspace --target wasm32-wasip2 >/dev/null 2>&1; cargo_ns+=($(( $(now) - t )))
done
report "no-op build of the same workspace" "wash runs cargo once per member"
