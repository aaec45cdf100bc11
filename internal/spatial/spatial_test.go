package spatial

import (
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"
	"pgregory.net/rapid"
)

// The orientation sign is exact: it matches rational arithmetic on generic
// inputs, on points exactly on the line, and one ulp off it.
func TestOrientSignIsExact(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		coord := func(name string) float64 {
			return quantize(rapid.Float64Range(-180, 180).Draw(t, name))
		}
		ax, ay, bx, by := coord("ax"), coord("ay"), coord("bx"), coord("by")
		var px, py float64
		switch rapid.IntRange(0, 3).Draw(t, "kind") {
		case 0: // anywhere
			px, py = coord("px"), coord("py")
		case 1: // exactly on the line through a and b (dyadic fraction)
			m := rapid.IntRange(0, 4).Draw(t, "m")
			k := float64(rapid.IntRange(-16, 32).Draw(t, "k")) / float64(int(1)<<m)
			px, py = ax+(bx-ax)*k, ay+(by-ay)*k
			if ratOrient(ax, ay, bx, by, px, py) != 0 {
				t.Fatalf("test set-up: (%v,%v) is not on the line", px, py)
			}
		case 2: // next to the line
			k := rapid.Float64Range(0, 1).Draw(t, "k")
			px, py = ax+(bx-ax)*k, ay+(by-ay)*k
			px = math.Nextafter(px, math.Inf(rapid.IntRange(-1, 1).Draw(t, "dx")))
			py = math.Nextafter(py, math.Inf(rapid.IntRange(-1, 1).Draw(t, "dy")))
		case 3: // unquantized, tiny to large magnitudes
			f := func(name string) float64 {
				return rapid.Float64Range(-1, 1).Draw(t, name) * math.Pow(10, float64(rapid.IntRange(-100, 100).Draw(t, name+"e")))
			}
			ax, ay, bx, by, px, py = f("ax"), f("ay"), f("bx"), f("by"), f("px"), f("py")
		}
		want := ratOrient(ax, ay, bx, by, px, py)
		if got := orientExact(ax, ay, bx, by, px, py); got != want {
			t.Fatalf("orientExact(%v,%v,%v,%v,%v,%v) = %d, want %d", ax, ay, bx, by, px, py, got, want)
		}
		if got := orientSign(ax, ay, bx, by, px, py); got != want {
			t.Fatalf("orientSign(%v,%v,%v,%v,%v,%v) = %d, want %d", ax, ay, bx, by, px, py, got, want)
		}
	})
}

// drawOptions draws grid densities from far coarser to far finer than the
// default, and the three fallback modes, so that every path is exercised.
func drawOptions(t *rapid.T) buildOptions {
	return buildOptions{
		cellsPerPoly: rapid.SampledFrom([]float64{0.01, 0.3, 1, 4, 32, 300}).Draw(t, "cellsPerPoly"),
		maxCells:     1 << 20,
		fallback:     rapid.SampledFrom([]fallbackMode{fallbackAuto, fallbackNever, fallbackAlways}).Draw(t, "fallback"),
		workers:      rapid.SampledFrom([]int{0, 1, 2, 3, 7}).Draw(t, "workers"),
	}
}

