package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/region"
)

func TestRegionsAreDeterministicAndValid(t *testing.T) {
	for _, name := range []string{"small", "daqing"} {
		p, err := demo.LookupPreset(name)
		if err != nil {
			t.Fatal(err)
		}
		a, b := demo.Regions(p), demo.Regions(p)
		if diff := cmp.Diff(a, b); diff != "" {
			t.Fatalf("%s: two runs differ:\n%s", name, diff)
		}
		byCode := map[string]region.Region{}
		levels := map[region.Level]int{}
		for _, r := range a {
			parent, ok := byCode[r.ParentCode]
			var pp *region.Region
			if ok {
				pp = &parent
			} else if r.Level != region.City {
				t.Fatalf("%s: %s comes before its parent %s", name, r.Code, r.ParentCode)
			}
			if err := r.Validate(pp); err != nil {
				t.Fatalf("%s: %s %s: %v", name, r.Code, r.Name, err)
			}
			if _, dup := byCode[r.Code]; dup {
				t.Fatalf("%s: duplicate code %s", name, r.Code)
			}
			byCode[r.Code] = r
			levels[r.Level]++
		}
		if levels[region.City] != 1 || levels[region.Grid] < levels[region.Village] {
			t.Fatalf("%s: levels = %v", name, levels)
		}
		if name == "daqing" && (levels[region.Grid] < 4000 || levels[region.Grid] > 8000) {
			t.Fatalf("daqing preset has %d grids, want about 5,000", levels[region.Grid])
		}
	}
	if _, err := demo.LookupPreset("huge"); err == nil {
		t.Fatal("unknown preset accepted")
	}
}

func TestLoadIsIdempotent(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		store := region.NewStore(d, time.Now)
		p, _ := demo.LookupPreset("small")
		calls := 0
		n, err := demo.Load(ctx, store, p, func(done, total int) { calls++ })
		if err != nil {
			t.Fatal(err)
		}
		if n != len(demo.Regions(p)) || calls != n {
			t.Fatalf("loaded %d regions with %d progress calls, want %d", n, calls, len(demo.Regions(p)))
		}
		again, err := demo.Load(ctx, store, p, nil)
		if err != nil || again != 0 {
			t.Fatalf("second load = %d, %v", again, err)
		}
		counts, _ := store.Count(ctx, region.All())
		if counts[region.City] != 1 {
			t.Fatalf("counts = %v", counts)
		}
	})
}
