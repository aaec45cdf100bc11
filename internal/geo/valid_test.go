package geo

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"
	"pgregory.net/rapid"
)

// kinds is the comparable summary of a problem list.
type kindRing struct {
	Kind string
	Ring int
}

func kinds(ps []Problem) []kindRing {
	out := []kindRing{}
	for _, p := range ps {
		out = append(out, kindRing{p.Kind, p.Ring})
	}
	return out
}

func sq(x0, y0, x1, y1 float64) orb.Ring {
	return orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

func TestCheck(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name       string
		g          orb.Geometry
		max        int
		want       []kindRing
		wantDetail string // a phrase the first problem's detail must contain
	}{
		{name: "valid square", g: orb.Polygon{sq(0, 0, 1, 1)}, want: []kindRing{}},
		{name: "clockwise is fine", g: orb.Polygon{{{0, 0}, {0, 1}, {1, 1}, {1, 0}, {0, 0}}}, want: []kindRing{}},
		{name: "repeated points are fine", g: orb.Polygon{{{0, 0}, {0, 0}, {1, 0}, {1, 1}, {1, 1}, {0, 1}, {0, 0}}}, want: []kindRing{}},
		{name: "valid hole", g: orb.Polygon{sq(0, 0, 4, 4), sq(1, 1, 2, 2)}, want: []kindRing{}},
		{name: "hole touching shell at a point", g: orb.Polygon{sq(0, 0, 4, 4), {{0, 2}, {1, 1}, {1, 3}, {0, 2}}}, want: []kindRing{}},
		{name: "islands meeting at a corner", g: orb.MultiPolygon{{sq(0, 0, 1, 1)}, {sq(1, 1, 2, 2)}}, want: []kindRing{}},
		{name: "unclosed", g: orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}},
			want: []kindRing{{ProblemUnclosedRing, 0}}, wantDetail: "not closed"},
		{name: "two points", g: orb.Polygon{{{0, 0}, {1, 0}, {0, 0}}},
			want: []kindRing{{ProblemTooFewPoints, 0}}, wantDetail: "2 distinct corners"},
		{name: "no points", g: orb.Polygon{{}}, want: []kindRing{{ProblemTooFewPoints, 0}}},
		{name: "bow tie", g: orb.Polygon{{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}},
			want: []kindRing{{ProblemSelfIntersection, 0}}, wantDetail: "outer ring crosses itself at (0.5000000, 0.5000000)"},
		{name: "spike", g: orb.Polygon{{{0, 0}, {2, 0}, {2, 1}, {2, 3}, {2, 2}, {0, 2}, {0, 0}}},
			want: []kindRing{{ProblemSelfIntersection, 0}, {ProblemSelfIntersection, 0}}, wantDetail: "touches itself at (2.0000000, 2.0000000)"},
		{name: "collinear ring", g: orb.Polygon{{{0, 0}, {2, 0}, {1, 0}, {0, 0}}},
			want: []kindRing{{ProblemSelfIntersection, 0}, {ProblemSelfIntersection, 0}}},
		{name: "ring touching itself", g: orb.Polygon{{{0, 0}, {4, 0}, {4, 4}, {2, 0}, {0, 4}, {0, 0}}},
			want: []kindRing{{ProblemSelfIntersection, 0}}, wantDetail: "touches itself at (2.0000000, 0.0000000)"},
		{name: "hole crossing shell", g: orb.Polygon{sq(0, 0, 4, 4), sq(3, 1, 5, 2)},
			want: []kindRing{{ProblemSelfIntersection, 0}, {ProblemSelfIntersection, 0}}, wantDetail: "outer ring crosses hole 1"},
		{name: "hole sharing an edge", g: orb.Polygon{sq(0, 0, 4, 4), sq(0, 1, 1, 2)},
			want: []kindRing{{ProblemSelfIntersection, 0}}, wantDetail: "runs along hole 1"},
		{name: "polygons overlapping", g: orb.MultiPolygon{{sq(0, 0, 2, 2)}, {sq(1, 1, 3, 3)}},
			want: []kindRing{{ProblemSelfIntersection, 0}, {ProblemSelfIntersection, 0}}, wantDetail: "outer ring of polygon 0 crosses outer ring of polygon 1"},
		{name: "hole passing out through touches", g: orb.Polygon{{{1, 1}, {0, 2}, {7, 0}, {0, 0}, {1, 1}}, {{0, 0}, {2, 1}, {0, 1}, {0, 0}}},
			want: []kindRing{{ProblemSelfIntersection, 1}}, wantDetail: "hole 1 passes from inside to outside the outer ring where they touch"},
		{name: "polygon inside polygon", g: orb.MultiPolygon{{sq(0, 0, 4, 4)}, {sq(1, 1, 2, 2)}},
			want: []kindRing{{ProblemOverlappingParts, 0}}, wantDetail: "polygon 0 and polygon 1 overlap"},
		{name: "diamond touching its square", g: orb.MultiPolygon{{sq(0, 0, 2, 2)}, {{{1, 0}, {2, 1}, {1, 2}, {0, 1}, {1, 0}}}},
			want: []kindRing{{ProblemOverlappingParts, 0}}},
		{name: "island in a lake", g: orb.MultiPolygon{{sq(0, 0, 4, 4), sq(1, 1, 3, 3)}, {sq(1.5, 1.5, 2.5, 2.5)}}, want: []kindRing{}},
		{name: "island filling its lake", g: orb.MultiPolygon{{sq(0, 0, 4, 4), sq(1, 1, 3, 3)}, {{{1, 2}, {2, 1}, {3, 2}, {2, 3}, {1, 2}}}}, want: []kindRing{}},
		{name: "hole inside hole", g: orb.Polygon{sq(0, 0, 4, 4), sq(1, 1, 3, 3), sq(1.5, 1.5, 2.5, 2.5)},
			want: []kindRing{{ProblemOverlappingParts, 2}}, wantDetail: "hole 1 and hole 2 overlap"},
		{name: "holes side by side touching", g: orb.Polygon{sq(0, 0, 4, 4), sq(1, 1, 2, 2), sq(2, 2, 3, 3)}, want: []kindRing{}},
		{name: "hole outside", g: orb.Polygon{sq(0, 0, 1, 1), sq(2, 2, 3, 3)},
			want: []kindRing{{ProblemHoleOutside, 1}}, wantDetail: "hole 1 lies outside"},
		{name: "NaN", g: orb.Polygon{{{0, 0}, {nan, 0}, {1, 1}, {0, 0}}},
			want: []kindRing{{ProblemNaNOrInf, 0}}, wantDetail: "point 1"},
		{name: "Inf in second polygon", g: orb.MultiPolygon{{sq(0, 0, 1, 1)}, {sq(2, 2, 3, 3), {{2.5, 2.5}, {math.Inf(1), 2.6}, {2.6, 2.6}, {2.5, 2.5}}}},
			want: []kindRing{{ProblemNaNOrInf, 2}}, wantDetail: "hole 1 of polygon 1"},
		{name: "projected metres", g: orb.Polygon{sq(500000, 5000000, 501000, 5001000)},
			want: []kindRing{{ProblemOutOfRange, 0}}, wantDetail: "point 0 (500000, 5e+06)"},
		{name: "too many vertices", g: orb.Polygon{sq(0, 0, 1, 1)}, max: 4,
			want: []kindRing{{ProblemTooManyVertices, -1}}, wantDetail: "5 points, more than the 4 allowed"},
		{name: "limit exactly met", g: orb.Polygon{sq(0, 0, 1, 1)}, max: 5, want: []kindRing{}},
		{name: "empty multipolygon", g: orb.MultiPolygon{}, want: []kindRing{{ProblemEmpty, -1}}},
		{name: "polygon without rings", g: orb.Polygon{}, want: []kindRing{{ProblemEmpty, -1}}},
		{name: "nil", g: nil, want: []kindRing{{ProblemEmpty, -1}}},
		{name: "line", g: orb.LineString{{0, 0}, {1, 1}},
			want: []kindRing{{ProblemNotPolygon, -1}}, wantDetail: "LineString"},
		{name: "several at once", g: orb.MultiPolygon{{{{0, 0}, {1, 1}, {1, 0}, {0, 1}}}, {{{5, 5}, {6, 6}}}},
			want: []kindRing{{ProblemUnclosedRing, 0}, {ProblemUnclosedRing, 1}, {ProblemTooFewPoints, 1}, {ProblemSelfIntersection, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Check(tt.g, tt.max)
			if diff := cmp.Diff(tt.want, kinds(got)); diff != "" {
				t.Fatalf("Check problems (-want +got):\n%s\n%v", diff, got)
			}
			if tt.wantDetail != "" && !strings.Contains(got[0].Detail, tt.wantDetail) {
				t.Errorf("detail %q does not contain %q", got[0].Detail, tt.wantDetail)
			}
		})
	}
}