// drawPointNear draws a query point: anywhere around the data, exactly on a
// vertex, on an edge (exactly, when the coordinates are quantized), one ulp
// from a vertex or from an edge, at a vertex's height, or on the border of
// box.
func drawPointNear(t *rapid.T, polys []Polygon, box orb.Bound, quantized bool) orb.Point {
	var rings []orb.Ring
	for _, p := range polys {
		for _, poly := range p.Geom {
			rings = append(rings, poly...)
		}
	}
	vertex := func() (orb.Ring, int) {
		r := rings[rapid.IntRange(0, len(rings)-1).Draw(t, "ring")]
		return r, rapid.IntRange(0, len(r)-1).Draw(t, "vertex")
	}
	along := func(lo, hi float64, name string) float64 {
		return lo + rapid.Float64Range(-0.05, 1.05).Draw(t, name)*(hi-lo)
	}
	switch rapid.IntRange(0, 6).Draw(t, "where") {
	case 0:
		return orb.Point{along(box.Min[0], box.Max[0], "x"), along(box.Min[1], box.Max[1], "y")}
	case 1:
		r, k := vertex()
		return r[k]
	case 2:
		r, k := vertex()
		a, b := r[k], r[(k+1)%len(r)]
		m := rapid.IntRange(0, 4).Draw(t, "m")
		f := float64(rapid.IntRange(0, 1<<m).Draw(t, "k")) / float64(int(1)<<m)
		p := orb.Point{a[0] + (b[0]-a[0])*f, a[1] + (b[1]-a[1])*f}
		if quantized && ratOrient(a[0], a[1], b[0], b[1], p[0], p[1]) != 0 {
			t.Fatalf("test set-up: %v is not on edge %v-%v", p, a, b)
		}
		return p
	case 3:
		r, k := vertex()
		return orb.Point{
			math.Nextafter(r[k][0], math.Inf(rapid.IntRange(-1, 1).Draw(t, "dx"))),
			math.Nextafter(r[k][1], math.Inf(rapid.IntRange(-1, 1).Draw(t, "dy"))),
		}
	case 4:
		r, k := vertex()
		return orb.Point{along(box.Min[0], box.Max[0], "x"), r[k][1]}
	case 5: // one ulp off a point of an edge: only exact arithmetic decides
		r, k := vertex()
		a, b := r[k], r[(k+1)%len(r)]
		f := float64(rapid.IntRange(1, 15).Draw(t, "k")) / 16
		return orb.Point{
			math.Nextafter(a[0]+(b[0]-a[0])*f, math.Inf(rapid.IntRange(-1, 1).Draw(t, "dx"))),
			math.Nextafter(a[1]+(b[1]-a[1])*f, math.Inf(rapid.IntRange(-1, 1).Draw(t, "dy"))),
		}
	default:
		x := rapid.SampledFrom([]float64{box.Min[0], box.Max[0], along(box.Min[0], box.Max[0], "x")}).Draw(t, "bx")
		y := rapid.SampledFrom([]float64{box.Min[1], box.Max[1], along(box.Min[1], box.Max[1], "y")}).Draw(t, "by")
		return orb.Point{x, y}
	}
}

// inHalfOpen reports whether p lies in [min, max) on both axes: the points a
// tiling of that rectangle must assign to exactly one polygon.
func inHalfOpen(b orb.Bound, p orb.Point) bool {
	return p[0] >= b.Min[0] && p[0] < b.Max[0] && p[1] >= b.Min[1] && p[1] < b.Max[1]
}

func drawTiling(t *rapid.T) tiling {
	cfg := tilingConfig{
		cols:     rapid.IntRange(1, 5).Draw(t, "cols"),
		rows:     rapid.IntRange(1, 5).Draw(t, "rows"),
		sidePts:  rapid.IntRange(1, 8).Draw(t, "sidePts"),
		spacingM: rapid.SampledFrom([]float64{50, 500, 5000}).Draw(t, "spacing"),
		seed:     rapid.Uint64().Draw(t, "seed"),
	}
	cfg.islands = rapid.IntRange(0, cfg.cols*cfg.rows).Draw(t, "islands")
	cfg.multis = rapid.IntRange(0, 3).Draw(t, "multis")
	return genTiling(cfg)
}

