package event_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/department"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/secret"
)

const (
	grid1 = "990101001001001"
	path1 = "/990100/990101/990101001/990101001001/990101001001001/"
	grid2 = "990101002001001"
	path2 = "/990100/990101/990101002/990101002001/990101002001001/"
)

type fakeLocator struct{}

// GridAt puts everything between 125.0°E and 125.2°E in grid 1, and
// between 125.3°E and 125.5°E in grid 2 (of another township, created by
// the tests that use it).
func (fakeLocator) GridAt(p orb.Point) (string, string, bool) {
	switch {
	case p[0] >= 125 && p[0] <= 125.2:
		return grid1, path1, true
	case p[0] >= 125.3 && p[0] <= 125.5:
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
	d     *db.DB
	svc   *event.Service
	cfg   event.Config // svc's, for a second server on the same database
	clock *clock
	// principals
	city, township, otherTownship, worker, police, water, resident auth.Principal
}

func principal(id int64, role auth.Role, path, dept string) auth.Principal {
	u := auth.User{ID: id, Username: fmt.Sprintf("u%d", id), DisplayName: fmt.Sprintf("用户%d", id), Role: role, ScopeDepartment: dept}
	if path != "" {
		u = auth.TestUserScopedTo(u, path)
	}
	return auth.Principal{User: u}
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	// Monday 2026-06-01 09:00 in Beijing.
	c := &clock{t: time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)}
	addRegions(t, d, c.Now,
		region.Region{Code: "990100", Name: "示范市", Level: region.City},
		region.Region{Code: "990101", Name: "东区", Level: region.County, ParentCode: "990100"},
		region.Region{Code: "990101001", Name: "东风街道", Level: region.Township, ParentCode: "990101"},
		region.Region{Code: "990101002", Name: "红旗街道", Level: region.Township, ParentCode: "990101"},
		region.Region{Code: "990101001001", Name: "友谊社区", Level: region.Village, ParentCode: "990101001"},
		region.Region{Code: grid1, Name: "友谊一网格", Level: region.Grid, ParentCode: "990101001001"},
	)
	log := slog.New(slog.DiscardHandler)
	cats := category.NewService(d, log, c.Now)
	if _, err := cats.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	depts := department.NewService(d, cats, log, c.Now)
	_, err := depts.Import(ctx, auth.System("test"), []department.Department{
		{Code: "D-CG", Name: "城管局", Level: region.City, RegionCode: "990100", Active: true},
		{Code: "D-WATER", Name: "水务局", Level: region.City, RegionCode: "990100", Active: true},
		{Code: "D-POLICE", Name: "公安局", Level: region.City, RegionCode: "990100", Active: true},
	}, []department.Rule{
		{CategoryCode: "city_appearance", RegionCode: "990100", LeadDepartment: "D-CG", Assisting: []string{"D-WATER"}},
		{CategoryCode: "safety", RegionCode: "990100", LeadDepartment: "D-POLICE"},
	})
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
	cfg := event.Config{DB: d, Keys: keys, Locator: fakeLocator{}, Catalog: cats, Router: depts, Now: c.Now, Log: log}
	return &fixture{d: d, svc: event.NewService(cfg), cfg: cfg, clock: c,
		city:          principal(1, auth.RoleCenter, "/990100/", ""),
		township:      principal(2, auth.RoleCenter, "/990100/990101/990101001/", ""),
		otherTownship: principal(3, auth.RoleCenter, "/990100/990101/990101002/", ""),
		worker:        principal(4, auth.RoleWorker, path1, ""),
		police:        principal(5, auth.RoleDepartment, "", "D-POLICE"),
		water:         principal(6, auth.RoleDepartment, "", "D-WATER"),
		resident:      principal(7, auth.RoleResident, "", ""),
	}
}

