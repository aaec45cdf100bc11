package httpapi_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/jobs"
)

// A deadline warning reaches the holding center's in-app notifications,
// which it reads and marks read; another township's center sees none.
func TestNotificationsAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{withMap: true, withEvents: true})
		e.user("admin1", auth.RoleAdmin, "")
		e.user("center1", auth.RoleCenter, "230602001")
		e.user("tieren", auth.RoleCenter, "230602002")
		admin := e.loggedIn("admin1")
		if r := admin.upload("/api/v1/regions/import", nil, mapFile()); r.status != 200 {
			t.Fatalf("map: %d %s", r.status, r.body)
		}
		center, tieren := e.loggedIn("center1"), e.loggedIn("tieren")
		if r := center.do("POST", "/api/v1/events", `{"category_code":"city_appearance.exposed_garbage","title":"垃圾","grid_code":"230602001001001"}`); r.status != 201 {
			t.Fatalf("report: %d %s", r.status, r.body)
		}
		n := jobs.NewNotifier(nil, time.UTC)
		sw, err := e.events.SweepDeadlinesWith(context.Background(), time.Now().Add(30*24*time.Hour), event.SweepOptions{Deliver: n.Store})
		if err != nil || len(sw.Warnings) == 0 {
			t.Fatalf("sweep = %+v, %v", sw, err)
		}
		items := center.do("GET", "/api/v1/notifications?unread=true", "").json(t)["items"].([]any)
		if len(items) == 0 {
			t.Fatal("no notification for the holding center")
		}
		if got := tieren.do("GET", "/api/v1/notifications", "").json(t)["items"].([]any); len(got) != 0 {
			t.Fatalf("another township reads %v", got)
		}
		id := int(items[0].(map[string]any)["id"].(float64))
		if r := center.do("POST", fmt.Sprintf("/api/v1/notifications/%d/read", id), ""); r.status != 204 {
			t.Fatalf("mark read: %d %s", r.status, r.body)
		}
		if left := center.do("GET", "/api/v1/notifications?unread=true", "").json(t)["items"].([]any); len(left) != len(items)-1 {
			t.Fatalf("%d unread after reading one of %d", len(left), len(items))
		}
		wantProblem(t, center.do("GET", "/api/v1/notifications?unread=maybe", ""), 400, "invalid", "unread")
	})
}