// In a tiling, every point of the tiled rectangle (taken half-open) is in
// exactly one polygon and every other point in none, including points
// exactly on shared edges and vertices; and the index agrees with the
// brute-force reference everywhere.
func TestTilingExactlyOneAndMatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tl := drawTiling(t)
		ix := newIndex(tl.polys, drawOptions(t))
		for range 25 {
			p := drawPointNear(t, tl.polys, tl.rect, true)
			want := refLocateAll(tl.polys, p)
			if wantN := b2i(inHalfOpen(tl.rect, p)); len(want) != wantN {
				t.Fatalf("reference puts %v in %d polygons %v, want %d", p, len(want), want, wantN)
			}
			checkLookups(t, ix, p, want)
		}
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// checkLookups compares LocateAll and Locate with the expected sorted IDs.
func checkLookups(t interface {
	Fatalf(string, ...any)
}, ix *Index, p orb.Point, want []uint32) {
	prefix := []uint32{7}
	got := ix.LocateAll(p, prefix)
	if diff := cmp.Diff(append([]uint32{7}, want...), got); diff != "" {
		t.Fatalf("LocateAll(%v) (-want +got):\n%s", p, diff)
	}
	id, ok := ix.Locate(p)
	if ok != (len(want) > 0) || (ok && id != want[0]) {
		t.Fatalf("Locate(%v) = %d, %v; want the lowest of %v", p, id, ok, want)
	}
}

// drawStar draws a star-shaped ring around (cx, cy), CCW.
func drawStar(t *rapid.T, cx, cy, rmin, rmax float64) orb.Ring {
	n := rapid.IntRange(3, 12).Draw(t, "corners")
	ring := make(orb.Ring, 0, n+1)
	for k := range n {
		th := (float64(k) + rapid.Float64Range(0.1, 0.9).Draw(t, "angle")) / float64(n) * 2 * math.Pi
		r := rapid.Float64Range(rmin, rmax).Draw(t, "radius")
		ring = append(ring, orb.Point{quantize(cx + r*math.Cos(th)), quantize(cy + r*math.Sin(th))})
	}
	return append(ring, ring[0])
}

func reversed(r orb.Ring) orb.Ring {
	out := slices.Clone(r)
	slices.Reverse(out)
	return out
}

// Overlapping layers: LocateAll returns every polygon containing the point,
// sorted, and Locate the lowest ID, as the reference says.
func TestOverlayMatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 12).Draw(t, "polygons")
		var polys []Polygon
		box := orb.Bound{Min: orb.Point{115, 41}, Max: orb.Point{115.02, 41.02}}
		for k := range n {
			cx := rapid.Float64Range(box.Min[0], box.Max[0]).Draw(t, "cx")
			cy := rapid.Float64Range(box.Min[1], box.Max[1]).Draw(t, "cy")
			outer := drawStar(t, cx, cy, 0.001, 0.01)
			poly := orb.Polygon{outer}
			if rapid.Bool().Draw(t, "hole") {
				poly = append(poly, reversed(drawStar(t, cx, cy, 0.0001, 0.0004)))
			}
			mp := orb.MultiPolygon{poly}
			if rapid.Bool().Draw(t, "multi") {
				mp = append(mp, orb.Polygon{drawStar(t, cx+0.01, cy, 0.001, 0.005)})
			}
			id := uint32(rapid.IntRange(0, 20).Draw(t, "id")) // duplicates allowed
			polys = append(polys, Polygon{ID: id, Geom: mp})
			if rapid.IntRange(0, 5).Draw(t, "copy") == 0 {
				polys = append(polys, Polygon{ID: uint32(100 + k), Geom: mp})
			}
		}
		ix := newIndex(polys, drawOptions(t))
		for range 25 {
			p := drawPointNear(t, polys, box, true)
			checkLookups(t, ix, p, refLocateAll(polys, p))
		}
	})
}

