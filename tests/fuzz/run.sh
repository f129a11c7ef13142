#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and fuzzes each one for a set time.
#
#   tests/fuzz/run.sh                          # every target, 300 s each
#   tests/fuzz/run.sh --seconds 20             # the short run of `make test` (ctest fuzz_short)
#   tests/fuzz/run.sh --seconds 600 csv_fuzz   # one target
#
# The build is build/fuzz (clang++-14, POLELOC_BUILD_FUZZ=ON, ccache when
# present), configured once and then built incrementally. Each target reads
# its seed corpus tests/fuzz/corpus/<target>/ and a working corpus
# build/fuzz/corpus/<target>/, which keeps what earlier runs found; new inputs
# are written only to the working corpus, so the tree stays clean. A crash is
# saved as build/fuzz/artifacts/<target>/crash-* (see docs/testing.md for how it
# becomes a regression test) and makes the script exit 1.
#
# Environment: JOBS (build jobs, default: all cores), CXX_FUZZ (default clang++-14).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=300
build="$root/build/fuzz"
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --build-dir) build=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
# Every target has a seed corpus, so the corpus folders list the targets.
if [ "${#targets[@]}" -eq 0 ]; then
  for d in "$root"/tests/fuzz/corpus/*/; do targets+=("$(basename "$d")"); done
fi

cxx=${CXX_FUZZ:-clang++-14}
command -v "$cxx" >/dev/null || { echo "run.sh: $cxx not found (cmake/install-deps.sh installs clang-14)" >&2; exit 2; }
jobs=${JOBS:-$(nproc)}

started=$(date +%s)
if [ ! -f "$build/CMakeCache.txt" ]; then
  launcher=()
  if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
  fi
  # Release-like code with debug info: fast enough to fuzz, readable stacks.
  cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPOLELOC_BUILD_FUZZ=ON -DPOLELOC_BUILD_PYTHON=OFF -DPOLELOC_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
else
  cmake "$build" >/dev/null  # configured again: a target added since is known to the build
fi
cmake --build "$build" -j "$jobs" --target "${targets[@]}"
built=$(date +%s)
echo "run.sh: built ${targets[*]} in $((built - started)) s"

# Abort on the first UB report too, so that it is a crash with an input, not a log line.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}

failed=()
summary=()
for t in "${targets[@]}"; do
  seeds="$root/tests/fuzz/corpus/$t"
  work="$build/corpus/$t"
  artifacts="$build/artifacts/$t"
  log="$build/logs/$t.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  echo "run.sh: fuzzing $t for $seconds s (log: $log)"
  if "$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$artifacts/" "$work" "$seeds" >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$t")
    echo "---- $t: last lines of $log"
    tail -n 60 "$log"
    ls -1 "$artifacts" | sed "s|^|  artifact: $artifacts/|"
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  summary+=("$(printf '%-14s %-7s %10s runs %7s exec/s  cov %s  corpus %s files' \
               "$t" "$status" "${runs:-?}" "${rate:-?}" "${cov:-?}" "$(ls "$work" | wc -l)")")
done

echo "run.sh: done in $(($(date +%s) - started)) s (build $((built - started)) s)"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "run.sh: crashes in ${failed[*]}; reproduce with: $build/tests/fuzz/<target> <artifact>" >&2
  exit 1
fi
