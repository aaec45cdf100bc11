package demo_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/department"
	"github.com/gridgov/gridgov/internal/region"
)

// regionsOnly is a city with the preset's counties and townships and no
// geometry, which is all Departments and RoutingRules read.
func regionsOnly(p demo.Preset) demo.City {
	city := region.Region{Code: demo.CityCode, Name: demo.CityName, Level: region.City, Path: "/" + demo.CityCode + "/"}
	c := demo.City{Regions: []region.Region{city}}
	for i := range p.Counties {
		code, suffix := fmt.Sprintf("9901%02d", 2+i), "区"
		if i >= p.Districts {
			code, suffix = fmt.Sprintf("9901%02d", 21+i-p.Districts), "县"
		}
		county := region.Region{Code: code, Name: fmt.Sprintf("第%d%s", i+1, suffix), Level: region.County, ParentCode: city.Code,
			Path: region.ChildPath(city.Path, code)}
		c.Regions = append(c.Regions, county)
		n := p.Townships / p.Counties
		if i < p.Townships%p.Counties {
			n++
		}
		for j := range n {
			t := fmt.Sprintf("%s%03d", code, j+1)
			c.Regions = append(c.Regions, region.Region{Code: t, Name: fmt.Sprintf("第%d街道", j+1), Level: region.Township,
				ParentCode: code, Path: region.ChildPath(county.Path, t)})
		}
	}
	return c
}

func TestDepartmentsPerPreset(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		preset string
		want   int
	}{{"small", 18 + 4*4 + 16}, {"daqing", 407}, {"zhangjiakou", 26 + 16*9 + 230*3}} {
		p, _ := demo.LookupPreset(c.preset)
		city := regionsOnly(p)
		depts := demo.Departments(city, p)
		if len(depts) != c.want {
			t.Errorf("%s: %d departments, want %d", c.preset, len(depts), c.want)
		}
		checkDepartments(t, c.preset, depts)
		checkRules(t, c.preset, depts, demo.RoutingRules(city, p))
	}
}

func checkDepartments(t *testing.T, preset string, depts []department.Department) {
	t.Helper()
	seen := map[string]department.Department{}
	for _, d := range depts {
		if _, dup := seen[d.Code]; dup {
			t.Fatalf("%s: code %s twice", preset, d.Code)
		}
		if d.ParentCode != "" {
			parent, ok := seen[d.ParentCode]
			if !ok {
				t.Fatalf("%s: %s comes before its parent %s", preset, d.Code, d.ParentCode)
			}
			if !strings.HasPrefix(d.RegionPath, parent.RegionPath) || parent.Level >= d.Level {
				t.Fatalf("%s: parent %s of %s serves elsewhere", preset, parent.Code, d.Code)
			}
		}
		if len(d.Code) > 32 || d.Name == "" || !strings.HasPrefix(d.Code, d.RegionCode+"-") {
			t.Fatalf("%s: department %+v", preset, d)
		}
		seen[d.Code] = d
	}
}

func checkRules(t *testing.T, preset string, depts []department.Department, rules []department.Rule) {
	t.Helper()
	byCode := map[string]department.Department{}
	for _, d := range depts {
		byCode[d.Code] = d
	}
	cats := map[string]bool{}
	var tops []string
	for _, c := range category.DefaultTree() {
		cats[c.Code] = true
		if c.ParentCode == "" {
			tops = append(tops, c.Code)
		}
	}
	keys := map[string]bool{}
	cityTops := map[string]bool{}
	for _, r := range rules {
		if !cats[r.CategoryCode] {
			t.Fatalf("%s: rule on unknown category %s", preset, r.CategoryCode)
		}
		key := r.CategoryCode + " " + r.RegionPath
		if keys[key] {
			t.Fatalf("%s: two rules for %s", preset, key)
		}
		keys[key] = true
		for _, code := range append([]string{r.LeadDepartment}, r.Assisting...) {
			d, ok := byCode[code]
			if !ok || !strings.HasPrefix(r.RegionPath, d.RegionPath) {
				t.Fatalf("%s: rule %s names department %s that does not serve it", preset, key, code)
			}
		}
		if r.RegionCode == demo.CityCode && cats[r.CategoryCode] && !strings.Contains(r.CategoryCode, ".") {
			cityTops[r.CategoryCode] = true
		}
	}
	for _, top := range tops {
		if !cityTops[top] {
			t.Errorf("%s: no city rule for %s", preset, top)
		}
	}
}