// Polygons whose vertices sit exactly on the tile grid's lines, on the
// widened cell borders and one ulp off them, queried at the same places: the
// cases where the build's classification of edges and the lookup's choice of
// cell must agree to the last bit. The rings are arbitrary, self-crossing
// ones included; the even-odd rule is defined for them all.
func TestGridLineCoordinates(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		opt := drawOptions(t)
		frame := orb.Bound{Min: orb.Point{115, 41}, Max: orb.Point{115.1, 41.07}}
		n := rapid.IntRange(2, 8).Draw(t, "polygons")
		g := newGrid(frame, n, opt)
		coord := func(name string, lo, step float64, cells int, at func(int) float64, max float64) float64 {
			i := rapid.IntRange(0, cells).Draw(t, name+"cell")
			var v float64
			switch rapid.IntRange(0, 2).Draw(t, name+"kind") {
			case 0:
				v = lo + float64(i)*step
			case 1:
				v = at(i)
			default:
				v = at(i - 1)
			}
			v = math.Nextafter(v, math.Inf(rapid.IntRange(-1, 1).Draw(t, name+"ulp")))
			return math.Min(math.Max(v, lo), max)
		}
		pt := func() orb.Point {
			xat := g.xlo
			if rapid.Bool().Draw(t, "xhi") {
				xat = g.xhi
			}
			yat := g.ylo
			if rapid.Bool().Draw(t, "yhi") {
				yat = g.yhi
			}
			return orb.Point{
				coord("x", g.minX, g.dx, g.nx, xat, g.maxX),
				coord("y", g.minY, g.dy, g.ny, yat, g.maxY),
			}
		}
		polys := []Polygon{{ID: 0, Geom: orb.MultiPolygon{{{frame.Min, {frame.Max[0], frame.Min[1]}, frame.Max, {frame.Min[0], frame.Max[1]}, frame.Min}}}}}
		for k := 1; k < n; k++ {
			m := rapid.IntRange(3, 8).Draw(t, "corners")
			ring := make(orb.Ring, 0, m+1)
			for range m {
				ring = append(ring, pt())
			}
			polys = append(polys, Polygon{ID: uint32(k), Geom: orb.MultiPolygon{{append(ring, ring[0])}}})
		}
		ix := newIndex(polys, opt)
		if ix.nx != g.nx || ix.ny != g.ny || ix.Bound() != frame {
			t.Fatalf("test set-up: the index chose another grid")
		}
		for range 25 {
			var p orb.Point
			if rapid.Bool().Draw(t, "onGrid") {
				p = pt()
			} else {
				p = drawPointNear(t, polys, frame, false)
			}
			checkLookups(t, ix, p, refLocateAll(polys, p))
		}
	})
}

// A vertex exactly on the widened bottom-right corner of a cell, with one
// edge leaving up and right (wholly right of the cell) and one arriving from
// down and left (reaching into it): the parity at the band's bottom must
// count the first edge and not the second.
func TestVertexOnWidenedCellCorner(t *testing.T) {
	frame := orb.Bound{Min: orb.Point{115, 41}, Max: orb.Point{115.1, 41.07}}
	opt := buildOptions{cellsPerPoly: 32, maxCells: 1 << 20, fallback: fallbackNever}
	g := newGrid(frame, 2, opt)
	const i, j = 3, 3
	v := orb.Point{g.xhi(i), g.ylo(j)}
	ring := orb.Ring{
		v,
		{v[0] + 2*g.dx, v[1] + 0.5*g.dy},
		{v[0] - g.dx, v[1] + 2*g.dy},
		{v[0] - 2*g.dx, v[1] - 0.5*g.dy},
		v,
	}
	polys := []Polygon{
		{ID: 0, Geom: orb.MultiPolygon{{{frame.Min, {frame.Max[0], frame.Min[1]}, frame.Max, {frame.Min[0], frame.Max[1]}, frame.Min}}}},
		{ID: 1, Geom: orb.MultiPolygon{{ring}}},
	}
	ix := newIndex(polys, opt)
	if ix.nx != g.nx || ix.ny != g.ny {
		t.Fatal("test set-up: the index chose another grid")
	}
	for a := range 41 {
		for b := range 41 {
			p := orb.Point{g.xlo(i) + float64(a)/40*(g.xhi(i)-g.xlo(i)), g.ylo(j) + float64(b)/40*(g.yhi(j)-g.ylo(j))}
			if b == 0 {
				p[1] = math.Nextafter(p[1], 90)
			}
			checkLookups(t, ix, p, refLocateAll(polys, p))
		}
	}
}

