#!/usr/bin/env bash
# Time and peak memory from `poleloc` start to its first answer on the large
# synthetic city (the database is opened, every index built, one query answered).
# The city and its database are cached under var/bench/ between runs.
set -euo pipefail
build=${1:-build/release}
cli="$build/poleloc"
city=var/bench/city-20k-2m
db=var/bench/db-20k-2m
if [ ! -f "$city/poles.csv" ]; then
  "$cli" synth --grids 20000 --poles 2000000 --seed 1 --out "$city"
fi
if [ ! -f "$db/CURRENT" ]; then
  /usr/bin/time -f "import: %e s, peak RSS %M KB" \
    "$cli" import --db "$db" --poles "$city/poles.csv" --grids "$city/grids.geojson" --aliases "$city/aliases.csv"
fi
number=$(sed -n 2p "$city/poles.csv" | cut -d, -f1)
for run in 1 2 3; do
  /usr/bin/time -f "open + first answer (run $run): %e s, peak RSS %M KB" "$cli" locate --db "$db" "$number" >/dev/null
done