func TestProblemFatal(t *testing.T) {
	for _, k := range []string{ProblemTooFewPoints, ProblemSelfIntersection, ProblemNaNOrInf, ProblemOutOfRange, ProblemTooComplex, ProblemOverlappingParts, ProblemTooManyVertices, ProblemEmpty, ProblemNotPolygon, ProblemHoleOutside} {
		if !(Problem{Kind: k}).Fatal() {
			t.Errorf("%s is not fatal", k)
		}
	}
	if (Problem{Kind: ProblemUnclosedRing}).Fatal() {
		t.Error("unclosed_ring is fatal, but Normalize repairs it")
	}
	if HasFatal([]Problem{{Kind: ProblemUnclosedRing}}) || !HasFatal([]Problem{{Kind: ProblemUnclosedRing}, {Kind: ProblemEmpty}}) {
		t.Error("HasFatal disagrees with Fatal")
	}
	if got := (Problem{Kind: ProblemEmpty, Ring: -1, Detail: "x"}).String(); got != "empty: x" {
		t.Errorf("String = %q", got)
	}
}

func TestCheckCapsIntersectionReports(t *testing.T) {
	// A zig-zag whose teeth all cross one long edge: hundreds of crossings.
	var r orb.Ring
	for i := range 500 {
		y := 1.0
		if i%2 == 1 {
			y = -1
		}
		r = append(r, orb.Point{float64(i) * 0.1, y})
	}
	r = append(r, orb.Point{50, 0}, orb.Point{-1, 0}, r[0])
	got := Check(orb.Polygon{r}, 0)
	if len(got) != maxIntersectionReports {
		t.Fatalf("%d problems, want the cap %d", len(got), maxIntersectionReports)
	}
	if !strings.Contains(got[len(got)-1].Detail, "further intersections not listed") {
		t.Errorf("last detail %q does not say more were found", got[len(got)-1].Detail)
	}
}

