package spatial

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// BenchmarkLocatePostGIS compares the index with PostGIS, the usual peer for
// "which grid holds this point": the zhangjiakou preset's grids in a table
// with a GiST index, the query points in another table, and one batched join
// on ST_Contains per distribution. Each iteration runs the join and then the
// index over the same points, so x_vs_postgis comes from one run; both give
// the grid of every point, and the benchmark fails if they disagree. The
// index's pass comes right after the join, with its 34 MB cold in the caches
// (index_lookups/s, the figure the ratio uses); a second pass over the same
// points, warm, is reported as index_warm_lookups/s. pg_load_s is the time to
// upload the grids and points, build the GiST index and ANALYZE.
//
// It needs PostgreSQL with PostGIS: GRIDGOV_TEST_DATABASE_URL (set by
// scripts/with-postgres.sh) and the postgis extension (installed by
// scripts/install-bench-deps.sh); without them it is skipped. The server
// runs the join on one core (no parallel workers), as the index does, and
// without JIT compilation, which only adds start-up time here. The tables
// live in a schema of their own, dropped at the end; the postgis extension,
// once created, stays in the database.
func BenchmarkLocatePostGIS(b *testing.B) {
	url := os.Getenv("GRIDGOV_TEST_DATABASE_URL")
	if url == "" {
		b.Skip("GRIDGOV_TEST_DATABASE_URL is unset; run under scripts/with-postgres.sh (make bench) to compare with PostGIS")
	}
	ctx := context.Background()
	db, err := sql.Open("pgx", url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx) // one session, so the SETs below hold
	if err != nil {
		b.Fatalf("connect to GRIDGOV_TEST_DATABASE_URL: %v", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS postgis"); err != nil {
		b.Skipf("PostGIS is not available (%v); scripts/install-bench-deps.sh installs it", err)
	}
	var version string
	if err := conn.QueryRowContext(ctx, "SELECT postgis_lib_version()").Scan(&version); err != nil {
		b.Fatal(err)
	}

	s := presetBench(b)
	schema := fmt.Sprintf("bench_postgis_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
	exec := func(q string, args ...any) {
		b.Helper()
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			b.Fatalf("%.60s…: %v", strings.Join(strings.Fields(q), " "), err)
		}
	}
	exec("CREATE SCHEMA " + schema)
	defer func() {
		if _, err := conn.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			b.Errorf("drop schema %s: %v", schema, err)
		}
	}()
	exec("SET search_path = " + schema + ", public")
	exec("SET max_parallel_workers_per_gather = 0")
	exec("SET jit = off")

	t0 := time.Now()
	exec("CREATE TABLE grids (id int PRIMARY KEY, geom geometry(MultiPolygon, 4326) NOT NULL)")
	const batch = 1000
	for lo := 0; lo < len(s.polys); lo += batch {
		part := s.polys[lo:min(lo+batch, len(s.polys))]
		ids := make([]int32, len(part))
		geoms := make([][]byte, len(part))
		for k, p := range part {
			ids[k] = int32(p.ID)
			if geoms[k], err = wkb.Marshal(p.Geom); err != nil {
				b.Fatal(err)
			}
		}
		exec(`INSERT INTO grids SELECT id, ST_GeomFromWKB(g, 4326)
			FROM unnest($1::int4[], $2::bytea[]) AS t(id, g)`, ids, geoms)
	}
	exec("CREATE INDEX grids_geom_idx ON grids USING gist (geom)")
	for _, q := range s.queries() {
		ids := make([]int32, len(q.pts))
		xs := make([]float64, len(q.pts))
		ys := make([]float64, len(q.pts))
		for k, p := range q.pts {
			ids[k], xs[k], ys[k] = int32(k), p[0], p[1]
		}
		exec("CREATE TABLE pts_" + q.name + " (id int PRIMARY KEY, geom geometry(Point, 4326) NOT NULL)")
		exec(`INSERT INTO pts_`+q.name+` SELECT id, ST_SetSRID(ST_MakePoint(x, y), 4326)
			FROM unnest($1::int4[], $2::float8[], $3::float8[]) AS t(id, x, y)`, ids, xs, ys)
	}
	exec("ANALYZE")
	load := time.Since(t0)
	b.Logf("PostGIS %s: %d grids and 2 x %d points loaded, GiST index built and analysed in %.1f s",
		version, len(s.polys), presetPoints, load.Seconds())

	for _, q := range s.queries() {
		join := "SELECT p.id, g.id FROM pts_" + q.name + " p JOIN grids g ON ST_Contains(g.geom, p.geom)"
		plan := explain(b, conn, join)
		if !strings.Contains(plan, "grids_geom_idx") {
			b.Fatalf("the join does not use the GiST index:\n%s", plan)
		}
		b.Logf("%s:\n%s", join, plan)
		b.Run(q.name, func(b *testing.B) {
			pg := make([]int32, len(q.pts))
			ix := make([]int32, len(q.pts))
			var tPG, tIx, tWarm time.Duration
			for i := 0; i < b.N; i++ {
				for k := range pg {
					pg[k] = -1
				}
				t0 := time.Now()
				rows, err := conn.QueryContext(ctx, join)
				if err != nil {
					b.Fatal(err)
				}
				var pt, grid int32
				for rows.Next() {
					if err := rows.Scan(&pt, &grid); err != nil {
						b.Fatal(err)
					}
					if pg[pt] >= 0 {
						b.Fatalf("PostGIS puts point %d in grids %d and %d", pt, pg[pt], grid)
					}
					pg[pt] = grid
				}
				if err := rows.Err(); err != nil {
					b.Fatal(err)
				}
				rows.Close()
				tPG += time.Since(t0)
				// Collect the row scan's garbage outside the timers, so
				// that no GC cycle it started runs during the index's pass.
				runtime.GC()
				t1 := time.Now()
				for k, p := range q.pts {
					ix[k] = locateOr(s, p)
				}
				t2 := time.Now()
				for k, p := range q.pts {
					ix[k] = locateOr(s, p)
				}
				tIx += t2.Sub(t1)
				tWarm += time.Since(t2)
				if bad := countDiff(pg, ix); bad != 0 {
					b.Fatalf("PostGIS and the index disagree on %d of %d points", bad, len(q.pts))
				}
			}
			n := float64(b.N) * float64(len(q.pts))
			b.ReportMetric(n/tPG.Seconds(), "lookups/s")
			b.ReportMetric(n/tIx.Seconds(), "index_lookups/s")
			b.ReportMetric(tPG.Seconds()/tIx.Seconds(), "x_vs_postgis")
			b.ReportMetric(n/tWarm.Seconds(), "index_warm_lookups/s")
			b.ReportMetric(load.Seconds(), "pg_load_s")
		})
	}
}

func locateOr(s *presetSet, p orb.Point) int32 {
	if id, ok := s.ix.Locate(p); ok {
		return int32(id)
	}
	return -1
}

func countDiff(a, b []int32) int {
	n := 0
	for k := range a {
		if a[k] != b[k] {
			n++
		}
	}
	return n
}

// explain returns the plan of q.
func explain(b *testing.B, conn *sql.Conn, q string) string {
	b.Helper()
	rows, err := conn.QueryContext(context.Background(), "EXPLAIN "+q)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			b.Fatal(err)
		}
		lines = append(lines, l)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
