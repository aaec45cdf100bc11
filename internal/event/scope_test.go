package event_test

import (
	"context"
	"testing"

	"github.com/gridgov/gridgov/internal/apikey"
	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/region"
)

// Staff scoped to a region file and place events inside it only: a grid
// outside is not found (grid_code), a point outside is refused (lng).
// Residents, API clients and departments report anywhere in the city.
func TestReportStaysInTheReportersScope(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		store := region.NewStore(d, f.clock.Now)
		for _, r := range []region.Region{
			{Code: "990101002001", Name: "红旗社区", Level: region.Village, ParentCode: "990101002"},
			{Code: grid2, Name: "红旗一网格", Level: region.Grid, ParentCode: "990101002001"},
		} {
			if _, err := store.Create(ctx, audit.System("test"), region.All(), r); err != nil {
				t.Fatal(err)
			}
		}
		townshipWorker := principal(30, auth.RoleWorker, "/990100/990101/990101002/", "")
		scopedAdmin := principal(31, auth.RoleAdmin, "/990100/990101/990101001/", "")
		admin := principal(32, auth.RoleAdmin, "", "")
		client := apikey.Client{ID: 1, Name: "fixmystreet"}.Principal("192.0.2.1")
		byGrid := func(code string) event.ReportInput { return event.ReportInput{GridCode: code} }
		byPoint := func(lng float64) event.ReportInput { return event.ReportInput{Lng: ptr(lng), Lat: ptr(40.0)} }
		for _, tc := range []struct {
			name  string
			p     auth.Principal
			in    event.ReportInput
			field string // "": filed
		}{
			{"township center, its grid", f.township, byGrid(grid1), ""},
			{"township center, its point", f.township, byPoint(125.1), ""},
			{"township center, another township's grid", f.township, byGrid(grid2), "grid_code"},
			{"township center, another township's point", f.township, byPoint(125.4), "lng"},
			{"other township center, grid", f.otherTownship, byGrid(grid1), "grid_code"},
			{"city center, any grid", f.city, byGrid(grid2), ""},
			{"grid worker, own grid", f.worker, byGrid(grid1), ""},
			{"grid worker, another grid", f.worker, byGrid(grid2), "grid_code"},
			{"grid worker, a point in another grid", f.worker, byPoint(125.4), "lng"},
			{"township worker, a grid of the township", townshipWorker, byGrid(grid2), ""},
			{"township worker, a grid beyond", townshipWorker, byGrid(grid1), "grid_code"},
			{"scoped admin, beyond", scopedAdmin, byGrid(grid2), "grid_code"},
			{"admin, anywhere", admin, byGrid(grid2), ""},
			{"resident, anywhere", f.resident, byPoint(125.4), ""},
			{"api client, anywhere", client, byGrid(grid2), ""},
			{"department, anywhere", f.police, byGrid(grid2), ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.in.CategoryCode, tc.in.Title = "city_appearance.exposed_garbage", "垃圾"
				out, err := f.svc.Report(ctx, tc.p, tc.in)
				if tc.field == "" {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					return
				}
				e, ok := apperr.As(err)
				if !ok || e.Code != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != tc.field {
					t.Fatalf("filed %+v, %v; want invalid %s", out.Event, err, tc.field)
				}
			})
		}
	})
}