// A comb of long parallel teeth is a simple ring, but every edge's box meets
// every other one, which would make the search quadratic; the pair budget
// must stop it quickly.
func TestCheckBudgetsAdversarialInput(t *testing.T) {
	comb := func(n int) orb.Ring {
		const eps = 1e-5
		r := orb.Ring{}
		for k := range n {
			x := 125 + float64(k)*eps
			r = append(r, orb.Point{x, 46}, orb.Point{x + 0.5, 46.5})
		}
		last := r[len(r)-1]
		return append(r, orb.Point{last[0], 45.5}, orb.Point{124.5, 45.7}, r[0])
	}
	if got := Check(orb.Polygon{comb(20)}, 0); len(got) != 0 {
		t.Fatalf("a small comb is valid, but Check says %v", got)
	}
	got := Check(orb.Polygon{comb(6_000)}, 0)
	if diff := cmp.Diff([]kindRing{{ProblemTooComplex, -1}}, kinds(got)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestNormalize(t *testing.T) {
	cw := orb.Ring{{0, 0}, {0, 4}, {4, 4}, {4, 0}, {0, 0}}
	ccwHole := orb.Ring{{1, 1}, {2, 1}, {2, 2}, {1, 2}, {1, 1}}
	unclosedDup := orb.Ring{{10, 10}, {11, 10}, {11, 10}, {11, 11}, {10, 11}}

	t.Run("polygon winding and holes", func(t *testing.T) {
		in := orb.Polygon{cw.Clone(), ccwHole.Clone()}
		got, problems := Normalize(in)
		if len(problems) != 0 {
			t.Fatalf("problems %v", problems)
		}
		want := orb.MultiPolygon{{
			{{0, 0}, {4, 0}, {4, 4}, {0, 4}, {0, 0}},
			{{1, 1}, {1, 2}, {2, 2}, {2, 1}, {1, 1}},
		}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Normalize (-want +got):\n%s", diff)
		}
		if !orb.Equal(in, orb.Polygon{cw, ccwHole}) {
			t.Error("Normalize changed its input")
		}
	})
	t.Run("closes and drops repeats", func(t *testing.T) {
		got, problems := Normalize(orb.MultiPolygon{{unclosedDup}})
		if diff := cmp.Diff([]kindRing{{ProblemUnclosedRing, 0}}, kinds(problems)); diff != "" {
			t.Fatalf("problems (-want +got):\n%s", diff)
		}
		if HasFatal(problems) {
			t.Error("an unclosed ring alone should not be fatal")
		}
		want := orb.MultiPolygon{{{{10, 10}, {11, 10}, {11, 11}, {10, 11}, {10, 10}}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Normalize (-want +got):\n%s", diff)
		}
	})
	t.Run("keeps ring numbering", func(t *testing.T) {
		got, problems := Normalize(orb.MultiPolygon{{{{0, 0}, {1, 0}, {0, 0}}}, {sq(5, 5, 6, 6)}})
		if len(got) != 2 || len(got[0]) != 1 || len(got[1]) != 1 {
			t.Fatalf("structure changed: %v", got)
		}
		if diff := cmp.Diff([]kindRing{{ProblemTooFewPoints, 0}}, kinds(problems)); diff != "" {
			t.Errorf("problems (-want +got):\n%s", diff)
		}
	})
	t.Run("not a polygon", func(t *testing.T) {
		got, problems := Normalize(orb.Point{1, 2})
		if got != nil || len(problems) != 1 || problems[0].Kind != ProblemNotPolygon {
			t.Errorf("Normalize(point) = %v, %v", got, problems)
		}
	})
}

// starRing draws a simple polygon: corners at increasing angles around a
// centre with random radii can never cross.
func starRing(t *rapid.T, cx, cy, scale float64) orb.Ring {
	n := rapid.IntRange(3, 60).Draw(t, "corners")
	angles := make([]float64, n)
	for i := range angles {
		angles[i] = (float64(i) + rapid.Float64Range(0.05, 0.95).Draw(t, "jitter")) / float64(n) * 2 * math.Pi
	}
	r := make(orb.Ring, 0, n+1)
	for _, a := range angles {
		rad := scale * rapid.Float64Range(0.2, 1).Draw(t, "radius")
		r = append(r, orb.Point{cx + rad*math.Cos(a), cy + rad*math.Sin(a)})
	}
	if rapid.Bool().Draw(t, "clockwise") {
		slices.Reverse(r)
	}
	return append(r, r[0])
}

func TestNormalizeProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := starRing(t, 125, 46, 0.01)
		if problems := Check(orb.Polygon{r}, 0); len(problems) != 0 {
			t.Fatalf("simple star ring reported %v", problems)
		}
		mp, problems := Normalize(orb.Polygon{r})
		if len(problems) != 0 {
			t.Fatalf("Normalize problems %v", problems)
		}
		out := mp[0][0]
		if out[0] != out[len(out)-1] || signedArea(out) <= 0 {
			t.Fatalf("outer ring not closed and counter-clockwise: %v", out)
		}
		// Normalize is idempotent, and the area does not depend on winding.
		again, _ := Normalize(mp)
		if !orb.Equal(again, mp) {
			t.Fatalf("Normalize not idempotent:\n%v\n%v", mp, again)
		}
		if a, b := AreaM2(mp), AreaM2(orb.MultiPolygon{{r}}); math.Abs(a-b) > 1e-9*a {
			t.Fatalf("area changed by normalizing: %v vs %v", a, b)
		}
	})
}

