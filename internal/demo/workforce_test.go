package demo_test

import (
	"context"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/department"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/secret"
	"github.com/gridgov/gridgov/internal/tabular"
	"github.com/gridgov/gridgov/internal/workcal"
	"github.com/gridgov/gridgov/internal/workforce"
)

// wfCity is the small demo city stored with its map, catalog and registry,
// and the services the workforce load uses.
type wfCity struct {
	c      demo.City
	p      demo.Preset
	d      *db.DB
	clock  *demo.Clock
	svc    *workforce.Service
	sink   workforce.EventSink
	homes  map[string][]demo.Household
	keys   *secret.Keyring
	hashed string
}

func newWfCity(t *testing.T, d *db.DB) *wfCity {
	t.Helper()
	ctx := context.Background()
	p, err := demo.LookupPreset("small")
	if err != nil {
		t.Fatal(err)
	}
	c, err := demo.Generate(p, demo.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	items := make([]gridmap.Item, len(c.Regions))
	for i, r := range c.Regions {
		items[i] = gridmap.Item{Index: i, Region: r}
	}
	store := gridmap.NewStore(d, time.Now)
	if res, err := store.ImportRegions(ctx, audit.System("test"), region.All(), items, gridmap.ImportOptions{}); err != nil || !res.Stored {
		t.Fatalf("regions: %v %+v", err, res.Rejected)
	}
	loc := gridmap.NewLocator(d, log)
	if err := loc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	keys, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
	cats := category.NewService(d, log, time.Now)
	if _, err := cats.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	depts := department.NewService(d, cats, log, time.Now)
	if _, err := depts.Import(ctx, auth.System("test"), demo.Departments(c, p), demo.RoutingRules(c, p)); err != nil {
		t.Fatal(err)
	}
	reg := registry.NewService(d, keys, loc, time.Now)
	rg := demo.NewRegistry(c, p, demo.Options{Seed: 1})
	for _, part := range []struct {
		kind registry.Kind
		rows func() tabular.Reader
	}{{registry.Houses, rg.Houses}, {registry.Persons, rg.Persons}} {
		r := part.rows()
		rep, err := reg.Import(ctx, auth.System("test"), part.kind, r, registry.ImportOptions{Source: "test"})
		r.Close()
		if err != nil || len(rep.Rejected) > 0 {
			t.Fatalf("registry %s: %v %+v", part.kind, err, rep.Rejected)
		}
	}
	homes, err := demo.LoadHouseholds(ctx, d.Read(), c, 40)
	if err != nil {
		t.Fatal(err)
	}
	clock := demo.NewClock(time.Now())
	accounts, err := auth.NewService(d, keys, auth.Config{HashParams: auth.HashParams{Memory: 1024, Time: 1, Threads: 1}}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	hashed, err := auth.HashPassword(demo.DemoPassword, auth.HashParams{Memory: 1024, Time: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	events := event.NewService(event.Config{DB: d, Keys: keys, Locator: loc, Catalog: cats, Router: depts, Now: clock.Now, Log: log})
	return &wfCity{c: c, p: p, d: d, clock: clock, keys: keys, homes: homes, hashed: hashed,
		svc:  workforce.NewService(workforce.Config{DB: d, Keys: keys, Locator: loc, Boundaries: store, Now: clock.Now}),
		sink: workforce.EventSink{Reporter: events, Users: accounts}}
}

func (w *wfCity) plan(today time.Time) demo.Workforce {
	return demo.NewWorkforce(w.c, w.p, demo.Options{Seed: 1}, demo.WorkforceOptions{Today: today, Calendar: workcal.Default(),
		PasswordHash: w.hashed, Households: w.homes})
}

// load stores the workforce as `gridgov demo` does.
func (w *wfCity) load(t *testing.T, wf demo.Workforce) (workforce.BulkResult, int) {
	t.Helper()
	ctx := context.Background()
	w.clock.Set(time.Now())
	res, err := w.svc.LoadBulk(ctx, auth.System("demo"), wf.Bulk, nil)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	raised, err := wf.RecordRaising(ctx, w.svc, w.sink, w.clock.Set)
	if err != nil {
		t.Fatalf("raising visits: %v", err)
	}
	w.clock.Set(time.Now())
	return res, raised
}

func wfCount(t *testing.T, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.Read().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestWorkforcePlan(t *testing.T) {
	p, _ := demo.LookupPreset("small")
	c, err := demo.Generate(p, demo.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	opts := demo.WorkforceOptions{Today: today, PasswordHash: "x"}
	a := demo.NewWorkforce(c, p, demo.Options{Seed: 1}, opts)
	b := demo.NewWorkforce(c, p, demo.Options{Seed: 1}, opts)
	if !reflect.DeepEqual(a.Bulk, b.Bulk) {
		t.Fatal("the same city, seed and day drew two different workforces")
	}
	grids := 0
	for _, r := range c.Regions {
		if r.Level == region.Grid {
			grids++
		}
	}
	full := 0
	for _, w := range a.Bulk.Workers {
		if w.Input.Employment == workforce.FullTime {
			full++
		}
	}
	if len(a.Bulk.Workers) != p.Workforce.Workers || full >= grids || full < grids-grids/100-1 {
		t.Errorf("%d workers (%d full-time) for %d grids; want %d with a few grids unstaffed", len(a.Bulk.Workers), full, grids, p.Workforce.Workers)
	}
	if want := grids + p.Workforce.Members; len(a.Bulk.Members) != want {
		t.Errorf("%d team members, want a police officer per grid and %d others (%d)", len(a.Bulk.Members), p.Workforce.Members, want)
	}
	loc := workcal.Default().Location()
	first := workcal.DateOf(today.In(loc)).AddDays(-30).String()
	for _, ch := range a.Bulk.Checks {
		if d := workcal.DateOf(ch.At.In(loc)).String(); d < first || !ch.At.Before(today) {
			t.Fatalf("check %s at %s is outside the month before %s", ch.Key, ch.At, today)
		}
	}
	weekAgo := today.AddDate(0, 0, -8)
	for _, pt := range a.Bulk.Patrols {
		if pt.At.Before(weekAgo) || !pt.Finish.Before(today) {
			t.Fatalf("patrol %s from %s to %s is not in the last week", pt.Key, pt.At, pt.Finish)
		}
		for _, b := range pt.Batches {
			for i := 1; i < len(b.Points); i++ {
				if got := b.Points[i].At.Sub(b.Points[i-1].At); got != time.Minute {
					t.Fatalf("patrol %s: fixes %s apart, want one a minute", pt.Key, got)
				}
			}
		}
	}
	other := demo.NewWorkforce(c, p, demo.Options{Seed: 2}, opts)
	if reflect.DeepEqual(a.Bulk.Checks, other.Bulk.Checks) {
		t.Error("another seed drew the same check-ins")
	}
}

func TestWorkforceLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the small demo city")
	}
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWfCity(t, d)
		now := time.Now()
		wf := w.plan(now)
		if today, loaded, err := demo.WorkforceLoaded(ctx, d.Read()); err != nil || loaded || !today.IsZero() {
			t.Fatalf("before loading: %v %v %v", today, loaded, err)
		}
		res, raised := w.load(t, wf)
		b := wf.Bulk
		if res.Workers != len(b.Workers) || res.Checks != len(b.Checks) || res.Patrols != len(b.Patrols) || res.Visits != len(b.Visits) ||
			raised != len(wf.Raising) || raised == 0 {
			t.Fatalf("stored %+v and %d raising visits; planned %d workers, %d checks, %d patrols, %d visits, %d raising",
				res, raised, len(b.Workers), len(b.Checks), len(b.Patrols), len(b.Visits), len(wf.Raising))
		}
		counts := map[string]int{
			`SELECT COUNT(*) FROM workers WHERE active`: len(b.Workers),
			`SELECT COUNT(*) FROM users u JOIN workers w ON w.user_id = u.id WHERE u.role = 'worker' AND u.scope_region = w.primary_grid`: len(b.Workers),
			`SELECT COUNT(*) FROM worker_devices WHERE status = 'active'`:                                                                 len(b.Workers),
			`SELECT COUNT(*) FROM team_members`:                                                                                           len(b.Members),
			`SELECT COUNT(*) FROM team_members WHERE role = 'police'`:                                                                     206,
			`SELECT COUNT(*) FROM worker_leave`:                                                                                           len(b.Leave),
			`SELECT COUNT(*) FROM attendance`:                                                                                             len(b.Checks),
			`SELECT COUNT(*) FROM patrols WHERE finished_at IS NOT NULL AND coverage > 0`:                                                 len(b.Patrols),
			`SELECT COUNT(*) FROM visits`:                                                                                                 len(b.Visits) + len(wf.Raising),
			`SELECT COUNT(*) FROM visits v JOIN events e ON e.id = v.event_id WHERE e.source = 'worker'`:                                  len(wf.Raising),
		}
		for q, want := range counts {
			if got := wfCount(t, d, q); got != want {
				t.Errorf("%s = %d, want %d", q, got, want)
			}
		}
		// Every check-in lies inside the worker's own grid.
		if n := wfCount(t, d, `SELECT COUNT(*) FROM attendance a JOIN workers w ON w.id = a.worker_id
			WHERE NOT a.inside OR a.grid_code <> w.primary_grid OR a.located_grid <> a.grid_code`); n != 0 {
			t.Errorf("%d check-ins outside the worker's grid", n)
		}
		// Nothing in the future.
		w.clock.Set(time.Now())
		for _, q := range []string{`SELECT COUNT(*) FROM attendance WHERE at > $1 OR created_at > $1`,
			`SELECT COUNT(*) FROM patrols WHERE started_at > $1 OR finished_at > $1 OR last_at > $1`,
			`SELECT COUNT(*) FROM patrol_batches WHERE created_at > $1`, `SELECT COUNT(*) FROM visits WHERE at > $1`,
			`SELECT COUNT(*) FROM worker_leave WHERE created_at > $1`, `SELECT COUNT(*) FROM worker_devices WHERE bound_at > $1`} {
			if n := wfCount(t, d, q, time.Now().UTC()); n != 0 {
				t.Errorf("%s: %d rows in the future", q, n)
			}
		}
		// The service's measures over the month are in the expected bands.
		admin := auth.Principal{User: auth.User{ID: 1, Username: "admin", Role: auth.RoleAdmin}}
		var sum workforce.Tally
		for _, day := range wf.Days {
			a, err := w.svc.AttendanceRates(ctx, admin, demo.CityCode, workforce.Period{Date: day.String()})
			if err != nil {
				t.Fatal(err)
			}
			sum.ScheduledDays += a.Tally.ScheduledDays
			sum.AttendedDays += a.Tally.AttendedDays
			sum.LateDays += a.Tally.LateDays
			sum.LeaveDays += a.Tally.LeaveDays
		}
		rate := float64(sum.AttendedDays) / float64(sum.ScheduledDays)
		late := float64(sum.LateDays) / float64(sum.AttendedDays)
		if rate < 0.92 || rate > 0.98 || late <= 0 || late > 0.1 || sum.LeaveDays == 0 {
			t.Errorf("attendance over the month: %+v, rate %.3f, late %.3f; want a rate of 0.92–0.98, some late days and some leave", sum, rate, late)
		}
		st, err := w.svc.StaffingOf(ctx, admin, demo.CityCode)
		if err != nil {
			t.Fatal(err)
		}
		if st.StaffingRate == nil || *st.StaffingRate < 1.05 || *st.StaffingRate > 1.12 || st.UnstaffedGrids < 1 || st.UnstaffedGrids > 3 {
			t.Errorf("staffing %+v: want about 109%% with a few grids unstaffed", st)
		}
		t.Logf("attendance %.3f (late %.3f), staffing %.3f, %d unstaffed grids", rate, late, *st.StaffingRate, st.UnstaffedGrids)
		if today, loaded, err := demo.WorkforceLoaded(ctx, d.Read()); err != nil || !loaded ||
			workcal.DateOf(today.In(workcal.Default().Location())) != workcal.DateOf(now.In(workcal.Default().Location())) {
			t.Fatalf("after loading: %v %v %v", today, loaded, err)
		}

		// A second load adds nothing.
		tables := []string{"users", "workers", "worker_grids", "worker_devices", "team_members", "worker_leave", "attendance", "patrols",
			"patrol_batches", "visits", "visit_persons", "proxy_services", "events"}
		before := map[string]int{}
		for _, tb := range tables {
			before[tb] = wfCount(t, d, `SELECT COUNT(*) FROM `+tb)
		}
		res, raised = w.load(t, w.plan(now))
		if res.Workers+res.Checks+res.Patrols+res.Visits+raised != 0 || res.ChecksSkipped != len(b.Checks) || res.VisitsSkipped != len(b.Visits) {
			t.Errorf("second load stored %+v and %d raising visits", res, raised)
		}
		for _, tb := range tables {
			if got := wfCount(t, d, `SELECT COUNT(*) FROM `+tb); got != before[tb] {
				t.Errorf("%s: %d rows after the second load, %d before", tb, got, before[tb])
			}
		}
	})
}
