package demo_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/peterstace/simplefeatures/geom"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/region"
)

func TestLookupPreset(t *testing.T) {
	for _, name := range []string{"small", "daqing", "zhangjiakou"} {
		p, err := demo.LookupPreset(name)
		if err != nil || p.Name != name {
			t.Fatalf("LookupPreset(%q) = %v, %v", name, p.Name, err)
		}
	}
	if _, err := demo.LookupPreset("huge"); err == nil || !strings.Contains(err.Error(), "zhangjiakou") {
		t.Fatalf("unknown preset: err = %v, want one naming the known presets", err)
	}
	if got := demo.PresetNames(); !slices.Equal(got, []string{"small", "daqing", "zhangjiakou"}) {
		t.Fatalf("PresetNames() = %v", got)
	}
}

func TestSmallCityIsDeterministicAndTiled(t *testing.T) {
	p, _ := demo.LookupPreset("small")
	a, err := demo.Generate(p, demo.Options{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	// Counties are drawn in parallel; the result must not depend on it.
	procs := runtime.GOMAXPROCS(1)
	b, err := demo.Generate(p, demo.Options{Seed: 7})
	runtime.GOMAXPROCS(procs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("two runs with the same seed differ:\n%s", diff)
	}
	c, err := demo.Generate(p, demo.Options{Seed: 8})
	if err != nil {
		t.Fatal(err)
	}
	if cmp.Equal(a.Regions[len(a.Regions)-1].Boundary, c.Regions[len(c.Regions)-1].Boundary) || cmp.Equal(a.Regions[0].Boundary, c.Regions[0].Boundary) {
		t.Fatal("a different seed gave the same geometry")
	}
	checkCity(t, p, a, cityChecks{synthetic: true, tileAll: true})
}

func TestLargePresets(t *testing.T) {
	if testing.Short() {
		t.Skip("large presets take seconds; skipped with -short")
	}
	for _, name := range []string{"daqing", "zhangjiakou"} {
		t.Run(name, func(t *testing.T) {
			p, _ := demo.LookupPreset(name)
			city := generateMeasured(t, p, demo.Options{Seed: demo.DefaultSeed})
			checkCity(t, p, city, cityChecks{synthetic: true})
		})
	}
}

// TestRealCounties subdivides Daqing's real districts. The outlines are in
// GCJ-02, as boundary files from Chinese map services are.
func TestRealCounties(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "data", "daqing-districts.geojson")
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s not found: the real-outline test needs the shared data folder beside the repository", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	counties, cityCode := readCounties(t, raw)
	if len(counties) != 9 || cityCode != "230600" {
		t.Fatalf("read %d counties under %s, want 9 under 230600", len(counties), cityCode)
	}
	name := "small"
	if !testing.Short() {
		name = "daqing"
	}
	p, _ := demo.LookupPreset(name)
	opts := demo.Options{Seed: 3, Counties: counties, CityCode: cityCode, CityName: "大庆市"}
	city := generateMeasured(t, p, opts)
	checkCity(t, p, city, cityChecks{tileAll: name == "small"})

	byCode := map[string]region.Region{}
	townArea := map[string]float64{}
	pieces := 0
	// A detached piece is part of one cell: the cells are sized so that an
	// average grid holds p.CellsPerGrid, and a cell's displaced corners make
	// it at most 1.44 times its nominal size.
	cell := 1.5 * area(city.Regions[0].Boundary, orb.Point{124, 46}) / float64((p.Grids+p.Exclusive)*p.CellsPerGrid)
	for _, r := range city.Regions {
		byCode[r.Code] = r
		if r.Level == region.Township {
			townArea[r.ParentCode] += area(r.Boundary, orb.Point{124, 46})
		}
		// Clipping by an outline with detail finer than a cell can leave a
		// child with a sliver apart from its body; it must stay a sliver.
		if r.Level > region.County && len(r.Boundary) > 1 {
			pieces++
			whole := area(r.Boundary, r.Boundary[0][0][0])
			for _, poly := range r.Boundary {
				if a := area(orb.MultiPolygon{poly}, r.Boundary[0][0][0]); a < whole/2 && a > cell {
					t.Errorf("%s %s has a detached piece of %.3g cells", r.Code, r.Name, a/cell*1.5)
				}
			}
		}
	}
	t.Logf("%d of %d regions below the counties have a sliver apart from their body", pieces, len(city.Regions)-10)
	for _, in := range counties {
		out, ok := byCode[in.Code]
		if !ok || out.Name != in.Name || out.ParentCode != cityCode {
			t.Fatalf("county %s %s: got %+v", in.Code, in.Name, out.Code)
		}
		want := area(out.Boundary, orb.Point{124, 46})
		if got := townArea[in.Code]; math.Abs(got-want) > 1e-3*want {
			t.Errorf("county %s %s: townships cover %.6g, the county %.6g (%.4f%%)", in.Code, in.Name, got, want, 100*(got-want)/want)
		} else {
			t.Logf("county %s %s: townships cover the county to %.2g", in.Code, in.Name, (got-want)/want)
		}
	}
}

func TestOptionsAreChecked(t *testing.T) {
	p, _ := demo.LookupPreset("small")
	square := orb.MultiPolygon{{{{124, 46}, {124.2, 46}, {124.2, 46.2}, {124, 46.2}, {124, 46}}}}
	good := region.Region{Code: "230602", Name: "萨尔图区", Boundary: square}
	for name, o := range map[string]demo.Options{
		"city code without counties": {CityCode: "230600", CityName: "大庆市"},
		"bad city code":              {Counties: []region.Region{good}, CityCode: "2306", CityName: "大庆市"},
		"no city name":               {Counties: []region.Region{good}, CityCode: "230600"},
		"county of another city":     {Counties: []region.Region{{Code: "130702", Name: "桥东区", Boundary: square}}, CityCode: "230600", CityName: "大庆市"},
		"county without outline":     {Counties: []region.Region{{Code: "230602", Name: "萨尔图区"}}, CityCode: "230600", CityName: "大庆市"},
		"county given twice":         {Counties: []region.Region{good, good}, CityCode: "230600", CityName: "大庆市"},
	} {
		if _, err := demo.Generate(p, o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	bad := p
	bad.Stations = p.Grids + 1
	if _, err := demo.Generate(bad, demo.Options{}); err == nil {
		t.Error("more stations than grids accepted")
	}
	// One real-looking county is enough to make a city.
	city, err := demo.Generate(p, demo.Options{Counties: []region.Region{good}, CityCode: "230600", CityName: "大庆市"})
	if err != nil {
		t.Fatal(err)
	}
	checkCity(t, p, city, cityChecks{tileAll: true})
}

func TestLoadIsIdempotent(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		store := region.NewStore(d, time.Now)
		p, _ := demo.LookupPreset("small")
		city, err := demo.Generate(p, demo.Options{Seed: demo.DefaultSeed})
		if err != nil {
			t.Fatal(err)
		}
		calls := 0
		n, err := demo.Load(ctx, store, p, func(done, total int) { calls++ })
		if err != nil {
			t.Fatal(err)
		}
		if n != len(city.Regions) || calls != n {
			t.Fatalf("loaded %d regions with %d progress calls, want %d", n, calls, len(city.Regions))
		}
		again, err := demo.Load(ctx, store, p, nil)
		if err != nil || again != 0 {
			t.Fatalf("second load = %d, %v", again, err)
		}
		counts, _ := store.Count(ctx, region.All())
		if counts[region.City] != 1 || counts[region.Grid] != p.Grids+p.Exclusive {
			t.Fatalf("counts = %v", counts)
		}
		g, err := store.Get(ctx, region.All(), city.Regions[len(city.Regions)-1].Code)
		if err != nil || g.Kind == "" {
			t.Fatalf("last grid = %+v, %v", g, err)
		}
	})
}

// generateMeasured generates a city and logs how long it took, the memory
// it allocated and keeps, and the vertices of its outlines per level.
func generateMeasured(t *testing.T, p demo.Preset, o demo.Options) demo.City {
	t.Helper()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	city, err := demo.Generate(p, o)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	runtime.GC()
	var kept runtime.MemStats
	runtime.ReadMemStats(&kept)
	t.Logf("%s: generated in %v with GOMAXPROCS=%d; allocated %d MiB, result holds %d MiB",
		p.Name, took.Round(time.Millisecond), runtime.GOMAXPROCS(0), (after.TotalAlloc-before.TotalAlloc)>>20,
		(int64(kept.HeapAlloc)-int64(before.HeapAlloc))>>20)
	stats := map[string][]int{}
	add := func(level string, mp orb.MultiPolygon) {
		n := 0
		for _, poly := range mp {
			for _, r := range poly {
				n += len(r) - 1
			}
		}
		stats[level] = append(stats[level], n)
	}
	for _, r := range city.Regions {
		add(r.Level.String(), r.Boundary)
	}
	for _, o := range city.Overlays {
		add(o.Layer, o.Boundary)
	}
	var grids []float64
	for _, r := range city.Regions {
		if r.Kind == region.Comprehensive {
			c := r.Boundary.Bound().Center()
			grids = append(grids, area(r.Boundary, c)*111320*math.Cos(c[1]*math.Pi/180)*110574/1e6)
		}
	}
	slices.Sort(grids)
	t.Logf("comprehensive grids, km²: min %.2f, p5 %.2f, median %.2f, p95 %.2f, max %.2f",
		grids[0], grids[len(grids)/20], grids[len(grids)/2], grids[len(grids)*19/20], grids[len(grids)-1])
	for _, level := range []string{"city", "county", "township", "village", "grid", "police", "mediation"} {
		v := stats[level]
		slices.Sort(v)
		sum := 0
		for _, x := range v {
			sum += x
		}
		t.Logf("%-9s %6d outlines, vertices: min %d, median %d, mean %d, p95 %d, max %d, total %d",
			level, len(v), v[0], v[len(v)/2], sum/len(v), v[len(v)*95/100], v[len(v)-1], sum)
	}
	return city
}

type cityChecks struct {
	synthetic bool // outlines come from the lattice alone: shared edges must match exactly
	tileAll   bool // check the tiling of every parent, not a sample
}

// checkCity checks a generated city against the preset and the rules, with
// its own arithmetic rather than the generator's.
func checkCity(t *testing.T, p demo.Preset, city demo.City, c cityChecks) {
	t.Helper()
	byCode := map[string]region.Region{}
	children := map[string][]region.Region{}
	levels := map[region.Level]int{}
	exclusive := 0
	for _, r := range city.Regions {
		var parent *region.Region
		if r.Level != region.City {
			pr, ok := byCode[r.ParentCode]
			if !ok {
				t.Fatalf("%s comes before its parent %s", r.Code, r.ParentCode)
			}
			parent = &pr
		}
		v := r // Validate trims the name in place
		if err := v.Validate(parent); err != nil {
			t.Fatalf("%s %s: %v", r.Code, r.Name, err)
		}
		if _, dup := byCode[r.Code]; dup {
			t.Fatalf("duplicate code %s", r.Code)
		}
		if r.Level == region.Grid {
			if err := region.ValidateKind(r.Kind, r.Subtype); err != nil {
				t.Fatalf("grid %s: %v", r.Code, err)
			}
			if r.Kind == region.Exclusive {
				exclusive++
			}
		} else if r.Kind != "" || r.Subtype != "" {
			t.Fatalf("%s %s has kind %q", r.Level, r.Code, r.Kind)
		}
		if parent != nil && r.Path != parent.Path+r.Code+"/" {
			t.Fatalf("%s: path %s under %s", r.Code, r.Path, parent.Path)
		}
		for _, sib := range children[r.ParentCode] {
			if sib.Name == r.Name {
				t.Fatalf("%s and %s under %s are both called %s", sib.Code, r.Code, r.ParentCode, r.Name)
			}
		}
		checkOutline(t, r.Code, r.Boundary, c.synthetic && r.Level != region.City)
		byCode[r.Code] = r
		children[r.ParentCode] = append(children[r.ParentCode], r)
		levels[r.Level]++
	}
	wantCounties := p.Counties
	if !c.synthetic {
		wantCounties = len(children[city.Regions[0].Code])
	}
	want := map[region.Level]int{region.City: 1, region.County: wantCounties, region.Township: p.Townships,
		region.Village: p.Villages, region.Grid: p.Grids + p.Exclusive}
	if !cmp.Equal(levels, want) || exclusive != p.Exclusive {
		t.Fatalf("regions per level %v with %d exclusive grids, want %v with %d", levels, exclusive, want, p.Exclusive)
	}
	if c.synthetic {
		// Area and place as the preset says.
		b := city.Regions[0].Boundary.Bound()
		km2 := area(city.Regions[0].Boundary, b.Center()) * 111.32 * math.Cos(b.Center()[1]*math.Pi/180) * 110.574
		if math.Abs(km2-p.AreaKm2) > 0.05*p.AreaKm2 || !p.Bound.Contains(b.Center()) {
			t.Fatalf("the city covers %.0f km² around %v, want %.0f km² in %v", km2, b.Center(), p.AreaKm2, p.Bound)
		}
		t.Logf("the city covers %.0f km² in %.2f–%.2f°E, %.2f–%.2f°N", km2, b.Min[0], b.Max[0], b.Min[1], b.Max[1])
		fictional := regexp.MustCompile(`^9901\d\d$`)
		for _, r := range city.Regions {
			if r.Level == region.County && !fictional.MatchString(r.Code) {
				t.Fatalf("demo county code %s is outside the fictional province 99", r.Code)
			}
		}
	}

	// Overlays: exact counts, codes under existing counties, each layer
	// tiling every county.
	layers := map[string]int{}
	overlayCodes := map[string]bool{}
	byCounty := map[string][]region.Region{}
	overlayNames := map[string]bool{}
	codeRE := regexp.MustCompile(`^([PM])(\d{6})\d{4}$`)
	for _, o := range city.Overlays {
		m := codeRE.FindStringSubmatch(o.Code)
		if m == nil || overlayCodes[o.Code] || overlayNames[m[2]+o.Name] || byCode[m[2]].Level != region.County ||
			(m[1] == "P") != (o.Layer == region.LayerPolice) || o.Name == "" {
			t.Fatalf("overlay %s %q in layer %s", o.Code, o.Name, o.Layer)
		}
		overlayNames[m[2]+o.Name] = true
		if err := region.ValidateLayer(o.Layer); err != nil {
			t.Fatal(err)
		}
		overlayCodes[o.Code] = true
		layers[o.Layer]++
		checkOutline(t, o.Code, o.Boundary, c.synthetic)
		key := o.Layer + "/" + m[2]
		byCounty[key] = append(byCounty[key], region.Region{Code: o.Code, Boundary: o.Boundary})
	}
	if layers[region.LayerPolice] != p.Police || layers[region.LayerMediation] != p.Mediation || len(layers) != 2 {
		t.Fatalf("overlays per layer %v, want %d police and %d mediation", layers, p.Police, p.Mediation)
	}

	// Stations: exact count, one per grid at most, strictly inside it.
	if len(city.Stations) != p.Stations {
		t.Fatalf("%d stations, want %d", len(city.Stations), p.Stations)
	}
	seen := map[string]bool{}
	for _, s := range city.Stations {
		g, ok := byCode[s.GridCode]
		if !ok || g.Level != region.Grid || s.Code != "S"+s.GridCode || seen[s.Code] {
			t.Fatalf("station %s in grid %s", s.Code, s.GridCode)
		}
		seen[s.Code] = true
		if !planar.MultiPolygonContains(g.Boundary, s.Location) {
			t.Fatalf("station %s at %v is not inside its grid", s.Code, s.Location)
		}
		if !strings.HasSuffix(s.Name, "网格驿站") || !strings.HasSuffix(s.Address, "号") || s.OpeningHours != "08:30-17:30" {
			t.Fatalf("station %+v", s)
		}
	}

	// Tiling: every parent (or a sample) against its children, and every
	// county against each overlay layer.
	rng := rand.New(rand.NewPCG(1, 2))
	checked := 0
	for _, r := range city.Regions {
		kids := children[r.Code]
		if len(kids) == 0 || (!c.tileAll && r.Level > region.County && rng.IntN(40) != 0) {
			continue
		}
		checkTiling(t, r, kids, c.synthetic, rng)
		checked++
		if r.Level == region.County {
			for _, layer := range []string{region.LayerPolice, region.LayerMediation} {
				checkTiling(t, r, byCounty[layer+"/"+r.Code], c.synthetic, rng)
			}
		}
	}
	t.Logf("checked the tiling of %d parents", checked)
}

// checkOutline checks rings: closed, at least a triangle, outer rings
// counter-clockwise, holes clockwise; a valid OGC polygon; and, for
// outlines drawn on the lattice alone, a single polygon.
func checkOutline(t *testing.T, code string, mp orb.MultiPolygon, single bool) {
	t.Helper()
	if len(mp) == 0 || (single && len(mp) != 1) {
		t.Fatalf("%s: %d polygons", code, len(mp))
	}
	for _, poly := range mp {
		for k, r := range poly {
			if len(r) < 4 || r[0] != r[len(r)-1] {
				t.Fatalf("%s: ring %d is open or degenerate (%d points)", code, k, len(r))
			}
			if a := area(orb.MultiPolygon{{r}}, r[0]); (k == 0) != (a > 0) {
				t.Fatalf("%s: ring %d runs the wrong way (signed area %g)", code, k, a)
			}
		}
	}
	polys := make([]geom.Polygon, len(mp))
	for i, poly := range mp {
		rings := make([]geom.LineString, len(poly))
		for k, r := range poly {
			flat := make([]float64, 0, 2*len(r))
			for _, pt := range r {
				flat = append(flat, pt[0], pt[1])
			}
			rings[k] = geom.NewLineString(geom.NewSequence(flat, geom.DimXY))
		}
		polys[i] = geom.NewPolygon(rings)
	}
	if err := geom.NewMultiPolygon(polys).Validate(); err != nil {
		t.Fatalf("%s: not a valid OGC multipolygon: %v", code, err)
	}
}

// checkTiling checks that children cover their parent with neither gaps nor
// overlaps: the areas add up, random points fall in exactly one child when
// inside the parent and in none outside, every child vertex lies in the
// parent's bound and, for lattice outlines, the children's edges cancel in
// pairs except exactly the parent's own edges.
func checkTiling(t *testing.T, parent region.Region, kids []region.Region, exact bool, rng *rand.Rand) {
	t.Helper()
	ref := parent.Boundary[0][0][0]
	pa := area(parent.Boundary, ref)
	var sum float64
	bound := parent.Boundary.Bound()
	bounds := make([]orb.Bound, len(kids))
	for i, k := range kids {
		bounds[i] = k.Boundary.Bound()
		sum += area(k.Boundary, ref)
		for _, poly := range k.Boundary {
			for _, r := range poly {
				for _, pt := range r {
					if !bound.Contains(pt) {
						t.Fatalf("%s: vertex %v outside the bound of its parent %s", k.Code, pt, parent.Code)
					}
				}
			}
		}
	}
	tol := 1e-9
	if !exact {
		tol = 1e-6
	}
	if math.Abs(sum-pa) > tol*pa {
		t.Fatalf("%s: children's areas add up to %.12g, the parent's is %.12g (relative %.2g)", parent.Code, sum, pa, (sum-pa)/pa)
	}
	for range 300 {
		pt := orb.Point{bound.Min[0] + rng.Float64()*(bound.Max[0]-bound.Min[0]), bound.Min[1] + rng.Float64()*(bound.Max[1]-bound.Min[1])}
		in := 0
		var where []string
		for i, k := range kids {
			if bounds[i].Contains(pt) && planar.MultiPolygonContains(k.Boundary, pt) {
				in++
				where = append(where, k.Code)
			}
		}
		want := 0
		if planar.MultiPolygonContains(parent.Boundary, pt) {
			want = 1
		}
		if in != want {
			t.Fatalf("%s: point %v lies in %d children %v, want %d", parent.Code, pt, in, where, want)
		}
	}
	if !exact {
		return
	}
	type edge [2]orb.Point
	open := map[edge]int{}
	for _, k := range kids {
		for _, poly := range k.Boundary {
			for _, r := range poly {
				for i := 0; i+1 < len(r); i++ {
					e, rev := edge{r[i], r[i+1]}, edge{r[i+1], r[i]}
					if open[rev] > 0 {
						open[rev]--
						if open[rev] == 0 {
							delete(open, rev)
						}
					} else {
						open[e]++
					}
				}
			}
		}
	}
	n := 0
	for _, poly := range parent.Boundary {
		for _, r := range poly {
			for i := 0; i+1 < len(r); i++ {
				e := edge{r[i], r[i+1]}
				if open[e] != 1 {
					t.Fatalf("%s: its edge %v is not an edge of exactly one child", parent.Code, e)
				}
				n++
			}
		}
	}
	if len(open) != n {
		t.Fatalf("%s: children leave %d unmatched edges, the parent has %d", parent.Code, len(open), n)
	}
}

// area is the shoelace area in square degrees, holes subtracted (they run
// clockwise), computed relative to ref to keep the sums precise.
func area(mp orb.MultiPolygon, ref orb.Point) float64 {
	var s float64
	for _, poly := range mp {
		for _, r := range poly {
			for i := 0; i+1 < len(r); i++ {
				ax, ay := r[i][0]-ref[0], r[i][1]-ref[1]
				bx, by := r[i+1][0]-ref[0], r[i+1][1]-ref[1]
				s += ax*by - bx*ay
			}
		}
	}
	return s / 2
}

// readCounties reads a DataV-style GeoJSON of districts in GCJ-02 and
// returns them in WGS-84.
func readCounties(t *testing.T, raw []byte) ([]region.Region, string) {
	t.Helper()
	var fc struct {
		Features []struct {
			Properties struct {
				Adcode int    `json:"adcode"`
				Name   string `json:"name"`
				Parent struct {
					Adcode int `json:"adcode"`
				} `json:"parent"`
			} `json:"properties"`
			Geometry struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(raw, &fc); err != nil {
		t.Fatal(err)
	}
	var out []region.Region
	city := ""
	for _, f := range fc.Features {
		var coords [][][][2]float64
		switch f.Geometry.Type {
		case "MultiPolygon":
			if err := json.Unmarshal(f.Geometry.Coordinates, &coords); err != nil {
				t.Fatal(err)
			}
		case "Polygon":
			var poly [][][2]float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &poly); err != nil {
				t.Fatal(err)
			}
			coords = [][][][2]float64{poly}
		default:
			t.Fatalf("%s: geometry %s", f.Properties.Name, f.Geometry.Type)
		}
		var mp orb.MultiPolygon
		for _, poly := range coords {
			var p orb.Polygon
			for _, ring := range poly {
				r := make(orb.Ring, len(ring))
				for i, pt := range ring {
					r[i] = gcj02ToWGS84(orb.Point(pt))
				}
				p = append(p, r)
			}
			mp = append(mp, p)
		}
		city = fmt.Sprint(f.Properties.Parent.Adcode)
		out = append(out, region.Region{Code: fmt.Sprint(f.Properties.Adcode), Name: f.Properties.Name, Boundary: mp})
	}
	return out, city
}

// gcj02ToWGS84 inverts the GCJ-02 offset by fixed-point iteration: the
// offset changes slowly, so a few rounds reach a micrometre.
func gcj02ToWGS84(g orb.Point) orb.Point {
	w := g
	for range 20 {
		f := wgs84ToGCJ02(w)
		dx, dy := f[0]-g[0], f[1]-g[1]
		w = orb.Point{w[0] - dx, w[1] - dy}
		if math.Abs(dx) < 1e-12 && math.Abs(dy) < 1e-12 {
			break
		}
	}
	return w
}

// wgs84ToGCJ02 is the published forward GCJ-02 transform.
func wgs84ToGCJ02(p orb.Point) orb.Point {
	const a, ee = 6378245.0, 0.00669342162296594323
	x, y := p[0]-105, p[1]-35
	dLat := -100 + 2*x + 3*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x)) +
		(20*math.Sin(6*x*math.Pi)+20*math.Sin(2*x*math.Pi))*2/3 +
		(20*math.Sin(y*math.Pi)+40*math.Sin(y/3*math.Pi))*2/3 +
		(160*math.Sin(y/12*math.Pi)+320*math.Sin(y*math.Pi/30))*2/3
	dLon := 300 + x + 2*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x)) +
		(20*math.Sin(6*x*math.Pi)+20*math.Sin(2*x*math.Pi))*2/3 +
		(20*math.Sin(x*math.Pi)+40*math.Sin(x/3*math.Pi))*2/3 +
		(150*math.Sin(x/12*math.Pi)+300*math.Sin(x/30*math.Pi))*2/3
	rad := p[1] / 180 * math.Pi
	magic := 1 - ee*math.Sin(rad)*math.Sin(rad)
	sqrtMagic := math.Sqrt(magic)
	dLat = dLat * 180 / ((a * (1 - ee)) / (magic * sqrtMagic) * math.Pi)
	dLon = dLon * 180 / (a / sqrtMagic * math.Cos(rad) * math.Pi)
	return orb.Point{p[0] + dLon, p[1] + dLat}
}

// TestGCJ02RoundTrip keeps the test's own converter honest.
func TestGCJ02RoundTrip(t *testing.T) {
	w := orb.Point{125.0, 46.5}
	g := wgs84ToGCJ02(w)
	if d := math.Hypot(g[0]-w[0], g[1]-w[1]); d < 1e-3 || d > 1e-2 {
		t.Fatalf("GCJ-02 offset at Daqing is %g°, want a few hundred metres", d)
	}
	if back := gcj02ToWGS84(g); math.Abs(back[0]-w[0]) > 1e-11 || math.Abs(back[1]-w[1]) > 1e-11 {
		t.Fatalf("round trip gave %v", back)
	}
}

// BenchmarkGenerate times the presets; the targets are daqing under 5 s and
// zhangjiakou under 15 s on one core.
func BenchmarkGenerate(b *testing.B) {
	for _, name := range demo.PresetNames() {
		b.Run(name, func(b *testing.B) {
			p, _ := demo.LookupPreset(name)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := demo.Generate(p, demo.Options{Seed: demo.DefaultSeed}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