func TestDepartmentsAreDeterministicOnTheGeneratedCity(t *testing.T) {
	p, _ := demo.LookupPreset("small")
	city, err := demo.Generate(p, demo.Options{Seed: demo.DefaultSeed})
	if err != nil {
		t.Fatal(err)
	}
	a, b := demo.Departments(city, p), demo.Departments(city, p)
	if diff := cmp.Diff(a, b); diff != "" || len(a) != 50 {
		t.Fatalf("%d departments; two calls differ:\n%s", len(a), diff)
	}
	if diff := cmp.Diff(demo.RoutingRules(city, p), demo.RoutingRules(city, p)); diff != "" {
		t.Fatalf("two calls differ:\n%s", diff)
	}
	checkDepartments(t, "small", a)
	checkRules(t, "small", a, demo.RoutingRules(city, p))
	if a[0].Name != "示范市公安局" || !slices.ContainsFunc(a, func(d department.Department) bool {
		return strings.HasSuffix(d.Name, "综合行政执法队") && d.Level == region.Township
	}) {
		t.Fatalf("departments start %+v", a[0])
	}
}

// TestDemoCatalogLoadsAndRoutes stores the small city's catalog as `gridgov
// demo` would and checks where typical events go.
func TestDemoCatalogLoadsAndRoutes(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		p, _ := demo.LookupPreset("small")
		city := regionsOnly(p)
		store := region.NewStore(d, time.Now)
		for _, r := range city.Regions {
			r.Path = ""
			if _, err := store.Create(ctx, audit.System("demo"), region.All(), r); err != nil {
				t.Fatal(err)
			}
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		cats := category.NewService(d, log, time.Now)
		if _, err := cats.Seed(ctx); err != nil {
			t.Fatal(err)
		}
		svc := department.NewService(d, cats, log, time.Now)
		depts, rules := demo.Departments(city, p), demo.RoutingRules(city, p)
		got, err := svc.Import(ctx, auth.System("demo"), depts, rules)
		if err != nil {
			t.Fatal(err)
		}
		if got.Departments != len(depts) || got.Rules != len(rules) {
			t.Fatalf("imported %+v of %d departments and %d rules", got, len(depts), len(rules))
		}
		again, err := svc.Import(ctx, auth.System("demo"), depts, rules)
		if err != nil || again.Departments != 0 || again.Rules != 0 || again.ExistingRules != len(rules) {
			t.Fatalf("second import = %+v, %v", again, err)
		}
		township := city.Regions[2] // the first township of the first county
		if township.Level != region.Township {
			t.Fatalf("region %+v", township)
		}
		grid := township.Path + township.Code + "001/" + township.Code + "001001/"
		county := township.ParentCode
		for _, c := range []struct{ category, lead string }{
			{"city_appearance.exposed_garbage", township.Code + "-enforcement"},
			{"city_appearance.road_damage", county + "-housing"},
			{"safety.gas", demo.CityCode + "-gas"},
			{"livelihood.heating", demo.CityCode + "-heating"},
			{"livelihood.elderly_care", demo.CityCode + "-civil"}, // a small city's counties have no civil affairs bureau
			{"dispute.land", county + "-justice"},
			{"other.general", demo.CityCode + "-petition"},
		} {
			route, ok, err := svc.Route(ctx, c.category, grid)
			if err != nil || !ok || route.Lead != c.lead {
				t.Errorf("Route(%s) = %+v, %v, %v; want lead %s", c.category, route, ok, err, c.lead)
			}
		}
	})
}