// addRegions creates regions, parents first.
func addRegions(t *testing.T, d *db.DB, now func() time.Time, list ...region.Region) {
	t.Helper()
	store := region.NewStore(d, now)
	for _, r := range list {
		if _, err := store.Create(context.Background(), audit.System("test"), region.All(), r); err != nil {
			t.Fatal(err)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func (f *fixture) report(t *testing.T, p auth.Principal, in event.ReportInput) event.Event {
	t.Helper()
	out, err := f.svc.Report(context.Background(), p, in)
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	return out.Event
}

func (f *fixture) act(t *testing.T, p auth.Principal, e event.Event, in event.ActInput) event.Event {
	t.Helper()
	in.Version = e.Version
	got, err := f.svc.Act(context.Background(), p, e.ID, in)
	if err != nil {
		t.Fatalf("%s: %v", in.Action, err)
	}
	return got
}

func wantCode(t *testing.T, err error, code apperr.Code, field string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != code {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if field != "" && (len(e.Fields) == 0 || e.Fields[0].Field != field) {
		t.Fatalf("error fields = %+v, want %s", e.Fields, field)
	}
}

// A report's code is the day, the county and the county's serial of the
// day, five digits at least; its first history line is the report, as the
// reporter filed it. PostgreSQL makes both in one statement, SQLite in
// three.
func TestReportCodeAndFirstLine(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		in := event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "路边垃圾堆积", Lng: ptr(125.05), Lat: ptr(46.0)}
		var codes []string
		for range 2 {
			codes = append(codes, f.report(t, f.worker, in).Code)
		}
		if _, err := d.Write().ExecContext(ctx, `UPDATE event_serials SET last = 99998 WHERE day = '20260601' AND county = '990101'`); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			codes = append(codes, f.report(t, f.worker, in).Code)
		}
		// Another day starts again at 1.
		f.clock.Add(24 * time.Hour)
		e := f.report(t, f.worker, in)
		codes = append(codes, e.Code)
		want := []string{"2026060199010100001", "2026060199010100002", "2026060199010199999", "20260601990101100000", "2026060299010100001"}
		if !slices.Equal(codes, want) {
			t.Fatalf("codes = %q, want %q", codes, want)
		}
		got, err := f.svc.Get(ctx, f.worker, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Code != e.Code || len(got.History) != 1 {
			t.Fatalf("stored = %s with %d lines of history", got.Code, len(got.History))
		}
		if h := got.History[0]; h.Action != "report" || h.ActorName != "用户4" || h.Role != "worker" || h.From != event.Reported ||
			h.To != event.Reported || !h.At.Equal(f.clock.Now()) || h.StepOnTime != nil {
			t.Fatalf("first line = %+v", h)
		}
	})
}

// A resident's report goes all the way round: registered, dispatched by the
// routing rules, signed for, handled, verified, rated; each step's deadline
// runs in working time and the measures follow.
func TestClosedLoop(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		e := f.report(t, f.resident, event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "路边垃圾堆积",
			Description: "友谊路口有一堆垃圾", Lng: ptr(125.05), Lat: ptr(46.0)})
		if e.State != event.Reported || e.GridCode != grid1 || e.RegionCode != "990101001" || e.Level != "township" ||
			e.Source != event.FromResident || !strings.HasPrefix(e.Code, "20260601990101") || e.ReporterPhone != "" {
			t.Fatalf("reported = %+v", e)
		}
		if e.StepDue == nil || e.Step != category.Register {
			t.Fatalf("no registration deadline: %+v", e)
		}
		// The other township's center does not see it at all.
		if _, err := f.svc.Act(ctx, f.otherTownship, e.ID, event.ActInput{Action: event.Register, Version: e.Version}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("other township = %v", err)
		}
		e = f.act(t, f.township, e, event.ActInput{Action: event.Register})
		e = f.act(t, f.township, e, event.ActInput{Action: event.Dispatch})
		if e.State != event.Dispatched || e.LeadDepartment != "D-CG" || len(e.Assisting) != 1 {
			t.Fatalf("dispatched = %+v", e)
		}
		// Police is not on the event; water assists but does not sign.
		if _, err := f.svc.Act(ctx, f.police, e.ID, event.ActInput{Action: event.Accept, Version: e.Version}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("police = %v", err)
		}
		_, err := f.svc.Act(ctx, f.water, e.ID, event.ActInput{Action: event.Accept, Version: e.Version})
		wantCode(t, err, apperr.Forbidden, "")
		cg := principal(8, auth.RoleDepartment, "", "D-CG")
		e = f.act(t, cg, e, event.ActInput{Action: event.Accept})
		handleDue := *e.StepDue
		// Four working hours from Monday 09:00 Beijing time: 14:30 after lunch.
		if got := handleDue.In(time.FixedZone("CST", 8*3600)).Format("15:04"); e.Step != category.Handle || got != "14:30" {
			t.Fatalf("handle step %s due %s, want handle at 14:30", e.Step, got)
		}
		f.clock.Add(2 * time.Hour)
		e = f.act(t, cg, e, event.ActInput{Action: event.Feedback, Note: "已清运"})
		e = f.act(t, f.township, e, event.ActInput{Action: event.Rework, Note: "现场仍有残留"})
		e = f.act(t, cg, e, event.ActInput{Action: event.Feedback, Note: "已彻底清理"})
		e = f.act(t, f.township, e, event.ActInput{Action: event.Verify})
		if e.State != event.Closed || e.ClosedAt == nil || e.ReworkCount != 1 {
			t.Fatalf("closed = %+v", e)
		}
		e = f.act(t, f.resident, e, event.ActInput{Action: event.Rate, Rating: "satisfied"})
		_, err = f.svc.Act(ctx, f.resident, e.ID, event.ActInput{Action: event.Rate, Rating: "satisfied", Version: e.Version})
		wantCode(t, err, apperr.Conflict, "")

		det, err := f.svc.Get(ctx, f.city, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, h := range det.History {
			actions = append(actions, h.Action)
		}
		if got := strings.Join(actions, ","); got != "report,register,dispatch,accept,feedback,rework,feedback,verify,rate" {
			t.Fatalf("history = %s", got)
		}
		if h := det.History[4]; h.Step != category.Handle || h.StepOnTime == nil || !*h.StepOnTime {
			t.Fatalf("the handling step was not frozen on time: %+v", h)
		}
		// The reporter reads the history as told to the reporter: no
		// internal comment, no note of the rework, no staff names.
		e = f.act(t, f.township, e, event.ActInput{Action: event.Comment, Note: "内部：该户多次投诉"})
		if staff, err := f.svc.Get(ctx, f.township, e.ID); err != nil || staff.History[len(staff.History)-1].ActorName == "" {
			t.Fatalf("staff history = %+v, %v", staff.History, err)
		}
		told, err := f.svc.Get(ctx, f.resident, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		var toldActions []string
		for _, h := range told.History {
			toldActions = append(toldActions, h.Action)
			if strings.Contains(h.Note, "内部") || h.Note == "现场仍有残留" || (h.Role != "reporter" && h.ActorName != "") {
				t.Fatalf("the reporter is shown %+v", h)
			}
		}
		if got := strings.Join(toldActions, ","); got != "report,register,dispatch,accept,feedback,rework,feedback,verify,rate" ||
			told.History[4].Note != "已清运" || told.History[0].ActorName == "" {
			t.Fatalf("the reporter's history = %s: %+v", got, told.History)
		}

		st, err := f.svc.Stats(ctx, f.city, "990101", "2026-06", "", "city_appearance")
		if err != nil {
			t.Fatal(err)
		}
		c := st.Counts
		if c["reported"] != 1 || c["closed"] != 1 || c["dispatched"] != 1 || c["reworked"] != 1 || c["satisfied"] != 1 || c["responded"] != 1 {
			t.Fatalf("counts = %v", c)
		}
		if r := st.Rates["closure"]; r == nil || *r != 1 {
			t.Fatalf("closure rate = %v", r)
		}
		if r := st.Rates["rework"]; r == nil || *r != 1 {
			t.Fatalf("rework rate = %v", r)
		}
		dept, err := f.svc.StatsFor(ctx, cg, event.StatsQuery{Department: "D-CG", From: "2026-06-01", To: "2026-06-07"})
		if err != nil || dept.Counts["closed"] != 1 || dept.Counts["responded"] != 1 {
			t.Fatalf("department week = %+v, %v", dept, err)
		}
		if _, err := f.svc.StatsFor(ctx, f.water, event.StatsQuery{Department: "D-CG", From: "2026-06"}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("another department's measures: %v", err)
		}
		if _, err := f.svc.StatsFor(ctx, f.city, event.StatsQuery{From: "2026-06-01", To: "2026-07"}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("mixed periods: %v", err)
		}
		other, _ := f.svc.Stats(ctx, f.city, "990101", "2026-06", "", "safety")
		if other.Counts["reported"] != 0 {
			t.Fatalf("a safety count moved: %v", other.Counts)
		}
		assertCountersMatchRecount(t, d)
	})
}

