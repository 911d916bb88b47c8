#!/usr/bin/env bash
# Time from start to first response, side by side in one run: `wash run` against
# `wasmtime serve -Scli` (wasmtime-cli 48.0.8) on the same release-built `http-hello`
# component. "cold": an empty compile cache (a fresh HOME), so the component is compiled;
# "warm": the cache from the previous start, so it is only loaded. Each start is timed from
# the spawn until a GET / answers 200, by a poller that retries every millisecond.
# Prints medians, the ratio wash/wasmtime, and the goal (warm < 50 ms).
# Latest (2026-12-01, 2 cores, other builds running, 7 starts): cold 139.3 ms vs 130.0 ms
# (1.07x), warm 10.0 ms vs 13.6 ms (0.74x; goal warm < 50 ms met).
# Usage: bash bench/first-response.sh [runs]   (WASH=path/to/wash to skip building wash;
#        installs wasmtime-cli with `cargo install --locked` when missing)
set -euo pipefail
runs=${1:-11}
source "$(dirname "$0")/common.sh"
if ! wasmtime --version 2>/dev/null | grep -q '^wasmtime 48\.'; then
  cargo install --locked --quiet wasmtime-cli --version 48.0.8
fi
"$WASH" new --template http-hello "$work/hello" >/dev/null 2>&1
wasm=$("$WASH" build --release --json --manifest-path "$work/hello/Cargo.toml" \
  | sed 's/.*"path":"\([^"]*\)".*/\1/')

# One start: prints milliseconds from spawn to the first 200. $1: cache home; rest: command
# with PORT standing for the port.
first_response() {
  python3 - "$@" <<'PY'
import os, socket, subprocess, sys, time
home, cmd = sys.argv[1], sys.argv[2:]
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
cmd = [a.replace("PORT", str(port)) for a in cmd]
env = dict(os.environ, HOME=home, XDG_CACHE_HOME=os.path.join(home, ".cache"))
start = time.perf_counter()
p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    while True:
        try:
            c = socket.create_connection(("127.0.0.1", port), timeout=5)
            c.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
            head = c.recv(16); c.close()
            if head[9:12] != b"200":
                sys.exit(f"{cmd[0]} answered {head!r}")
            break
        except OSError:
            time.sleep(0.001)
    print(f"{(time.perf_counter() - start) * 1000:.1f}")
finally:
    p.terminate(); p.wait()
PY
}

declare -a wc ww tc tw
for i in $(seq 1 "$runs"); do
  for who in wash wasmtime; do
    home=$work/home-$who-$i; mkdir -p "$home"
    if [ $who = wash ]; then cmd=("$WASH" -q run "$wasm" --addr 127.0.0.1:PORT)
    else cmd=(wasmtime serve -Scli --addr 127.0.0.1:PORT "$wasm"); fi
    cold=$(first_response "$home" "${cmd[@]}")
    warm=$(first_response "$home" "${cmd[@]}")
    if [ $who = wash ]; then wc+=("$cold"); ww+=("$warm"); else tc+=("$cold"); tw+=("$warm"); fi
  done
done
awk -v wc="$(median "${wc[@]}")" -v ww="$(median "${ww[@]}")" \
    -v tc="$(median "${tc[@]}")" -v tw="$(median "${tw[@]}")" -v n="$runs" 'BEGIN {
  printf "http-hello, start to first response, median of %d starts each (ms)\n", n
  printf "                   cold (compile)   warm (cache)\n"
  printf "  wash run         %10.1f       %10.1f   (goal warm < 50 ms)\n", wc, ww
  printf "  wasmtime serve   %10.1f       %10.1f\n", tc, tw
  printf "  ratio wash/wasmtime  %6.2fx          %6.2fx\n", wc/tc, ww/tw
}'
