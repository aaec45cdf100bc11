package category_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/region"
)

func principal(role auth.Role, scopePath string) auth.Principal {
	u := auth.User{ID: 1, Username: string(role), Role: role}
	if scopePath != "" {
		u = auth.TestUserScopedTo(u, scopePath)
	}
	return auth.Principal{User: u}
}

var (
	admin        = principal(auth.RoleAdmin, "")
	cityCenter   = principal(auth.RoleCenter, "/990100/")
	countyCenter = principal(auth.RoleCenter, "/990100/990101/")
	worker       = principal(auth.RoleWorker, "/990100/")
)

func newService(d *db.DB) *category.Service {
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	return category.NewService(d, slog.New(slog.NewTextHandler(io.Discard, nil)), func() time.Time { return now })
}

func wantCode(t *testing.T, err error, code apperr.Code, field string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != code {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if field != "" && !slices.ContainsFunc(e.Fields, func(f apperr.FieldError) bool { return f.Field == field }) {
		t.Fatalf("error %v does not name %s", err, field)
	}
}

func leaf(code, parent string) category.Category {
	return category.Category{Code: code, ParentCode: parent, Name: "测试", NameEn: "Test", Leaf: true,
		RegistrationStandard: "立案标准", ClosingStandard: "结案标准",
		Limits: &category.Limits{StepLimits: category.StepLimits{
			Receive: &category.Amount{Amount: 1, Unit: category.Hours}, Register: &category.Amount{Amount: 1, Unit: category.Hours},
			Dispatch: &category.Amount{Amount: 1, Unit: category.Hours}, Handle: &category.Amount{Amount: 2, Unit: category.Days},
			Verify: &category.Amount{Amount: 0.5, Unit: category.Hours}}}}
}

func TestSeedTreeLeavesAndGet(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc := newService(d)
		n, err := svc.Seed(ctx)
		if err != nil || n != len(category.DefaultTree()) {
			t.Fatalf("Seed = %d, %v", n, err)
		}
		if n, err := svc.Seed(ctx); err != nil || n != 0 {
			t.Fatalf("second Seed = %d, %v; want nothing stored", n, err)
		}
		tree, err := svc.Tree(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(tree) != 7 || tree[0].Code != "dispute" || tree[0].Children[0].Code != "dispute.marriage_family" {
			t.Fatalf("tree top = %v", tree[0].Category)
		}
		leaves, _ := svc.Leaves(ctx)
		if len(leaves) != n-7 {
			t.Fatalf("%d leaves of %d categories", len(leaves), n)
		}
		g, err := svc.Get(ctx, "city_appearance.exposed_garbage")
		if err != nil {
			t.Fatal(err)
		}
		if a, u := g.Limit(category.Handle, region.Township); a != 4 || u != category.Hours || g.Version != 1 || !g.Active {
			t.Fatalf("garbage = %+v", g)
		}
		// What Get returns is a copy.
		g.Limits.Handle.Amount = 99
		if again, _ := svc.Get(ctx, g.Code); again.Limits.Handle.Amount != 4 {
			t.Fatal("Get returned shared state")
		}
		wantCode(t, func() error { _, err := svc.Get(ctx, "nope"); return err }(), apperr.NotFound, "")
		if ok, _ := svc.Known(ctx, "dispute"); !ok {
			t.Fatal("dispute unknown")
		}
		entries, _ := audit.List(ctx, d.Read(), audit.Filter{Action: "category.seed"})
		if len(entries) != 1 {
			t.Fatalf("%d seed audit entries", len(entries))
		}
	})
}

