#!/usr/bin/env bash
# Push and pull of a ~30 MB component to one local registry (Debian's docker-registry on
# 127.0.0.1): `wash push`/`wash pull` against `skopeo copy` of the same artifact, alternately, in
# one run; then a re-push of the unchanged component by each. Medians; throughput in MB/s.
# Usage: bash bench/oci-push-pull.sh [runs] [size-MiB]
#   WASH=path/to/wash        skip building wash (default: a release build)
#   COMPONENT=path.wasm      the component to pad (default: builds the cli-hello template)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
size_mib=${2:-30}
for tool in /usr/bin/docker-registry skopeo python3; do
  command -v "$tool" >/dev/null || { echo "needs $tool (bash scripts/test.sh installs it)"; exit 1; }
done
if [ -z "${WASH:-}" ]; then
  cargo build --release --quiet --manifest-path "$repo/Cargo.toml" --bin wash
  WASH=$repo/target/release/wash
fi
WASH=$(realpath "$WASH")
work=$(mktemp -d)
registry_pid=
cleanup() { [ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export DOCKER_CONFIG=$work/docker WASH_HOME=$work/wash-home

# The component: a real one, padded with a custom section to the size asked for.
if [ -z "${COMPONENT:-}" ]; then
  export CARGO_TARGET_DIR=$work/target
  "$WASH" new --template cli-hello "$work/app" >/dev/null 2>&1
  COMPONENT=$(cd "$work/app" && "$WASH" build --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["path"])')
fi
python3 "$repo/bench/pad.py" "$COMPONENT" "$work/big.wasm" "$size_mib"
bytes=$(stat -c %s "$work/big.wasm")

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
reg=127.0.0.1:$port
# A fresh, empty registry for each tool's turn: neither finds the other's blobs, and skopeo's
# blob-info cache cannot turn an upload into a cross-repository mount.
start_registry() {
  if [ -n "$registry_pid" ]; then kill "$registry_pid"; wait "$registry_pid" 2>/dev/null || true; fi
  rm -rf "$work/storage"
  cat > "$work/registry.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/storage
http:
  addr: $reg
  secret: bench
EOF
  /usr/bin/docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
  registry_pid=$!
  for _ in $(seq 1 100); do curl -fs "http://$reg/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
}

# skopeo's source: the very artifact wash pushes, as an OCI layout on disk.
start_registry
"$WASH" push "$reg/seed:1" "$work/big.wasm" >/dev/null 2>&1
skopeo copy -q --src-tls-verify=false "docker://$reg/seed:1" "oci:$work/layout:1"

now() { date +%s%N; }
declare -a wpush wrec spush wpull spull wre sre
wre_bytes=0
for i in $(seq 1 "$runs"); do
  # A file wash has pushed before (to a registry since emptied): the push it recorded names
  # the digest, so the upload starts as the file is read.
  start_registry
  t=$(now); "$WASH" push "$reg/c-$i:1" "$work/big.wasm" >/dev/null 2>&1; wrec+=($(( $(now) - t )))
  # A file wash knows nothing of (not pushed before, not just built by `wash push` itself):
  # read and hashed first, for the digest the upload's request names, then uploaded.
  start_registry
  rm -rf "$WASH_HOME/cache/push"
  t=$(now); "$WASH" push "$reg/c-$i:1" "$work/big.wasm" >/dev/null 2>&1; wpush+=($(( $(now) - t )))
  rm -f "$work/out.wasm"
  t=$(now); "$WASH" pull "$reg/c-$i:1" -o "$work/out.wasm" >/dev/null 2>&1; wpull+=($(( $(now) - t )))
  cmp -s "$work/out.wasm" "$work/big.wasm" || { echo "wash pull returned different bytes"; exit 1; }
  t=$(now); out=$("$WASH" push --json "$reg/c-$i:1" "$work/big.wasm" 2>/dev/null); wre+=($(( $(now) - t )))
  wre_bytes=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["uploaded_bytes"])')

  start_registry
  t=$(now); skopeo copy -q --dest-tls-verify=false "oci:$work/layout:1" "docker://$reg/c-$i:1"; spush+=($(( $(now) - t )))
  rm -rf "$work/pulled"
  t=$(now); skopeo copy -q --src-tls-verify=false "docker://$reg/c-$i:1" "oci:$work/pulled:1"; spull+=($(( $(now) - t )))
  t=$(now); skopeo copy -q --dest-tls-verify=false "oci:$work/layout:1" "docker://$reg/c-$i:1"; sre+=($(( $(now) - t )))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
awk -v b="$bytes" -v n="$runs" -v wp="$(median "${wpush[@]}")" -v sp="$(median "${spush[@]}")" \
    -v wl="$(median "${wpull[@]}")" -v sl="$(median "${spull[@]}")" \
    -v wr="$(median "${wre[@]}")" -v sr="$(median "${sre[@]}")" -v wrb="$wre_bytes" \
    -v wc="$(median "${wrec[@]}")" 'BEGIN {
  mb = b / 1e6
  printf "%.1f MB component, local docker-registry, median of %d runs each\n", mb, n
  printf "                      wash                    skopeo copy             wash/skopeo throughput\n"
  printf "  push           %7.0f ms %7.1f MB/s   %7.0f ms %7.1f MB/s   %6.2fx  (goal >= 1.1x)\n", wp/1e6, mb/(wp/1e9), sp/1e6, mb/(sp/1e9), sp/wp
  printf "  push, pushed before %4.0f ms %7.1f MB/s   %7.0f ms %7.1f MB/s   %6.2fx  (to an emptied registry)\n", wc/1e6, mb/(wc/1e9), sp/1e6, mb/(sp/1e9), sp/wc
  printf "  pull           %7.0f ms %7.1f MB/s   %7.0f ms %7.1f MB/s   %6.2fx  (goal >= 1.2x)\n", wl/1e6, mb/(wl/1e9), sl/1e6, mb/(sl/1e9), sl/wl
  printf "  re-push        %7.0f ms                %7.0f ms                %6.2fx  (goal >= 1.0x)\n", wr/1e6, sr/1e6, sr/wr
  printf "  re-push upload  %d bytes (wash --json uploaded_bytes)\n", wrb
}'