// TestCheckAgreesWithSimplefeatures compares the self-intersection finding
// with simplefeatures' independent simplicity test, on rings with small
// integer coordinates so that touching, collinear and repeated corners are
// common.
func TestCheckAgreesWithSimplefeatures(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(3, 9).Draw(t, "n")
		pts := make([]orb.Point, n)
		for i := range pts {
			pts[i] = orb.Point{float64(rapid.IntRange(0, 4).Draw(t, "x")), float64(rapid.IntRange(0, 4).Draw(t, "y"))}
		}
		corners := distinctCorners(orb.Ring(pts))
		if len(corners) < 3 {
			return
		}
		ring := append(slices.Clone(corners), corners[0])
		ours := slices.ContainsFunc(Check(orb.Polygon{ring}, 0), func(p Problem) bool { return p.Kind == ProblemSelfIntersection })
		flat := make([]float64, 0, 2*len(ring))
		for _, p := range ring {
			flat = append(flat, p[0], p[1])
		}
		simple := geom.NewLineString(geom.NewSequence(flat, geom.DimXY)).IsSimple()
		if ours == simple {
			t.Fatalf("ring %v: Check self-intersection=%v, simplefeatures simple=%v", ring, ours, simple)
		}
	})
}

// Check's cost is measured by BenchmarkCheck10k; these tests hold what it
// finds on large rings.
func TestCheckLargeRings(t *testing.T) {
	t.Run("10k-vertex valid ring", func(t *testing.T) {
		ring := wavyRing(10_000)
		if problems := Check(orb.Polygon{ring}, 0); len(problems) != 0 {
			t.Fatalf("problems %v", problems[:min(3, len(problems))])
		}
	})
	t.Run("1M vertices refused by the limit before anything else", func(t *testing.T) {
		// Two corners swapped make a ring cross itself: were the big ring
		// examined past the count, that would be reported too.
		crossed := func(n int) orb.Ring {
			r := wavyRing(n)
			r[10], r[11] = r[11], r[10]
			return r
		}
		if problems := Check(orb.Polygon{crossed(1_000)}, 0); len(problems) == 0 {
			t.Fatal("a crossed ring passes Check; the test no longer shows the limit comes first")
		}
		problems := Check(orb.Polygon{crossed(1_000_000)}, 100_000)
		if len(problems) != 1 || problems[0].Kind != ProblemTooManyVertices {
			t.Fatalf("problems %v", problems[:min(3, len(problems))])
		}
	})
}