// Every action outside the machine, out of role or scope, or on a stale
// version is refused and changes nothing.
func TestRefusals(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		for _, tc := range []struct {
			name  string
			in    event.ReportInput
			field string
		}{
			{"unknown category", event.ReportInput{CategoryCode: "nope", Title: "x", GridCode: grid1}, "category_code"},
			{"a group, not a leaf", event.ReportInput{CategoryCode: "city_appearance", Title: "x", GridCode: grid1}, "category_code"},
			{"no title", event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", GridCode: grid1}, "title"},
			{"script in the description", event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "x", GridCode: grid1,
				Description: `看这里<script>alert(1)</script>`}, "description"},
			{"outside every grid", event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "x", Lng: ptr(110.0), Lat: ptr(40.0)}, "lng"},
			{"half a location", event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "x", Lng: ptr(125.1)}, "lng"},
			{"no place", event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "x"}, "lng"},
			{"bad urgency", event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "x", GridCode: grid1, Urgency: "asap"}, "urgency"},
			{"bad phone", event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "x", GridCode: grid1, ReporterPhone: "12"}, "reporter_phone"},
			{"bad source", event.ReportInput{Source: "fax", CategoryCode: "city_appearance.exposed_garbage", Title: "x", GridCode: grid1}, "source"},
		} {
			_, err := f.svc.Report(ctx, f.city, tc.in)
			if e, ok := apperr.As(err); !ok || e.Code != apperr.Invalid || len(e.Fields) == 0 || e.Fields[0].Field != tc.field {
				t.Errorf("%s: %v, want invalid %s", tc.name, err, tc.field)
			}
		}
		e := f.report(t, f.worker, event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "垃圾"})
		if e.GridCode != grid1 || e.Source != event.FromWorker {
			t.Fatalf("worker report = %+v", e)
		}
		_, err := f.svc.Act(ctx, f.township, e.ID, event.ActInput{Action: event.Verify, Version: e.Version})
		wantCode(t, err, apperr.Conflict, "action")
		_, err = f.svc.Act(ctx, f.worker, e.ID, event.ActInput{Action: event.Register, Version: e.Version})
		wantCode(t, err, apperr.Forbidden, "")
		_, err = f.svc.Act(ctx, f.township, e.ID, event.ActInput{Action: event.Register, Version: e.Version + 1})
		wantCode(t, err, apperr.Conflict, "version")
		_, err = f.svc.Act(ctx, f.township, e.ID, event.ActInput{Action: event.Reject, Version: e.Version})
		wantCode(t, err, apperr.Invalid, "note")
		_, err = f.svc.Act(ctx, f.township, e.ID, event.ActInput{Action: "explode", Version: e.Version})
		wantCode(t, err, apperr.Invalid, "action")
		e = f.act(t, f.township, e, event.ActInput{Action: event.Register})
		_, err = f.svc.Act(ctx, f.township, e.ID, event.ActInput{Action: event.Dispatch, Department: "D-NONE", Version: e.Version})
		wantCode(t, err, apperr.Invalid, "department")
		det, _ := f.svc.Get(ctx, f.township, e.ID)
		if det.State != event.Registered || len(det.History) != 2 {
			t.Fatalf("a refusal changed the event: %+v", det)
		}
	})
}

