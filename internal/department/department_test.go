package department_test

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
	"github.com/gridgov/gridgov/internal/department"
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
	otherCounty  = principal(auth.RoleCenter, "/990100/990102/")
	worker       = principal(auth.RoleWorker, "/990100/990101/")
	resident     = principal(auth.RoleResident, "")
	deptUser     = auth.Principal{User: auth.User{ID: 9, Username: "police", Role: auth.RoleDepartment, ScopeDepartment: "990101-police"}}
)

type fixture struct {
	d    *db.DB
	svc  *department.Service
	cats *category.Service
}

const (
	cityPath     = "/990100/"
	countyPath   = "/990100/990101/"
	townshipPath = "/990100/990101/990101001/"
	villagePath  = "/990100/990101/990101001/990101001001/"
	gridPath     = "/990100/990101/990101001/990101001001/990101001001001/"
)

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	store := region.NewStore(d, time.Now)
	for _, r := range []region.Region{
		{Code: "990100", Name: "示范市", Level: region.City},
		{Code: "990101", Name: "东区", Level: region.County, ParentCode: "990100"},
		{Code: "990102", Name: "西区", Level: region.County, ParentCode: "990100"},
		{Code: "990101001", Name: "东风街道", Level: region.Township, ParentCode: "990101"},
		{Code: "990101002", Name: "红旗街道", Level: region.Township, ParentCode: "990101"},
		{Code: "990102001", Name: "西林街道", Level: region.Township, ParentCode: "990102"},
		{Code: "990101001001", Name: "友谊社区", Level: region.Village, ParentCode: "990101001"},
		{Code: "990101001001001", Name: "友谊一网格", Level: region.Grid, ParentCode: "990101001001"},
	} {
		if _, err := store.Create(ctx, audit.System("test"), region.All(), r); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cats := category.NewService(d, log, time.Now)
	if _, err := cats.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	return &fixture{d: d, cats: cats, svc: department.NewService(d, cats, log, time.Now)}
}

// seed stores a city bureau, county counterparts and township offices.
func (f *fixture) seed(t testing.TB) {
	t.Helper()
	for _, d := range []department.Department{
		{Code: "990100-police", Name: "示范市公安局", RegionCode: "990100"},
		{Code: "990100-urban", Name: "示范市城市管理综合执法局", RegionCode: "990100"},
		{Code: "990100-gas", Name: "示范市燃气公司", RegionCode: "990100"},
		{Code: "990100-justice", Name: "示范市司法局", RegionCode: "990100"},
		{Code: "990101-police", Name: "东区公安分局", RegionCode: "990101", ParentCode: "990100-police"},
		{Code: "990101-urban", Name: "东区城市管理综合执法局", RegionCode: "990101", ParentCode: "990100-urban"},
		{Code: "990102-urban", Name: "西区城市管理综合执法局", RegionCode: "990102", ParentCode: "990100-urban"},
		{Code: "990101001-enforcement", Name: "东风街道综合行政执法队", RegionCode: "990101001", ParentCode: "990101-urban"},
		{Code: "990101001-police", Name: "东风派出所", RegionCode: "990101001", ParentCode: "990101-police"},
	} {
		if _, err := f.svc.Create(context.Background(), admin, d); err != nil {
			t.Fatalf("create %s: %v", d.Code, err)
		}
	}
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

func codes(ds []department.Department) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Code
	}
	return out
}

