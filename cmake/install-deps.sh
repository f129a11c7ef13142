#!/usr/bin/env bash
# Installs every Debian package (and the npm package) poleloc needs.
# Idempotent: asks dpkg first, and touches apt only when something is missing,
# so a machine that has everything pays a fraction of a second.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libboost-dev libgeos-dev libproj-dev proj-data libgdal-dev gdal-bin
  librocksdb-dev rocksdb-tools
  nlohmann-json3-dev libcli11-dev libspdlog-dev
  libgtest-dev libgmock-dev libbenchmark-dev libs2-dev
  python3 python3-dev pybind11-dev python3-numpy python3-pytest
  python3-pandas python3-shapely python3-geopandas python3-rtree python3-matplotlib python3-scipy python3-pyproj
  unicode-data bzip2
  wrk curl time chromium fonts-wqy-microhei nodejs npm libjs-leaflet
  clang-14 libclang-rt-14-dev
  nginx python3-dask python3-distributed
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done

# Node may come from elsewhere on PATH (e.g. nvm); only ask apt for node/npm if absent.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do
    case "$p" in nodejs|npm) ;; *) filtered+=("$p") ;; esac
  done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# playwright-core drives Debian's chromium in the browser test; it is installed
# into tests/browser/node_modules (never committed), without downloading a browser.
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -f "$root/tests/browser/package.json" ] && [ ! -d "$root/tests/browser/node_modules/playwright-core" ]; then
  echo "install-deps: npm install in tests/browser"
  (cd "$root/tests/browser" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --silent)
fi
exit 0
