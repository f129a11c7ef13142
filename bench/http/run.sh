#!/usr/bin/env bash
# HTTP throughput: wrk at 64 connections against `poleloc serve`, for
#   GET /v1/poles/{number}  (every pole, rotating)   target >= 30,000 req/s, p99 < 10 ms
#   GET /v1/resolve?q=…     (spoken forms, rotating) target >= 15,000 req/s, p99 < 10 ms
#
#   bench/http/run.sh [BUILD_DIR] [--city sample|synthetic|large] [--duration 15s] [--server-threads 2]
#                     [--wrk-threads 2] [--connections 64] [--no-access-log]
#
# sample: data/tuanjiehu (~1,500 poles); synthetic: `poleloc synth` 200 grids / 20,000 poles;
# large: 20,000 grids / 2,000,000 poles (the large city of bench/bench_city.hpp; takes minutes to build).
# The server's access log goes to a file (as in production), unless --no-access-log,
# which sends it to /dev/null. Everything runs on 127.0.0.1 and is cleaned up on exit.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build="$root/build/release"
city=sample
duration=15s
server_threads=2
wrk_threads=2
connections=64
access_log=file
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then build=$(cd "$1" && pwd); shift; fi
while [ $# -gt 0 ]; do
  case "$1" in
    --city) city=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --server-threads) server_threads=$2; shift 2 ;;
    --wrk-threads) wrk_threads=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --no-access-log) access_log=null; shift ;;
    *) echo "usage: $0 [BUILD_DIR] [--city sample|synthetic|large] [--duration 15s] [--server-threads N] [--wrk-threads N] [--connections N] [--no-access-log]" >&2; exit 2 ;;
  esac
done

poleloc="$build/poleloc"
[ -x "$poleloc" ] || { echo "bench/http: $poleloc not built (cmake --build $build)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "bench/http: wrk is not installed (cmake/install-deps.sh)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/poleloc-http-bench.XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

case "$city" in
  sample) data="$root/data/tuanjiehu" ;;
  synthetic)
    data="$work/city"
    "$poleloc" synth --grids 200 --poles 20000 --out "$data" >/dev/null ;;
  large)
    data="$work/city"
    "$poleloc" synth --grids 20000 --poles 2000000 --out "$data" >/dev/null ;;
  *) echo "bench/http: --city must be sample, synthetic or large" >&2; exit 2 ;;
esac
"$poleloc" import --db "$work/db" --poles "$data/poles.csv" --grids "$data/grids.geojson" --aliases "$data/aliases.csv" >/dev/null
/usr/bin/python3 "$root/bench/http/make_paths.py" "$data/poles.csv" "$data/aliases.csv" "$work"

log="$work/access.log"
[ "$access_log" = null ] && log=/dev/null
"$poleloc" serve --db "$work/db" --listen 127.0.0.1:0 --threads "$server_threads" >"$work/stdout" 2>"$log" &
server_pid=$!
url=""
for _ in $(seq 100); do
  url=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$work/stdout")
  [ -n "$url" ] && break
  kill -0 "$server_pid" 2>/dev/null || { echo "bench/http: the server did not start" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "bench/http: the server did not print its address" >&2; exit 1; }

echo "poleloc HTTP benchmark: $city city ($(($(wc -l <"$data/poles.csv") - 1)) poles), $url"
echo "server threads $server_threads, wrk threads $wrk_threads, $connections connections, $duration per run, access log: $access_log"
echo "cores: $(nproc) (server and wrk share them)"

run() {
  local name=$1 paths=$2 target=$3
  # A short warm-up so that first-touch page faults are not measured.
  wrk -t "$wrk_threads" -c "$connections" -d 2s -s "$root/bench/http/rotate.lua" "$url" -- "$paths" >/dev/null
  local out
  out=$(wrk -t "$wrk_threads" -c "$connections" -d "$duration" --latency -s "$root/bench/http/rotate.lua" "$url" -- "$paths")
  local result
  result=$(grep '^RESULT' <<<"$out")
  local rps p99 non2xx
  rps=$(sed -n 's/.*req_per_s=\([0-9]*\).*/\1/p' <<<"$result")
  p99=$(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' <<<"$result")
  non2xx=$(sed -n 's/.*non2xx=\([0-9]*\).*/\1/p' <<<"$result")
  local verdict=ok
  if [ "$rps" -lt "$target" ] || awk "BEGIN{exit !($p99 >= 10)}"; then verdict="below target"; fi
  printf '%-22s %8s req/s  p99 %6s ms  (target >= %s req/s, p99 < 10 ms: %s)\n' "$name" "$rps" "$p99" "$target" "$verdict"
  [ "$non2xx" = 0 ] || echo "  warning: $non2xx answers were not 2xx"
  echo "  $result"
}

run "GET /v1/poles/{number}" "$work/lookup.txt" 30000
run "GET /v1/resolve" "$work/resolve.txt" 15000
