#!/usr/bin/env bash
# Opt-in interop check (not part of CI): wash-built components on a real wasmCloud v2 host,
# started there by `wash deploy --lattice` over NATS, the way wasmCloud's Kubernetes operator
# starts them.
#
#   WASMCLOUD_HOST=/path/to/wasmcloud-wash bash scripts/interop/wasmcloud.sh
#
# WASMCLOUD_HOST is wasmCloud v2's own CLI (also named `wash`; the one with `wash host`),
# v2.7.0 is what this was written against: a release binary from wasmCloud's GitHub releases,
# or one you built from its source (tag v2.7.0, `cargo build --release -p wash`; it needs
# protobuf-compiler and takes ~45 min on 2 cores). Keep it apart from this repository's `wash`
# by path: the script never looks either up on PATH. WASH is this repository's wash (default:
# built here, debug).
#
# What it does, on loopback ports it picks:
#   1. starts nats-server (JetStream) and a registry (Debian's docker-registry);
#   2. starts the wasmCloud host in host group `wash-interop`, serving HTTP;
#   3. `wash new` http-hello and composed-app, and copies tests/fixtures/kv-config-http (a
#      wash-sdk component using wasi:keyvalue and wasi:config); for each, `wash deploy --push
#      REF --lattice nats://…` builds, pushes and starts it on the host; then checks the HTTP
#      answers through the host's ingress (routed by Host header);
#   4. checks the keyvalue counter is shared with `wash run --keyvalue nats://…` on the same
#      server, redeploys with 2 replicas, and `wash deploy --lattice … --stop`s everything.
# Prints one PASS/FAIL line per check; exits 1 if any failed (with the host's log).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${WASMCLOUD_HOST:-}" ]; then
  echo "set WASMCLOUD_HOST to wasmCloud v2's wash binary (the one with 'wash host')" >&2
  exit 2
fi
[ -x "$WASMCLOUD_HOST" ] || { echo "WASMCLOUD_HOST=$WASMCLOUD_HOST is not an executable" >&2; exit 2; }
for tool in nats-server curl python3; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (bash scripts/test.sh installs what the tests need)" >&2; exit 2; }
done
[ -x /usr/bin/docker-registry ] || { echo "/usr/bin/docker-registry is missing (apt-get install docker-registry)" >&2; exit 2; }

if [ -z "${WASH:-}" ]; then
  cargo build --locked --quiet --manifest-path "$ROOT/Cargo.toml" --bin wash
  WASH="${CARGO_TARGET_DIR:-$ROOT/target}/debug/wash"
fi
# The components build into a target dir kept between runs.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}/interop-wasm"

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP:-}" ] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "nothing listens on 127.0.0.1:$1 after 60 s ($2)" >&2
  return 1
}

NATS_PORT=$(free_port); REG_PORT=$(free_port); HTTP_PORT=$(free_port); RUN_PORT=$(free_port)
NATS="nats://127.0.0.1:$NATS_PORT"
REG="127.0.0.1:$REG_PORT"
GROUP=wash-interop

nats-server -a 127.0.0.1 -p "$NATS_PORT" --jetstream --store_dir "$WORK/jetstream" >"$WORK/nats.log" 2>&1 &
PIDS+=($!)
cat >"$WORK/registry.yml" <<EOF
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $WORK/registry}, delete: {enabled: true}}
http: {addr: $REG, secret: wash-interop}
EOF
/usr/bin/docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 &
PIDS+=($!)
wait_port "$NATS_PORT" nats-server
wait_port "$REG_PORT" docker-registry

echo "wasmCloud host: $("$WASMCLOUD_HOST" --version 2>&1 | head -1)"
echo "wash:           $("$WASH" --version 2>&1 | head -1)"
mkdir -p "$WORK/host-home"
(cd "$WORK/host-home" && HOME="$WORK/host-home" exec "$WASMCLOUD_HOST" host \
  --host-group "$GROUP" --scheduler-nats-url "$NATS" --data-nats-url "$NATS" \
  --http-addr "127.0.0.1:$HTTP_PORT" --allow-insecure-registries \
  --oci-cache-dir "$WORK/host-oci-cache") >"$WORK/host.log" 2>&1 &
PIDS+=($!)
wait_port "$HTTP_PORT" "the wasmCloud host's HTTP ingress"