func TestCreateDepartmentChecksEveryField(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.seed(t)
		ctx := context.Background()
		got, err := f.svc.Get(ctx, admin, "990101001-police")
		if err != nil {
			t.Fatal(err)
		}
		if got.Level != region.Township || got.RegionName != "东风街道" || got.RegionPath != townshipPath || !got.Active || got.Version != 1 {
			t.Fatalf("department = %+v", got)
		}
		cases := []struct {
			name  string
			p     auth.Principal
			d     department.Department
			code  apperr.Code
			field string
		}{
			{"bad code", admin, department.Department{Code: "东区/警", Name: "x", RegionCode: "990101"}, apperr.Invalid, "code"},
			{"no name", admin, department.Department{Code: "x1", Name: " ", RegionCode: "990101"}, apperr.Invalid, "name"},
			{"no region", admin, department.Department{Code: "x1", Name: "x"}, apperr.Invalid, "region_code"},
			{"unknown region", admin, department.Department{Code: "x1", Name: "x", RegionCode: "990199"}, apperr.Invalid, "region_code"},
			{"village", admin, department.Department{Code: "x1", Name: "x", RegionCode: "990101001001"}, apperr.Invalid, "region_code"},
			{"wrong level", admin, department.Department{Code: "x1", Name: "x", RegionCode: "990101", Level: region.City}, apperr.Invalid, "level"},
			{"unknown parent", admin, department.Department{Code: "x1", Name: "x", RegionCode: "990101", ParentCode: "nope"}, apperr.Invalid, "parent_code"},
			{"parent elsewhere", admin, department.Department{Code: "x1", Name: "x", RegionCode: "990101001", ParentCode: "990102-urban"}, apperr.Invalid, "parent_code"},
			{"duplicate", admin, department.Department{Code: "990101-police", Name: "x", RegionCode: "990101"}, apperr.Conflict, "code"},
			{"region out of scope", countyCenter, department.Department{Code: "x1", Name: "x", RegionCode: "990102"}, apperr.Invalid, "region_code"},
			{"city bureau by a county", countyCenter, department.Department{Code: "x1", Name: "x", RegionCode: "990100"}, apperr.Invalid, "region_code"},
			{"parent out of view", countyCenter, department.Department{Code: "x1", Name: "x", RegionCode: "990101", ParentCode: "990102-urban"}, apperr.Invalid, "parent_code"},
			{"worker", worker, department.Department{Code: "x1", Name: "x", RegionCode: "990101"}, apperr.Forbidden, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.svc.Create(ctx, c.p, c.d)
				wantCode(t, err, c.code, c.field)
			})
		}
		// A county center adds a township office under the city's bureau chain.
		if _, err := f.svc.Create(ctx, countyCenter, department.Department{Code: "990101002-police", Name: "红旗派出所",
			RegionCode: "990101002", ParentCode: "990101-police"}); err != nil {
			t.Fatal(err)
		}
		entries, _ := audit.List(ctx, d.Read(), audit.Filter{Action: "department.create"})
		if len(entries) != 10 || entries[0].TargetID != "990101002-police" || entries[0].Detail["region_code"] != "990101002" {
			t.Fatalf("%d create audits, newest %+v", len(entries), entries[0])
		}
	})
}

func TestListSeesScopeAndAbove(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.seed(t)
		ctx := context.Background()
		list := func(p auth.Principal, q department.Query) []string {
			t.Helper()
			page, err := f.svc.List(ctx, p, q)
			if err != nil {
				t.Fatal(err)
			}
			return codes(page.Items)
		}
		all := list(admin, department.Query{})
		if len(all) != 9 || all[0] != "990100-gas" {
			t.Fatalf("admin sees %v", all)
		}
		// A county center sees the city bureaus and its own county, not the other county.
		want := []string{"990100-gas", "990100-justice", "990100-police", "990100-urban", "990101-police", "990101-urban",
			"990101001-enforcement", "990101001-police"}
		if got := list(countyCenter, department.Query{}); !slices.Equal(got, want) {
			t.Fatalf("county center sees %v", got)
		}
		if got := list(otherCounty, department.Query{}); !slices.Equal(got, []string{"990100-gas", "990100-justice", "990100-police", "990100-urban", "990102-urban"}) {
			t.Fatalf("other county sees %v", got)
		}
		// A department account sees from its department's region.
		if got := list(deptUser, department.Query{Q: "police"}); !slices.Equal(got, []string{"990100-police", "990101-police", "990101001-police"}) {
			t.Fatalf("department user sees %v", got)
		}
		if got := list(countyCenter, department.Query{Q: "派出所"}); !slices.Equal(got, []string{"990101001-police"}) {
			t.Fatalf("search by name = %v", got)
		}
		if got := list(admin, department.Query{Q: "_"}); len(got) != 0 {
			t.Fatalf("'_' is not a wildcard, got %v", got)
		}
		if got := list(admin, department.Query{Level: region.County}); !slices.Equal(got, []string{"990101-police", "990101-urban", "990102-urban"}) {
			t.Fatalf("counties = %v", got)
		}
		if got := list(admin, department.Query{Region: "990101001"}); !slices.Equal(got, []string{"990101001-enforcement", "990101001-police"}) {
			t.Fatalf("region filter = %v", got)
		}
		if got := list(admin, department.Query{Parent: "990100-urban"}); !slices.Equal(got, []string{"990101-urban", "990102-urban"}) {
			t.Fatalf("parent filter = %v", got)
		}
		page, err := f.svc.List(ctx, admin, department.Query{Page: 2, PageSize: 4})
		if err != nil || page.Total != 9 || len(page.Items) != 4 || page.Items[0].Code != "990101-police" {
			t.Fatalf("page 2 = %+v, %v", page, err)
		}
		_, err = f.svc.List(ctx, countyCenter, department.Query{Region: "990102"})
		wantCode(t, err, apperr.Invalid, "region")
		_, err = f.svc.List(ctx, resident, department.Query{})
		wantCode(t, err, apperr.Forbidden, "")
		_, err = f.svc.Get(ctx, countyCenter, "990102-urban")
		wantCode(t, err, apperr.NotFound, "")
	})
}

