#!/usr/bin/env bash
# Times `journey check` (release build) on a generated file of 1,000 journeys (about 1 MB).
# Usage: bash bench/check.sh [JOURNEYS]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000}"
cargo build --release --quiet --bin journey --example gen_journeys
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
target/release/examples/gen_journeys "$n" > "$dir/big.journey"
echo "file: $(wc -c < "$dir/big.journey") bytes, $n journeys"
target/release/journey check "$dir/big.journey"
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 2 --runs 10 "target/release/journey check $dir/big.journey"
else
  for _ in 1 2 3 4 5; do
    /usr/bin/time -f "%e s wall, %M KiB peak RSS" target/release/journey check "$dir/big.journey" 2>&1 | tail -1
  done
fi
