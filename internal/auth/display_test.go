package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// loginAs signs a user in and returns the session's principal.
func (f *fixture) loginAs(t *testing.T, username string) auth.LoginResult {
	t.Helper()
	res, err := f.login(t, username, pw)
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	return res
}

func countAudit(t *testing.T, d *db.DB, action string) int {
	t.Helper()
	n := 0
	for _, a := range auditActions(t, d) {
		if a == action+":ok" {
			n++
		}
	}
	return n
}

func TestDisplayCreateAndScope(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, auth.Config{})
		ctx := context.Background()
		f.user(t, "leader1", auth.RoleLeader, "230602")
		f.user(t, "center1", auth.RoleCenter, "230602001")
		f.user(t, "worker1", auth.RoleWorker, "230602001")
		f.user(t, "urban1", auth.RoleDepartment, "urban")
		f.user(t, "resident1", auth.RoleResident, "")

		// Bad input names the field and leaves the caller's session alone.
		center := f.loginAs(t, "center1")
		for _, c := range []struct {
			name  string
			in    auth.NewDisplay
			field string
		}{
			{"no name", auth.NewDisplay{Name: "  ", Region: "230602001"}, "name"},
			{"long name", auth.NewDisplay{Name: strings.Repeat("屏", 51), Region: "230602001"}, "name"},
			{"no region", auth.NewDisplay{Name: "大屏"}, "region"},
			{"outside the scope", auth.NewDisplay{Name: "大屏", Region: "230602002"}, "region"},
			{"above the scope", auth.NewDisplay{Name: "大屏", Region: "230602"}, "region"},
			{"unknown region", auth.NewDisplay{Name: "大屏", Region: "239999"}, "region"},
		} {
			_, err := f.svc.CreateDisplay(ctx, center.Principal, c.in)
			var ae *apperr.Error
			if !apperr.Is(err, apperr.Invalid) || !asApp(err, &ae) || len(ae.Fields) != 1 || ae.Fields[0].Field != c.field {
				t.Errorf("%s: %v, want invalid %s", c.name, err, c.field)
			}
		}
		if _, err := f.svc.Authenticate(ctx, center.Token, ""); err != nil {
			t.Fatalf("console session after refused tries: %v", err)
		}

		// Roles without the dashboards may not set up a display.
		for _, who := range []string{"worker1", "urban1", "resident1"} {
			res := f.loginAs(t, who)
			if _, err := f.svc.CreateDisplay(ctx, res.Principal, auth.NewDisplay{Name: "大屏", Region: "230602001"}); !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("%s: %v, want forbidden", who, err)
			}
		}

		// A leader's display replaces the leader's session on that browser.
		leader := f.loginAs(t, "leader1")
		other := f.loginAs(t, "leader1") // the leader's own computer
		res, err := f.svc.CreateDisplay(ctx, leader.Principal, auth.NewDisplay{Name: " 指挥中心大屏 ", Region: "230602001"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Display.Name != "指挥中心大屏" || res.Display.RegionCode != "230602001" || !res.Display.Active || res.Display.ID == 0 {
			t.Fatalf("display = %+v", res.Display)
		}
		if _, err := f.svc.Authenticate(ctx, leader.Token, ""); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("replaced console session: %v", err)
		}
		if _, err := f.svc.Authenticate(ctx, other.Token, ""); err != nil {
			t.Fatalf("the leader's other session: %v", err)
		}
		// A second try with the ended session makes nothing.
		if _, err := f.svc.CreateDisplay(ctx, leader.Principal, auth.NewDisplay{Name: "又一块", Region: "230602001"}); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("second display from one session: %v", err)
		}

		p, err := f.svc.Authenticate(ctx, res.Token, "10.0.0.9")
		if err != nil {
			t.Fatal(err)
		}
		if p.Display == nil || p.Display.ID != res.Display.ID || p.Display.RegionName != "萨尔图街道" || p.User.Username != "leader1" {
			t.Fatalf("display principal = %+v", p)
		}
		if s := p.User.Scope(); s.IsAll() || !strings.HasSuffix(s.Path(), "/230602001/") {
			t.Fatalf("display scope = %v, want the display's region", s.Path())
		}
		for perm, want := range map[auth.Permission]bool{
			auth.PermDashboardRead: true, auth.PermRegionsRead: true, auth.PermWorkforceRead: true,
			auth.PermWorkforceManage: false, auth.PermRegistryRead: false, auth.PermPIIReveal: false,
			auth.PermUsersManage: false, auth.PermAuditRead: false, auth.PermDisplaysManage: false, auth.PermCatalogManage: false,
		} {
			if got := p.Can(perm); got != want {
				t.Errorf("display Can(%s) = %v, want %v", perm, got, want)
			}
		}
		if _, err := f.svc.CreateDisplay(ctx, p, auth.NewDisplay{Name: "套娃", Region: "230602001"}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("display making a display: %v", err)
		}
		if countAudit(t, d, "display.create") != 1 {
			t.Fatalf("audit: %v", auditActions(t, d))
		}

		// Changing the creator's password keeps the display.
		if err := f.svc.ChangePassword(ctx, other.Principal, pw, "Other-Pass-2027"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Authenticate(ctx, res.Token, ""); err != nil {
			t.Fatalf("display after the creator's password change: %v", err)
		}
	})
}

