#!/usr/bin/env bash
# Builds every virtual adapter into wash's src/virt/adapters/<name>.wasm (core modules, checked
# in so that installing wash needs no wasm toolchain). Run after changing this crate.
set -euo pipefail
cd "$(dirname "$0")"
out=../../src/virt/adapters
mkdir -p "$out"
rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
  || rustup target add wasm32-unknown-unknown
# Paths are remapped so the modules do not depend on where the repository is checked out.
export RUSTFLAGS="--remap-path-prefix=$PWD=/wash-virt-adapter --remap-path-prefix=$HOME=/home"
for feature in env deny-clocks deny-random deny-exit deny-stdio deny-sockets deny-http; do
  cargo build --quiet --release --target wasm32-unknown-unknown --no-default-features --features "$feature"
  cp target/wasm32-unknown-unknown/release/wash_virt_adapter.wasm "$out/$feature.wasm"
done
ls -l "$out"