// Every point the lookup assigns to a cell lies strictly inside that cell's
// widened bounds, which is what the build's edge classification assumes.
func TestCellAssignmentStaysInWidenedCell(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		lng := rapid.Float64Range(-180, 179).Draw(t, "lng")
		lat := rapid.Float64Range(-89, 88).Draw(t, "lat")
		w := math.Pow(10, rapid.Float64Range(-6, 0).Draw(t, "w"))
		b := orb.Bound{Min: orb.Point{lng, lat}, Max: orb.Point{lng + w, lat + w*rapid.Float64Range(0.1, 10).Draw(t, "aspect")}}
		opt := buildOptions{cellsPerPoly: 16, maxCells: 1 << 26}
		n := rapid.IntRange(1, 1000000).Draw(t, "polygons")
		g := newGrid(b, n, opt)
		ix := &Index{minX: g.minX, minY: g.minY, maxX: g.maxX, maxY: g.maxY, invDx: 1 / g.dx, invDy: 1 / g.dy, nx: g.nx, ny: g.ny}
		for range 50 {
			i := rapid.IntRange(0, g.nx).Draw(t, "i")
			j := rapid.IntRange(0, g.ny).Draw(t, "j")
			// Cell lines, and points off them by one ulp up to 1e-4 cells.
			off := func(name string) float64 {
				if rapid.Bool().Draw(t, name+"ulp") {
					return 0
				}
				return math.Pow(10, rapid.Float64Range(-16, -4).Draw(t, name+"off")) * float64(rapid.SampledFrom([]int{-1, 1}).Draw(t, name+"sign"))
			}
			px := math.Nextafter(g.minX+(float64(i)+off("x"))*g.dx, math.Inf(rapid.IntRange(-1, 1).Draw(t, "dx")))
			py := math.Nextafter(g.minY+(float64(j)+off("y"))*g.dy, math.Inf(rapid.IntRange(-1, 1).Draw(t, "dy")))
			c, ok := ix.cell(px, py)
			if !ok {
				continue
			}
			ci, cj := c%g.nx, c/g.nx
			if !(g.xlo(ci) < px && px < g.xhi(ci) && g.ylo(cj) < py && py < g.yhi(cj)) {
				t.Fatalf("(%v, %v) assigned to cell (%d, %d) outside its widened bounds", px, py, ci, cj)
			}
		}
	})
}

// A grid with an exclusive grid inside it (hole plus island) and a grid made
// of two parts.
func TestHolesAndMultiPolygons(t *testing.T) {
	square := func(x0, y0, x1, y1 float64) orb.Ring {
		return orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
	}
	island := square(115.4, 41.4, 115.6, 41.6)
	polys := []Polygon{
		{ID: 10, Geom: orb.MultiPolygon{{square(115, 41, 116, 42), reversed(island)}}},
		{ID: 20, Geom: orb.MultiPolygon{{island}}},
		{ID: 30, Geom: orb.MultiPolygon{{square(116, 41, 117, 42)}, {square(118, 41, 119, 42)}}},
	}
	cases := []struct {
		p    orb.Point
		want []uint32
	}{
		{orb.Point{115.1, 41.1}, []uint32{10}},
		{orb.Point{115.5, 41.5}, []uint32{20}},      // in the hole: the island
		{orb.Point{115.4, 41.5}, []uint32{20}},      // on the island's left edge
		{orb.Point{115.6, 41.5}, []uint32{10}},      // on its right edge
		{orb.Point{115.5, 41.6}, []uint32{10}},      // on its top edge
		{orb.Point{116, 41.5}, []uint32{30}},        // shared edge of 10 and 30
		{orb.Point{116.5, 41.5}, []uint32{30}},      // first part
		{orb.Point{118.5, 41.5}, []uint32{30}},      // second part
		{orb.Point{117.5, 41.5}, nil},               // between the parts
		{orb.Point{119, 41.5}, nil},                 // right border
		{orb.Point{115, 42}, nil},                   // top-left corner
		{orb.Point{115, 41}, []uint32{10}},          // bottom-left corner
		{orb.Point{math.NaN(), 41.5}, nil},          // not a point
		{orb.Point{math.Inf(1), math.Inf(-1)}, nil}, // not a point
		{orb.Point{114.9999999, 41.5}, nil},         // just outside
		{orb.Point{115.6, 41.6}, []uint32{10}},      // the island's top-right corner
		{orb.Point{115.4, 41.4}, []uint32{20}},      // its bottom-left corner
		{orb.Point{115.5, 41.4}, []uint32{20}},      // its bottom edge
		{orb.Point{116.9999999, 41.9999999}, []uint32{30}},
	}
	for _, opt := range []buildOptions{defaultOptions(), {cellsPerPoly: 1000, maxCells: 1 << 20}, {cellsPerPoly: 1, maxCells: 1 << 20, fallback: fallbackAlways}} {
		ix := newIndex(polys, opt)
		for _, c := range cases {
			checkLookups(t, ix, c.p, c.want)
		}
		if ix.Len() != 3 {
			t.Errorf("Len = %d, want 3", ix.Len())
		}
		if want := (orb.Bound{Min: orb.Point{115, 41}, Max: orb.Point{119, 42}}); ix.Bound() != want {
			t.Errorf("Bound = %v, want %v", ix.Bound(), want)
		}
	}
}

