#!/usr/bin/env bash
# HTTP throughput, side by side in one run: `wash run` against `wasmtime serve -Scli`
# (wasmtime-cli 48.0.8, the same wasmtime wash embeds) serving the same `http-hello` component,
# each loaded by `wrk -t1 -c8` on loopback, alternating, `runs` rounds of `secs` seconds.
# Prints requests per second for each, the ratio wash/wasmtime (goal >= 1.0) and the spread,
# and each server's resident memory after the load.
# Latest (2026-12-01, this 2-core machine with other builds running, release wash with the
# pooling allocator, wasmtime-cli 48.0.8, 5 x 8 s): wash run 14,199 req/s, wasmtime serve 9,052
# -> 1.57x (goal >= 1.0x met; it was 0.91x before pooling and TCP_NODELAY); resident memory
# after the load 22.0 MiB vs 24.4 MiB.
# Usage: bash bench/http-serve.sh [runs] [secs]   (WASH=path/to/wash to skip building wash;
#        installs wrk with apt and wasmtime-cli with `cargo install --locked` when missing)
set -euo pipefail
runs=${1:-5}
secs=${2:-10}
source "$(dirname "$0")/common.sh"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
if ! wasmtime --version 2>/dev/null | grep -q '^wasmtime 48\.'; then
  cargo install --locked --quiet wasmtime-cli --version 48.0.8
fi

# The component: the http-hello template, built for release.
"$WASH" new --template http-hello "$work/hello" >/dev/null 2>&1
wasm=$("$WASH" build --release --json --manifest-path "$work/hello/Cargo.toml" \
  | sed 's/.*"path":"\([^"]*\)".*/\1/')

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 1 200); do curl -fs "http://127.0.0.1:$1/" >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

wash_port=$(free_port); wasmtime_port=$(free_port)
"$WASH" -q run "$wasm" --addr "127.0.0.1:$wash_port" >/dev/null 2>&1 & wash_pid=$!
wasmtime serve -Scli --addr "127.0.0.1:$wasmtime_port" "$wasm" >/dev/null 2>&1 & wasmtime_pid=$!
trap 'kill $wash_pid $wasmtime_pid 2>/dev/null; rm -rf "$work"' EXIT
wait_up "$wash_port"; wait_up "$wasmtime_port"

rate() { wrk -t1 -c8 -d"${secs}s" "http://127.0.0.1:$1/" | awk '/Requests\/sec/ {printf "%d", $2}'; }
declare -a wash_rps wasmtime_rps
for _ in $(seq 1 "$runs"); do
  wash_rps+=("$(rate "$wash_port")")
  wasmtime_rps+=("$(rate "$wasmtime_port")")
done
w=$(median "${wash_rps[@]}"); t=$(median "${wasmtime_rps[@]}")
echo "http-hello, wrk -t1 -c8, ${runs} x ${secs}s, median requests/s"
echo "  wash run:        $w   (runs: ${wash_rps[*]})"
echo "  wasmtime serve:  $t   (runs: ${wasmtime_rps[*]})"
awk -v w="$w" -v t="$t" 'BEGIN { printf "  ratio wash/wasmtime: %.2fx (goal >= 1.0x)\n", w / t }'
echo "  resident memory after the load: wash $(rss_kb $wash_pid) KiB, wasmtime $(rss_kb $wasmtime_pid) KiB"