// wavyRing is a closed, simple, star-shaped ring of n corners near Daqing,
// about 2 km across, with a wavy edge so that segments are not uniform.
func wavyRing(n int) orb.Ring {
	r := make(orb.Ring, 0, n+1)
	for i := range n {
		a := float64(i) / float64(n) * 2 * math.Pi
		rad := 0.01 * (1 + 0.2*math.Sin(37*a))
		r = append(r, orb.Point{125 + rad*math.Cos(a), 46 + rad*math.Sin(a)})
	}
	return append(r, r[0])
}

func BenchmarkCheck10k(b *testing.B) {
	g := orb.Polygon{wavyRing(10_000)}
	for b.Loop() {
		Check(g, 0)
	}
}

// FuzzCheck builds a MultiPolygon from the fuzzer's bytes: each 2 bytes are
// a small integer corner (many crossings, repeats, touches and collinear
// runs); 0xFF starts a new ring, 0xFD a new polygon, and 0xFE inserts a raw
// float64 (NaN, Inf, huge and tiny values).
func FuzzCheck(f *testing.F) {
	f.Add([]byte{0, 0, 4, 0, 4, 4, 0, 4, 0, 0})
	f.Add([]byte{0, 0, 4, 4, 4, 0, 0, 4})
	f.Add([]byte{0, 0, 8, 0, 8, 8, 0, 8, 0, 0, 0xFF, 2, 2, 3, 2, 3, 3, 2})
	f.Add([]byte{0, 0, 8, 0, 8, 8, 0, 8, 0xFD, 2, 2, 3, 2, 3, 3, 2})
	f.Add([]byte{0xFE, 0x7F, 0xF8, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2})
	f.Add([]byte{})
	f.Fuzz(runFuzzCheckBody)
}

