package jobs_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
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
	"github.com/gridgov/gridgov/internal/jobs"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/secret"
)

const grid1 = "990101001001001"

type oneGrid struct{}

func (oneGrid) GridAt(orb.Point) (string, string, bool) {
	return grid1, "/990100/990101/990101001/990101001001/990101001001001/", true
}

func center(path string) auth.Principal {
	return auth.Principal{User: auth.TestUserScopedTo(auth.User{ID: 2, Username: "center", Role: auth.RoleCenter}, path)}
}

// newEvents sets up a city with one grid, the default categories and a
// routing rule, and the event service on the clock.
func newEvents(t *testing.T, d *db.DB, c *clock) *event.Service {
	t.Helper()
	ctx := context.Background()
	store := region.NewStore(d, c.Now)
	for _, r := range []region.Region{
		{Code: "990100", Name: "示范市", Level: region.City},
		{Code: "990101", Name: "东区", Level: region.County, ParentCode: "990100"},
		{Code: "990101001", Name: "东风街道", Level: region.Township, ParentCode: "990101"},
		{Code: "990101001001", Name: "友谊社区", Level: region.Village, ParentCode: "990101001"},
		{Code: grid1, Name: "友谊一网格", Level: region.Grid, ParentCode: "990101001001"},
	} {
		if _, err := store.Create(ctx, audit.System("test"), region.All(), r); err != nil {
			t.Fatal(err)
		}
	}
	cats := category.NewService(d, quiet, c.Now)
	if _, err := cats.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	depts := department.NewService(d, cats, quiet, c.Now)
	if _, err := depts.Import(ctx, auth.System("test"), []department.Department{
		{Code: "D-CG", Name: "城管局", Level: region.City, RegionCode: "990100", Active: true},
	}, []department.Rule{{CategoryCode: "city_appearance", RegionCode: "990100", LeadDepartment: "D-CG"}}); err != nil {
		t.Fatal(err)
	}
	keys, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
	return event.NewService(event.Config{DB: d, Keys: keys, Locator: oneGrid{}, Catalog: cats, Router: depts, Now: c.Now, Log: quiet})
}

// The server's jobs end to end: the deadline sweep stores in-app
// notifications for the township, the lead department and the grid and
// queues a signed webhook; an event left undispatched at the township is
// escalated and the county told; the dispatcher delivers.
func TestServeJobs(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := newClock() // Monday 09:00 in Beijing
		svc := newEvents(t, d, c)
		township := center("/990100/990101/990101001/")
		rc := &receiver{t: t, clock: c}
		srv := httptest.NewServer(rc)
		defer srv.Close()

		report := func() event.Event {
			out, err := svc.Report(ctx, auth.Principal{User: auth.User{ID: 9, Username: "r", Role: auth.RoleResident}},
				event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "路边垃圾", GridCode: grid1})
			if err != nil {
				t.Fatal(err)
			}
			return out.Event
		}
		act := func(e event.Event, a event.Action) event.Event {
			got, err := svc.Act(ctx, township, e.ID, event.ActInput{Action: a, Version: e.Version})
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		dispatched := act(act(report(), event.Register), event.Dispatch) // signing due 09:30
		waiting := act(report(), event.Register)                         // dispatch due 09:30
		inbox := jobs.NewInbox(d, c.Now)
		dept := []jobs.Recipient{{Kind: jobs.ToDepartment, Who: "D-CG"}}
		// The dispatch itself told the department; read, it leaves the
		// warnings alone in what is unread.
		told, err := inbox.List(ctx, dept, true, 0, 10)
		if err != nil || len(told) != 1 || told[0].Kind != "dispatched" || *told[0].EventID != dispatched.ID {
			t.Fatalf("department inbox after the dispatch = %+v, %v", told, err)
		}
		if err := inbox.MarkRead(ctx, dept, told[0].ID); err != nil {
			t.Fatal(err)
		}

		r, err := jobs.ForServe(jobs.ServeConfig{DB: d, Events: svc, AutoEscalateRed: true, Now: c.Now, Log: quiet,
			Webhooks: jobs.WebhookConfig{Endpoints: []string{srv.URL}, Secret: hookSecret}})
		if err != nil {
			t.Fatal(err)
		}
		c.Add(25 * time.Minute)
		if ok, err := r.RunDue(ctx, jobs.DeadlinesJob); !ok || err != nil {
			t.Fatalf("sweep at 09:25: %v %v", ok, err)
		}
		list, err := inbox.List(ctx, dept, true, 0, 10)
		if err != nil || len(list) != 1 || list[0].Kind != "warn_yellow" || list[0].EventID == nil || *list[0].EventID != dispatched.ID {
			t.Fatalf("department inbox = %+v, %v", list, err)
		}
		both := []jobs.Recipient{{Kind: jobs.ToRegion, Who: "990101001"}, {Kind: jobs.ToRegion, Who: grid1}}
		if list, _ := inbox.List(ctx, both, true, 0, 10); len(list) != 4 {
			t.Fatalf("township and grid got %d notifications, want 2 each", len(list))
		}

		c.Add(30 * time.Second)
		if ok, err := r.RunDue(ctx, jobs.DeadlinesJob); ok || err != nil {
			t.Fatalf("ran again within the minute: %v %v", ok, err)
		}
		c.Add(6*time.Minute + 30*time.Second) // 09:32: both red; the waiting one escalates
		if ok, err := r.RunDue(ctx, jobs.DeadlinesJob); !ok || err != nil {
			t.Fatalf("sweep at 09:32: %v %v", ok, err)
		}
		county, _ := inbox.List(ctx, []jobs.Recipient{{Kind: jobs.ToRegion, Who: "990101"}}, true, 0, 10)
		if len(county) != 1 || county[0].Kind != "escalated" || *county[0].EventID != waiting.ID {
			t.Fatalf("county inbox = %+v", county)
		}
		got, err := svc.Get(ctx, center("/990100/"), waiting.ID)
		if err != nil || got.Level != "county" {
			t.Fatalf("not escalated: %+v %v", got.Event, err)
		}

		if ok, err := r.RunDue(ctx, jobs.WebhooksJob); !ok || err != nil {
			t.Fatalf("webhooks: %v %v", ok, err)
		}
		if rc.count() != 4 {
			t.Fatalf("%d webhook requests, want 4 (2 yellow, 2 red)", rc.count())
		}
		var p jobs.Payload
		if err := json.Unmarshal([]byte(rc.bodies[len(rc.bodies)-1]), &p); err != nil || p.Type != jobs.WebhookWarning || p.Warning.Code == "" {
			t.Fatalf("payload %s: %v", rc.bodies[len(rc.bodies)-1], err)
		}

		// Reading marks only one's own notifications.
		if err := inbox.MarkRead(ctx, dept, list[0].ID); err != nil {
			t.Fatal(err)
		}
		if left, _ := inbox.List(ctx, dept, true, 0, 10); len(left) != 1 || left[0].Kind != "warn_red" {
			t.Fatalf("unread after marking = %+v", left)
		}
		err = inbox.MarkRead(ctx, []jobs.Recipient{{Kind: jobs.ToDepartment, Who: "D-OTHER"}}, list[0].ID)
		if !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("someone else's = %v", err)
		}
		st, _ := r.State(ctx, jobs.DeadlinesJob)
		if st.Runs != 2 || st.LastError != "" {
			t.Fatalf("state %+v", st)
		}
	})
}