// Of two actions on the same version, exactly one wins.
func TestConcurrentActions(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		e := f.report(t, f.resident, event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "垃圾", GridCode: grid1})
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = f.svc.Act(context.Background(), f.township, e.ID, event.ActInput{Action: event.Register, Version: e.Version})
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !apperr.Is(err, apperr.Conflict):
				t.Fatalf("loser got %v, want a conflict", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d actions won, want 1", won)
		}
	})
}

// Escalation moves an event up the levels until the city; a grid worker
// self-handles; park, unpark, void, supervise, extensions and duplicates.
func TestEscalateSelfHandleAndTheRest(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		e := f.report(t, f.worker, event.ReportInput{CategoryCode: "dispute.neighbour", Title: "邻里噪音纠纷"})
		// The grid whistles by reporting; escalating further is the centers' call.
		_, err := f.svc.Act(ctx, f.worker, e.ID, event.ActInput{Action: event.Escalate, Note: "上报", Version: e.Version})
		wantCode(t, err, apperr.Forbidden, "")
		e = f.act(t, f.township, e, event.ActInput{Action: event.Escalate, Note: "需区里协调"})
		if e.Level != "county" || e.RegionCode != "990101" || e.State != event.Registered {
			t.Fatalf("escalated = %+v", e)
		}
		// The township no longer holds it.
		_, err = f.svc.Act(ctx, f.township, e.ID, event.ActInput{Action: event.Escalate, Note: "x", Version: e.Version})
		wantCode(t, err, apperr.Forbidden, "")
		e = f.act(t, f.city, e, event.ActInput{Action: event.Escalate, Note: "市级协调"})
		_, err = f.svc.Act(ctx, f.city, e.ID, event.ActInput{Action: event.Escalate, Note: "x", Version: e.Version})
		wantCode(t, err, apperr.Invalid, "action")

		s := f.report(t, f.worker, event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "垃圾", Lng: ptr(125.1), Lat: ptr(46.0)})
		s = f.act(t, f.township, s, event.ActInput{Action: event.Register})
		s = f.act(t, f.worker, s, event.ActInput{Action: event.SelfHandle})
		s = f.act(t, f.worker, s, event.ActInput{Action: event.RequestExtension, Note: "需等清运车", Extension: &category.Amount{Amount: 1, Unit: category.Days}})
		due := *s.StepDue
		s = f.act(t, f.township, s, event.ActInput{Action: event.ApproveExtension})
		if !s.Extended || !s.StepDue.After(due) {
			t.Fatalf("extension = %+v", s)
		}
		_, err = f.svc.Act(ctx, f.township, s.ID, event.ActInput{Action: event.ApproveExtension, Version: s.Version})
		wantCode(t, err, apperr.Conflict, "action")
		s = f.act(t, f.township, s, event.ActInput{Action: event.Supervise, Note: "限期办结", Card: "red"})
		if !s.Supervised || s.Warning != "red" || s.SuperviseDue == nil {
			t.Fatalf("supervised = %+v", s)
		}
		s = f.act(t, f.worker, s, event.ActInput{Action: event.Feedback, Note: "已清理"})
		s = f.act(t, f.township, s, event.ActInput{Action: event.Verify})

		// A second report nearby of the same category is suggested as a
		// duplicate and merged.
		a := f.report(t, f.resident, event.ReportInput{CategoryCode: "city_appearance.overflowing_bins", Title: "垃圾桶满了", Lng: ptr(125.1), Lat: ptr(46.0)})
		out, err := f.svc.Report(ctx, f.resident, event.ReportInput{CategoryCode: "city_appearance.overflowing_bins", Title: "垃圾桶满溢",
			Lng: ptr(125.1005), Lat: ptr(46.0005)})
		if err != nil || len(out.Similar) != 1 || out.Similar[0].ID != a.ID {
			t.Fatalf("similar = %+v, %v", out.Similar, err)
		}
		b := f.act(t, f.township, out.Event, event.ActInput{Action: event.Merge, DuplicateOf: a.ID})
		if b.State != event.Duplicate || b.DuplicateOf == nil || *b.DuplicateOf != a.ID {
			t.Fatalf("merged = %+v", b)
		}
		a = f.act(t, f.township, a, event.ActInput{Action: event.Register})
		a = f.act(t, f.township, a, event.ActInput{Action: event.Park, Note: "待专项整治"})
		a = f.act(t, f.township, a, event.ActInput{Action: event.Unpark})
		a = f.act(t, f.township, a, event.ActInput{Action: event.Void, Note: "重复录入"})
		if a.State != event.Voided {
			t.Fatalf("voided = %+v", a)
		}
		st, _ := f.svc.Stats(ctx, f.city, "", "2026-06", "", "")
		if st.Counts["self_closed"] != 1 || st.Counts["escalated"] != 1 || st.Counts["duplicate"] != 1 || st.Counts["voided"] != 1 ||
			st.Counts["parked"] != 0 || st.Counts["extended"] != 1 || st.Counts["supervised"] != 1 {
			t.Fatalf("counts = %v", st.Counts)
		}
		// Queues.
		page, err := f.svc.List(ctx, f.township, event.Query{Queue: "closed"})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != s.ID {
			t.Fatalf("closed queue = %+v, %v", page, err)
		}
		mine, _ := f.svc.List(ctx, f.resident, event.Query{})
		if len(mine.Items) != 2 {
			t.Fatalf("resident sees %d events, want their 2", len(mine.Items))
		}
		if _, err := f.svc.List(ctx, f.township, event.Query{Queue: "lost"}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("bad queue = %v", err)
		}
		assertCountersMatchRecount(t, d)
	})
}

