#!/usr/bin/env bash
# Builds every virtual adapter into wash's src/virt/adapters/<name>.wasm (core modules, checked
# in so that installing wash needs no wasm toolchain), and records in
# src/virt/adapters/SOURCES.sha256 the sha256 of every input of the build and of every module
# it wrote. Run after changing this crate or crates/wash-virt-wire: wash's unit test
# `virt::adapters::tests::checked_in_adapters_match_their_sources` fails until you do.
#
#   build.sh          build, write the modules and SOURCES.sha256
#   build.sh --check  build into a temporary folder; fail if a checked-in module differs
set -euo pipefail
cd "$(dirname "$0")"
root=../..
out=$root/src/virt/adapters
check=false
[ "${1:-}" = --check ] && check=true
if $check; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"
rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
  || rustup target add wasm32-unknown-unknown
# This crate's own target folder, whatever the caller's environment says.
export CARGO_TARGET_DIR=$PWD/target
# Paths are remapped so the modules do not depend on where the repository is checked out.
export RUSTFLAGS="--remap-path-prefix=$PWD=/wash-virt-adapter --remap-path-prefix=$HOME=/home"
features=(env deny-clocks deny-random deny-exit deny-stdio deny-sockets deny-http io)
for feature in "${features[@]}"; do
  cargo build --quiet --release --target wasm32-unknown-unknown --no-default-features --features "$feature"
  cp "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/wash_virt_adapter.wasm" "$out/$feature.wasm"
done

if $check; then
  status=0
  for feature in "${features[@]}"; do
    cmp -s "$out/$feature.wasm" "$root/src/virt/adapters/$feature.wasm" \
      || { echo "src/virt/adapters/$feature.wasm differs from a build of its sources" >&2; status=1; }
  done
  [ $status = 0 ] && echo "the checked-in adapters match a build of their sources"
  exit $status
fi

# The inputs, as paths from the repository root: keep this list the same as `ADAPTER_INPUTS`
# in src/virt/adapters.rs (the test fails, listing the files, if the two disagree).
inputs=(
  crates/wash-virt-adapter/Cargo.toml crates/wash-virt-adapter/Cargo.lock
  crates/wash-virt-adapter/build.sh crates/wash-virt-adapter/src crates/wash-virt-adapter/wit
  crates/wash-virt-wire/Cargo.toml crates/wash-virt-wire/src
)
(
  cd "$root"
  { find "${inputs[@]}" -type f; printf 'src/virt/adapters/%s.wasm\n' "${features[@]}"; } \
    | LC_ALL=C sort | xargs sha256sum > src/virt/adapters/SOURCES.sha256
)
ls -l "$out"
