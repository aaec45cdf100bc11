#!/usr/bin/env bash
# Installs what the benchmarks need and the machine lacks: the sqlite3 shell
# (BenchmarkImport's raw-loader route), a PostgreSQL server (as
# scripts/install-test-deps.sh does) and PostGIS for it, so that
# BenchmarkLocatePostGIS can compare ST_Contains with the spatial index. The
# PostGIS package is the one matching the newest installed PostgreSQL major
# version, the server scripts/with-postgres.sh runs.
set -euo pipefail

sudo=()
if [ "$(id -u)" != 0 ]; then
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
updated=""
install() {
  if [ ${#sudo[@]} -gt 0 ] && ! command -v sudo >/dev/null; then
    echo "bench-deps: need root or sudo to install $*" >&2
    exit 1
  fi
  echo "bench-deps: installing $* with apt-get"
  if [ -z "$updated" ]; then
    "${sudo[@]}" apt-get update -qq
    updated=1
  fi
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

pg_major() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ]; then basename "$(dirname "$d")"; return; fi
  done
}

# The sqlite3 shell is BenchmarkImport's raw loader (.import).
if ! command -v sqlite3 >/dev/null; then
  install sqlite3
fi

major=$(pg_major)
if [ -z "$major" ]; then
  install postgresql
  major=$(pg_major)
  [ -n "$major" ] || { echo "bench-deps: PostgreSQL installed but no initdb under /usr/lib/postgresql" >&2; exit 1; }
fi

has_postgis() {
  compgen -G "/usr/share/postgresql/$major/extension/postgis*.control" >/dev/null \
    && compgen -G "/usr/lib/postgresql/$major/lib/postgis*.so" >/dev/null
}
if has_postgis; then
  echo "bench-deps: PostgreSQL $major and PostGIS present"
  exit 0
fi
install "postgresql-$major-postgis-3"
has_postgis || { echo "bench-deps: postgresql-$major-postgis-3 installed but PostGIS is not found for PostgreSQL $major" >&2; exit 1; }
echo "bench-deps: installed postgresql-$major-postgis-3"
