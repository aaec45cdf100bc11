package department_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/department"
	"github.com/gridgov/gridgov/internal/region"
)

func slogDiscard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// lookup is one event to route: a leaf category and a grid's path.
type lookup struct{ category, path string }

// daqingCatalog stores the daqing preset's regions down to townships, the
// default categories, its 407 departments and its routing rules, and returns
// events spread over its grids and leaf categories.
func daqingCatalog(b *testing.B, d *db.DB) (*department.Service, []lookup) {
	b.Helper()
	ctx := context.Background()
	p, _ := demo.LookupPreset("daqing")
	city := demo.City{Regions: []region.Region{{Code: demo.CityCode, Name: demo.CityName, Level: region.City, Path: "/" + demo.CityCode + "/"}}}
	for i := range p.Counties {
		code := fmt.Sprintf("9901%02d", 2+i)
		county := region.Region{Code: code, Name: fmt.Sprintf("第%d区", i+1), Level: region.County, ParentCode: demo.CityCode,
			Path: region.ChildPath(city.Regions[0].Path, code)}
		city.Regions = append(city.Regions, county)
		for j := range p.Townships / p.Counties {
			tc := fmt.Sprintf("%s%03d", code, j+1)
			city.Regions = append(city.Regions, region.Region{Code: tc, Name: fmt.Sprintf("第%d街道", j+1), Level: region.Township,
				ParentCode: code, Path: region.ChildPath(county.Path, tc)})
		}
	}
	store := region.NewStore(d, time.Now)
	for _, r := range city.Regions {
		r.Path = ""
		if _, err := store.Create(ctx, audit.System("bench"), region.All(), r); err != nil {
			b.Fatal(err)
		}
	}
	cats := category.NewService(d, slogDiscard(), time.Now)
	if _, err := cats.Seed(ctx); err != nil {
		b.Fatal(err)
	}
	svc := department.NewService(d, cats, slogDiscard(), time.Now)
	if _, err := svc.Import(ctx, auth.System("bench"), demo.Departments(city, p), demo.RoutingRules(city, p)); err != nil {
		b.Fatal(err)
	}
	leaves, _ := cats.Leaves(ctx)
	rng := rand.New(rand.NewPCG(1, 2))
	var townships []region.Region
	for _, r := range city.Regions {
		if r.Level == region.Township {
			townships = append(townships, r)
		}
	}
	events := make([]lookup, 4096)
	for i := range events {
		t := townships[rng.IntN(len(townships))]
		village := fmt.Sprintf("%s%03d", t.Code, 1+rng.IntN(12))
		grid := fmt.Sprintf("%s%03d", village, 1+rng.IntN(5))
		events[i] = lookup{leaves[rng.IntN(len(leaves))].Code, t.Path + village + "/" + grid + "/"}
	}
	return svc, events
}

// BenchmarkRoute routes events as intake does, from the in-memory rules.
func BenchmarkRoute(b *testing.B) {
	d := dbtest.Open(b, db.SQLite)
	svc, events := daqingCatalog(b, d)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		e := events[i%len(events)]
		if _, ok, err := svc.Route(ctx, e.category, e.path); err != nil || !ok {
			b.Fatalf("%v: %v %v", e, ok, err)
		}
	}
}

// BenchmarkRouteSQL is Route's peer: the same choice made by one indexed
// query per event, as a store without the in-memory copy would.
func BenchmarkRouteSQL(b *testing.B) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		b.Run(string(engine), func(b *testing.B) {
			d := dbtest.Open(b, engine)
			_, events := daqingCatalog(b, d)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				e := events[i%len(events)]
				args := []any{}
				ph := func(v string) string {
					args = append(args, v)
					return fmt.Sprintf("$%d", len(args))
				}
				var paths, cats []string
				for j := 1; j < len(e.path); j++ {
					if e.path[j] == '/' {
						paths = append(paths, ph(e.path[:j+1]))
					}
				}
				for c := e.category; ; {
					cats = append(cats, ph(c))
					k := strings.LastIndexByte(c, '.')
					if k < 0 {
						break
					}
					c = c[:k]
				}
				var id int64
				var lead string
				err := d.Read().QueryRowContext(ctx, `SELECT id, lead_department FROM routing_rules
					WHERE region_path IN (`+strings.Join(paths, ",")+`) AND category_code IN (`+strings.Join(cats, ",")+`)
					ORDER BY LENGTH(region_path) DESC, LENGTH(category_code) DESC, id LIMIT 1`, args...).Scan(&id, &lead)
				if err != nil {
					b.Fatalf("%v: %v", e, err)
				}
			}
		})
	}
}