func asApp(err error, target **apperr.Error) bool { return errors.As(err, target) }

func TestDisplaySessionLifetime(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, auth.Config{})
		ctx := context.Background()
		f.user(t, "center1", auth.RoleCenter, "230602001")
		console := f.loginAs(t, "center1")
		res, err := f.svc.CreateDisplay(ctx, f.loginAs(t, "center1").Principal, auth.NewDisplay{Name: "大屏", Region: "230602001"})
		if err != nil {
			t.Fatal(err)
		}
		use := func(what string) {
			t.Helper()
			if _, err := f.svc.Authenticate(ctx, res.Token, ""); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		use("first use")
		use("same day again")
		// Past both console limits: 13 hours with no use.
		f.clock.Add(13 * time.Hour)
		use("13 hours later")
		if _, err := f.svc.Authenticate(ctx, console.Token, ""); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("console session after 13 hours: %v", err)
		}
		// Used each day for six weeks: the 30 days slide along.
		for day := 1; day <= 42; day++ {
			f.clock.Add(24 * time.Hour)
			use("day of use")
		}
		// The first use of each day is audited, once: the start day (13
		// hours on is still that day) and the 42 days after.
		if n := countAudit(t, d, "display.use"); n != 43 {
			t.Fatalf("display.use audited %d times, want 43", n)
		}
		// A weekend dark is nothing; purging keeps the display's session.
		f.clock.Add(3 * 24 * time.Hour)
		if _, err := f.svc.PurgeExpiredSessions(ctx); err != nil {
			t.Fatal(err)
		}
		use("after three dark days and a purge")
		// More than 30 days without use end it.
		f.clock.Add(31 * 24 * time.Hour)
		if _, err := f.svc.Authenticate(ctx, res.Token, ""); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("after 31 idle days: %v", err)
		}
	})
}

