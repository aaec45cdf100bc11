package resident_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/department"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/resident"
	"github.com/gridgov/gridgov/internal/secret"
)

const (
	grid1 = "990101001001001"
	path1 = "/990100/990101/990101001/990101001001/990101001001001/"
	grid2 = "990101002001001" // in the other township
	path2 = "/990100/990101/990101002/990101002001/990101002001001/"
)

type fakeLocator struct{}

// GridAt puts 125.0–125.2°E in grid 1 and 125.2–125.4°E in grid 2.
func (fakeLocator) GridAt(p orb.Point) (string, string, bool) {
	switch {
	case p[0] >= 125 && p[0] < 125.2:
		return grid1, path1, true
	case p[0] >= 125.2 && p[0] < 125.4:
		return grid2, path2, true
	}
	return "", "", false
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	d      *db.DB
	auth   *auth.Service
	events *event.Service
	svc    *resident.Service
	sms    *resident.MemorySender
	clock  *clock
	// staff accounts: city center, township center, the other township's
	// center, the city management department.
	city, township, otherTownship, cg auth.Principal
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	// Monday 2026-06-01 09:00 in Beijing.
	c := &clock{t: time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)}
	store := region.NewStore(d, c.Now)
	for _, r := range []region.Region{
		{Code: "990100", Name: "示范市", Level: region.City},
		{Code: "990101", Name: "东区", Level: region.County, ParentCode: "990100"},
		{Code: "990101001", Name: "东风街道", Level: region.Township, ParentCode: "990101"},
		{Code: "990101002", Name: "红旗街道", Level: region.Township, ParentCode: "990101"},
		{Code: "990101001001", Name: "友谊社区", Level: region.Village, ParentCode: "990101001"},
		{Code: "990101002001", Name: "红旗社区", Level: region.Village, ParentCode: "990101002"},
		{Code: grid1, Name: "友谊一网格", Level: region.Grid, ParentCode: "990101001001"},
		{Code: grid2, Name: "红旗一网格", Level: region.Grid, ParentCode: "990101002001"},
	} {
		if _, err := store.Create(ctx, audit.System("test"), region.All(), r); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.DiscardHandler)
	cats := category.NewService(d, log, c.Now)
	if _, err := cats.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	depts := department.NewService(d, cats, log, c.Now)
	if _, err := depts.Import(ctx, auth.System("test"), []department.Department{
		{Code: "D-CG", Name: "城管局", Level: region.City, RegionCode: "990100", Active: true},
	}, []department.Rule{
		{CategoryCode: "city_appearance", RegionCode: "990100", LeadDepartment: "D-CG"},
	}); err != nil {
		t.Fatal(err)
	}
	keys, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
	authSvc, err := auth.NewService(d, keys, auth.Config{HashParams: auth.HashParams{Memory: 1024, Time: 1, Threads: 1}}, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	events := event.NewService(event.Config{DB: d, Keys: keys, Locator: fakeLocator{}, Catalog: cats, Router: depts, Now: c.Now, Log: log,
		HomeGrids: resident.Homes{DB: d}})
	sms := &resident.MemorySender{}
	f := &fixture{d: d, auth: authSvc, events: events, sms: sms, clock: c,
		svc: resident.NewService(resident.Config{DB: d, Keys: keys, Auth: authSvc, Events: events, Locator: fakeLocator{}, SMS: sms,
			Now: c.Now, Log: log})}
	f.city = f.staff(t, "city", auth.RoleCenter, "990100")
	f.township = f.staff(t, "township", auth.RoleCenter, "990101001")
	f.otherTownship = f.staff(t, "other", auth.RoleCenter, "990101002")
	f.cg = f.staff(t, "cg", auth.RoleDepartment, "D-CG")
	return f
}

func (f *fixture) staff(t *testing.T, name string, role auth.Role, scope string) auth.Principal {
	t.Helper()
	u, err := f.auth.CreateUser(context.Background(), auth.System("test"), auth.NewUser{Username: name, DisplayName: "职员" + name,
		Role: role, Scope: scope, Password: "Grid-Pass-2026"})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	res, err := f.auth.Login(context.Background(), auth.LoginInput{Username: name, Password: "Grid-Pass-2026"})
	if err != nil {
		t.Fatalf("login %s: %v", name, err)
	}
	if res.Principal.User.ID != u.ID {
		t.Fatalf("login %s gave user %d", name, res.Principal.User.ID)
	}
	return res.Principal
}

// signIn sends a code to the phone and signs in with it, a minute later
// than the last send so the resend wait never gets in the way.
func (f *fixture) signIn(t *testing.T, phone string) auth.Principal {
	t.Helper()
	ctx := context.Background()
	f.clock.Add(time.Minute)
	if _, err := f.svc.SendCode(ctx, phone, "192.0.2.1"); err != nil {
		t.Fatalf("send code to %s: %v", phone, err)
	}
	n, _ := resident.NormalizePhone(phone)
	res, err := f.svc.SignIn(ctx, phone, f.sms.Last(n), "192.0.2.1")
	if err != nil {
		t.Fatalf("sign in %s: %v", phone, err)
	}
	return res.Principal
}

func ptr[T any](v T) *T { return &v }

func (f *fixture) report(t *testing.T, p auth.Principal, in event.ReportInput) event.Event {
	t.Helper()
	out, err := f.events.Report(context.Background(), p, in)
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	return out.Event
}

func (f *fixture) act(t *testing.T, p auth.Principal, e *event.Event, in event.ActInput) {
	t.Helper()
	in.Version = e.Version
	next, err := f.events.Act(context.Background(), p, e.ID, in)
	if err != nil {
		t.Fatalf("%s: %v", in.Action, err)
	}
	*e = next
}
