package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"
	"pgregory.net/rapid"
)

// rect is a WGS-84 rectangle as a one-polygon MultiPolygon.
func rect(lng0, lat0, lng1, lat1 float64) orb.MultiPolygon {
	return orb.MultiPolygon{{sq(lng0, lat0, lng1, lat1)}}
}

// rectAreaByDistances is an area computed independently of AreaM2: width
// times height measured with DistanceM along the edges, good to well under
// 0.1% for rectangles a few kilometres across.
func rectAreaByDistances(lng0, lat0, lng1, lat1 float64) float64 {
	midLat := (lat0 + lat1) / 2
	w := DistanceM(orb.Point{lng0, midLat}, orb.Point{lng1, midLat})
	h := DistanceM(orb.Point{lng0, lat0}, orb.Point{lng0, lat1})
	return w * h
}

func near(got, want, rel float64) bool { return math.Abs(got-want) <= rel*math.Abs(want) }

// Near Daqing: a parent 0.02° square (about 1.5 × 2.2 km) and its quadrants.
const (
	x0, xm, x1 = 125.0, 125.01, 125.02
	y0, ym, y1 = 46.0, 46.01, 46.02
)

func quadrants() []Child {
	return []Child{
		{Code: "sw", Geom: rect(x0, y0, xm, ym)},
		{Code: "se", Geom: rect(xm, y0, x1, ym)},
		{Code: "nw", Geom: rect(x0, ym, xm, y1)},
		{Code: "ne", Geom: rect(xm, ym, x1, y1)},
	}
}

func TestCoverageExactTiling(t *testing.T) {
	rep, err := Coverage(rect(x0, y0, x1, y1), quadrants())
	if err != nil {
		t.Fatal(err)
	}
	if !near(rep.ParentAreaM2, rectAreaByDistances(x0, y0, x1, y1), 1e-3) {
		t.Errorf("parent area %.1f m², want about %.1f", rep.ParentAreaM2, rectAreaByDistances(x0, y0, x1, y1))
	}
	if math.Abs(rep.CoveredShare-1) > 1e-9 {
		t.Errorf("CoveredShare = %.12f, want 1", rep.CoveredShare)
	}
	if len(rep.Gaps) != 0 || rep.GapAreaM2 != 0 || len(rep.Overlaps) != 0 || rep.OverlapAreaM2 != 0 || len(rep.Outside) != 0 {
		t.Errorf("exact tiling reported gaps %v (%v m²), overlaps %v, outside %v", rep.Gaps, rep.GapAreaM2, rep.Overlaps, rep.Outside)
	}
}

func TestCoverageMissingChild(t *testing.T) {
	parent := rect(x0, y0, x1, y1)
	rep, err := Coverage(parent, quadrants()[:3])
	if err != nil {
		t.Fatal(err)
	}
	want := AreaM2(rect(xm, ym, x1, y1))
	if len(rep.Gaps) != 1 || !near(rep.GapAreaM2, want, 1e-9) {
		t.Fatalf("gaps %v with %.3f m², want one of %.3f m²", rep.Gaps, rep.GapAreaM2, want)
	}
	if b := rep.Gaps.Bound(); !near(b.Min[0], xm, 1e-12) || !near(b.Max[1], y1, 1e-12) {
		t.Errorf("gap bound %v, want the north-east quadrant", b)
	}
	if !near(rep.CoveredShare, 1-want/rep.ParentAreaM2, 1e-9) {
		t.Errorf("CoveredShare %v, want %v", rep.CoveredShare, 1-want/rep.ParentAreaM2)
	}
	if !near(rep.GapAreaM2, rectAreaByDistances(xm, ym, x1, y1), 1e-3) {
		t.Errorf("gap area %.1f m², independent estimate %.1f", rep.GapAreaM2, rectAreaByDistances(xm, ym, x1, y1))
	}
}

