package department_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/department"
)

func ruleIDs(rs []department.Rule) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func TestRuleChecksAndScope(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.seed(t)
		ctx := context.Background()
		city, err := f.svc.CreateRule(ctx, cityCenter, department.Rule{CategoryCode: "city_appearance", RegionCode: "990100",
			LeadDepartment: "990100-urban", Assisting: []string{"990100-police"}, Note: "市级兜底"})
		if err != nil {
			t.Fatal(err)
		}
		if city.ID == 0 || city.RegionPath != cityPath || city.LeadName != "示范市城市管理综合执法局" ||
			!slices.Equal(city.AssistingNames, []string{"示范市公安局"}) || city.Version != 1 {
			t.Fatalf("rule = %+v", city)
		}
		cases := []struct {
			name  string
			p     auth.Principal
			r     department.Rule
			code  apperr.Code
			field string
		}{
			{"no category", admin, department.Rule{RegionCode: "990101", LeadDepartment: "990101-urban"}, apperr.Invalid, "category_code"},
			{"unknown category", admin, department.Rule{CategoryCode: "nope", RegionCode: "990101", LeadDepartment: "990101-urban"}, apperr.Invalid, "category_code"},
			{"no region for a county", countyCenter, department.Rule{CategoryCode: "dispute", LeadDepartment: "990101-urban"}, apperr.Invalid, "region_code"},
			{"region out of scope", countyCenter, department.Rule{CategoryCode: "dispute", RegionCode: "990102", LeadDepartment: "990100-urban"}, apperr.Invalid, "region_code"},
			{"city rule by a county", countyCenter, department.Rule{CategoryCode: "dispute", RegionCode: "990100", LeadDepartment: "990100-urban"}, apperr.Invalid, "region_code"},
			{"no lead", admin, department.Rule{CategoryCode: "dispute", RegionCode: "990101"}, apperr.Invalid, "lead_department"},
			{"unknown lead", admin, department.Rule{CategoryCode: "dispute", RegionCode: "990101", LeadDepartment: "nope"}, apperr.Invalid, "lead_department"},
			{"lead serves elsewhere", admin, department.Rule{CategoryCode: "dispute", RegionCode: "990101", LeadDepartment: "990102-urban"}, apperr.Invalid, "lead_department"},
			{"township lead for a county", admin, department.Rule{CategoryCode: "dispute", RegionCode: "990101", LeadDepartment: "990101001-police"}, apperr.Invalid, "lead_department"},
			{"lead out of view", otherCounty, department.Rule{CategoryCode: "dispute", RegionCode: "990102", LeadDepartment: "990101-urban"}, apperr.Invalid, "lead_department"},
			{"assisting is lead", admin, department.Rule{CategoryCode: "dispute", RegionCode: "990101", LeadDepartment: "990101-urban", Assisting: []string{"990101-urban"}}, apperr.Invalid, "assisting[0]"},
			{"assisting twice", admin, department.Rule{CategoryCode: "dispute", RegionCode: "990101", LeadDepartment: "990101-urban", Assisting: []string{"990101-police", "990101-police"}}, apperr.Invalid, "assisting[1]"},
			{"assisting unknown", admin, department.Rule{CategoryCode: "dispute", RegionCode: "990101", LeadDepartment: "990101-urban", Assisting: []string{"nope"}}, apperr.Invalid, "assisting[0]"},
			{"duplicate", admin, department.Rule{CategoryCode: "city_appearance", RegionCode: "990100", LeadDepartment: "990100-police"}, apperr.Conflict, "category_code"},
			{"worker", worker, department.Rule{CategoryCode: "dispute", RegionCode: "990101", LeadDepartment: "990101-urban"}, apperr.Forbidden, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.svc.CreateRule(ctx, c.p, c.r)
				wantCode(t, err, c.code, c.field)
			})
		}
		// A county center routes its county, to its own and to city departments.
		county, err := f.svc.CreateRule(ctx, countyCenter, department.Rule{CategoryCode: "safety.gas", RegionCode: "990101",
			LeadDepartment: "990100-gas", Assisting: []string{"990101-police"}})
		if err != nil {
			t.Fatal(err)
		}
		other, err := f.svc.CreateRule(ctx, otherCounty, department.Rule{CategoryCode: "city_appearance", RegionCode: "990102",
			LeadDepartment: "990102-urban"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.CreateRule(ctx, admin, department.Rule{CategoryCode: "other", LeadDepartment: "990100-justice"})
		wantCode(t, err, apperr.Invalid, "region_code")
		everywhere, err := f.svc.CreateRule(ctx, admin, department.Rule{CategoryCode: "other", RegionCode: "990100", LeadDepartment: "990100-justice"})
		if err != nil {
			t.Fatal(err)
		}

		list := func(p auth.Principal, q department.RuleQuery) []int64 {
			t.Helper()
			page, err := f.svc.ListRules(ctx, p, q)
			if err != nil {
				t.Fatal(err)
			}
			return ruleIDs(page.Items)
		}
		if got := list(countyCenter, department.RuleQuery{}); !slices.Equal(got, []int64{city.ID, everywhere.ID, county.ID}) {
			t.Fatalf("county center sees rules %v", got)
		}
		if got := list(admin, department.RuleQuery{Category: "city_appearance"}); !slices.Equal(got, []int64{city.ID, other.ID}) {
			t.Fatalf("by category = %v", got)
		}
		if got := list(admin, department.RuleQuery{Category: "safety"}); !slices.Equal(got, []int64{county.ID}) {
			t.Fatalf("by group = %v", got)
		}
		if got := list(admin, department.RuleQuery{Department: "990101-police"}); !slices.Equal(got, []int64{county.ID}) {
			t.Fatalf("by assisting department = %v", got)
		}
		if got := list(admin, department.RuleQuery{Region: "990102"}); !slices.Equal(got, []int64{other.ID}) {
			t.Fatalf("by region = %v", got)
		}
		page, _ := f.svc.ListRules(ctx, admin, department.RuleQuery{Department: "990101-police"})
		if r := page.Items[0]; !slices.Equal(r.Assisting, []string{"990101-police"}) || r.LeadName != "示范市燃气公司" {
			t.Fatalf("listed rule = %+v", r)
		}
		_, err = f.svc.GetRule(ctx, countyCenter, other.ID)
		wantCode(t, err, apperr.NotFound, "")

		// Changes: the county cannot touch the city's rule, and sees no other county's.
		note := "x"
		_, err = f.svc.UpdateRule(ctx, countyCenter, city.ID, department.RulePatch{Version: 1, Note: &note})
		wantCode(t, err, apperr.Forbidden, "")
		_, err = f.svc.UpdateRule(ctx, countyCenter, other.ID, department.RulePatch{Version: 1, Note: &note})
		wantCode(t, err, apperr.NotFound, "")
		err = f.svc.DeleteRule(ctx, countyCenter, other.ID, 1)
		wantCode(t, err, apperr.NotFound, "")
		moveOut := "990102"
		_, err = f.svc.UpdateRule(ctx, countyCenter, county.ID, department.RulePatch{Version: 1, RegionCode: &moveOut})
		wantCode(t, err, apperr.Invalid, "region_code")
		assist := []string{"990101-police", "990101-urban"}
		lead := "990101001-enforcement"
		_, err = f.svc.UpdateRule(ctx, countyCenter, county.ID, department.RulePatch{Version: 1, LeadDepartment: &lead})
		wantCode(t, err, apperr.Invalid, "lead_department")
		up, err := f.svc.UpdateRule(ctx, countyCenter, county.ID, department.RulePatch{Version: 1, Assisting: &assist, Note: &note})
		if err != nil || up.Version != 2 || !slices.Equal(up.Assisting, assist) || up.Note != "x" {
			t.Fatalf("update = %+v, %v", up, err)
		}
		_, err = f.svc.UpdateRule(ctx, countyCenter, county.ID, department.RulePatch{Version: 1, Note: &note})
		wantCode(t, err, apperr.Conflict, "version")
		again, _ := f.svc.GetRule(ctx, countyCenter, county.ID)
		if !slices.Equal(again.Assisting, assist) || again.Version != 2 {
			t.Fatalf("stored = %+v", again)
		}
		dup := "city_appearance"
		_, err = f.svc.UpdateRule(ctx, admin, everywhere.ID, department.RulePatch{Version: 1, CategoryCode: &dup, RegionCode: &moveOut, LeadDepartment: &[]string{"990102-urban"}[0]})
		wantCode(t, err, apperr.Conflict, "category_code")
		err = f.svc.DeleteRule(ctx, countyCenter, county.ID, 1)
		wantCode(t, err, apperr.Conflict, "version")
		if err := f.svc.DeleteRule(ctx, countyCenter, county.ID, 2); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.GetRule(ctx, admin, county.ID)
		wantCode(t, err, apperr.NotFound, "")

		for action, n := range map[string]int{"routing_rule.create": 4, "routing_rule.update": 1, "routing_rule.delete": 1} {
			entries, _ := audit.List(ctx, d.Read(), audit.Filter{Action: action})
			if len(entries) != n {
				t.Fatalf("%d %s audits, want %d", len(entries), action, n)
			}
			if action == "routing_rule.update" {
				changed := entries[0].Detail["changed"].([]any)
				if len(changed) != 2 || changed[0] != "assisting" || changed[1] != "note" {
					t.Fatalf("changed = %v", changed)
				}
			}
		}
	})
}

func TestConcurrentRuleUpdatesOneWins(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.seed(t)
		ctx := context.Background()
		r, err := f.svc.CreateRule(ctx, admin, department.Rule{CategoryCode: "dispute", RegionCode: "990101", LeadDepartment: "990101-urban"})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				note := string(rune('a' + i))
				_, errs[i] = f.svc.UpdateRule(ctx, admin, r.ID, department.RulePatch{Version: 1, Note: &note})
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