// Degenerate input: nothing, non-finite coordinates, open rings, rings too
// short to have an edge.
func TestDegenerateInput(t *testing.T) {
	empty := NewIndex(nil)
	if _, ok := empty.Locate(orb.Point{115, 41}); ok || empty.Len() != 0 || len(empty.LocateAll(orb.Point{0, 0}, nil)) != 0 {
		t.Fatal("the empty index found something")
	}
	open := orb.Ring{{0, 0}, {2, 0}, {2, 2}, {0, 2}} // not closed
	polys := []Polygon{
		{ID: 1, Geom: orb.MultiPolygon{{open}}},
		{ID: 2, Geom: orb.MultiPolygon{{{{0, 0}, {math.NaN(), 5}, {5, 5}, {0, 0}}}}},
		{ID: 3, Geom: orb.MultiPolygon{{{{1, 1}}}}},
		{ID: 4, Geom: nil},
	}
	ix := NewIndex(polys)
	if ix.Len() != 4 {
		t.Errorf("Len = %d, want 4", ix.Len())
	}
	checkLookups(t, ix, orb.Point{1, 1}, []uint32{1})
	checkLookups(t, ix, orb.Point{1, 2}, nil) // top edge of the implicitly closed ring
	checkLookups(t, ix, orb.Point{0, 1}, []uint32{1})
	if want := (orb.Bound{Max: orb.Point{2, 2}}); ix.Bound() != want {
		t.Errorf("Bound = %v, want %v", ix.Bound(), want)
	}
	only := NewIndex(polys[1:])
	if _, ok := only.Locate(orb.Point{1, 1}); ok {
		t.Error("polygons without an area contained a point")
	}
}

// The Zhangjiakou-sized test city: the index agrees with the plain library
// route (R-tree + orb/planar) away from edges, and puts vertices in exactly
// one grid.
func TestCityMatchesLibraryRoute(t *testing.T) {
	tl := genTiling(configFor(cityGrids, 1))
	if len(tl.polys) != cityGrids {
		t.Fatalf("generator made %d polygons, want %d", len(tl.polys), cityGrids)
	}
	ix := NewIndex(tl.polys)
	if ix.Len() != cityGrids || ix.Bound() != tl.rect {
		t.Fatalf("Len, Bound = %d, %v; want %d, %v", ix.Len(), ix.Bound(), cityGrids, tl.rect)
	}
	pl := newPlain(tl.polys)
	opt := defaultOptions()
	opt.workers = 3 // another split into stripes than NewIndex's
	striped := newIndex(tl.polys, opt)
	pts := append(uniformPoints(tl.rect, 20000, 7), clusteredPoints(tl.rect, 20000, 8)...)
	for _, p := range pts {
		id, ok := ix.Locate(p)
		wid, wok := pl.locate(p)
		if ok != wok || id != wid {
			t.Fatalf("Locate(%v) = %d, %v; the library route says %d, %v", p, id, ok, wid, wok)
		}
		if sid, sok := striped.Locate(p); sid != id || sok != ok {
			t.Fatalf("Locate(%v) = %d, %v with 3 stripes, %d, %v without", p, sid, sok, id, ok)
		}
	}
	var dst []uint32
	for k := 0; k < len(tl.polys); k += 97 {
		for _, v := range tl.polys[k].Geom[0][0][:10] {
			dst = ix.LocateAll(v, dst[:0])
			if len(dst) != b2i(inHalfOpen(tl.rect, v)) {
				t.Fatalf("vertex %v is in grids %v", v, dst)
			}
		}
	}
}

