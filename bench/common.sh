# Shared by the benchmarks: the wash binary to measure (WASH, else a release build of this
# checkout) and a scratch folder removed on exit. Source it; it sets WASH, repo and work.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${WASH:-}" ]; then
  cargo build --release --quiet --manifest-path "$repo/Cargo.toml" --bin wash
  WASH=$repo/target/release/wash
fi
WASH=$(realpath "$WASH")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now() { date +%s%N; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
