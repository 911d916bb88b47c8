#!/usr/bin/env bash
# The main job, end to end: install wash, scaffold the HTTP template, build it, serve it and
# answer a request. Usage: bash scripts/quickstart.sh [folder for the new project]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)/hello-http}

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip2; then
  rustup target add wasm32-wasip2 || bash "$repo/../shared/toolchain/wasm-rust.sh"
fi
# A release build of wash (wasmtime included) takes a while on a small machine.
cargo install --locked --path "$repo" ${WASH_INSTALL_ARGS:-}
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

wash new "$work"
cd "$work"
wash build

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 8000)
wash run --addr "127.0.0.1:$port" &
server=$!
trap 'kill -INT $server 2>/dev/null; wait $server 2>/dev/null' EXIT
for _ in $(seq 1 100); do
  if body=$(curl -fsS "http://127.0.0.1:$port/" 2>/dev/null); then
    echo "GET http://127.0.0.1:$port/ -> $body"
    exit 0
  fi
  sleep 0.2
done
echo "the component did not answer on 127.0.0.1:$port" >&2
exit 1