func TestCoverageOverlap(t *testing.T) {
	// West half widened and east half moved west: they share the strip
	// 125.008–125.012, 46.00–46.02 (about 307 m × 2.2 km).
	children := []Child{
		{Code: "west", Geom: rect(x0, y0, 125.012, y1)},
		{Code: "east", Geom: rect(125.008, y0, x1, y1)},
	}
	rep, err := Coverage(rect(x0, y0, x1, y1), children)
	if err != nil {
		t.Fatal(err)
	}
	want := rectAreaByDistances(125.008, y0, 125.012, y1)
	if len(rep.Overlaps) != 1 {
		t.Fatalf("overlaps %v, want one", rep.Overlaps)
	}
	o := rep.Overlaps[0]
	if o.A != "west" || o.B != "east" || !near(o.AreaM2, want, 0.005) || !near(rep.OverlapAreaM2, want, 0.005) {
		t.Errorf("overlap %s/%s %.1f m² (total %.1f), want west/east %.1f m² ±0.5%%", o.A, o.B, o.AreaM2, rep.OverlapAreaM2, want)
	}
	if math.Abs(rep.CoveredShare-1) > 1e-9 || len(rep.Gaps) != 0 || len(rep.Outside) != 0 {
		t.Errorf("share %v, gaps %v, outside %v", rep.CoveredShare, rep.Gaps, rep.Outside)
	}
}

func TestCoverageOutside(t *testing.T) {
	children := quadrants()
	children[3].Geom = rect(xm, ym, 125.025, y1) // north-east sticks out east by 0.005°
	rep, err := Coverage(rect(x0, y0, x1, y1), children)
	if err != nil {
		t.Fatal(err)
	}
	want := AreaM2(rect(x1, ym, 125.025, y1))
	if len(rep.Outside) != 1 || rep.Outside[0].Code != "ne" || !near(rep.Outside[0].AreaM2, want, 1e-9) || !near(rep.OutsideAreaM2, want, 1e-9) {
		t.Fatalf("outside %+v, want ne with %.1f m²", rep.Outside, want)
	}
	if math.Abs(rep.CoveredShare-1) > 1e-9 || len(rep.Gaps) != 0 || len(rep.Overlaps) != 0 {
		t.Errorf("share %v, gaps %v, overlaps %v", rep.CoveredShare, rep.Gaps, rep.Overlaps)
	}
}

func TestCoverageIgnoresSlivers(t *testing.T) {
	// The east child reaches 1e-9° (0.1 mm) into the west one and stops 1e-9°
	// short of the parent's edge: well under a square metre each.
	children := []Child{
		{Code: "west", Geom: rect(x0, y0, xm, y1)},
		{Code: "east", Geom: rect(xm-1e-9, y0, x1-1e-9, y1)},
	}
	rep, err := Coverage(rect(x0, y0, x1, y1), children)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Gaps) != 0 || len(rep.Overlaps) != 0 || len(rep.Outside) != 0 {
		t.Errorf("slivers reported: gaps %v, overlaps %v, outside %v", rep.Gaps, rep.Overlaps, rep.Outside)
	}
	// With no tolerance at all, the same slivers are findings.
	rep, err = CoverageMinArea(rect(x0, y0, x1, y1), children, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Gaps) != 1 || len(rep.Overlaps) != 1 {
		t.Errorf("without tolerance: gaps %v, overlaps %v; want one of each", rep.Gaps, rep.Overlaps)
	}
}

func TestCoverageRefusesBadInput(t *testing.T) {
	if _, err := Coverage(nil, quadrants()); err == nil {
		t.Error("Coverage with no parent succeeded")
	}
	if _, err := CoverageMinArea(rect(x0, y0, x1, y1), quadrants(), math.NaN()); err == nil {
		t.Error("CoverageMinArea with a NaN tolerance succeeded")
	}
}

