#!/usr/bin/env bash
# Python benchmarks, called by bench/run.sh (`make bench`) with the build directory.
# Usage: bench/python/run.sh [BUILD_DIR]   (extra arguments go to grid_ids_bench.py)
set -euo pipefail
build=${1:-build/release}
shift || true
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
# Debian's interpreter (/usr/bin/python3 has numpy; the first python3 on PATH may not); city and database are kept in var/bench and reused.
PYTHONPATH="$build/python" /usr/bin/python3 bench/python/grid_ids_bench.py \
  --cli "$build/poleloc" --workdir var/bench/python "$@"
# Bulk calls on 1 thread and on every core (the 2M-pole database of bench/open_database.sh).
if [ -f var/bench/db-20k-2m/CURRENT ]; then
  PYTHONPATH="$build/python" /usr/bin/python3 bench/python/threads_bench.py --db var/bench/db-20k-2m
fi