// An emergency is registered and dispatched on report.
func TestEmergencyFastPath(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		e := f.report(t, f.resident, event.ReportInput{CategoryCode: "safety.gas", Title: "闻到燃气味", GridCode: grid1})
		if e.Urgency != category.Emergency || e.State != event.Dispatched || e.LeadDepartment != "D-POLICE" {
			t.Fatalf("emergency = %+v", e)
		}
	})
}

// Under group commit, many concurrent reports and actions are all stored,
// each exactly once, a refused one changes nothing, and the counters match
// a recount of the events' stored facts. Two servers share the database,
// as several processes share one PostgreSQL, and the reports of two
// counties are numbered without a gap or a repeat.
func TestGroupCommitAndRecount(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		const grid3 = "990102001001001"
		addRegions(t, d, f.clock.Now,
			region.Region{Code: "990102", Name: "西区", Level: region.County, ParentCode: "990100"},
			region.Region{Code: "990102001", Name: "西风街道", Level: region.Township, ParentCode: "990102"},
			region.Region{Code: "990102001001", Name: "西风社区", Level: region.Village, ParentCode: "990102001"},
			region.Region{Code: grid3, Name: "西风一网格", Level: region.Grid, ParentCode: "990102001001"},
		)
		other := event.NewService(f.cfg)
		done := make(chan struct{}, 2)
		go func() { f.svc.Run(ctx); done <- struct{}{} }()
		go func() { other.Run(ctx); done <- struct{}{} }()
		time.Sleep(10 * time.Millisecond)
		const n = 120
		var wg sync.WaitGroup
		errs := make([]error, n)
		ids := make([]int64, n)
		for i := range n {
			wg.Go(func() {
				in := event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: fmt.Sprintf("垃圾%d", i), GridCode: grid1}
				if i%10 == 0 {
					in.CategoryCode = "dispute.neighbour"
				}
				if i%40 == 7 {
					in.Title = "<b>坏</b>"
				}
				if i%4 >= 2 {
					in.GridCode = grid3
				}
				svc := f.svc
				if i%2 == 1 {
					svc = other
				}
				out, err := svc.Report(context.Background(), f.resident, in)
				errs[i], ids[i] = err, out.Event.ID
				if err == nil && i%3 == 0 && i%10 != 0 {
					e := out.Event
					if e, err = svc.Act(context.Background(), f.city, e.ID, event.ActInput{Action: event.Register, Version: e.Version}); err == nil {
						_, err = svc.Act(context.Background(), f.city, e.ID, event.ActInput{Action: event.Dispatch, Version: e.Version})
					}
					errs[i] = err
				}
			})
		}
		wg.Wait()
		stored := 0
		for i, err := range errs {
			switch {
			case i%40 == 7:
				if !apperr.Is(err, apperr.Invalid) {
					t.Fatalf("report %d: %v, want invalid", i, err)
				}
			case err != nil:
				t.Fatalf("report %d: %v", i, err)
			default:
				stored++
			}
		}
		var events, codes int
		_ = d.Read().QueryRowContext(context.Background(), `SELECT COUNT(*), COUNT(DISTINCT code) FROM events`).Scan(&events, &codes)
		if events != stored || codes != stored {
			t.Fatalf("%d events with %d codes stored, want %d", events, codes, stored)
		}
		for _, county := range []string{"990101", "990102"} {
			var n int
			var first, last string
			if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*), MIN(code), MAX(code) FROM events WHERE region_path LIKE $1`,
				"/990100/"+county+"/%").Scan(&n, &first, &last); err != nil {
				t.Fatal(err)
			}
			if prefix := "20260601" + county; n == 0 || first != prefix+"00001" || last != fmt.Sprintf("%s%05d", prefix, n) {
				t.Fatalf("county %s: %d events numbered %s to %s, want 1 to %d", county, n, first, last, n)
			}
		}
		assertCountersMatchRecount(t, d)
		cancel()
		<-done
		<-done
	})
}

// assertCountersMatchRecount recounts every measure from the events' stored
// facts and compares it with the counters, row by row.
func assertCountersMatchRecount(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	rows, err := d.Read().QueryContext(ctx, `SELECT region_path, lead_department, category_code, created_at, measures FROM events`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{}
	names := event.Measures()
	for rows.Next() {
		var path, lead, cat string
		var at time.Time
		var m int64
		if err := rows.Scan(&path, &lead, &cat, &at, &m); err != nil {
			t.Fatal(err)
		}
		local := at.In(time.FixedZone("CST", 8*3600))
		owners := strings.Split(strings.Trim(path, "/"), "/")
		if lead != "" {
			owners = append(owners, "dept:"+lead)
		}
		cats := []string{"*"}
		for i := range cat {
			if cat[i] == '.' {
				cats = append(cats, cat[:i])
			}
		}
		cats = append(cats, cat)
		for bit, name := range names {
			if m&(1<<bit) == 0 {
				continue
			}
			for _, r := range owners {
				for _, c := range cats {
					for _, period := range []string{local.Format("2006-01"), local.Format("2006-01-02")} {
						want[r+"|"+period+"|"+c+"|"+name]++
					}
				}
			}
		}
	}
	rows.Close()
	rows, err = d.Read().QueryContext(ctx, `SELECT region_code, month, category_code, measure, n FROM event_counters WHERE n <> 0`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]int64{}
	for rows.Next() {
		var r, month, c, m string
		var n int64
		if err := rows.Scan(&r, &month, &c, &m, &n); err != nil {
			t.Fatal(err)
		}
		got[r+"|"+month+"|"+c+"|"+m] = n
	}
	if len(got) != len(want) {
		t.Fatalf("%d counter rows, a recount gives %d", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("counter %s = %d, a recount gives %d", k, got[k], v)
		}
	}
}

// Replay stores scripted lives through the state machine in time order: a
// merge finds its original still open, a step the machine refuses leaves
// the event as it was, and the moments are the script's.
func TestReplay(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		t0 := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC) // Monday 09:00 in Beijing
		at := func(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }
		garbage := event.ReportInput{Source: event.FromWorker, CategoryCode: "city_appearance.exposed_garbage", Title: "垃圾", Lng: ptr(125.1), Lat: ptr(46.0)}
		scripts := []event.Script{
			{At: at(0), Report: garbage, Steps: []event.Step{
				{At: at(0.5), By: event.Center, Input: event.ActInput{Action: event.Register}},
				{At: at(1), By: event.Worker, Input: event.ActInput{Action: event.SelfHandle}},
				{At: at(3), By: event.Worker, Input: event.ActInput{Action: event.Feedback, Note: "已清理"}},
				{At: at(5), By: event.Center, Input: event.ActInput{Action: event.Verify}},
				{At: at(6), By: event.Center, Input: event.ActInput{Action: event.Rate, Rating: "satisfied"}},
			}},
			{At: at(1.5), Report: garbage, Steps: []event.Step{
				{At: at(2), By: event.Center, Input: event.ActInput{Action: event.Merge}, DuplicateOf: 0},
			}},
			{At: at(2.5), Report: event.ReportInput{CategoryCode: "dispute.neighbour", Title: "噪音", GridCode: grid1}, Steps: []event.Step{
				{At: at(2.6), By: event.Center, Input: event.ActInput{Action: event.Verify}},
				{At: at(2.7), By: event.Center, Input: event.ActInput{Action: event.Register}},
			}},
		}
		got, err := f.svc.Replay(ctx, func(yield func(event.Script) bool) {
			for _, s := range scripts {
				if !yield(s) {
					return
				}
			}
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.Events != 3 || got.Actions != 6 || got.Refused != 1 {
			t.Fatalf("replayed = %+v", got)
		}
		page, _ := f.svc.List(ctx, f.city, event.Query{})
		states := map[string]event.State{}
		for _, e := range page.Items {
			states[e.Title] = e.State
		}
		if len(page.Items) != 3 || page.Items[0].State != event.Reported || page.Items[1].State != event.Duplicate || page.Items[2].State != event.Closed {
			t.Fatalf("states = %+v", page.Items)
		}
		det, _ := f.svc.Get(ctx, f.city, page.Items[2].ID)
		if last := det.History[len(det.History)-1]; !last.At.Equal(at(6)) || last.Action != "rate" {
			t.Fatalf("last action = %+v", last)
		}
		assertCountersMatchRecount(t, d)
	})
}

// The actions not walked above: a department returns an event, an
// extension is refused, a closed event is reopened after an unsatisfied
// rating, everyone comments; and every action of the machine is refused
// from a state it does not start from.
func TestReturnRefuseReopenComment(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		cg := principal(8, auth.RoleDepartment, "", "D-CG")
		e := f.report(t, f.resident, event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "垃圾", GridCode: grid1})
		e = f.act(t, f.resident, e, event.ActInput{Action: event.Comment, Note: "还在"})
		e = f.act(t, f.township, e, event.ActInput{Action: event.Register})
		e = f.act(t, f.township, e, event.ActInput{Action: event.Dispatch})
		e = f.act(t, cg, e, event.ActInput{Action: event.Return, Note: "不属于本部门"})
		if e.State != event.Registered || e.LeadDepartment != "" {
			t.Fatalf("returned = %+v", e)
		}
		e = f.act(t, f.township, e, event.ActInput{Action: event.Dispatch, Department: "D-CG"})
		e = f.act(t, cg, e, event.ActInput{Action: event.Accept})
		e = f.act(t, cg, e, event.ActInput{Action: event.Comment, Note: "已到场"})
		e = f.act(t, cg, e, event.ActInput{Action: event.RequestExtension, Note: "需协调", Extension: &category.Amount{Amount: 2, Unit: category.Hours}})
		due := *e.StepDue
		e = f.act(t, f.township, e, event.ActInput{Action: event.RefuseExtension, Note: "按期办理"})
		if e.Extended || !e.StepDue.Equal(due) {
			t.Fatalf("refused extension changed the deadline: %+v", e)
		}
		e = f.act(t, cg, e, event.ActInput{Action: event.Feedback, Note: "已清运"})
		e = f.act(t, f.township, e, event.ActInput{Action: event.Verify})
		e = f.act(t, f.resident, e, event.ActInput{Action: event.Rate, Rating: "unsatisfied"})
		e = f.act(t, f.township, e, event.ActInput{Action: event.Reopen, Note: "居民不满意，重新办理"})
		if e.State != event.Registered || e.ClosedAt != nil {
			t.Fatalf("reopened = %+v", e)
		}
		st, _ := f.svc.Stats(ctx, f.city, "", "2026-06", "", "")
		if st.Counts["closed"] != 0 || st.Counts["rated"] != 1 || st.Counts["satisfied"] != 0 {
			t.Fatalf("counts after reopening = %v", st.Counts)
		}
		assertCountersMatchRecount(t, d)

		// Final states allow nothing; a closed event only a comment, a rating
		// or reopening; a parked one being brought back or voided.
		all := []event.Party{event.Center, event.Dept, event.Worker, event.Reporter}
		for s, want := range map[event.State][]event.Action{
			event.Rejected: nil, event.Duplicate: nil, event.Voided: nil,
			event.Closed: {event.Comment, event.Rate, event.Reopen},
			event.Parked: {event.Comment, event.Unpark, event.Void},
		} {
			if got := event.Allowed(s, all); !slices.Equal(got, want) {
				t.Errorf("%s allows %v, want %v", s, got, want)
			}
		}
	})
}

// A center merges a report only into an event it can see: one of another
// township is not found, and nothing changes.
func TestMergeOnlyIntoAnEventInSight(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		store := region.NewStore(d, f.clock.Now)
		for _, r := range []region.Region{
			{Code: "990101002001", Name: "红旗社区", Level: region.Village, ParentCode: "990101002"},
			{Code: "990101002001001", Name: "红旗一网格", Level: region.Grid, ParentCode: "990101002001"},
		} {
			if _, err := store.Create(ctx, audit.System("test"), region.All(), r); err != nil {
				t.Fatal(err)
			}
		}
		there := f.report(t, f.city, event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "垃圾", GridCode: "990101002001001"})
		here := f.report(t, f.resident, event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "垃圾", GridCode: grid1})
		_, err := f.svc.Act(ctx, f.township, here.ID, event.ActInput{Action: event.Merge, DuplicateOf: there.ID, Version: here.Version})
		wantCode(t, err, apperr.Invalid, "duplicate_of")
		if !strings.Contains(err.Error(), "not found") {
			t.Fatalf("error = %v, want not found", err)
		}
		if got, err := f.svc.Get(ctx, f.township, here.ID); err != nil || got.State != event.Reported || got.DuplicateOf != nil {
			t.Fatalf("after a refused merge = %+v, %v", got.Event, err)
		}
		// The city's center sees both.
		if merged := f.act(t, f.city, here, event.ActInput{Action: event.Merge, DuplicateOf: there.ID}); merged.State != event.Duplicate {
			t.Fatalf("merged by the city = %+v", merged)
		}
	})
}

// A report suggests only the similar events its reporter may read: other
// residents' reports are theirs, and a department sees only what is its to
// see. (A worker reports in their own area only, where they see all.)
func TestSimilarReportsOnlyWhatTheReporterMayRead(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		const cat = "city_appearance.overflowing_bins"
		in := event.ReportInput{CategoryCode: cat, Title: "垃圾桶满了", Description: "单元门口", Lng: ptr(125.1), Lat: ptr(46.0)}
		mine := f.report(t, f.resident, in)
		in.ReporterName, in.ReporterPhone = "张三", "13812345678"
		byHotline := f.report(t, f.city, in)
		neighbour := principal(8, auth.RoleResident, "", "")
		type reporter struct {
			who  string
			p    auth.Principal
			want []int64
		}
		// check has each reporter file one more nearby and compares what
		// it is suggested, then voids it, out of the way of the next.
		check := func(when string, reporters ...reporter) {
			t.Helper()
			for _, c := range reporters {
				out, err := f.svc.Report(context.Background(), c.p, event.ReportInput{CategoryCode: cat, Title: "又满了", Lng: ptr(125.1), Lat: ptr(46.0)})
				if err != nil {
					t.Fatalf("%s: %v", c.who, err)
				}
				var got []int64
				for _, e := range out.Similar {
					got = append(got, e.ID)
				}
				if !slices.Equal(got, c.want) {
					t.Errorf("%s, %s is suggested %v, want %v", when, c.who, got, c.want)
				}
				f.act(t, f.township, out.Event, event.ActInput{Action: event.Void, Note: "测试"})
			}
		}
		check("with two nearby",
			reporter{"the city's center", f.city, []int64{byHotline.ID, mine.ID}},
			reporter{"the grid's worker", f.worker, []int64{byHotline.ID, mine.ID}},
			reporter{"the same resident", f.resident, []int64{mine.ID}},
			reporter{"another resident", neighbour, nil},
			reporter{"a department not handling them", f.water, nil})
		// Behind more of others' than a report suggests, the reporter's own
		// is still found; a center is suggested the newest few.
		var newer []int64
		for range 6 {
			newer = append(newer, f.report(t, f.city, in).ID)
		}
		slices.Reverse(newer)
		check("behind six newer",
			reporter{"the same resident", f.resident, []int64{mine.ID}},
			reporter{"the city's center", f.city, newer[:5]})
	})
}

// The duplicate search sees every writer's reports: those filed before it
// first ran and those filed since by another server on the same database.
// It looks past any number of closed events to the open ones behind them.
func TestSimilarReportsSeeEveryWriter(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		in := event.ReportInput{CategoryCode: "city_appearance.overflowing_bins", Title: "垃圾桶满了", Lng: ptr(125.1), Lat: ptr(46.0)}
		ids := func(out event.Filed) []int64 {
			var ids []int64
			for _, e := range out.Similar {
				ids = append(ids, e.ID)
			}
			return ids
		}
		before := f.report(t, f.city, in)
		other := event.NewService(f.cfg)
		first, err := other.Report(ctx, f.city, in)
		if err != nil || !slices.Equal(ids(first), []int64{before.ID}) {
			t.Fatalf("the second server's first report is suggested %v (%v), want %v", ids(first), err, []int64{before.ID})
		}
		after := f.report(t, f.city, in)
		f.clock.Add(time.Minute)
		for range 2 * 21 {
			f.act(t, f.township, f.report(t, f.city, in), event.ActInput{Action: event.Void, Note: "测试"})
		}
		out, err := other.Report(ctx, f.city, in)
		if want := []int64{after.ID, first.Event.ID, before.ID}; err != nil || !slices.Equal(ids(out), want) {
			t.Fatalf("the second server's next report is suggested %v (%v), want %v", ids(out), err, want)
		}
		// A suggestion shows the state the other server's actions left.
		f.act(t, f.township, after, event.ActInput{Action: event.Register})
		out, err = other.Report(ctx, f.city, in)
		if err != nil || len(out.Similar) == 0 || out.Similar[1].ID != after.ID || out.Similar[1].State != event.Registered ||
			out.Similar[2].State != event.Reported {
			t.Fatalf("the second server's suggestions: %+v (%v), want event %d registered", out.Similar, err, after.ID)
		}
	})
}

// On SQLite a running server keeps its duplicate search's index current
// by itself, a few events at a time, with no report to make it look.
func TestSimilarIndexFollowsOtherWriters(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		if d.Engine != db.SQLite {
			t.Skip("PostgreSQL searches in SQL")
		}
		f := newFixture(t, d)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		other := event.NewService(f.cfg)
		other.SetFollowChunk(2)
		go other.Run(ctx)
		waitFor := func(what string, ok func(last int64, loaded bool) bool) {
			t.Helper()
			for deadline := time.Now().Add(10 * time.Second); !ok(other.NearbyRead()); time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					last, loaded := other.NearbyRead()
					t.Fatalf("%s: the index has read up to event %d (loaded %v)", what, last, loaded)
				}
			}
		}
		waitFor("loading", func(_ int64, loaded bool) bool { return loaded })
		in := event.ReportInput{CategoryCode: "city_appearance.overflowing_bins", Title: "垃圾桶满了", Lng: ptr(125.1), Lat: ptr(46.0)}
		var last int64
		for range 5 {
			last = f.report(t, f.city, in).ID
		}
		waitFor("following", func(read int64, _ bool) bool { return read == last })
		// The actions, for the events' states, are followed as far: a
		// report's own action among them.
		var lastAction int64
		if err := d.Read().QueryRowContext(ctx, `SELECT MAX(id) FROM event_actions`).Scan(&lastAction); err != nil {
			t.Fatal(err)
		}
		waitFor("following the actions", func(int64, bool) bool { return other.NearbyActionsRead() == lastAction })
	})
}

// The duplicate search suggests the open events of the report's category
// within 200 m and 72 h, newest first, twenty at most; nothing else.
func TestSimilarReports(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		const cat, other = "city_appearance.overflowing_bins", "dispute.neighbour"
		at := func(dLng, dLat float64) (*float64, *float64) { return ptr(125.1 + dLng), ptr(46.0 + dLat) }
		report := func(category string, dLng, dLat float64) event.Event {
			lng, lat := at(dLng, dLat)
			return f.report(t, f.resident, event.ReportInput{CategoryCode: category, Title: "垃圾桶满了", Lng: lng, Lat: lat})
		}
		similar := func() []int64 {
			t.Helper()
			lng, lat := at(0, 0)
			out, err := f.svc.Report(context.Background(), f.resident, event.ReportInput{CategoryCode: cat, Title: "又满了", Lng: lng, Lat: lat})
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, e := range out.Similar {
				ids = append(ids, e.ID)
			}
			return ids
		}
		report(cat, 0, 0) // 73 h before the searches
		f.clock.Add(73 * time.Hour)
		near := report(cat, 0.0010, 0.0005)   // about 95 m away
		north := report(cat, 0, 0.0017)       // about 189 m north
		south := report(cat, 0.0005, -0.0017) // about 193 m south
		report(cat, 0.0030, 0)                // about 230 m east
		report(cat, 0.0024, 0.0016)           // inside the box, about 250 m away
		report(cat, 0, 0.0019)                // about 211 m north
		report(other, 0, 0)
		voided := report(cat, -0.0005, 0)
		f.act(t, f.township, voided, event.ActInput{Action: event.Void, Note: "重复上报"})
		if got, want := similar(), []int64{south.ID, north.ID, near.ID}; !slices.Equal(got, want) {
			t.Fatalf("similar = %v, want %v", got, want)
		}
		// Twenty-one more nearby: the newest five, newest first.
		var recent []int64
		for i := range 21 {
			recent = append(recent, report(cat, -0.0001*float64(i%5), 0.0001).ID)
		}
		want := slices.Clone(recent[16:])
		slices.Reverse(want)
		if got := similar(); !slices.Equal(got, want) {
			t.Fatalf("similar = %v, want %v", got, want)
		}
	})
}
