package httpapi_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/dashboard"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/httpapi"
	"github.com/gridgov/gridgov/internal/live"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/secret"
	"github.com/gridgov/gridgov/internal/workforce"
)

// BenchmarkDashboardPanels asks for each panel at each level (random
// regions of the level) three ways, side by side: computed afresh by the
// dashboard service (pre-aggregated people figures, event counters,
// indexes), served from its cache (what a screen gets between changes),
// and the same figures by SQL aggregation over the base tables
// (persons, houses, tags and sampling items grouped per request; events
// summed from their fact bits; grid activity grouped from attendance,
// patrols, visits and reports; attendance and staffing as the workforce
// service works them out). It needs GRIDGOV_BENCH_DATA_DIR, the data
// directory of `gridgov demo --preset daqing` (scripts/bench.sh makes it);
// GRIDGOV_BENCH_EVENT_FACTOR=10 first copies the events to ten times as
// many (see multiplyEvents). The service's routes ask GRIDGOV_BENCH_DASHBOARD_REPS (10)
// times as many requests as -benchtime gives the SQL aggregation.
func BenchmarkDashboardPanels(b *testing.B) {
	dataDir := os.Getenv("GRIDGOV_BENCH_DATA_DIR")
	if dataDir == "" {
		b.Skip("set GRIDGOV_BENCH_DATA_DIR to a demo data directory")
	}
	ctx := context.Background()
	// GRIDGOV_BENCH_DATABASE_URL: the demo loaded into PostgreSQL with
	// `gridgov demo --database-url` (its keys in the data directory).
	d, err := db.Open(ctx, db.Config{Path: filepath.Join(dataDir, "gridgov.db"), URL: os.Getenv("GRIDGOV_BENCH_DATABASE_URL")})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	log := slog.New(slog.DiscardHandler)
	if err := d.Migrate(ctx, log); err != nil {
		b.Fatal(err)
	}
	// The SQL aggregation's indexes: open events by state, supervised
	// events, reports by source (the service, holding its figures in
	// memory, dropped them in migration 00023), and the events' facts by
	// region, report time and category (BenchmarkEventStats makes it too).
	for _, q := range []string{
		`CREATE INDEX IF NOT EXISTS bench_events_cover ON events (region_path, created_at, category_code, measures)`,
		`CREATE INDEX IF NOT EXISTS bench_events_open ON events (state, region_path, grid_code, warning, step_due)`,
		`CREATE INDEX IF NOT EXISTS bench_events_supervised ON events (region_path, id) WHERE supervised = 1`,
		`CREATE INDEX IF NOT EXISTS bench_events_source ON events (source, created_at, region_path)`,
	} {
		if _, err := d.Write().ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	keys, err := secret.LoadOrCreate("", dataDir)
	if err != nil {
		b.Fatal(err)
	}
	loc := gridmap.NewLocator(d, log)
	if err := loc.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	if err := multiplyEvents(ctx, d, b); err != nil {
		b.Fatal(err)
	}
	cats := category.NewService(d, log, time.Now)
	// The clock stands ten minutes after the demo's last patrol began (its
	// workforce month ends a few days before it was loaded), so that
	// "today" has its check-ins, patrols and visits; without patrols, now.
	var lastPatrol time.Time
	_ = d.Read().QueryRowContext(ctx, `SELECT started_at FROM patrols ORDER BY started_at DESC LIMIT 1`).Scan(&lastPatrol)
	clock := time.Now
	if !lastPatrol.IsZero() {
		at := lastPatrol.Add(10 * time.Minute)
		clock = func() time.Time { return at }
	}
	wf := workforce.NewService(workforce.Config{DB: d, Keys: keys, Locator: loc, Boundaries: gridmap.NewStore(d, clock), Now: clock})
	bus := live.New(live.Config{Log: log})
	// The dashboards log what their start-up took.
	dlog := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	fresh := dashboard.New(dashboard.Config{DB: d, Bus: bus, Categories: cats, Workforce: wf, Log: dlog, CacheTTL: time.Nanosecond, Now: clock})
	cached := dashboard.New(dashboard.Config{DB: d, Bus: bus, Categories: cats, Workforce: wf, Log: log, CacheTTL: time.Hour, Now: clock})
	start := time.Now()
	if err := fresh.RefreshPeople(ctx, live.Root); err != nil {
		b.Fatal(err)
	}
	b.Logf("people figures of every grid counted in %s", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	for _, s := range []*dashboard.Service{fresh, cached} {
		if err := s.Start(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("dashboards started (tree, people figures, grid activity, events, operations) in %s", time.Since(start).Round(time.Millisecond)/2)
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	b.Logf("Go heap in use with both dashboards started: %d MiB", ms.HeapInuse>>20)
	principal := auth.Principal{User: auth.User{Username: "bench", Role: auth.RoleAdmin}}
	var counts [4]int64
	for i, q := range []string{`SELECT COUNT(*) FROM persons`, `SELECT COUNT(*) FROM houses`, `SELECT COUNT(*) FROM events`, `SELECT COUNT(*) FROM attendance`} {
		_ = d.Read().QueryRowContext(ctx, q).Scan(&counts[i])
	}
	b.Logf("%d persons, %d houses, %d events, %d check-ins", counts[0], counts[1], counts[2], counts[3])

	type place struct{ code, path string }
	levels := map[int][]place{}
	rows, err := d.Read().QueryContext(ctx, `SELECT code, path, level FROM regions WHERE valid_to IS NULL`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var p place
		var l int
		_ = rows.Scan(&p.code, &p.path, &l)
		levels[l] = append(levels[l], p)
	}
	rows.Close()
	reps := 10
	if v := os.Getenv("GRIDGOV_BENCH_DASHBOARD_REPS"); v != "" {
		if _, err := fmt.Sscan(v, &reps); err != nil || reps < 1 {
			b.Fatalf("GRIDGOV_BENCH_DASHBOARD_REPS=%q: want a whole number from 1", v)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	names := map[int]string{1: "city", 2: "county", 3: "township", 4: "village", 5: "grid"}
	zone := time.FixedZone("CST", 8*3600)
	now := clock().In(zone)
	b.Logf("the clock stands at %s", now.Format(time.RFC3339))
	// The events panel asks for the month of the latest report (a demo's
	// events lie in the past), from its first to its last day.
	var latest time.Time
	_ = d.Read().QueryRowContext(ctx, `SELECT created_at FROM events ORDER BY created_at DESC LIMIT 1`).Scan(&latest)
	if latest.IsZero() {
		latest = now
	}
	latest = latest.In(zone)
	evFrom := time.Date(latest.Year(), latest.Month(), 1, 0, 0, 0, 0, zone)
	evTo := evFrom.AddDate(0, 1, -1)
	b.Logf("events panel for %s..%s", evFrom.Format(time.DateOnly), evTo.Format(time.DateOnly))
	for _, level := range []int{1, 2, 3, 4, 5} {
		list := levels[level]
		if len(list) == 0 {
			continue
		}
		picks := make([]place, 64)
		for i := range picks {
			picks[i] = list[rng.IntN(len(list))]
		}
		for _, panel := range []string{"people", "events", "operations"} {
			var sqlP50, sqlP99 time.Duration
			for _, route := range []string{"sql-aggregation", "dashboard", "cached"} {
				b.Run(fmt.Sprintf("%s/%s/%s", names[level], panel, route), func(b *testing.B) {
					// The service's routes ask reps times as often as the
					// SQL aggregation (seconds a request at city level), so
					// that their p99 is not the single worst of a few.
					n := b.N
					if route != "sql-aggregation" {
						n *= reps
						b.ReportAllocs()
					}
					lat := make([]time.Duration, 0, n)
					for i := range n {
						p := picks[i%len(picks)]
						t0 := time.Now()
						var err error
						switch route {
						case "sql-aggregation":
							err = sqlPeer(ctx, d, panel, p.path, evFrom, evTo.AddDate(0, 0, 1), now)
							if err == nil && panel == "operations" {
								// The same attendance and staffing figures, as the
								// workforce service works them out per request.
								if _, err = wf.AttendanceRates(ctx, principal, p.code, workforce.Period{Date: now.Format(time.DateOnly)}); err == nil {
									_, err = wf.StaffingOf(ctx, principal, p.code)
								}
							}
						default:
							s := fresh
							if route == "cached" {
								s = cached
							}
							switch panel {
							case "people":
								_, err = s.People(ctx, principal, p.code)
							case "events":
								_, err = s.Events(ctx, principal, p.code, evFrom.Format(time.DateOnly), evTo.Format(time.DateOnly))
							default:
								_, err = s.Operations(ctx, principal, p.code, "")
							}
						}
						if err != nil {
							b.Fatal(err)
						}
						lat = append(lat, time.Since(t0))
					}
					slices.Sort(lat)
					p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
					b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
					b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
					if route == "sql-aggregation" {
						sqlP50, sqlP99 = p50, p99
					} else if sqlP99 > 0 {
						b.ReportMetric(sqlP99.Seconds()/p99.Seconds(), "x-sql-p99")
						b.ReportMetric(sqlP50.Seconds()/p50.Seconds(), "x-sql-p50")
					}
				})
			}
		}
	}
}

// multiplyEvents copies the demo's events until there are
// GRIDGOV_BENCH_EVENT_FACTOR times as many (default 1: as loaded), each
// copy on the same day, grid and category with its code and token
// suffixed, and
// scales the event counters to match. It is done once per data directory
// (the factor is kept in dashboard_state).
func multiplyEvents(ctx context.Context, d *db.DB, b *testing.B) error {
	factor := 1
	if v := os.Getenv("GRIDGOV_BENCH_EVENT_FACTOR"); v != "" {
		if _, err := fmt.Sscan(v, &factor); err != nil || factor < 1 {
			return fmt.Errorf("GRIDGOV_BENCH_EVENT_FACTOR=%q: want a whole number from 1", v)
		}
	}
	done := 1
	var kept string
	if err := d.Read().QueryRowContext(ctx, `SELECT value FROM dashboard_state WHERE name = 'bench_event_factor'`).Scan(&kept); err == nil {
		fmt.Sscan(kept, &done)
	}
	if factor <= done {
		return nil
	}
	if done != 1 {
		return fmt.Errorf("the events were multiplied by %d already; load a fresh data directory for %d", done, factor)
	}
	rows, err := d.Read().QueryContext(ctx, `SELECT * FROM events LIMIT 0`)
	if err != nil {
		return err
	}
	cols, _ := rows.Columns()
	rows.Close()
	var names, values []string
	for _, c := range cols {
		switch c {
		case "id":
			continue
		case "code", "token": // unique
			values = append(values, c+" || $1")
		default:
			values = append(values, c)
		}
		names = append(names, c)
	}
	var maxID int64
	if err := d.Read().QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&maxID); err != nil {
		return err
	}
	start := time.Now()
	for k := 2; k <= factor; k++ {
		if _, err := d.Write().ExecContext(ctx, `INSERT INTO events (`+strings.Join(names, ", ")+`) SELECT `+strings.Join(values, ", ")+`
			FROM events WHERE id <= $2`, fmt.Sprintf("-x%d", k), maxID); err != nil {
			return fmt.Errorf("copy %d of the events: %w", k, err)
		}
	}
	if _, err := d.Write().ExecContext(ctx, `UPDATE event_counters SET n = n * $1`, factor); err != nil {
		return err
	}
	if _, err := d.Write().ExecContext(ctx, `INSERT INTO dashboard_state (name, value) VALUES ('bench_event_factor', $1)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, fmt.Sprint(factor)); err != nil {
		return err
	}
	b.Logf("events multiplied by %d in %s", factor, time.Since(start).Round(time.Second))
	return nil
}

// sqlPeer computes a panel's figures by aggregation over the base tables.
// from..to is the events panel's range (to exclusive); now is today's time.
func sqlPeer(ctx context.Context, d *db.DB, panel, path string, from, to, now time.Time) error {
	lo, hi := region.Under(path).Range()
	q := d.Read()
	drain := func(query string, args ...any) error {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
		}
		return rows.Err()
	}
	var queries []struct {
		sql  string
		args []any
	}
	add := func(sql string, args ...any) {
		queries = append(queries, struct {
			sql  string
			args []any
		}{sql, args})
	}
	day := now.Format(time.DateOnly)
	switch panel {
	case "people":
		b18, b60 := now.AddDate(-18, 0, 0).Format(time.DateOnly), now.AddDate(-60, 0, 0).Format(time.DateOnly)
		add(`SELECT region_path, residence_type, CASE WHEN birth_date > $3 THEN 0 WHEN birth_date > $4 THEN 1 ELSE 2 END, COUNT(*)
			FROM persons WHERE region_path >= $1 AND region_path < $2 GROUP BY 1, 2, 3`, lo, hi, b18, b60)
		add(`SELECT region_path, COUNT(DISTINCT household_no) FROM persons WHERE region_path >= $1 AND region_path < $2 GROUP BY region_path`, lo, hi)
		add(`SELECT p.region_path, t.tag, COUNT(*) FROM person_tags t JOIN persons p ON p.id = t.person_id WHERE p.region_path >= $1
			AND p.region_path < $2 GROUP BY 1, 2`, lo, hi)
		add(`SELECT region_path, usage, COUNT(*) FROM houses WHERE region_path >= $1 AND region_path < $2 GROUP BY 1, 2`, lo, hi)
		add(`SELECT region_path, COUNT(*), SUM(CASE WHEN status = 'correct' THEN 1 ELSE 0 END) FROM sampling_items WHERE region_path >= $1
			AND region_path < $2 GROUP BY region_path`, lo, hi)
	case "events":
		var sums []string
		for bit := range event.Measures() {
			sums = append(sums, fmt.Sprintf("SUM((measures >> %d) & 1)", bit))
		}
		length := to.Sub(from)
		for _, p := range [][2]time.Time{{from, to}, {from.Add(-length), from}, {from.AddDate(-1, 0, 0), to.AddDate(-1, 0, 0)}} {
			add(`SELECT region_path, `+strings.Join(sums, ", ")+` FROM events WHERE region_path >= $1 AND region_path < $2
				AND created_at >= $3 AND created_at < $4 GROUP BY region_path`, lo, hi, p[0].UTC(), p[1].UTC())
		}
		add(`SELECT category_code, source, COUNT(*) FROM events WHERE region_path >= $1 AND region_path < $2 AND created_at >= $3
			AND created_at < $4 GROUP BY 1, 2`, lo, hi, from.UTC(), to.UTC())
		add(`SELECT state, grid_code, warning, COUNT(*) FROM events WHERE state IN ('reported', 'registered', 'dispatched', 'handling', 'handled', 'parked')
			AND region_path >= $1 AND region_path < $2 GROUP BY 1, 2, 3`, lo, hi)
		add(`SELECT id, code, title, state, warning, grid_code, step_due FROM events WHERE state IN ('reported', 'registered', 'dispatched',
			'handling', 'handled') AND step_due < $3 AND region_path >= $1 AND region_path < $2 ORDER BY step_due DESC, id DESC LIMIT 20`, lo, hi, now.UTC())
		add(`SELECT id, code, title, state, warning, grid_code, supervise_due FROM events WHERE supervised = 1 AND region_path >= $1
			AND region_path < $2 AND state IN ('reported', 'registered', 'dispatched', 'handling', 'handled', 'parked') ORDER BY id DESC LIMIT 20`, lo, hi)
		add(`SELECT e.lead_department, `+strings.Join(sums, ", ")+` FROM events e JOIN departments d ON d.code = e.lead_department
			WHERE d.active AND d.region_path >= $1 AND d.region_path < $2 AND e.created_at >= $3 AND e.created_at < $4 GROUP BY 1`, lo, hi, from.UTC(), to.UTC())
	default:
		since := now.AddDate(0, 0, -7)
		add(`SELECT region_path, employment, COUNT(*) FROM workers WHERE active AND region_path >= $1 AND region_path < $2 GROUP BY 1, 2`, lo, hi)
		add(`SELECT region_path, MAX(day) FROM attendance WHERE region_path >= $1 AND region_path < $2 GROUP BY region_path`, lo, hi)
		add(`SELECT region_path, MAX(started_at) FROM patrols WHERE region_path >= $1 AND region_path < $2 GROUP BY region_path`, lo, hi)
		add(`SELECT region_path, MAX(at) FROM visits WHERE region_path >= $1 AND region_path < $2 GROUP BY region_path`, lo, hi)
		add(`SELECT region_path, COUNT(*) FROM events WHERE region_path >= $1 AND region_path < $2 AND source = 'worker' AND created_at >= $3
			GROUP BY region_path`, lo, hi, since.UTC())
		add(`SELECT COUNT(*) FROM attendance WHERE day = $1 AND region_path >= $2 AND region_path < $3`, day, lo, hi)
		add(`SELECT region_path, role, COUNT(*) FROM team_members WHERE region_path >= $1 AND region_path < $2 GROUP BY 1, 2`, lo, hi)
		add(`SELECT COUNT(*), COALESCE(SUM(distance_m), 0), COUNT(DISTINCT worker_id) FROM patrols WHERE started_at >= $1 AND region_path >= $2
			AND region_path < $3`, now.Add(-24*time.Hour).UTC(), lo, hi)
		add(`SELECT region_path, COUNT(*) FROM visits WHERE month = $1 AND region_path >= $2 AND region_path < $3 GROUP BY 1`, now.Format("2006-01"), lo, hi)
	}
	for _, qu := range queries {
		if err := drain(qu.sql, qu.args...); err != nil {
			return fmt.Errorf("%s: %w", qu.sql, err)
		}
	}
	return nil
}

// BenchmarkDashboardStreamFanout holds 500 screens on the stream of a
// county through the real HTTP server and publishes one change a second
// in a grid under it (b.N changes: run with -benchtime 30x): the lag from
// publishing to each screen reading the message, over the whole run and
// in its first and last thirds, shows whether it grows.
func BenchmarkDashboardStreamFanout(b *testing.B) {
	const screens = 500
	ctx := context.Background()
	d := dbtest.Open(b, db.SQLite)
	log := slog.New(slog.DiscardHandler)
	keys, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
	store := region.NewStore(d, time.Now)
	for _, r := range []region.Region{
		{Code: "230600", Name: "大庆市", Level: region.City},
		{Code: "230602", Name: "萨尔图区", Level: region.County, ParentCode: "230600"},
		{Code: "230602001", Name: "萨尔图街道", Level: region.Township, ParentCode: "230602"},
		{Code: "230602001001", Name: "友谊社区", Level: region.Village, ParentCode: "230602001"},
		{Code: "230602001001001", Name: "友谊第一网格", Level: region.Grid, ParentCode: "230602001001"},
	} {
		if _, err := store.Create(ctx, audit.System("bench"), region.All(), r); err != nil {
			b.Fatal(err)
		}
	}
	authSvc, err := auth.NewService(d, keys, auth.Config{HashParams: auth.HashParams{Memory: 1024, Time: 1, Threads: 1}}, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	bus := live.New(live.Config{Log: log})
	dash := dashboard.New(dashboard.Config{DB: d, Bus: bus, Log: log})
	if err := dash.Start(ctx); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(httpapi.Options{DB: d, Auth: authSvc, Regions: store, Log: log, Version: "bench", Dashboard: dash, Live: bus}))
	defer srv.Close()
	token, _ := benchAdmin(b, authSvc, srv.URL)

	type sample struct {
		change int
		lag    time.Duration
	}
	var (
		mu      sync.Mutex
		sent    = map[string]time.Time{} // message id → publish time
		samples []sample
		order   = map[string]int{}
	)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: screens}}
	streamCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	for range screens {
		req, _ := http.NewRequestWithContext(streamCtx, "GET", srv.URL+"/api/v1/dashboard/stream?region=230602", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := client.Do(req)
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("stream: %v %v", err, res)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer res.Body.Close()
			sc := bufio.NewScanner(res.Body)
			for sc.Scan() {
				id, ok := strings.CutPrefix(sc.Text(), "id: ")
				if !ok {
					continue
				}
				at := time.Now()
				mu.Lock()
				if t0, ok := sent[id]; ok {
					samples = append(samples, sample{order[id], at.Sub(t0)})
				}
				mu.Unlock()
			}
		}()
	}
	for bus.Streams() < screens {
		time.Sleep(10 * time.Millisecond)
	}
	b.ResetTimer()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for i := range b.N {
		<-tick.C
		mu.Lock()
		sent[fmt.Sprint(bus.Seq()+1)] = time.Now()
		order[fmt.Sprint(bus.Seq()+1)] = i
		bus.Publish(ctx, live.Events, "/230600/230602/230602001/230602001001/230602001001001/")
		mu.Unlock()
	}
	time.Sleep(2 * time.Second)
	b.StopTimer()
	stop()
	wg.Wait()
	pct := func(s []sample, p int) time.Duration {
		if len(s) == 0 {
			return 0
		}
		l := make([]time.Duration, len(s))
		for i, x := range s {
			l[i] = x.lag
		}
		slices.Sort(l)
		return l[min(len(l)-1, len(l)*p/100)]
	}
	var first, last []sample
	for _, s := range samples {
		switch {
		case s.change < b.N/3:
			first = append(first, s)
		case s.change >= b.N-b.N/3:
			last = append(last, s)
		}
	}
	b.ReportMetric(float64(len(samples))/float64(b.N*screens), "delivered")
	b.ReportMetric(float64(pct(samples, 50).Microseconds())/1000, "lag-p50-ms")
	b.ReportMetric(float64(pct(samples, 99).Microseconds())/1000, "lag-p99-ms")
	b.ReportMetric(float64(pct(samples, 100).Microseconds())/1000, "lag-max-ms")
	b.ReportMetric(float64(pct(first, 99).Microseconds())/1000, "lag-p99-first-third-ms")
	b.ReportMetric(float64(pct(last, 99).Microseconds())/1000, "lag-p99-last-third-ms")
}
