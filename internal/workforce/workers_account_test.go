package workforce_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/workforce"
)

// Linking a worker to an account the center may not see (outside its
// region, or scoped to no region: an administrator, a department's staff,
// a resident) answers exactly as an account that does not exist, so that
// the answer does not tell which accounts exist nor their roles. A center
// scoped to everything still learns why an account it sees will not do.
func TestWorkerAccountOutOfSightIsNotFound(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		admin := f.account("city.admin", auth.RoleAdmin, "")
		dept := f.account("urban.staff", auth.RoleDepartment, "")
		resident := f.account("resident1", auth.RoleResident, "")
		west := f.account("west.center", auth.RoleCenter, "990101002")
		westWorker := f.account("west.worker", auth.RoleWorker, "990101002001")
		missing := westWorker + 1000
		in := func(id int64) workforce.WorkerInput {
			return workforce.WorkerInput{Name: "王五", Employment: workforce.PartTime, HireDate: "2025-01-01", UserID: &id, Grids: grids(gridA)}
		}
		for _, p := range []auth.Principal{f.east, f.county} {
			for _, id := range []int64{admin, dept, resident, west, westWorker, missing} {
				_, err := f.svc.CreateWorker(ctx, p, in(id))
				e, _ := apperr.As(err)
				want := fmt.Sprintf("account %d not found", id)
				if p.User.Scope().Contains(pathWest) && id == west {
					want = fmt.Sprintf("account %d has the role center; link an account of role worker", id)
				}
				if p.User.Scope().Contains(pathWest) && id == westWorker {
					want = fmt.Sprintf("account %d is not scoped to cover grid %s", id, gridA)
				}
				if e == nil || e.Code != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "user_id" || e.Fields[0].Reason != want {
					t.Fatalf("%s links account %d: %v (%+v), want %q", p.User.Username, id, err, e, want)
				}
			}
		}
		_, err := f.svc.CreateWorker(ctx, f.admin, in(admin))
		if e, _ := apperr.As(err); e == nil || len(e.Fields) != 1 || e.Fields[0].Reason != fmt.Sprintf("account %d has the role admin; link an account of role worker", admin) {
			t.Fatalf("administrator links an administrator's account: %v", err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM workers`); n != 0 {
			t.Fatalf("%d workers stored from refused input", n)
		}
	})
}
