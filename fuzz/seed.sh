#!/usr/bin/env bash
# The fuzzer's seed corpus: every journey of the repository (journeys/, tests/) and every
# `journey` block of the docs. Run from the repository root: bash fuzz/seed.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/corpus/roundtrip
mkdir -p "$out"
find journeys tests -name '*.journey' -type f | while read -r f; do
  cp "$f" "$out/$(echo "$f" | tr '/' '_')"
done
python3 - "$out" <<'PY'
import pathlib, sys
out = pathlib.Path(sys.argv[1])
for md in list(pathlib.Path("docs").rglob("*.md")) + [pathlib.Path("README.md")]:
    block, n = None, 0
    for line in md.read_text().splitlines():
        if block is None and line.startswith("```journey"):
            block = []
        elif block is not None and line.startswith("```"):
            n += 1
            (out / f"{str(md).replace('/', '_')}-{n}.journey").write_text("\n".join(block) + "\n")
            block = None
        elif block is not None:
            block.append(line)
PY
ls "$out" | wc -l
