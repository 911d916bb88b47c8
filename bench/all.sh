#!/usr/bin/env bash
# Every benchmark, one after another, each printing wash beside its peer with the ratio and the
# spread. Builds wash (release) once; peers are installed by the scripts that need them.
# Usage: bash bench/all.sh       (WASH=path/to/wash to skip building wash)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${WASH:-}" ]; then
  cargo build --release --quiet --manifest-path "$repo/Cargo.toml" --bin wash
  WASH=$repo/target/release/wash
fi
export WASH
echo "wash $("$WASH" --version | awk '{print $2}') on $(nproc) cores, $(date -u +%Y-%m-%d)"
for b in startup-inspect build-noop edit-component compose-virt oci-push-pull http-serve first-response dev-edit; do
  echo
  bash "$repo/bench/$b.sh" || echo "($b failed)"
done
