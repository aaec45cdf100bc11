package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/dashboard"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/department"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/httpapi"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/secret"
)

// BenchmarkEventStats asks for the measures of random (region, month,
// category) triples over a city's year of events four ways, side by side:
// the service in process as served (sums of the dashboards' event facts in
// memory; the counters for one category of the whole city), the same
// service reading only the counters kept on every write, the first over
// HTTP, and the equivalent SQL aggregation over the events table
// with a covering index made for it (region path, report time, category,
// facts). It needs GRIDGOV_BENCH_DATA_DIR, the data directory of `gridgov
// demo --preset daqing` with its events (scripts/bench.sh makes it).
func BenchmarkEventStats(b *testing.B) {
	dataDir := os.Getenv("GRIDGOV_BENCH_DATA_DIR")
	if dataDir == "" {
		b.Skip("set GRIDGOV_BENCH_DATA_DIR to a daqing demo data directory with events")
	}
	ctx := context.Background()
	d, err := db.Open(ctx, db.Config{Path: filepath.Join(dataDir, "gridgov.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	var events int
	var first, last time.Time
	if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM events`).Scan(&events); err != nil || events == 0 {
		b.Skipf("no events in %s (%v)", dataDir, err)
	}
	// Not MIN/MAX: SQLite's aggregates lose the column's time type.
	_ = d.Read().QueryRowContext(ctx, `SELECT created_at FROM events ORDER BY created_at LIMIT 1`).Scan(&first)
	_ = d.Read().QueryRowContext(ctx, `SELECT created_at FROM events ORDER BY created_at DESC LIMIT 1`).Scan(&last)
	if _, err := d.Write().ExecContext(ctx, `CREATE INDEX IF NOT EXISTS bench_events_cover ON events (region_path, created_at, category_code, measures)`); err != nil {
		b.Fatal(err)
	}
	keys, err := secret.LoadOrCreate("", dataDir)
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	loc := gridmap.NewLocator(d, log)
	if err := loc.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	cats := category.NewService(d, log, time.Now)
	depts := department.NewService(d, cats, log, time.Now)
	// counters: the service reading the counters; svc: the service as
	// served, summing from the dashboards' facts in memory where it can.
	counters := event.NewService(event.Config{DB: d, Keys: keys, Locator: loc, Catalog: cats, Router: depts, Log: log})
	svc := event.NewService(event.Config{DB: d, Keys: keys, Locator: loc, Catalog: cats, Router: depts, Log: log})
	dash := dashboard.New(dashboard.Config{DB: d, Categories: cats, Log: log})
	if err := dash.Start(ctx); err != nil {
		b.Fatal(err)
	}
	if err := svc.UseFastCounts(dash.EventCounts()); err != nil {
		b.Fatal(err)
	}
	authSvc, err := auth.NewService(d, keys, auth.Config{HashParams: auth.HashParams{Memory: 1024, Time: 1, Threads: 1}}, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(httpapi.Options{DB: d, Auth: authSvc, Regions: region.NewStore(d, time.Now), Log: log,
		Categories: cats, Departments: depts, Events: svc, Version: "bench"}))
	defer srv.Close()
	token, principal := benchAdmin(b, authSvc, srv.URL)
	type triple struct{ region, path, month, category string }
	// Regions by level, drawn level first: dashboards ask about the city
	// and counties as often as about villages.
	regions := map[int][][2]string{}
	rows, err := d.Read().QueryContext(ctx, `SELECT code, path, level FROM regions WHERE level <= 4`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var c, p string
		var l int
		_ = rows.Scan(&c, &p, &l)
		regions[l] = append(regions[l], [2]string{c, p})
	}
	rows.Close()
	leaves, err := cats.Leaves(ctx)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	loc8 := time.FixedZone("CST", 8*3600)
	triples := make([]triple, 1000)
	for i := range triples {
		level := regions[1+rng.IntN(4)]
		r := level[rng.IntN(len(level))]
		month := first.In(loc8).AddDate(0, rng.IntN(12), 0).Format("2006-01")
		c := "*"
		switch rng.IntN(3) {
		case 1:
			c = leaves[rng.IntN(len(leaves))].Code
		case 2:
			c = strings.SplitN(leaves[rng.IntN(len(leaves))].Code, ".", 2)[0]
		}
		triples[i] = triple{r[0], r[1], month, c}
	}
	measures := event.Measures()
	var sums []string
	for bit, m := range measures {
		sums = append(sums, fmt.Sprintf("SUM((measures >> %d) & 1) AS %s", bit, m))
	}
	sqlAgg := `SELECT COUNT(*), ` + strings.Join(sums, ", ") + ` FROM events WHERE region_path >= $1 AND region_path < $2
		AND created_at >= $3 AND created_at < $4 AND (category_code = $5 OR category_code LIKE $6 OR $5 = '*')`
	// The peer must count what the counters count.
	{
		t, city := triples[0], regions[1][0]
		t.region, t.path, t.category = city[0], city[1], "*"
		from, _ := time.ParseInLocation("2006-01", t.month, loc8)
		dest := make([]any, len(measures)+1)
		for k := range dest {
			dest[k] = new(any)
		}
		if err := d.Read().QueryRowContext(ctx, sqlAgg, t.path, t.path[:len(t.path)-1]+"0", from.UTC(), from.AddDate(0, 1, 0).UTC(), "*", "*.%").Scan(dest...); err != nil {
			b.Fatal(err)
		}
		st, err := counters.Stats(ctx, principal, t.region, t.month, t.month, "*")
		if err != nil {
			b.Fatal(err)
		}
		if n := fmt.Sprint(*dest[0].(*any)); n != fmt.Sprint(st.Counts["reported"]) {
			b.Fatalf("the SQL aggregation counts %s events in %s, the counters %d", n, t.month, st.Counts["reported"])
		}
		// And memory what the counters count, for every triple.
		for _, t := range triples {
			want, err := counters.Stats(ctx, principal, t.region, t.month, t.month, t.category)
			if err != nil {
				b.Fatal(err)
			}
			got, err := svc.Stats(ctx, principal, t.region, t.month, t.month, t.category)
			if err != nil {
				b.Fatal(err)
			}
			if !maps.Equal(got.Counts, want.Counts) {
				b.Fatalf("%+v: from memory %v, the counters %v", t, got.Counts, want.Counts)
			}
		}
	}
	var sqlP50, sqlP99 time.Duration
	for _, route := range []string{"sql-aggregation", "counters", "in-process", "http"} {
		b.Run(route, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			client := &http.Client{}
			b.ResetTimer()
			for i := range b.N {
				t := triples[i%len(triples)]
				start := time.Now()
				switch route {
				case "in-process":
					if _, err := svc.Stats(ctx, principal, t.region, t.month, t.month, t.category); err != nil {
						b.Fatal(err)
					}
				case "counters":
					if _, err := counters.Stats(ctx, principal, t.region, t.month, t.month, t.category); err != nil {
						b.Fatal(err)
					}
				case "http":
					req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/stats/events?region=%s&from=%s&category=%s", srv.URL, t.region, t.month, t.category), nil)
					req.Header.Set("Authorization", "Bearer "+token)
					res, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					var out map[string]any
					_ = json.NewDecoder(res.Body).Decode(&out)
					res.Body.Close()
					if res.StatusCode != 200 {
						b.Fatalf("stats: %d %v", res.StatusCode, out)
					}
				default:
					from, _ := time.ParseInLocation("2006-01", t.month, loc8)
					hi := t.path[:len(t.path)-1] + "0"
					dest := make([]any, len(measures)+1)
					for k := range dest {
						dest[k] = new(any)
					}
					if err := d.Read().QueryRowContext(ctx, sqlAgg, t.path, hi, from.UTC(), from.AddDate(0, 1, 0).UTC(), t.category, t.category+".%").Scan(dest...); err != nil {
						b.Fatal(err)
					}
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(lat)
			p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
			b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
			switch route {
			case "sql-aggregation":
				sqlP50, sqlP99 = p50, p99
			default:
				b.ReportMetric(sqlP50.Seconds()/p50.Seconds(), "x-sql-p50")
				b.ReportMetric(sqlP99.Seconds()/p99.Seconds(), "x-sql-p99")
			}
		})
	}
	b.Logf("%d events from %s to %s", events, first.Format(time.DateOnly), last.Format(time.DateOnly))
}
