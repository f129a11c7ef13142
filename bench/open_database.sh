#!/usr/bin/env bash
# Time and peak memory from `poleloc` start to its first answer on the large
# synthetic city (the database is opened, every index built, one query answered).
# Usage: bench/open_database.sh [BUILD_DIR] [SYNTH SHAPE OPTIONS...]
#   bench/open_database.sh build/release                        # the tuned city
#   bench/open_database.sh build/release --area-codes 100000    # 100,000 area codes
# The city and its database are cached under var/bench/ between runs (one per shape).
set -euo pipefail
build=${1:-build/release}
shift || true
cli="$build/poleloc"
shape=$(echo "$*" | tr -d ' -')
city=var/bench/city-20k-2m${shape:+-$shape}
db=var/bench/db-20k-2m${shape:+-$shape}
if [ ! -f "$city/poles.csv" ]; then
  "$cli" synth --grids 20000 --poles 2000000 --seed 1 "$@" --out "$city"
fi
if [ ! -f "$db/CURRENT" ]; then
  /usr/bin/time -f "import: %e s, peak RSS %M KB" \
    "$cli" import --db "$db" --poles "$city/poles.csv" --grids "$city/grids.geojson" --aliases "$city/aliases.csv"
fi
number=$(sed -n 2p "$city/poles.csv" | cut -d, -f1)
for run in 1 2 3; do
  /usr/bin/time -f "open + first answer${shape:+ ($shape)} (run $run): %e s, peak RSS %M KB" "$cli" locate --db "$db" "$number" >/dev/null
done