func TestIntersectionAndOverlapShare(t *testing.T) {
	grid := rect(x0, y0, xm, ym)
	tests := []struct {
		name    string
		overlay orb.MultiPolygon
		want    float64
	}{
		{"same", grid, 1},
		{"covers", rect(x0-0.01, y0-0.01, x1, y1), 1},
		{"west half", rect(x0-0.01, y0-0.01, 125.005, y1), 0.5},
		{"touching only", rect(xm, y0, x1, ym), 0},
		{"far away", rect(126, 47, 126.1, 47.1), 0},
		{"nothing", nil, 0},
	}
	for _, tt := range tests {
		got, err := OverlapShare(grid, tt.overlay)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if math.Abs(got-tt.want) > 1e-4 {
			t.Errorf("%s: OverlapShare = %v, want %v", tt.name, got, tt.want)
		}
	}
	inter, err := Intersection(grid, rect(125.005, 46.005, x1, y1))
	if err != nil {
		t.Fatal(err)
	}
	want := orb.MultiPolygon{{{{125.005, 46.005}, {xm, 46.005}, {xm, ym}, {125.005, ym}, {125.005, 46.005}}}}
	if diff := cmp.Diff(normRing(want), normRing(inter)); diff != "" {
		t.Errorf("Intersection (-want +got):\n%s", diff)
	}
	if _, err := OverlapShare(nil, grid); err == nil {
		t.Error("OverlapShare of an empty grid succeeded")
	}
}

// normRing rotates each ring to start at its smallest point, so that rings
// can be compared whatever corner an overlay started from.
func normRing(mp orb.MultiPolygon) orb.MultiPolygon {
	out := mp.Clone()
	for _, p := range out {
		for i, r := range p {
			pts := distinctCorners(r)
			k := 0
			for j := range pts {
				if pts[j][0] < pts[k][0] || (pts[j][0] == pts[k][0] && pts[j][1] < pts[k][1]) {
					k = j
				}
			}
			rot := append(append(orb.Ring{}, pts[k:]...), pts[:k]...)
			p[i] = append(rot, rot[0])
		}
	}
	return out
}

