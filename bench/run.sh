#!/usr/bin/env bash
# `make bench`: every benchmark suite, then open-to-serving time on the large city.
# Usage: bench/run.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build/release}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

for suite in "$build"/bench/*_bench; do
  [ "$(basename "$suite")" = shapes_bench ] && continue  # not a Google Benchmark suite: below
  echo "== $(basename "$suite")"
  "$suite" --benchmark_counters_tabular=true
done

# One Markdown table per city shape, poleloc beside Boost.Geometry, GEOS and
# std::unordered_map on the same queries (bench/RESULTS.md keeps the latest).
echo "== shapes_bench (city shapes side by side; also in $build/bench/shapes.md)"
"$build"/bench/shapes_bench | tee "$build"/bench/shapes.md

echo "== open database -> serving (20,000 grids, 2,000,000 poles)"
bench/open_database.sh "$build"
echo "== open database -> serving (20,000 grids, 2,000,000 poles, 100,000 area codes, sparse 8-digit serials)"
bench/open_database.sh "$build" --area-codes 100000 --serial-width 8 --serial-gap 30

for extra in bench/http/run.sh bench/python/run.sh; do
  if [ -x "$extra" ]; then
    echo "== $extra"
    "$extra" "$build"
  fi
done
