#!/usr/bin/env bash
# Runs every benchmark and prints what docs/BENCHMARKS.md records, in order:
#   1. the machine and its anchors (memory bandwidth and latency, the price
#      of a 4 KiB pwrite, fsync latency), so that results compare across
#      machines;
#   2. every Go benchmark on one core (-cpu 1: the goals are per core),
#      against a throwaway PostgreSQL with PostGIS (scripts/with-postgres.sh),
#      so BenchmarkLocatePostGIS runs beside the index;
#   3. demo city generation on all cores (BenchmarkGenerate), and the wall
#      time of `gridgov demo --preset P` loading each preset into SQLite in a
#      fresh data directory.
# Before step 2 it loads the daqing demo (map and registry) and exports its
# registry files, for BenchmarkPersonSearch and BenchmarkImport (three
# loaders on SQLite and PostgreSQL, about 20 minutes), which runs after
# step 2 on all cores: its goal is the wall time of a whole import on this
# machine, and its pipeline validates and encrypts on one core while the
# other writes.
# Step 2 includes BenchmarkCheckinWave (internal/httpapi: the morning
# check-in wave and patrol uploads of 30,000 workers beside the event
# intake; GRIDGOV_BENCH_WAVE_SECONDS, default 10, sets the wave's length).
# After it the dashboards' events and operations panels run on the daqing
# demo at 1x and 10x its events, in SQLite and then in PostgreSQL (the demo
# loaded again there).
# `make bench` runs it; about 35 minutes on 2 cores.
#
# Environment: GO (go), BENCHTIME (-benchtime of step 2, 1s), COUNT (-count
# of step 2, 1; docs/BENCHMARKS.md quotes medians of COUNT=3), BENCH (-bench
# pattern of step 2, .), DEMO_PRESETS (small daqing zhangjiakou),
# DASH_BENCHTIME (-benchtime of the dashboard panels at 1x and 10x, 30x).
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
BENCHTIME=${BENCHTIME:-1s}
COUNT=${COUNT:-1}
BENCH=${BENCH:-.}
DEMO_PRESETS=${DEMO_PRESETS:-small daqing zhangjiakou}

if [ "${1:-}" != --inner ]; then
  scripts/install-bench-deps.sh
  exec scripts/with-postgres.sh "$0" --inner
fi

status=0
step() { printf '\n==> %s\n' "$*"; }

step "machine"
echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "commit:  $(git describe --always --dirty 2>/dev/null || echo unknown)"
echo "kernel:  $(uname -srm)"
echo "cpu:     $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown), nproc $(nproc)"
echo "memory:  $(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo 2>/dev/null || echo unknown)"
echo "go:      $($GO version | awk '{print $3, $4}')"
echo "tmp:     ${TMPDIR:-/tmp} on $(df -PT "${TMPDIR:-/tmp}" | awk 'NR==2 {print $2}')"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) (1, 5, 15 min)"

step "machine anchors (internal/benchenv)"
$GO test -run '^$' -bench . -cpu 1 ./internal/benchenv/ || status=1

