#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster: initdb in a temp dir,
# listening on a free loopback port, removed afterwards. The command sees the
# server's URL in GRIDGOV_TEST_DATABASE_URL.
set -euo pipefail

pgbin=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then pgbin=$d; break; fi
done
if [ -z "$pgbin" ] && command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
  pgbin=$(dirname "$(command -v pg_ctl)")
fi
if [ -z "$pgbin" ]; then
  echo "with-postgres: initdb/pg_ctl not found; run scripts/install-test-deps.sh" >&2
  exit 1
fi

tmp=$(mktemp -d -t gridgov-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
  || shuf -i 20000-60000 -n 1)

# PostgreSQL refuses to run as root; run the server as an unprivileged account.
as_pg=()
if [ "$(id -u)" = 0 ]; then
  user=postgres
  id "$user" >/dev/null 2>&1 || user=nobody
  chown "$user" "$tmp"
  as_pg=(runuser -u "$user" --)
fi

cleanup() {
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

echo "with-postgres: starting PostgreSQL ($("$pgbin/postgres" --version | awk '{print $3}')) on 127.0.0.1:$port"
"${as_pg[@]}" "$pgbin/initdb" -D "$tmp/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$tmp/initdb.log" 2>&1 \
  || { cat "$tmp/initdb.log" >&2; exit 1; }
# Tests need no durability; fsync and full-page writes are off in the
# configuration file rather than on the command line, so that a benchmark
# measuring durable commits can turn them on (ALTER SYSTEM) for its run.
printf 'fsync = off\nfull_page_writes = off\n' >>"$tmp/data/postgresql.conf"
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 60 \
  -o "-h 127.0.0.1 -p $port -k $tmp -c max_connections=300" start >/dev/null \
  || { cat "$tmp/server.log" >&2; exit 1; }

export GRIDGOV_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
export GRIDGOV_TEST_REQUIRE_POSTGRES=1
"$@"
