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
# The spread of a sample: "p10-p90" in ms (nanoseconds in), for "wash 12.3 ms (11.9-13.0)".
spread() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {lo=a[int(NR*0.1)+1]; hi=a[int(NR*0.9+0.5)]; if (hi=="") hi=a[NR]; printf "%.1f-%.1f", lo/1e6, hi/1e6}'; }
# Installs a pinned peer with `cargo install --locked` (into its own target dir) when missing.
need_cargo_tool() { # need_cargo_tool BINARY CRATE VERSION
  command -v "$1" >/dev/null && return 0
  CARGO_TARGET_DIR=${PEER_TARGET_DIR:-$HOME/.cache/wash-bench-peers} \
    cargo install --locked --quiet "$2" --version "$3"
}