func runFuzzCheckBody(t *testing.T, data []byte) {
	{
		var mp0 orb.MultiPolygon
		var poly orb.Polygon
		var ring orb.Ring
		var coord []float64
		for i := 0; i < len(data); i++ {
			switch {
			case data[i] == 0xFF:
				poly = append(poly, ring)
				ring = nil
				continue
			case data[i] == 0xFD:
				mp0 = append(mp0, append(poly, ring))
				poly, ring = nil, nil
				continue
			case data[i] == 0xFE && i+8 < len(data):
				coord = append(coord, math.Float64frombits(binary.BigEndian.Uint64(data[i+1:i+9])))
				i += 8
			default:
				coord = append(coord, float64(data[i]%16))
			}
			if len(coord) == 2 {
				ring = append(ring, orb.Point{coord[0], coord[1]})
				coord = coord[:0]
			}
		}
		mp0 = append(mp0, append(poly, ring))
		var g orb.Geometry = mp0
		nrings := 0
		for _, p := range mp0 {
			nrings += len(p)
		}
		if len(mp0) == 1 {
			g = mp0[0]
		}
		problems := Check(g, 0)
		for _, p := range problems {
			if p.Kind == "" || p.Detail == "" || p.Ring < -1 || p.Ring >= nrings {
				t.Fatalf("malformed problem %+v", p)
			}
		}
		mp, nproblems := Normalize(g)
		if !cmp.Equal(kinds(problems), kinds(nproblems)) {
			t.Fatalf("Check %v and Normalize %v disagree", problems, nproblems)
		}
		if HasFatal(problems) {
			return
		}
		// A boundary without fatal problems normalizes to closed, wound rings
		// that check clean and have a finite, non-negative area.
		for _, p := range mp {
			for i, r := range p {
				// Orientation is only asserted where the area is not lost to
				// rounding (corners 1e-300 apart, say).
				a := signedArea(r)
				if r[0] != r[len(r)-1] || (a != 0 && (i == 0) != (a > 0)) {
					t.Fatalf("ring %d of %v not closed or wound wrongly", i, p)
				}
			}
		}
		if again := Check(mp, 0); len(again) != 0 {
			t.Fatalf("normalized boundary still has problems %v", again)
		}
		if a := AreaM2(mp); !(a >= 0) || math.IsInf(a, 0) {
			t.Fatalf("area %v", a)
		}
	}
}

// orient's sign must be exact: it agrees with rational arithmetic and is
// consistent under every reordering of the three points, also for nearly
// collinear points where plain floats fail.
func TestOrientExact(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		base := orb.Point{rapid.Float64Range(-180, 180).Draw(t, "x"), rapid.Float64Range(-90, 90).Draw(t, "y")}
		dir := orb.Point{rapid.Float64Range(-1, 1).Draw(t, "dx"), rapid.Float64Range(-1, 1).Draw(t, "dy")}
		at := func(label string) orb.Point {
			s := rapid.Float64Range(-1, 1).Draw(t, label)
			p := orb.Point{base[0] + s*dir[0], base[1] + s*dir[1]}
			// Nudge by a few ulps, or not at all.
			k := rapid.IntRange(-3, 3).Draw(t, label+"ulps")
			for range max(k, -k) {
				p[1] = math.Nextafter(p[1], math.Copysign(math.Inf(1), float64(k)))
			}
			return p
		}
		a, b, c := base, at("b"), at("c")
		want := orientExact(a, b, c)
		if got := sgn(orient(a, b, c)); got != want {
			t.Fatalf("orient(%v, %v, %v) sign %v, exact %v", a, b, c, got, want)
		}
		if e, ok := orientExpansion(a, b, c); ok && e != want {
			t.Fatalf("orientExpansion(%v, %v, %v) = %v, exact %v", a, b, c, e, want)
		}
		signs := []float64{sgn(orient(a, b, c)), sgn(orient(b, c, a)), sgn(orient(c, a, b)),
			-sgn(orient(b, a, c)), -sgn(orient(a, c, b)), -sgn(orient(c, b, a))}
		for _, s := range signs {
			if s != signs[0] {
				t.Fatalf("orient signs differ by point order: %v", signs)
			}
		}
	})
}

func sgn(f float64) float64 {
	switch {
	case f > 0:
		return 1
	case f < 0:
		return -1
	}
	return 0
}