// Where many small polygons crowd a few cells, those cells are answered
// through the R-tree, with the same answers.
func TestCrowdedCellsUseTheRTree(t *testing.T) {
	tl := genTiling(tilingConfig{cols: 2, rows: 2, sidePts: 25, spacingM: 5000, seed: 9})
	polys := slices.Clone(tl.polys)
	c := tl.rect.Center()
	const r = 8.0 / 111320 // 8 m, in a square of 200 m
	for k := range 300 {
		cx := c[0] + 25*r*(unit(9, 20, uint64(k))-0.5)
		cy := c[1] + 25*r*(unit(9, 21, uint64(k))-0.5)
		ring := make(orb.Ring, 0, 21)
		for v := range 20 {
			th := 2 * math.Pi * float64(v) / 20
			rad := r * (0.5 + unit(9, 22, uint64(k), uint64(v)))
			ring = append(ring, orb.Point{quantize(cx + rad*math.Cos(th)), quantize(cy + rad*math.Sin(th))})
		}
		polys = append(polys, Polygon{ID: uint32(1000 + k), Geom: orb.MultiPolygon{{append(ring, ring[0])}}})
	}
	ix := NewIndex(polys)
	if ix.tree.Len() == 0 {
		t.Fatal("no cell fell back to the R-tree")
	}
	near := orb.Bound{Min: orb.Point{c[0] - 15*r, c[1] - 15*r}, Max: orb.Point{c[0] + 15*r, c[1] + 15*r}}
	viaTree := 0
	for k, p := range uniformPoints(near, 1500, 10) {
		if k%3 == 0 { // a vertex of a crowded polygon
			g := polys[4+k%300].Geom[0][0]
			p = g[k%len(g)]
		}
		if c, ok := ix.cell(p[0], p[1]); ok && ix.cells[c] == cellFallback {
			viaTree++
		}
		checkLookups(t, ix, p, refLocateAll(polys, p))
	}
	if viaTree < 500 {
		t.Fatalf("only %d of 1500 points went through the R-tree", viaTree)
	}
}

// Lookups allocate nothing, on the grid path and on the R-tree path.
func TestLookupsDoNotAllocate(t *testing.T) {
	tl := genTiling(tilingConfig{cols: 6, rows: 6, sidePts: 20, spacingM: 500, islands: 3, multis: 1, seed: 3})
	pts := uniformPoints(tl.rect, 100, 1)
	for _, mode := range []fallbackMode{fallbackNever, fallbackAlways} {
		ix := newIndex(tl.polys, buildOptions{cellsPerPoly: 16, maxCells: 1 << 20, fallback: mode})
		dst := make([]uint32, 0, 8)
		k := 0
		allocs := testing.AllocsPerRun(200, func() {
			ix.Locate(pts[k%len(pts)])
			dst = ix.LocateAll(pts[k%len(pts)], dst[:0])
			k++
		})
		if allocs != 0 {
			t.Errorf("fallback mode %d: %v allocations per lookup", mode, allocs)
		}
	}
}