FAILED=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; FAILED=1; }
# check NAME HOST EXPECTED: GET / on the host's ingress with `Host: HOST` contains EXPECTED.
check() {
  local got
  got=$(curl -s --max-time 30 -H "Host: $2" "http://127.0.0.1:$HTTP_PORT/" || true)
  if [[ "$got" == *"$3"* ]]; then pass "$1: $(echo "$got" | head -1)"; else fail "$1: wanted '$3', got '$got'"; fi
}
status_of() { curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H "Host: $1" "http://127.0.0.1:$HTTP_PORT/" || true; }
deploy() {
  local dir=$1; shift
  if (cd "$dir" && "$WASH" deploy --insecure --lattice "$NATS" --host-group "$GROUP" "$@") >"$WORK/deploy.log" 2>&1; then
    sed 's/^/    /' "$WORK/deploy.log" | grep -E 'Pushed|Started|Stopped' || true
    return 0
  fi
  sed 's/^/    /' "$WORK/deploy.log"
  return 1
}

# 1. http-hello.
"$WASH" new --template http-hello "$WORK/hello" >/dev/null
if deploy "$WORK/hello" --push "$REG/hello:0.1.0"; then
  pass "wash deploy --push --lattice: http-hello started on the host"
  check "http-hello answers through the host" hello.localhost "Hello from hello"
else fail "wash deploy --lattice of http-hello"; fi
code=$(status_of nobody.localhost)
[ "$code" = 404 ] && pass "an unknown Host gets 404 from the host" || fail "unknown Host: got $code"

# 2. The composed app (front plugged with greeter at build time).
"$WASH" new --template composed-app "$WORK/app" >/dev/null
if deploy "$WORK/app" --push "$REG/composed-app:0.1.0"; then
  pass "wash deploy --push --lattice: composed-app started on the host"
  check "the composed front answers through the host" front.localhost "from the greeter component"
else fail "wash deploy --lattice of composed-app"; fi

# 3. keyvalue + config through wash-sdk, on the host's NATS keyvalue backend.
cp -r "$ROOT/tests/fixtures/kv-config-http" "$WORK/kvc"
sed -i "s|path = \"../../../crates/wash-sdk\"|path = \"$ROOT/crates/wash-sdk\"|" "$WORK/kvc/Cargo.toml"
if deploy "$WORK/kvc" --push "$REG/kv-config-http:0.1.0" --config "greeting=Hello from the lattice"; then
  pass "wash deploy --push --lattice: kv-config-http started on the host"
  check "config reaches the component on the host" kv-config-http.localhost "Hello from the lattice, visitor 1"
  check "the counter goes on in the host's NATS keyvalue" kv-config-http.localhost "visitor 2"
  # The same component under `wash run`, on the same NATS server: one counter for both.
  "$WASH" run --insecure "$REG/kv-config-http:0.1.0" --addr "127.0.0.1:$RUN_PORT" \
    --keyvalue "$NATS" --config greeting=wash-run >"$WORK/run.log" 2>&1 &
  RUN_PID=$!
  PIDS+=($RUN_PID)
  if wait_port "$RUN_PORT" "wash run"; then
    got=$(curl -s --max-time 30 "http://127.0.0.1:$RUN_PORT/" || true)
    [[ "$got" == *"visitor 3"* ]] && pass "wash run counts on from the host's counter: $got" \
      || fail "wash run on the host's NATS: wanted visitor 3, got '$got'"
    check "the host counts on from wash run's increment" kv-config-http.localhost "visitor 4"
  else fail "wash run did not serve"; cat "$WORK/run.log"; fi
  kill "$RUN_PID" 2>/dev/null || true
else fail "wash deploy --lattice of kv-config-http"; fi

# 4. Redeploy with two replicas (replaced one at a time), then stop everything.
if deploy "$WORK/hello" --push "$REG/hello:0.1.0" --replicas 2; then
  pass "redeploy of http-hello with 2 replicas"
  check "http-hello answers after the redeploy" hello.localhost "Hello from hello"
else fail "redeploy of http-hello"; fi
for name in hello front kv-config-http; do
  if deploy "$WORK" --stop --name "$name"; then pass "wash deploy --lattice --stop --name $name"
  else fail "wash deploy --lattice --stop --name $name"; fi
done
for host in hello.localhost front.localhost kv-config-http.localhost; do
  code=$(status_of "$host")
  [ "$code" = 404 ] && pass "$host is gone after --stop (404)" || fail "$host after --stop: got $code"
done

if [ "$FAILED" != 0 ]; then
  echo "--- the wasmCloud host's log (last 60 lines)"
  tail -n 60 "$WORK/host.log"
  exit 1
fi
echo "all checks passed"