func TestUpdateDepartment(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.seed(t)
		ctx := context.Background()
		name := "东区公安分局（新）"
		up, err := f.svc.Update(ctx, countyCenter, "990101-police", department.Patch{Version: 1, Name: &name})
		if err != nil || up.Version != 2 || up.Name != name {
			t.Fatalf("update = %+v, %v", up, err)
		}
		_, err = f.svc.Update(ctx, countyCenter, "990101-police", department.Patch{Version: 1, Name: &name})
		wantCode(t, err, apperr.Conflict, "version")
		_, err = f.svc.Update(ctx, countyCenter, "990100-police", department.Patch{Version: 1, Name: &name})
		wantCode(t, err, apperr.Forbidden, "") // a city bureau is the city's to change
		_, err = f.svc.Update(ctx, countyCenter, "990102-urban", department.Patch{Version: 1, Name: &name})
		wantCode(t, err, apperr.NotFound, "")
		_, err = f.svc.Update(ctx, admin, "990100-police", department.Patch{Name: &name})
		wantCode(t, err, apperr.Invalid, "version")
		// A parent below the department would make a cycle.
		below := "990101-urban"
		if _, err := f.svc.Update(ctx, admin, "990100-urban", department.Patch{Version: 1, ParentCode: &below}); err == nil {
			t.Fatal("a city bureau under a county bureau")
		}
		self := "990101-urban"
		_, err = f.svc.Update(ctx, admin, "990101-urban", department.Patch{Version: 1, ParentCode: &self})
		wantCode(t, err, apperr.Invalid, "parent_code")
		none := ""
		up, err = f.svc.Update(ctx, admin, "990101-urban", department.Patch{Version: 1, ParentCode: &none})
		if err != nil || up.ParentCode != "" {
			t.Fatalf("remove parent = %+v, %v", up, err)
		}
		entries, _ := audit.List(ctx, d.Read(), audit.Filter{Action: "department.update"})
		if len(entries) != 2 || entries[0].Detail["changed"].([]any)[0] != "parent_code" || entries[1].Detail["changed"].([]any)[0] != "name" {
			t.Fatalf("update audits = %+v", entries)
		}

		// Deactivation waits until no rule names the department.
		rule, err := f.svc.CreateRule(ctx, admin, department.Rule{CategoryCode: "public_order", RegionCode: "990101", LeadDepartment: "990101-police"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Deactivate(ctx, admin, "990101-police", 2)
		wantCode(t, err, apperr.Conflict, "active")
		if err := f.svc.DeleteRule(ctx, admin, rule.ID, rule.Version); err != nil {
			t.Fatal(err)
		}
		off, err := f.svc.Deactivate(ctx, admin, "990101-police", 2)
		if err != nil || off.Active || off.Version != 3 {
			t.Fatalf("deactivate = %+v, %v", off, err)
		}
		_, err = f.svc.CreateRule(ctx, admin, department.Rule{CategoryCode: "public_order", RegionCode: "990101", LeadDepartment: "990101-police"})
		wantCode(t, err, apperr.Invalid, "lead_department")
		active := false
		page, _ := f.svc.List(ctx, admin, department.Query{Active: &active})
		if !slices.Equal(codes(page.Items), []string{"990101-police"}) {
			t.Fatalf("inactive = %v", codes(page.Items))
		}
	})
}

func TestConcurrentDepartmentUpdatesOneWins(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.seed(t)
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				name := "新名称" + string(rune('A'+i))
				_, errs[i] = f.svc.Update(ctx, admin, "990100-gas", department.Patch{Version: 1, Name: &name})
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
			t.Fatalf("%d updates of version 1 succeeded", won)
		}
	})
}