tmp=$(mktemp -d -t gridgov-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
$GO build -o "$tmp/gridgov" ./cmd/gridgov

step "registry for BenchmarkImport and BenchmarkPersonSearch: the daqing demo, loaded and exported"
export GRIDGOV_BENCH_DATA_DIR="$tmp/data-registry" GRIDGOV_BENCH_REGISTRY_DIR="$tmp/registry"
"$tmp/gridgov" demo --preset daqing --data-dir "$GRIDGOV_BENCH_DATA_DIR" --log-level warn 2>/dev/null
"$tmp/gridgov" demo --preset daqing --data-dir "$GRIDGOV_BENCH_DATA_DIR" --export-csv "$GRIDGOV_BENCH_REGISTRY_DIR" --log-level warn 2>/dev/null
"$tmp/gridgov" export regions --data-dir "$GRIDGOV_BENCH_DATA_DIR" --out "$GRIDGOV_BENCH_REGISTRY_DIR/regions.geojson" --log-level warn
ls -l "$GRIDGOV_BENCH_REGISTRY_DIR"

step "benchmarks, one core (-cpu 1 -benchtime $BENCHTIME -count $COUNT)"
mapfile -t pkgs < <($GO list ./... | grep -v '/internal/benchenv$')
$GO test -run '^$' -bench "$BENCH" -skip '^BenchmarkImport$' -benchmem -cpu 1 -benchtime "$BENCHTIME" -count "$COUNT" -timeout 60m "${pkgs[@]}" || status=1

step "registry import: the daqing files three ways on each engine, all $(nproc) cores"
$GO test -run '^$' -bench '^BenchmarkImport$' -benchtime 1x -cpu "$(nproc)" -timeout 90m -v ./internal/registry/ || status=1

step "dashboard stream fan-out: 500 screens, one change a second for a minute"
$GO test -run '^$' -bench '^BenchmarkDashboardStreamFanout$' -benchtime 60x -cpu 1 ./internal/httpapi/ || status=1

# The events and operations panels on the daqing demo as loaded and on ten
# times its events (BenchmarkDashboardPanels copies them once per data
# directory, GRIDGOV_BENCH_EVENT_FACTOR), in SQLite and in PostgreSQL (the
# demo loaded into a database of the throwaway cluster). The people panel
# ran in step 2. At 10x one city-level SQL aggregation of the events panel
# takes over ten seconds, hence DASH_BENCHTIME (default 30x).
DASH_BENCHTIME=${DASH_BENCHTIME:-30x}
dash_bench='BenchmarkDashboardPanels/.*/(events|operations)/'
step "dashboards: events and operations panels, 1x and 10x the demo's events, SQLite"
cp -r "$GRIDGOV_BENCH_DATA_DIR" "$tmp/data-dash"
for f in 1 10; do
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
  GRIDGOV_BENCH_DATA_DIR="$tmp/data-dash" GRIDGOV_BENCH_EVENT_FACTOR=$f \
    $GO test -run '^$' -bench "$dash_bench" -benchtime "$DASH_BENCHTIME" -cpu 1 -timeout 90m -v ./internal/httpapi/ || status=1
done
rm -rf "$tmp/data-dash"

step "dashboards: events and operations panels, 1x and 10x the demo's events, PostgreSQL"
pg_port=$(echo "$GRIDGOV_TEST_DATABASE_URL" | sed -E 's|.*:([0-9]+)/.*|\1|')
"$(ls /usr/lib/postgresql/*/bin/createdb | sort -V | tail -1)" -h 127.0.0.1 -p "$pg_port" -U postgres gridgov_dash
dash_url="postgres://postgres@127.0.0.1:$pg_port/gridgov_dash?sslmode=disable"
t0=$(date +%s)
"$tmp/gridgov" demo --preset daqing --data-dir "$tmp/data-dash-pg" --database-url "$dash_url" --log-level warn 2>/dev/null || status=1
echo "daqing demo loaded into PostgreSQL in $(( $(date +%s) - t0 )) s"
for f in 1 10; do
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
  GRIDGOV_BENCH_DATA_DIR="$tmp/data-dash-pg" GRIDGOV_BENCH_DATABASE_URL="$dash_url" GRIDGOV_BENCH_EVENT_FACTOR=$f \
    $GO test -run '^$' -bench "$dash_bench" -benchtime "$DASH_BENCHTIME" -cpu 1 -timeout 90m -v ./internal/httpapi/ || status=1
done

step "demo city generation alone, all $(nproc) cores (BenchmarkGenerate, 3 runs)"
$GO test -run '^$' -bench '^BenchmarkGenerate$' -benchtime 1x -count 3 -cpu "$(nproc)" ./internal/demo/ || status=1

step "gridgov demo --preset P: generation and full load into SQLite, wall time"
timer=()
if [ -x /usr/bin/time ]; then timer=(/usr/bin/time -f '%U %S %M' -o "$tmp/usage"); fi # GNU time: CPU, peak RSS
for p in $DEMO_PRESETS; do
  dir=$(mktemp -d -p "$tmp" "data-$p.XXXX")
  t0=$(date +%s.%N)
  if "${timer[@]}" "$tmp/gridgov" demo --preset "$p" --data-dir "$dir" --log-level warn >"$tmp/out" 2>"$tmp/err"; then
    t1=$(date +%s.%N)
    usage=""
    if [ ${#timer[@]} -gt 0 ]; then
      usage=$(awk '{printf " (CPU %.1f s user + %.1f s sys), peak RSS %.0f MB", $1, $2, $3/1024}' "$tmp/usage")
    fi
    printf 'demo %-12s %6.1f s wall%s, data dir %s\n' "$p" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" \
      "$usage" "$(du -sh "$dir" | cut -f1)"
    sed 's/^/    /' "$tmp/out"
  else
    echo "demo $p failed:" >&2
    tr '\r' '\n' <"$tmp/err" | grep -v '^[[:space:]]*$' | tail -20 >&2
    status=1
  fi
  rm -rf "$dir"
done

exit $status
