#!/usr/bin/env bash
# The comparison benchmark (docs/performance.md): journey vs DuckDB vs ClickHouse (chdb) vs a plain
# DataFusion scan, on two shapes of export at 10M and 50M rows: `journey sample`'s (10m, 50m)
# and a CRM's, whose page URLs carry UTM query strings (crm-10m, crm-50m; bench/crm.py).
#
#   bash bench/run.sh            # every shape and size
#   bash bench/run.sh 10m crm-10m
#
# Needs python3 with venv and the package registries (DuckDB and chdb come from PyPI into
# bench/.venv). Data goes to bench/data/ (about 900 MB for both sizes). BENCH_RUNS (default 3)
# and BENCH_THREADS (default 2) tune the run.
set -euo pipefail
cd "$(dirname "$0")/.."

# The bench-fast profile: release without thin LTO (Cargo.toml), so a change builds in minutes.
cargo build --profile bench-fast --locked --bin journey --example scan

if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet duckdb chdb pyarrow
fi

mkdir -p bench/data
sizes=("${@:-10m 50m crm-10m crm-50m}")
files=()
for size in ${sizes[@]}; do
  case "$size" in
    10m) rows=10000000; contacts=1000000 ;;
    50m) rows=50000000; contacts=5000000 ;;
    crm-10m) rows=10000000; contacts=1000000 ;;
    crm-50m) rows=50000000; contacts=5000000 ;;
    *) echo "unknown data $size (10m, 50m, crm-10m or crm-50m)" >&2; exit 2 ;;
  esac
  f="bench/data/$size.parquet"
  if [ ! -f "$f" ]; then
    case "$size" in
      crm-*) bench/.venv/bin/python bench/crm.py "$rows" "$contacts" "$f" ;;
      *) target/bench-fast/journey sample --rows "$rows" --contacts "$contacts" --seed 7 --out "$f" ;;
    esac
  fi
  files+=("$PWD/$f")
done

bench/.venv/bin/python bench/run.py "${files[@]}"
