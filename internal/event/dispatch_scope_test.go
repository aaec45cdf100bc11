package event_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/department"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/region"
)

// A center dispatches, by hand or by the routing rules, only to the
// departments it may see: its own region's and those below, and the
// county's and the city's bureaus above it. One of another township or
// county is refused under the field that names it as not found, the
// answer of one that does not exist, and the event stays where it was.
func TestDispatchStaysInTheCallersView(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		store := region.NewStore(d, f.clock.Now)
		if _, err := store.Create(ctx, audit.System("test"), region.All(),
			region.Region{Code: "990102", Name: "西区", Level: region.County, ParentCode: "990100"}); err != nil {
			t.Fatal(err)
		}
		log := slog.New(slog.DiscardHandler)
		depts := department.NewService(d, category.NewService(d, log, f.clock.Now), log, f.clock.Now)
		if _, err := depts.Import(ctx, auth.System("test"), []department.Department{
			{Code: "D-EAST", Name: "东区城管局", RegionCode: "990101"},
			{Code: "D-T1", Name: "东风街道执法队", RegionCode: "990101001"},
			{Code: "D-T2", Name: "红旗街道执法队", RegionCode: "990101002"},
			{Code: "D-WEST", Name: "西区城管局", RegionCode: "990102"},
			{Code: "D-OLD", Name: "旧东区城管局", RegionCode: "990101"},
		}, nil); err != nil {
			t.Fatal(err)
		}
		old, err := depts.Get(ctx, auth.System("test"), "D-OLD")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := depts.Deactivate(ctx, auth.System("test"), "D-OLD", old.Version); err != nil {
			t.Fatal(err)
		}
		county := principal(40, auth.RoleCenter, "/990100/990101/", "")
		report := func(p auth.Principal) event.Event {
			e := f.report(t, f.resident, event.ReportInput{CategoryCode: "city_appearance.exposed_garbage", Title: "路边垃圾",
				Lng: ptr(125.05), Lat: ptr(46.0)})
			return f.act(t, p, e, event.ActInput{Action: event.Register})
		}
		refused := func(p auth.Principal, e event.Event, in event.ActInput, field, reason string) {
			t.Helper()
			in.Action, in.Version = event.Dispatch, e.Version
			_, err := f.svc.Act(ctx, p, e.ID, in)
			ae, ok := apperr.As(err)
			if !ok || ae.Code != apperr.Invalid || len(ae.Fields) != 1 || ae.Fields[0].Field != field || ae.Fields[0].Reason != reason {
				t.Fatalf("dispatch %+v = %v (%+v), want %s: %s", in, err, ae, field, reason)
			}
		}
		township := report(f.township)
		for _, tc := range []struct {
			in            event.ActInput
			field, reason string
		}{
			{event.ActInput{Department: "D-WEST"}, "department", "department D-WEST not found"},
			{event.ActInput{Department: "D-T2"}, "department", "department D-T2 not found"},
			{event.ActInput{Department: "D-NONE"}, "department", "department D-NONE not found"},
			{event.ActInput{Department: "D-OLD"}, "department", "department D-OLD is inactive"},
			{event.ActInput{Department: "D-T1", Assisting: []string{"D-EAST", "D-WEST"}}, "assisting[1]", "department D-WEST not found"},
			// The routing rules choose the lead; the assisting ones named
			// stand instead of the rule's and are checked the same.
			{event.ActInput{Assisting: []string{"D-T2"}}, "assisting[0]", "department D-T2 not found"},
		} {
			refused(f.township, township, tc.in, tc.field, tc.reason)
		}
		// The county center sees its townships but not the other county.
		refused(county, township, event.ActInput{Department: "D-WEST"}, "department", "department D-WEST not found")
		refused(county, township, event.ActInput{Department: "D-EAST", Assisting: []string{"D-WEST"}}, "assisting[0]", "department D-WEST not found")
		if got, err := f.svc.Get(ctx, f.township, township.ID); err != nil || got.State != event.Registered || got.LeadDepartment != "" || got.Version != township.Version {
			t.Fatalf("after the refusals = %+v, %v", got, err)
		}
		// The township's own, the county's and the city's departments it
		// may name; the routing rules' city bureau is the lead by default.
		e := f.act(t, f.township, township, event.ActInput{Action: event.Dispatch, Department: "D-T1", Assisting: []string{"D-EAST", "D-CG"}})
		if e.State != event.Dispatched || e.LeadDepartment != "D-T1" || len(e.Assisting) != 2 {
			t.Fatalf("dispatched = %+v", e)
		}
		e = f.act(t, f.township, report(f.township), event.ActInput{Action: event.Dispatch})
		if e.LeadDepartment != "D-CG" {
			t.Fatalf("routed = %+v", e)
		}
		e = f.act(t, county, report(county), event.ActInput{Action: event.Dispatch, Department: "D-T2"})
		if e.LeadDepartment != "D-T2" {
			t.Fatalf("county's dispatch = %+v", e)
		}
		// The city center may name any department of the city.
		e = f.act(t, f.city, report(f.city), event.ActInput{Action: event.Dispatch, Department: "D-WEST"})
		if e.LeadDepartment != "D-WEST" {
			t.Fatalf("city's dispatch = %+v", e)
		}
	})
}