// tiling splits the box [125, 125 + 0.01·cols] × [46, 46 + 0.01·rows] into
// cols × rows quadrilaterals whose shared corners are jittered and whose
// edges carry extra points, the way real grid boundaries follow streets.
// Neighbours share their edges point for point.
func tiling(cols, rows int, seed uint64) (orb.MultiPolygon, []Child) {
	rng := rand.New(rand.NewPCG(seed, 1))
	const cell = 0.01
	const perEdge = 4 // points inserted on each edge
	node := make([][]orb.Point, cols+1)
	for i := range node {
		node[i] = make([]orb.Point, rows+1)
		for j := range node[i] {
			p := orb.Point{125 + float64(i)*cell, 46 + float64(j)*cell}
			if i > 0 && i < cols && j > 0 && j < rows {
				p[0] += (rng.Float64() - 0.5) * 0.4 * cell
				p[1] += (rng.Float64() - 0.5) * 0.4 * cell
			}
			node[i][j] = p
		}
	}
	// edge returns the points from a to b, excluding b, with a deterministic
	// wiggle so both neighbours compute the same points.
	edge := func(a, b orb.Point) []orb.Point {
		pts := []orb.Point{a}
		for k := 1; k <= perEdge; k++ {
			f := float64(k) / (perEdge + 1)
			pts = append(pts, orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])})
		}
		return pts
	}
	// Wiggle interior edge points perpendicular to the edge, keyed by the
	// unordered pair of end nodes so both sides agree.
	wiggled := func(a, b orb.Point) []orb.Point {
		fwd := a[0] < b[0] || (a[0] == b[0] && a[1] < b[1])
		lo, hi := a, b
		if !fwd {
			lo, hi = b, a
		}
		pts := edge(lo, hi)
		h := math.Float64bits(lo[0]*7+lo[1]*13+hi[0]*17+hi[1]*19) | 1
		for k := 1; k < len(pts); k++ {
			h = h*6364136223846793005 + 1442695040888963407
			off := (float64(h>>40)/float64(1<<24) - 0.5) * 0.1 * cell
			dx, dy := hi[0]-lo[0], hi[1]-lo[1]
			l := math.Hypot(dx, dy)
			pts[k][0] += -dy / l * off
			pts[k][1] += dx / l * off
		}
		pts = append(pts, hi)
		if !fwd {
			for i, j := 0, len(pts)-1; i < j; i, j = i+1, j-1 {
				pts[i], pts[j] = pts[j], pts[i]
			}
		}
		return pts[:len(pts)-1]
	}
	var children []Child
	for i := range cols {
		for j := range rows {
			a, b, c, d := node[i][j], node[i+1][j], node[i+1][j+1], node[i][j+1]
			var r orb.Ring
			for _, e := range [][2]orb.Point{{a, b}, {b, c}, {c, d}, {d, a}} {
				r = append(r, wiggled(e[0], e[1])...)
			}
			r = append(r, r[0])
			children = append(children, Child{Code: fmt.Sprintf("c%03d-%03d", i, j), Geom: orb.MultiPolygon{{r}}})
		}
	}
	// The parent's edge follows the same wiggled outer edges.
	var outer orb.Ring
	for i := range cols {
		outer = append(outer, wiggled(node[i][0], node[i+1][0])...)
	}
	for j := range rows {
		outer = append(outer, wiggled(node[cols][j], node[cols][j+1])...)
	}
	for i := cols; i > 0; i-- {
		outer = append(outer, wiggled(node[i][rows], node[i-1][rows])...)
	}
	for j := rows; j > 0; j-- {
		outer = append(outer, wiggled(node[0][j], node[0][j-1])...)
	}
	outer = append(outer, outer[0])
	return orb.MultiPolygon{{outer}}, children
}

func TestCoverageManyChildren(t *testing.T) {
	cols, rows := 30, 50 // 1,500 children
	if raceEnabled {
		cols, rows = 10, 15 // the race detector makes overlays ~10× slower
	}
	parent, children := tiling(cols, rows, 7)
	for _, c := range children[:20] {
		if problems := Check(c.Geom, 0); len(problems) != 0 {
			t.Fatalf("child %s: %v", c.Code, problems)
		}
	}
	if problems := Check(parent, 0); len(problems) != 0 {
		t.Fatalf("parent: %v", problems)
	}
	var sum float64
	for _, c := range children {
		sum += AreaM2(c.Geom)
	}
	if !near(sum, AreaM2(parent), 1e-9) {
		t.Fatalf("children add up to %.1f m², parent is %.1f m²", sum, AreaM2(parent))
	}

	rep, err := Coverage(parent, children)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(rep.CoveredShare-1) > 1e-9 || len(rep.Gaps) != 0 || len(rep.Overlaps) != 0 || len(rep.Outside) != 0 {
		t.Errorf("share %.12f, gaps %d (%.3f m²), overlaps %d, outside %d", rep.CoveredShare, len(rep.Gaps), rep.GapAreaM2, len(rep.Overlaps), len(rep.Outside))
	}

	// Dropping two children and pushing one into its neighbour is found.
	moved := children[40].Geom.Clone()
	for _, p := range moved {
		for _, r := range p {
			for k := range r {
				r[k][0] += 0.001
			}
		}
	}
	broken := append([]Child{}, children[:40]...)
	broken = append(broken, Child{Code: children[40].Code, Geom: moved})
	broken = append(broken, children[43:]...)
	rep, err = Coverage(parent, broken)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Gaps) == 0 || len(rep.Overlaps) == 0 {
		t.Errorf("broken tiling: gaps %d, overlaps %d", len(rep.Gaps), len(rep.Overlaps))
	}
	wantGap := AreaM2(children[41].Geom) + AreaM2(children[42].Geom)
	if rep.GapAreaM2 < wantGap {
		t.Errorf("gap area %.0f m², want at least the two missing children's %.0f", rep.GapAreaM2, wantGap)
	}
}