// Concurrent readers of one index see the same answers as a single reader.
func TestConcurrentReaders(t *testing.T) {
	tl := genTiling(tilingConfig{cols: 10, rows: 10, sidePts: 10, spacingM: 500, islands: 5, multis: 2, seed: 4})
	ix := NewIndex(tl.polys)
	pts := uniformPoints(tl.rect, 2000, 5)
	want := make([]uint32, len(pts))
	for k, p := range pts {
		want[k], _ = ix.Locate(p)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for range 4 {
		wg.Go(func() {
			for k, p := range pts {
				if id, _ := ix.Locate(p); id != want[k] {
					errs <- "a concurrent reader got another answer"
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

// The nearest point agrees with a brute-force great-circle search, and the
// distances are right in metres.
func TestNearestMatchesBruteForce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 300).Draw(t, "n")
		spread := rapid.SampledFrom([]float64{0.001, 0.5, 60}).Draw(t, "spread")
		pts := make([]Point, n)
		for k := range pts {
			pts[k] = Point{
				ID: uint32(rapid.IntRange(0, 1000).Draw(t, "id")),
				P: orb.Point{
					115 + rapid.Float64Range(-spread, spread).Draw(t, "lng"),
					41 + rapid.Float64Range(-spread, spread).Draw(t, "lat")/2,
				},
			}
			if k > 0 && rapid.IntRange(0, 9).Draw(t, "dup") == 0 {
				pts[k].P = pts[rapid.IntRange(0, k-1).Draw(t, "of")].P
			}
		}
		pi := NewPointIndex(pts)
		for range 20 {
			q := orb.Point{
				115 + rapid.Float64Range(-2*spread, 2*spread).Draw(t, "qlng"),
				41 + rapid.Float64Range(-spread, spread).Draw(t, "qlat"),
			}
			id, d, ok := pi.Nearest(q)
			if ok != (n > 0) {
				t.Fatalf("Nearest ok = %v with %d points", ok, n)
			}
			if !ok {
				continue
			}
			bestD, bestID := math.Inf(1), uint32(0)
			for _, p := range pts {
				dd := haversineM(q, p.P)
				if dd < bestD || (dd == bestD && p.ID < bestID) {
					bestD, bestID = dd, p.ID
				}
			}
			// Chord and haversine may order near-ties differently by a few
			// ulps; the distance must match, and the ID when not a near-tie.
			if math.Abs(d-bestD) > 1e-9*bestD+1e-6 {
				t.Fatalf("Nearest(%v) = %d at %v m, brute force %d at %v m", q, id, d, bestID, bestD)
			}
			if id != bestID && math.Abs(nearestWithID(pts, id, q)-bestD) > 1e-6 {
				t.Fatalf("Nearest(%v) = %d, brute force %d", q, id, bestID)
			}
		}
	})
}

// nearestWithID returns the distance from q to the nearest point with id.
func nearestWithID(pts []Point, id uint32, q orb.Point) float64 {
	best := math.Inf(1)
	for _, p := range pts {
		if p.ID == id {
			best = math.Min(best, haversineM(q, p.P))
		}
	}
	return best
}

func TestNearestDistances(t *testing.T) {
	pi := NewPointIndex([]Point{
		{ID: 5, P: orb.Point{115, 42}},
		{ID: 9, P: orb.Point{-179.9, 0}},
		{ID: 3, P: orb.Point{115, 42}}, // same place, lower ID
		{ID: 1, P: orb.Point{math.NaN(), 0}},
	})
	// One degree of latitude on the sphere: R·π/180.
	id, d, ok := pi.Nearest(orb.Point{115, 41})
	if !ok || id != 3 || math.Abs(d-EarthRadiusM*math.Pi/180) > 1e-6 {
		t.Errorf("Nearest = %d, %v, %v; want 3 at %v m", id, d, ok, EarthRadiusM*math.Pi/180)
	}
	// Across the antimeridian: 0.2 degrees of the equator.
	id, d, _ = pi.Nearest(orb.Point{179.9, 0})
	if id != 9 || math.Abs(d-0.2*EarthRadiusM*math.Pi/180) > 1e-3 {
		t.Errorf("Nearest = %d, %v; want 9 at %v m", id, d, 0.2*EarthRadiusM*math.Pi/180)
	}
	if _, _, ok := NewPointIndex(nil).Nearest(orb.Point{115, 41}); ok {
		t.Error("the empty point index found a point")
	}
	if _, _, ok := pi.Nearest(orb.Point{math.NaN(), 41}); ok {
		t.Error("a NaN query found a point")
	}
}
