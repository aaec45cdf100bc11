package httpapi_test

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// A server left running: round after round a screen connects, an event is
// reported in a grid and voided, every panel is asked for at every level,
// and the screen goes away. What the dashboards and the bus hold stays
// bounded (only the events grow, one a round), the goroutines come back,
// and the Go heap grows by little more than those events.
func TestDashboardServerStaysFlat(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newDashEnv(t, d)
		admin := e.admin
		e.user("center1", auth.RoleCenter, "230602")
		center := e.loggedIn("center1")
		levels := []string{"230602", "230602001", "230602001001", "230602001001001"}
		round := func(i int) {
			t.Helper()
			screen := openStream(t, admin, levels[i%len(levels)], "")
			r := center.do("POST", "/api/v1/events", fmt.Sprintf(`{"category_code":"city_appearance.exposed_garbage","title":"长时运行 %d","grid_code":"230602001001001"}`, i))
			if r.status != 201 {
				t.Fatalf("report: %d %s", r.status, r.body)
			}
			ev := r.json(t)["event"].(map[string]any)
			r = center.do("POST", fmt.Sprintf("/api/v1/events/%d/actions", int(ev["id"].(float64))),
				fmt.Sprintf(`{"action":"void","version":%d,"note":"测试作废"}`, int(ev["version"].(float64))))
			if r.status != 200 {
				t.Fatalf("void: %d %s", r.status, r.body)
			}
			if m := screen.next(t); m["event"] != "change" {
				t.Fatalf("stream: %v", m)
			}
			for _, region := range append(levels, "") {
				for _, panel := range []string{"people", "events", "operations"} {
					if r := admin.do("GET", "/api/v1/dashboard/"+panel+"?region="+region, ""); r.status != 200 {
						t.Fatalf("%s %s: %d %s", panel, region, r.status, r.body)
					}
				}
			}
			screen.stop()
		}
		type state struct {
			gauges     map[string]float64
			goroutines int
			heap       uint64
		}
		measure := func() state {
			t.Helper()
			// Streams gone, changes read, handlers returned.
			deadline := time.Now().Add(10 * time.Second)
			var s state
			for {
				s.gauges = gauges(t, admin)
				if s.gauges["gridgov_live_streams"] == 0 && s.gauges["gridgov_dashboard_dirty_paths"] == 0 || time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			admin.http.CloseIdleConnections()
			time.Sleep(100 * time.Millisecond)
			// Twice: what sync.Pools keep (scratch and buffers for panels)
			// outlives one collection, and is no growth.
			runtime.GC()
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			s.goroutines, s.heap = runtime.NumGoroutine(), ms.HeapAlloc
			return s
		}
		warmRounds, rounds := 5, 60
		if v := os.Getenv("GRIDGOV_SOAK_ROUNDS"); v != "" { // a longer run by hand
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				t.Fatalf("GRIDGOV_SOAK_ROUNDS=%q: want a whole number from 1", v)
			}
			rounds = n
		}
		for i := range warmRounds {
			round(i)
		}
		warm := measure()
		for i := warmRounds; i < warmRounds+rounds; i++ {
			round(i)
		}
		end := measure()
		t.Logf("after %d rounds: %v, %d goroutines, heap %d KiB; after %d more: %v, %d goroutines, heap %d KiB",
			warmRounds, warm.gauges, warm.goroutines, warm.heap>>10, rounds, end.gauges, end.goroutines, end.heap>>10)

		if got, want := end.gauges["gridgov_dashboard_events"], warm.gauges["gridgov_dashboard_events"]+float64(rounds); got != want {
			t.Errorf("events held = %v, want %v", got, want)
		}
		for _, g := range []string{"gridgov_live_streams", "gridgov_dashboard_dirty_paths"} {
			if end.gauges[g] != 0 {
				t.Errorf("%s = %v at the end, want 0", g, end.gauges[g])
			}
		}
		for _, g := range []string{"gridgov_dashboard_open_events", "gridgov_dashboard_day_figures", "gridgov_dashboard_cached_panels"} {
			if end.gauges[g] != warm.gauges[g] {
				t.Errorf("%s: %v after the warm-up, %v after %d more rounds", g, warm.gauges[g], end.gauges[g], rounds)
			}
		}
		if end.gauges["gridgov_dashboard_ready"] != 1 {
			t.Errorf("gridgov_dashboard_ready = %v", end.gauges["gridgov_dashboard_ready"])
		}
		// A connection's goroutines end a moment after it closes, later on
		// a loaded machine: a leak is what is still there seconds on.
		for deadline := time.Now().Add(5 * time.Second); end.goroutines > warm.goroutines+3 && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
			end.goroutines = runtime.NumGoroutine()
		}
		if end.goroutines > warm.goroutines+3 {
			t.Errorf("goroutines: %d after the warm-up, %d after %d more rounds", warm.goroutines, end.goroutines, rounds)
		}
		// An event, its history and its facts are a few KiB; a stream,
		// cache entry or panel kept per round would be far more.
		if grown := int64(end.heap) - int64(warm.heap); grown > int64(rounds)*16<<10 {
			t.Errorf("Go heap grew by %d KiB over %d rounds", grown>>10, rounds)
		}
	})
}

// gauges reads the gridgov_ gauges of /metrics.
func gauges(t *testing.T, c *client) map[string]float64 {
	t.Helper()
	r := c.do("GET", "/metrics", "")
	if r.status != 200 {
		t.Fatalf("metrics: %d", r.status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(string(r.body)))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || !strings.HasPrefix(name, "gridgov_") || strings.Contains(name, "{") {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			t.Fatalf("metric %s: %v", sc.Text(), err)
		}
		out[name] = v
	}
	return out
}