// Any jittered tiling, whatever its size and wiggles, covers its parent
// exactly: no gaps, overlaps or outside pieces survive the sliver filter.
func TestCoverageTilingProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cols := rapid.IntRange(1, 6).Draw(t, "cols")
		rows := rapid.IntRange(1, 6).Draw(t, "rows")
		parent, children := tiling(cols, rows, rapid.Uint64().Draw(t, "seed"))
		rep, err := Coverage(parent, children)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(rep.CoveredShare-1) > 1e-9 || len(rep.Gaps) != 0 || len(rep.Overlaps) != 0 || len(rep.Outside) != 0 {
			t.Fatalf("share %.12f, gaps %v, overlaps %v, outside %v", rep.CoveredShare, rep.Gaps, rep.Overlaps, rep.Outside)
		}
	})
}

// Two random rectangles near Daqing overlap in a rectangle whose area is
// known; Coverage and OverlapShare must find it.
func TestOverlapRectanglesProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		corner := func(label string) (float64, float64, float64, float64) {
			ax := rapid.Float64Range(125, 125.02).Draw(t, label+"x0")
			ay := rapid.Float64Range(46, 46.02).Draw(t, label+"y0")
			w := rapid.Float64Range(0.001, 0.02).Draw(t, label+"w")
			h := rapid.Float64Range(0.001, 0.02).Draw(t, label+"h")
			return ax, ay, ax + w, ay + h
		}
		ax0, ay0, ax1, ay1 := corner("a")
		bx0, by0, bx1, by1 := corner("b")
		a, b := rect(ax0, ay0, ax1, ay1), rect(bx0, by0, bx1, by1)
		ix0, iy0, ix1, iy1 := math.Max(ax0, bx0), math.Max(ay0, by0), math.Min(ax1, bx1), math.Min(ay1, by1)
		want := 0.0
		if ix0 < ix1 && iy0 < iy1 {
			want = AreaM2(rect(ix0, iy0, ix1, iy1))
		}
		share, err := OverlapShare(a, b)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(share*AreaM2(a)-want) > 1e-6*AreaM2(a)+0.01 {
			t.Fatalf("OverlapShare %v × %v m² ≠ %v m²", share, AreaM2(a), want)
		}
		parent := rect(124.9, 45.9, 125.1, 46.1)
		rep, err := Coverage(parent, []Child{{Code: "a", Geom: a}, {Code: "b", Geom: b}})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(rep.OverlapAreaM2-want) > 1e-6*want+SliverAreaM2 {
			t.Fatalf("overlap %v m², want %v", rep.OverlapAreaM2, want)
		}
		covered := AreaM2(a) + AreaM2(b) - want
		if !near(rep.CoveredShare*rep.ParentAreaM2, covered, 1e-6) || !near(rep.GapAreaM2, rep.ParentAreaM2-covered, 1e-6) {
			t.Fatalf("covered %v m², gaps %v m²; want %v and %v", rep.CoveredShare*rep.ParentAreaM2, rep.GapAreaM2, covered, rep.ParentAreaM2-covered)
		}
	})
}

func BenchmarkCoverage1500(b *testing.B) {
	parent, children := tiling(30, 50, 7)
	for b.Loop() {
		if _, err := Coverage(parent, children); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnion1500(b *testing.B) {
	_, children := tiling(30, 50, 7)
	for b.Loop() {
		gs := make([]Child, len(children))
		copy(gs, children)
		sf := make([]geom.Geometry, len(gs))
		for i, c := range gs {
			sf[i] = toSF(c.Geom)
		}
		if _, err := unionAll(sf); err != nil {
			b.Fatal(err)
		}
	}
}
