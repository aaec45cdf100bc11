package httpapi_test

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/event"
)

// The event measures summed from the dashboards' facts in memory equal the
// counters for every region, period and category, on both databases, and
// follow each change at once.
func TestEventStatsFromMemoryEqualCounters(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newDashEnv(t, d)
		ctx := context.Background()
		e.user("center1", auth.RoleCenter, "230602")
		center := e.loggedIn("center1")
		principal := auth.Principal{User: auth.User{Username: "stats", Role: auth.RoleAdmin}}
		regions := []string{"230600", "230602", "230602001", "230602002", "230602001001", "230602001001001", "230602001001002"}
		cats := []string{"*", "city_appearance", "city_appearance.exposed_garbage", "city_appearance.road_damage", "environment",
			"environment.open_burning", "city", "city_appearance.exposed"}
		today := time.Now().In(time.FixedZone("CST", 8*3600))
		periods := [][2]string{
			{today.Format("2006-01"), today.Format("2006-01")},
			{today.AddDate(0, -1, 0).Format("2006-01"), today.Format("2006-01")},
			{today.AddDate(0, -1, 0).Format("2006-01"), today.AddDate(0, -1, 0).Format("2006-01")},
			{today.Format(time.DateOnly), today.Format(time.DateOnly)},
			{today.AddDate(0, 0, -3).Format(time.DateOnly), today.AddDate(0, 0, 1).Format(time.DateOnly)},
			{today.AddDate(0, 0, -1).Format(time.DateOnly), today.AddDate(0, 0, -1).Format(time.DateOnly)},
		}
		compare := func(when string) {
			t.Helper()
			for _, r := range regions {
				for _, c := range cats {
					for _, p := range periods {
						q := event.StatsQuery{Region: r, From: p[0], To: p[1], Category: c}
						if err := e.events.UseFastCounts(e.dash.EventCounts()); err != nil {
							t.Fatal(err)
						}
						fast, err := e.events.StatsFor(ctx, principal, q)
						if err != nil {
							t.Fatalf("%s %+v: %v", when, q, err)
						}
						_ = e.events.UseFastCounts(nil)
						want, err := e.events.StatsFor(ctx, principal, q)
						if err != nil {
							t.Fatal(err)
						}
						if !maps.Equal(fast.Counts, want.Counts) {
							t.Fatalf("%s %+v: from memory %v, counters %v", when, q, fast.Counts, want.Counts)
						}
					}
				}
			}
		}
		compare("no events")
		report := func(body string) (int, int) {
			t.Helper()
			r := center.do("POST", "/api/v1/events", body)
			if r.status != 201 {
				t.Fatalf("report: %d %s", r.status, r.body)
			}
			ev := r.json(t)["event"].(map[string]any)
			return int(ev["id"].(float64)), int(ev["version"].(float64))
		}
		e.user("wk1", auth.RoleWorker, "230602001001001")
		worker := e.loggedIn("wk1")
		actAs := func(who *client, id, version int, body string) int {
			t.Helper()
			r := who.do("POST", fmt.Sprintf("/api/v1/events/%d/actions", id), fmt.Sprintf(`{"version":%d,%s`, version, body[1:]))
			if r.status != 200 {
				t.Fatalf("%s: %d %s", body, r.status, r.body)
			}
			return int(r.json(t)["version"].(float64))
		}
		act := func(id, version int, body string) int { t.Helper(); return actAs(center, id, version, body) }
		a, av := report(`{"category_code":"city_appearance.exposed_garbage","title":"垃圾","grid_code":"230602001001001"}`)
		b, bv := report(`{"category_code":"city_appearance.road_damage","title":"路面破损","grid_code":"230602001001002"}`)
		report(`{"category_code":"environment.open_burning","title":"焚烧","lng":125.0,"lat":46.6}`)
		c, cv := report(`{"category_code":"environment.open_burning","title":"焚烧二","grid_code":"230602001001001"}`)
		compare("reported")
		av = act(a, av, `{"action":"register"}`)
		av = act(a, av, `{"action":"self_handle"}`)
		bv = act(b, bv, `{"action":"register"}`)
		act(b, bv, `{"action":"park","note":"待春季施工"}`)
		act(c, cv, `{"action":"void","note":"重复上报"}`)
		compare("registered, parked, voided")
		av = actAs(worker, a, av, `{"action":"feedback","note":"已清运"}`)
		av = act(a, av, `{"action":"verify"}`)
		act(a, av, `{"action":"rate","rating":"satisfied"}`)
		compare("closed and rated")
		// The comparisons above did go through memory.
		if _, ok, err := e.dash.EventCounts().Counts(ctx, "230602001", periods[0][0], periods[0][1], "city_appearance"); err != nil || !ok {
			t.Fatalf("a township's category from memory: ok %v, %v", ok, err)
		}
	})
}
