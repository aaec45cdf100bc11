package httpapi_test

import (
	"testing"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// The workforce's lists and measures are taken by month or by date; a
// from or to, which they do not read, or a month or date that is none, is
// refused naming it rather than answered for another period.
func TestWorkforcePeriodRefusesARange(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newFieldEnv(t, d)
		e.user("center1", auth.RoleCenter, "230602001")
		c1 := e.loggedIn("center1")
		for _, path := range []string{"/api/v1/workforce/attendance", "/api/v1/workforce/attendance/workers",
			"/api/v1/workforce/patrols", "/api/v1/workforce/visits"} {
			if r := c1.do("GET", path+"?month=2026-06", ""); r.status != 200 {
				t.Fatalf("%s by month: %d %s", path, r.status, r.body)
			}
			wantProblem(t, c1.do("GET", path+"?from=xx", ""), 400, "invalid", "from")
			wantProblem(t, c1.do("GET", path+"?to=2026-06-30", ""), 400, "invalid", "to")
			if r := c1.do("GET", path+"?date=2026-06-01", ""); r.status != 200 {
				t.Fatalf("%s by date: %d %s", path, r.status, r.body)
			}
			wantProblem(t, c1.do("GET", path+"?date=yesterday", ""), 400, "invalid", "date")
			wantProblem(t, c1.do("GET", path+"?month=June", ""), 400, "invalid", "month")
		}
	})
}

// Every workforce list pages by at most 500: more is refused naming limit,
// as the workers' list always did, never cut to a page of 100 unsaid.
func TestWorkforceListsRefuseAPageTooLarge(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newFieldEnv(t, d)
		e.user("center1", auth.RoleCenter, "230602001")
		c1 := e.loggedIn("center1")
		for _, path := range []string{"/api/v1/workforce/workers", "/api/v1/workforce/rebind-requests", "/api/v1/workforce/attendance/workers",
			"/api/v1/workforce/staffing/unstaffed", "/api/v1/workforce/patrols", "/api/v1/workforce/visits"} {
			if r := c1.do("GET", path+"?limit=500", ""); r.status != 200 {
				t.Fatalf("%s with 500: %d %s", path, r.status, r.body)
			}
			wantProblem(t, c1.do("GET", path+"?limit=501", ""), 400, "invalid", "limit")
		}
	})
}