func TestDisplayAbsoluteCap(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, auth.Config{DisplayIdle: 2 * 24 * time.Hour, DisplayMax: 10 * 24 * time.Hour})
		ctx := context.Background()
		f.user(t, "center1", auth.RoleCenter, "230602001")
		res, err := f.svc.CreateDisplay(ctx, f.loginAs(t, "center1").Principal, auth.NewDisplay{Name: "大屏", Region: "230602001"})
		if err != nil {
			t.Fatal(err)
		}
		for day := 1; day <= 9; day++ {
			f.clock.Add(24 * time.Hour)
			if _, err := f.svc.Authenticate(ctx, res.Token, ""); err != nil {
				t.Fatalf("day %d: %v", day, err)
			}
		}
		f.clock.Add(24*time.Hour + time.Minute)
		if _, err := f.svc.Authenticate(ctx, res.Token, ""); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("past the cap though used daily: %v", err)
		}
		// The ended session is gone.
		var n int
		if err := d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE display_id IS NOT NULL`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("display sessions left: %d %v", n, err)
		}
	})
}

func TestDisplayListAndRevoke(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, auth.Config{})
		ctx := context.Background()
		f.user(t, "admin1", auth.RoleAdmin, "")
		f.user(t, "center1", auth.RoleCenter, "230602001")
		f.user(t, "tieren", auth.RoleCenter, "230602002")
		f.user(t, "leader1", auth.RoleLeader, "230602")
		mine, err := f.svc.CreateDisplay(ctx, f.loginAs(t, "leader1").Principal, auth.NewDisplay{Name: "萨尔图大屏", Region: "230602001"})
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := f.svc.CreateDisplay(ctx, f.loginAs(t, "tieren").Principal, auth.NewDisplay{Name: "铁人大屏", Region: "230602002"})
		if err != nil {
			t.Fatal(err)
		}
		center, admin := f.loginAs(t, "center1").Principal, f.loginAs(t, "admin1").Principal

		names := func(p auth.Principal) []string {
			t.Helper()
			list, err := f.svc.ListDisplays(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, x := range list {
				out = append(out, x.Name)
			}
			return out
		}
		if got := names(center); len(got) != 1 || got[0] != "萨尔图大屏" {
			t.Fatalf("center sees %v", got)
		}
		if got := names(admin); len(got) != 2 || got[0] != "铁人大屏" {
			t.Fatalf("admin sees %v", got)
		}
		if _, err := f.svc.ListDisplays(ctx, f.loginAs(t, "leader1").Principal); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("leader lists: %v", err)
		}
		if err := f.svc.RevokeDisplay(ctx, center, theirs.Display.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("revoke outside the scope: %v", err)
		}
		if err := f.svc.RevokeDisplay(ctx, center, 9999); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("revoke unknown: %v", err)
		}

		if err := f.svc.RevokeDisplay(ctx, center, mine.Display.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Authenticate(ctx, mine.Token, ""); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("revoked display: %v", err)
		}
		if err := f.svc.Recheck(ctx, mine.Principal); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("recheck of a revoked display: %v", err)
		}
		if err := f.svc.Recheck(ctx, theirs.Principal); err != nil {
			t.Fatalf("recheck of a live display: %v", err)
		}
		// Again: nothing changes, nothing more is audited.
		if err := f.svc.RevokeDisplay(ctx, admin, mine.Display.ID); err != nil {
			t.Fatal(err)
		}
		if n := countAudit(t, d, "display.revoke"); n != 1 {
			t.Fatalf("display.revoke audited %d times", n)
		}
		list, err := f.svc.ListDisplays(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range list {
			switch x.ID {
			case mine.Display.ID:
				if x.Active || x.RevokedAt == nil || x.RevokedByName != "center1" || x.CreatedByName != "leader1" || x.EndsAt != nil {
					t.Errorf("revoked display = %+v", x)
				}
			case theirs.Display.ID:
				if !x.Active || x.RevokedAt != nil || x.EndsAt == nil || x.RegionName != "铁人街道" {
					t.Errorf("live display = %+v", x)
				}
			}
		}

		// Signing out on the screen revokes the display as well.
		p, err := f.svc.Authenticate(ctx, theirs.Token, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Logout(ctx, p); err != nil {
			t.Fatal(err)
		}
		list, _ = f.svc.ListDisplays(ctx, admin)
		if list[0].ID != theirs.Display.ID || list[0].RevokedAt == nil || list[0].RevokedByName != "" || list[0].Active {
			t.Fatalf("signed-out display = %+v", list[0])
		}

		// The creator losing the region ends the display too.
		again, err := f.svc.CreateDisplay(ctx, f.loginAs(t, "tieren").Principal, auth.NewDisplay{Name: "铁人二号", Region: "230602002"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Write().ExecContext(ctx, `UPDATE users SET disabled = TRUE WHERE username = 'tieren'`); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Authenticate(ctx, again.Token, ""); !apperr.Is(err, apperr.Unauthorized) {
			t.Fatalf("display of a disabled creator: %v", err)
		}
	})
}
