package region_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/region"
)

// seedTree builds a city with one county, two townships and a village with a grid.
func seedTree(t *testing.T, s *region.Store) {
	t.Helper()
	for _, r := range []region.Region{
		{Code: "230600", Name: "大庆市", Level: region.City},
		{Code: "230602", Name: "萨尔图区", Level: region.County, ParentCode: "230600"},
		{Code: "230602001", Name: "萨尔图街道", Level: region.Township, ParentCode: "230602"},
		{Code: "230602002", Name: "铁人街道", Level: region.Township, ParentCode: "230602"},
		{Code: "230602001001", Name: "友谊社区", Level: region.Village, ParentCode: "230602001"},
		{Code: "230602001001001", Name: "友谊一网格", Level: region.Grid, ParentCode: "230602001001"},
	} {
		if _, err := s.Create(context.Background(), audit.System("test"), region.All(), r); err != nil {
			t.Fatalf("create %s: %v", r.Code, err)
		}
	}
}

func TestStoreScopeFiltering(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := region.NewStore(d, time.Now)
		seedTree(t, s)
		town, err := s.Get(ctx, region.All(), "230602001")
		if err != nil {
			t.Fatal(err)
		}
		if town.Path != "/230600/230602/230602001/" {
			t.Fatalf("path = %q", town.Path)
		}
		scope := region.Under(town.Path)

		if _, err := s.Get(ctx, scope, "230602002"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("sibling township visible to township user: %v", err)
		}
		if _, err := s.Get(ctx, scope, "230602"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("parent county visible to township user: %v", err)
		}
		if g, err := s.Get(ctx, scope, "230602001001001"); err != nil || g.Level != region.Grid {
			t.Fatalf("own grid: %v %v", g, err)
		}
		top, err := s.Children(ctx, scope, "")
		if err != nil || len(top) != 1 || top[0].Code != "230602001" {
			t.Fatalf("top of township scope = %v, %v", top, err)
		}
		if _, err := s.Children(ctx, scope, "230602"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("children of out-of-scope parent: %v", err)
		}
		// A scope of no region (a department's) lists an empty tree, never null.
		for _, parent := range []string{"", "230602"} {
			if none, err := s.Children(ctx, region.None(), parent); err != nil || none == nil || len(none) != 0 {
				t.Fatalf("children of %q in no scope = %#v, %v", parent, none, err)
			}
		}
		all, err := s.Children(ctx, region.All(), "230602")
		if err != nil || len(all) != 2 {
			t.Fatalf("children of county = %v, %v", all, err)
		}
		counts, err := s.Count(ctx, scope)
		if err != nil {
			t.Fatal(err)
		}
		if counts[region.Township] != 1 || counts[region.Village] != 1 || counts[region.Grid] != 1 || counts[region.County] != 0 {
			t.Fatalf("counts = %v", counts)
		}
	})
}

func TestStoreCreateRefusals(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := region.NewStore(d, time.Now)
		seedTree(t, s)
		townScope := region.Under("/230600/230602/230602001/")
		cases := []struct {
			name  string
			scope region.Scope
			r     region.Region
			code  apperr.Code
			field string
		}{
			{"duplicate", region.All(), region.Region{Code: "230602001", Name: "x", Level: region.Township, ParentCode: "230602"}, apperr.Conflict, "code"},
			{"missing parent", region.All(), region.Region{Code: "230603001", Name: "x", Level: region.Township, ParentCode: "230603"}, apperr.Invalid, "parent_code"},
			{"wrong parent level", region.All(), region.Region{Code: "230602001001002", Name: "x", Level: region.Grid, ParentCode: "230602001"}, apperr.Invalid, "parent_code"},
			{"empty name", region.All(), region.Region{Code: "230602003", Name: " ", Level: region.Township, ParentCode: "230602"}, apperr.Invalid, "name"},
			{"parent out of scope", townScope, region.Region{Code: "230602002001", Name: "x", Level: region.Village, ParentCode: "230602002"}, apperr.Invalid, "parent_code"},
			{"city by scoped user", townScope, region.Region{Code: "230700", Name: "x", Level: region.City}, apperr.Forbidden, ""},
			{"bad code", region.All(), region.Region{Code: "23060200X", Name: "x", Level: region.Township, ParentCode: "230602"}, apperr.Invalid, "code"},
		}
		for _, tc := range cases {
			_, err := s.Create(ctx, audit.System("test"), tc.scope, tc.r)
			e, ok := apperr.As(err)
			if !ok || e.Code != tc.code {
				t.Fatalf("%s: err = %v, want %s", tc.name, err, tc.code)
			}
			if tc.field != "" && (len(e.Fields) == 0 || e.Fields[0].Field != tc.field) {
				t.Fatalf("%s: fields = %v, want %s", tc.name, e.Fields, tc.field)
			}
		}
		// Nothing was half-written: six regions and six audit entries remain.
		counts, _ := s.Count(ctx, region.All())
		total := 0
		for _, n := range counts {
			total += n
		}
		if total != 6 {
			t.Fatalf("regions = %d after refusals, want 6", total)
		}
		rep, err := audit.Verify(ctx, d.Read())
		if err != nil || rep.Entries != 6 {
			t.Fatalf("audit = %+v, %v", rep, err)
		}
	})
}

func TestChainAndSearch(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := region.NewStore(d, time.Now)
		seedTree(t, s)
		scope := region.Under("/230600/230602/230602001/")
		chain, err := s.Chain(ctx, scope, "230602001001001")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, l := range chain {
			names = append(names, l.Name)
		}
		if got := strings.Join(names, "›"); got != "大庆市›萨尔图区›萨尔图街道›友谊社区›友谊一网格" {
			t.Fatalf("chain = %s", got)
		}
		if _, err := s.Chain(ctx, scope, "230602002"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("chain of out-of-scope region: %v", err)
		}
		cases := []struct {
			scope region.Scope
			q     string
			want  []string
		}{
			{region.All(), "2306020010", []string{"230602001001", "230602001001001"}},
			{region.All(), "街道", []string{"230602001", "230602002"}},
			{scope, "街道", []string{"230602001"}},
			{region.All(), "友谊", []string{"230602001001", "230602001001001"}},
			{region.All(), "%", nil},
			{region.All(), " ", nil},
		}
		for _, tc := range cases {
			got, err := s.Search(ctx, tc.scope, tc.q, 10)
			if err != nil {
				t.Fatal(err)
			}
			var codes []string
			for _, r := range got {
				codes = append(codes, r.Code)
			}
			if strings.Join(codes, ",") != strings.Join(tc.want, ",") {
				t.Errorf("search %q = %v, want %v", tc.q, codes, tc.want)
			}
		}
	})
}
