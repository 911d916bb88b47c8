#!/usr/bin/env bash
# `wash dev` edit-to-new-response time against cargo's own incremental build of the same edit,
# in one run: the http-hello template; each round rewrites the response text in src/lib.rs.
#   wash dev:  from the write until GET / returns the new text (watch, debounce, build,
#              componentize, load, swap), polled every 2 ms while `wash dev` keeps serving;
#   cargo:     `cargo build --target wasm32-wasip2` (debug, as `wash dev` builds) on the same
#              kind of edit, after `wash dev` has stopped, in the same target dir.
# Prints medians and the ratio (goal <= 1.15x).
# Latest (2026-12-01, 2 cores, other builds running, 7 edits): wash dev 453 ms, cargo 269 ms
# -> 1.69x (goal <= 1.15x NOT met; it was 2.97x with a 300 ms debounce and Cranelift). What is
# left is compiling the new component (Winch, ~150 ms for a 3.6 MB debug build) and the swap.
# Usage: bash bench/dev-edit.sh [rounds]   (WASH=path/to/wash to skip building wash)
set -euo pipefail
rounds=${1:-9}
source "$(dirname "$0")/common.sh"
export CARGO_TARGET_DIR=$work/target
app=$work/bench-app
"$WASH" new --template http-hello "$app" >/dev/null 2>&1
"$WASH" build --manifest-path "$app/Cargo.toml" >/dev/null 2>&1   # dependencies built once
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

python3 - "$WASH" "$app" "$port" "$rounds" <<'PY'
import os, re, statistics, subprocess, sys, time, urllib.request
wash, app, port, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
lib = os.path.join(app, "src", "lib.rs")
original = open(lib).read()

def edit(tag):
    # The template's response line: `.body("Hello from NAME\n".into())`.
    text = re.sub(r'"Hello[^"]*\\n"', f'"Hello {tag}\\\\n"', original)
    assert text != original
    with open(lib + ".tmp", "w") as f:
        f.write(text)
    os.replace(lib + ".tmp", lib)

def get():
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            return r.read().decode()
    except OSError:
        return ""

dev = subprocess.Popen([wash, "-q", "dev", "--addr", f"127.0.0.1:{port}"], cwd=app,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    deadline = time.time() + 300
    while "Hello" not in get():
        assert time.time() < deadline, "wash dev did not serve"
        time.sleep(0.05)
    dev_ms = []
    for i in range(rounds):
        tag = f"dev-{i}"
        time.sleep(0.5)
        start = time.perf_counter()
        edit(tag)
        while tag not in get():
            assert time.perf_counter() - start < 300, "the edit never showed"
            time.sleep(0.002)
        dev_ms.append((time.perf_counter() - start) * 1000)
finally:
    dev.terminate(); dev.wait()

cargo_ms = []
for i in range(rounds):
    edit(f"cargo-{i}")
    start = time.perf_counter()
    subprocess.run(["cargo", "build", "--target", "wasm32-wasip2"], cwd=app, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cargo_ms.append((time.perf_counter() - start) * 1000)

d, c = statistics.median(dev_ms), statistics.median(cargo_ms)
print(f"http-hello, edit to new response, median of {rounds} edits each (ms)")
print(f"  wash dev (edit -> new response)            {d:8.1f}   (runs: {' '.join(f'{x:.0f}' for x in dev_ms)})")
print(f"  cargo build --target wasm32-wasip2         {c:8.1f}   (runs: {' '.join(f'{x:.0f}' for x in cargo_ms)})")
print(f"  ratio wash dev / cargo                     {d / c:8.2f}x  (goal <= 1.15x)")
PY
