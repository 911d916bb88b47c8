#!/usr/bin/env bash
# Runs wash's whole test suite on a fresh machine: installs what the tests need first.
# Usage: bash scripts/test.sh [extra cargo test args]
set -euo pipefail
cd "$(dirname "$0")/.."

# The wasm targets the tests build components for.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip2; then
  rustup target add wasm32-wasip2 wasm32-wasip1 || bash ../shared/toolchain/wasm-rust.sh
fi
# git is used by the `wash new --git` tests.
command -v git >/dev/null || { apt-get update -qq && apt-get install -y -qq git; }

cargo test --locked --workspace "$@"
