package department_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/department"
)

func TestRouteMostSpecificWins(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.seed(t)
		ctx := context.Background()
		ids := map[string]int64{}
		for _, r := range []struct {
			name string
			rule department.Rule
		}{
			{"city other", department.Rule{CategoryCode: "other", RegionCode: "990100", LeadDepartment: "990100-justice"}},
			{"city group", department.Rule{CategoryCode: "city_appearance", RegionCode: "990100", LeadDepartment: "990100-urban"}},
			{"city leaf", department.Rule{CategoryCode: "city_appearance.exposed_garbage", RegionCode: "990100", LeadDepartment: "990100-police"}},
			{"county group", department.Rule{CategoryCode: "city_appearance", RegionCode: "990101", LeadDepartment: "990101-urban"}},
			{"township group", department.Rule{CategoryCode: "city_appearance", RegionCode: "990101001", LeadDepartment: "990101001-enforcement",
				Assisting: []string{"990101001-police", "990101-urban"}}},
			{"city gas", department.Rule{CategoryCode: "safety.gas", RegionCode: "990100", LeadDepartment: "990100-gas"}},
			{"county safety", department.Rule{CategoryCode: "safety", RegionCode: "990101", LeadDepartment: "990101-police"}},
		} {
			created, err := f.svc.CreateRule(ctx, admin, r.rule)
			if err != nil {
				t.Fatalf("%s: %v", r.name, err)
			}
			ids[r.name] = created.ID
		}
		cases := []struct {
			category, path, want string
		}{
			{"city_appearance.exposed_garbage", gridPath, "township group"}, // the deepest region wins over a leaf above
			{"city_appearance.exposed_garbage", "/990100/990101/990101002/", "county group"},
			{"city_appearance.exposed_garbage", "/990100/990102/990102001/", "city leaf"}, // a leaf beats its group at one level
			{"city_appearance.road_damage", "/990100/990102/", "city group"},
			{"city_appearance", cityPath, "city group"},
			{"safety.gas", gridPath, "county safety"},
			{"safety.gas", "/990100/990102/", "city gas"},
			{"safety.fire", "/990100/990102/", ""},
			{"other.general", "/990100/990102/", "city other"},
			{"other.general", "/770100/770101/", ""},                           // another city
			{"city_appearance.exposed_garbage", "/990100/990102", "city leaf"}, // a missing final slash
			{"city_appearance_x", cityPath, ""},
			{"city_appearance.exposed_garbage", "990100/", ""},
			{"", cityPath, ""},
		}
		for _, c := range cases {
			route, ok, err := f.svc.Route(ctx, c.category, c.path)
			if err != nil {
				t.Fatal(err)
			}
			if c.want == "" {
				if ok {
					t.Errorf("Route(%s, %s) = %+v, want none", c.category, c.path, route)
				}
				continue
			}
			if !ok || route.RuleID != ids[c.want] {
				t.Errorf("Route(%s, %s) = rule %d (%v), want %s (%d)", c.category, c.path, route.RuleID, ok, c.want, ids[c.want])
			}
		}
		route, _, _ := f.svc.Route(ctx, "city_appearance.exposed_garbage", gridPath)
		if route.Lead != "990101001-enforcement" || !slices.Equal(route.Assisting, []string{"990101001-police", "990101-urban"}) {
			t.Fatalf("route = %+v", route)
		}
		route.Assisting[0] = "changed"
		if again, _, _ := f.svc.Route(ctx, "city_appearance.exposed_garbage", gridPath); again.Assisting[0] != "990101001-police" {
			t.Fatal("Route returned shared state")
		}

		// Changes apply at once in this process, and after Refresh in others.
		other := department.NewService(d, f.cats, slogDiscard(), time.Now)
		if r, _, _ := other.Route(ctx, "city_appearance.exposed_garbage", gridPath); r.RuleID != ids["township group"] {
			t.Fatalf("other server routes to %d", r.RuleID)
		}
		if err := f.svc.DeleteRule(ctx, admin, ids["township group"], 1); err != nil {
			t.Fatal(err)
		}
		if r, _, _ := f.svc.Route(ctx, "city_appearance.exposed_garbage", gridPath); r.RuleID != ids["county group"] {
			t.Fatalf("after delete: rule %d", r.RuleID)
		}
		if r, _, _ := other.Route(ctx, "city_appearance.exposed_garbage", gridPath); r.RuleID != ids["township group"] {
			t.Fatal("the other server reloaded without being asked")
		}
		if err := other.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if r, _, _ := other.Route(ctx, "city_appearance.exposed_garbage", gridPath); r.RuleID != ids["county group"] {
			t.Fatalf("other server after Refresh: rule %d", r.RuleID)
		}

		// Resolve explains the choice with names, within the caller's area.
		res, err := f.svc.Resolve(ctx, countyCenter, "safety.gas", "990101001001001")
		if err != nil {
			t.Fatal(err)
		}
		if !res.Matched || res.Rule.ID != ids["county safety"] || res.Lead.Name != "东区公安分局" || res.RegionPath != gridPath || len(res.Assisting) != 0 {
			t.Fatalf("resolution = %+v", res)
		}
		res, err = f.svc.Resolve(ctx, countyCenter, "livelihood.water", "990101")
		if err != nil || res.Matched {
			t.Fatalf("unrouted = %+v, %v", res, err)
		}
		_, err = f.svc.Resolve(ctx, countyCenter, "safety.gas", "990102")
		wantCode(t, err, apperr.Invalid, "region")
		_, err = f.svc.Resolve(ctx, countyCenter, "nope", "990101")
		wantCode(t, err, apperr.Invalid, "category")
		_, err = f.svc.Resolve(ctx, resident, "safety.gas", "990101")
		wantCode(t, err, apperr.Forbidden, "")
	})
}
