#!/usr/bin/env bash
# Installs what the benchmarks need beyond the tests' dependencies: PostGIS
# for the PostgreSQL server that scripts/with-postgres.sh starts, so that
# BenchmarkLocatePostGIS can compare ST_Contains with the spatial index.
# Picks the postgis package matching the newest installed PostgreSQL major
# version (the one with-postgres.sh runs); installs nothing when present.
set -euo pipefail

major=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [ -x "$d/initdb" ]; then major=$(basename "$(dirname "$d")"); break; fi
done
if [ -z "$major" ]; then
  echo "bench-deps: no PostgreSQL server under /usr/lib/postgresql; run scripts/install-test-deps.sh first" >&2
  exit 1
fi

if ls /usr/share/postgresql/"$major"/extension/postgis.control >/dev/null 2>&1; then
  echo "bench-deps: PostGIS present for PostgreSQL $major"
  exit 0
fi

pkg="postgresql-$major-postgis-3"
echo "bench-deps: installing $pkg with apt-get"
sudo=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "bench-deps: need root or sudo to install $pkg" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null
ls /usr/share/postgresql/"$major"/extension/postgis.control >/dev/null \
  || { echo "bench-deps: $pkg installed but postgis.control is missing" >&2; exit 1; }
echo "bench-deps: installed $pkg"
