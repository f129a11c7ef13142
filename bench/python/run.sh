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