func TestCreateUpdateDeactivate(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc := newService(d)
		if _, err := svc.Seed(ctx); err != nil {
			t.Fatal(err)
		}
		// Who may change the tree: city-wide keepers of the catalog only.
		for _, p := range []auth.Principal{countyCenter, worker} {
			_, err := svc.Create(ctx, p, leaf("dispute.pets", "dispute"))
			wantCode(t, err, apperr.Forbidden, "")
		}
		c, err := svc.Create(ctx, cityCenter, leaf("dispute.pets", "dispute"))
		if err != nil {
			t.Fatal(err)
		}
		if c.Version != 1 || !c.Active || c.YellowAt != 0.8 || c.RedAt != 1 || c.DefaultUrgency != category.Normal {
			t.Fatalf("created = %+v", c)
		}
		_, err = svc.Create(ctx, admin, leaf("dispute.pets", "dispute"))
		wantCode(t, err, apperr.Conflict, "code")
		_, err = svc.Create(ctx, admin, leaf("nowhere.pets", "nowhere"))
		wantCode(t, err, apperr.Invalid, "parent_code")
		_, err = svc.Create(ctx, admin, leaf("dispute.pets.cats", "dispute.pets"))
		wantCode(t, err, apperr.Invalid, "parent_code") // a leaf has no children
		bad := leaf("dispute.cats", "dispute")
		bad.Limits.Handle.Amount = 0
		_, err = svc.Create(ctx, admin, bad)
		wantCode(t, err, apperr.Invalid, "limits.handle.amount")
		// A group, then a leaf under it.
		if _, err := svc.Create(ctx, admin, category.Category{Code: "traffic", Name: "交通", NameEn: "Traffic"}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Create(ctx, admin, leaf("traffic.signals", "traffic")); err != nil {
			t.Fatal(err)
		}
		if got, _ := svc.Get(ctx, "traffic.signals"); got.Code != "traffic.signals" {
			t.Fatal("the service does not see its own write")
		}

		// Update with the version read; a stale version is a conflict.
		name, red := "宠物纠纷", 1.5
		up, err := svc.Update(ctx, admin, "dispute.pets", category.Patch{Version: 1, Name: &name, RedAt: &red})
		if err != nil {
			t.Fatal(err)
		}
		if up.Version != 2 || up.Name != name || up.RedAt != 1.5 {
			t.Fatalf("updated = %+v", up)
		}
		_, err = svc.Update(ctx, admin, "dispute.pets", category.Patch{Version: 1, Name: &name})
		wantCode(t, err, apperr.Conflict, "version")
		_, err = svc.Update(ctx, admin, "dispute.pets", category.Patch{Name: &name})
		wantCode(t, err, apperr.Invalid, "version")
		yellow := 1.6
		_, err = svc.Update(ctx, admin, "dispute.pets", category.Patch{Version: 2, YellowAt: &yellow})
		wantCode(t, err, apperr.Invalid, "yellow_at")
		// Nothing changed: no new version, no audit entry.
		same, err := svc.Update(ctx, admin, "dispute.pets", category.Patch{Version: 2, Name: &name})
		if err != nil || same.Version != 2 {
			t.Fatalf("no-op update = %+v, %v", same, err)
		}
		entries, _ := audit.List(ctx, d.Read(), audit.Filter{Action: "category.update"})
		if len(entries) != 1 || !slices.Equal(toStrings(entries[0].Detail["changed"]), []string{"name", "red_at"}) {
			t.Fatalf("update audit = %+v", entries)
		}

		// Deactivating a group takes its subtree with it; a leaf cannot come
		// back while its group is inactive.
		group, _ := svc.Get(ctx, "traffic")
		if _, err := svc.Deactivate(ctx, admin, "traffic", group.Version); err != nil {
			t.Fatal(err)
		}
		sig, _ := svc.Get(ctx, "traffic.signals")
		if sig.Active || sig.Version != 2 {
			t.Fatalf("leaf under a deactivated group = %+v", sig)
		}
		on := true
		_, err = svc.Update(ctx, admin, "traffic.signals", category.Patch{Version: 2, Active: &on})
		wantCode(t, err, apperr.Invalid, "active")
		leaves, _ := svc.Leaves(ctx)
		if slices.ContainsFunc(leaves, func(c category.Category) bool { return c.Code == "traffic.signals" }) {
			t.Fatal("an inactive leaf is offered")
		}
		visible, _ := svc.Visible(ctx, worker)
		all, _ := svc.Visible(ctx, admin)
		if len(visible) != 7 || len(all) != 8 {
			t.Fatalf("visible groups: worker %d, admin %d", len(visible), len(all))
		}
		entries, _ = audit.List(ctx, d.Read(), audit.Filter{Action: "category.update"})
		last := entries[0] // newest first
		if last.TargetID != "traffic" || !slices.Equal(toStrings(last.Detail["deactivated"]), []string{"traffic.signals"}) {
			t.Fatalf("deactivate audit = %+v", last)
		}
	})
}

func toStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, len(list))
	for i, x := range list {
		out[i], _ = x.(string)
	}
	return out
}

func TestConcurrentUpdatesOneWins(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc := newService(d)
		if _, err := svc.Seed(ctx); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sort := i + 1
				_, errs[i] = svc.Update(ctx, admin, "dispute", category.Patch{Version: 1, Sort: &sort})
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !apperr.Is(err, apperr.Conflict):
				t.Fatalf("update failed: %v", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d concurrent updates of version 1 succeeded, want 1", won)
		}
	})
}

func TestOtherServersSeeChangesOnRefresh(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a, b := newService(d), newService(d)
		if _, err := a.Seed(ctx); err != nil {
			t.Fatal(err)
		}
		if tree, _ := b.Tree(ctx); len(tree) != 7 {
			t.Fatalf("b sees %d groups", len(tree))
		}
		if _, err := a.Create(ctx, admin, category.Category{Code: "traffic", Name: "交通", NameEn: "Traffic"}); err != nil {
			t.Fatal(err)
		}
		if tree, _ := b.Tree(ctx); len(tree) != 7 {
			t.Fatal("b reloaded without being asked")
		}
		if err := b.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if tree, _ := b.Tree(ctx); len(tree) != 8 {
			t.Fatalf("b sees %d groups after Refresh", len(tree))
		}
	})
}

func TestPrivateIsInheritedAndEditable(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc := newService(d)
		if _, err := svc.Seed(ctx); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			code string
			want bool
		}{
			{"dispute", true},
			{"dispute.neighbour", true},                // under a private group
			{"livelihood.elderly_care", true},          // a private leaf
			{"livelihood", false},                      // its group is not
			{"city_appearance.exposed_garbage", false}, // a place, not a person
			{"no.such.code", true},                     // unknown: err on the person's side
		} {
			if got, err := svc.Withheld(ctx, tc.code); err != nil || got != tc.want {
				t.Errorf("Withheld(%s) = %v, %v; want %v", tc.code, got, err, tc.want)
			}
		}
		g, _ := svc.Get(ctx, "city_appearance")
		on := true
		if _, err := svc.Update(ctx, admin, "city_appearance", category.Patch{Version: g.Version, Private: &on}); err != nil {
			t.Fatal(err)
		}
		if got, _ := svc.Withheld(ctx, "city_appearance.exposed_garbage"); !got {
			t.Fatal("a leaf under a group made private is not withheld")
		}
		entries, _ := audit.List(ctx, d.Read(), audit.Filter{Action: "category.update"})
		if len(entries) != 1 || !slices.Contains(entries[0].Detail["changed"].([]any), any("private")) {
			t.Fatalf("audit = %+v", entries)
		}
		// Another server reading the same database sees the flag.
		other := newService(d)
		if got, err := other.Withheld(ctx, "city_appearance.exposed_garbage"); err != nil || !got {
			t.Fatalf("other server: %v, %v", got, err)
		}
	})
}
