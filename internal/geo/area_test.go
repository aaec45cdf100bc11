package geo

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"pgregory.net/rapid"
)

// zoneArea integrates the WGS-84 area element M(φ)·N(φ)·cos φ dφ dλ with
// Simpson's rule: an independent reference for the area between two
// parallels, sharing no code with AreaM2.
func zoneArea(lat0, lat1, dLng float64) float64 {
	e2 := wgsF * (2 - wgsF)
	const n = 20_000
	h := (lat1 - lat0) * math.Pi / 180 / n
	f := func(phi float64) float64 {
		s := math.Sin(phi)
		w := 1 - e2*s*s
		return wgsA * (1 - e2) / math.Pow(w, 1.5) * wgsA / math.Sqrt(w) * math.Cos(phi)
	}
	sum := f(lat0*math.Pi/180) + f(lat1*math.Pi/180)
	for i := 1; i < n; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		sum += w * f(lat0*math.Pi/180+float64(i)*h)
	}
	return sum * h / 3 * dLng * math.Pi / 180
}

// cellRing is the cell between two meridians and two parallels; with k > 1
// points per parallel its edges follow the parallels closely.
func cellRing(lng0, lat0, lng1, lat1 float64, k int) orb.Ring {
	var r orb.Ring
	for i := 0; i <= k; i++ {
		r = append(r, orb.Point{lng0 + (lng1-lng0)*float64(i)/float64(k), lat0})
	}
	for i := 0; i <= k; i++ {
		r = append(r, orb.Point{lng1 - (lng1-lng0)*float64(i)/float64(k), lat1})
	}
	return append(r, r[0])
}

func TestAreaM2Accuracy(t *testing.T) {
	// tol is the relative rounding error: sin β near 0.7 carries about 1e-16,
	// so a cell of height Δφ (radians) gets about 1e-16/Δφ.
	tests := []struct {
		name       string
		lat0, lat1 float64
		dLng       float64
		tol        float64
	}{
		{"1°×1° centred on 45°N", 44.5, 45.5, 1, 1e-12},
		{"1°×1° from 45°N", 45, 46, 1, 1e-12},
		{"1°×1° at the equator", 0, 1, 1, 1e-12},
		{"1°×1° at 60°N", 60, 61, 1, 1e-12},
		{"Daqing 0.01° cell", 46, 46.01, 0.01, 1e-11},
		{"11 m cell", 46, 46.0001, 0.0001, 1e-9},
	}
	for _, tt := range tests {
		// The reference takes the differences the float corners really have
		// (125.0001 − 125 is not exactly 0.0001).
		want := zoneArea(tt.lat0, tt.lat1, (125+tt.dLng)-125)
		dense := AreaM2(orb.MultiPolygon{{cellRing(125, tt.lat0, 125+tt.dLng, tt.lat1, 2000)}})
		corners := AreaM2(orb.MultiPolygon{{cellRing(125, tt.lat0, 125+tt.dLng, tt.lat1, 1)}})
		sphere := math.Abs(orbgeo.Area(orb.Polygon{cellRing(125, tt.lat0, 125+tt.dLng, tt.lat1, 2000)}))
		t.Logf("%-24s ellipsoid %.6g km²; AreaM2 %+.1e (densified %+.1e), geodesic edges %+.1e, orb/geo.Area %+.1e",
			tt.name, want/1e6, corners/want-1, dense/want-1, greatCircleAreaM2(cellRing(125, tt.lat0, 125+tt.dLng, tt.lat1, 1))/want-1, sphere/want-1)
		// Edges straight in longitude/latitude follow the parallels, so the
		// four corners bound exactly the zone; extra points on the edges
		// change nothing.
		if !near(corners, want, tt.tol) {
			t.Errorf("%s: AreaM2 = %.6f m², want %.6f (rel %.1e)", tt.name, corners, want, corners/want-1)
		}
		if !near(dense, want, tt.tol) {
			t.Errorf("%s: densified AreaM2 = %.6f m², want %.6f (rel %.1e)", tt.name, dense, want, dense/want-1)
		}
		// With geodesic (great-circle) edges the four-corner cell differs by a
		// few 1e-5 for 1° and 1e-9 for 0.01°: the edge model, not an error.
		geodesic := greatCircleAreaM2(cellRing(125, tt.lat0, 125+tt.dLng, tt.lat1, 1))
		if !near(geodesic, want, 5e-5) {
			t.Errorf("%s: great-circle area %.3f m², want %.3f ±5e-5", tt.name, geodesic, want)
		}
	}
	// The commonly quoted figure for a 1°×1° cell at 45°N.
	if a := zoneArea(44.5, 45.5, 1) / 1e6; math.Abs(a-8762) > 1 {
		t.Errorf("1°×1° at 45°N is %.1f km², want about 8,762", a)
	}
}

// greatCircleAreaM2 is an independent reference: the spherical excess of the
// ring on the authalic sphere with great-circle edges, summed per edge as the
// excess of the quadrilateral between the edge and the equator (Karney 2013,
// eq. 60).
func greatCircleAreaM2(r orb.Ring) float64 {
	au := wgs84Authalic()
	n := len(r) - 1
	var sum float64
	tanHalf := func(lat float64) float64 { return math.Tan(math.Asin(au.sinBeta(lat)) / 2) }
	for i := range n {
		a, b := r[i], r[i+1]
		t1, t2 := tanHalf(a[1]), tanHalf(b[1])
		dl := (b[0] - a[0]) * math.Pi / 180
		sum += 2 * math.Atan2(math.Tan(dl/2)*(t1+t2), 1+t1*t2)
	}
	return math.Abs(sum) * au.r * au.r
}

// The edge models differ because a straight east–west line in
// longitude/latitude is a parallel, which a great circle bows poleward of by
// s = L²·tan φ/(8R) (2 cm for L = 1 km at 46°N). Each edge then moves the
// area by at most the segment between chord and bow, ⅔·L·s = L³·tan φ/(12R):
// tens of square metres for a km-long edge. This bounds the difference and
// cross-checks both implementations.
func TestAreaM2AgreesWithGreatCircles(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		lat := rapid.Float64Range(19, 53).Draw(t, "lat")
		r := starRing(t, rapid.Float64Range(74, 134).Draw(t, "lng"), lat, 0.01)
		a, g := AreaM2(orb.MultiPolygon{{r}}), greatCircleAreaM2(r)
		var bound float64
		tan := math.Tan((lat + 0.01) * math.Pi / 180)
		for i := range len(r) - 1 {
			l := DistanceM(r[i], r[i+1])
			bound += l * l * l * tan / (12 * 6_356_000)
		}
		if math.Abs(a-g) > bound+1e-6 {
			t.Fatalf("AreaM2 %.3f m², great circles %.3f m²: differ by %.3f m², bound %.3f", a, g, a-g, bound)
		}
	})
}

func TestAreaM2Structure(t *testing.T) {
	outer := sq(125, 46, 125.02, 46.02)
	hole := sq(125.005, 46.005, 125.01, 46.01)
	whole := AreaM2(orb.MultiPolygon{{outer}})
	holeArea := AreaM2(orb.MultiPolygon{{hole}})
	reversed := outer.Clone()
	reversed.Reverse()
	tests := []struct {
		name string
		mp   orb.MultiPolygon
		want float64
	}{
		{"empty", nil, 0},
		{"degenerate ring", orb.MultiPolygon{{{{125, 46}, {125.1, 46}, {125, 46}}}}, 0},
		{"clockwise", orb.MultiPolygon{{reversed}}, whole},
		{"unclosed", orb.MultiPolygon{{outer[:4]}}, whole},
		{"with a hole", orb.MultiPolygon{{outer, hole}}, whole - holeArea},
		{"hole wound like the shell", orb.MultiPolygon{{reversed, reversed[:0:0]}}, whole},
		{"two polygons", orb.MultiPolygon{{outer}, {sq(126, 47, 126.01, 47.01)}}, whole + AreaM2(orb.MultiPolygon{{sq(126, 47, 126.01, 47.01)}})},
	}
	for _, tt := range tests {
		if got := AreaM2(tt.mp); !near(got, tt.want, 1e-12) {
			t.Errorf("%s: AreaM2 = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestDistanceM(t *testing.T) {
	tests := []struct {
		name string
		a, b orb.Point
		want float64
		tol  float64
	}{
		// Vincenty's (1975) published example: Flinders Peak to Buninyong.
		{"flinders peak–buninyong", orb.Point{144 + 25/60.0 + 29.52440/3600, -(37 + 57/60.0 + 3.72030/3600)},
			orb.Point{143 + 55/60.0 + 35.38390/3600, -(37 + 39/60.0 + 10.15610/3600)}, 54972.271, 0.001},
		{"1° along the equator", orb.Point{0, 0}, orb.Point{1, 0}, wgsA * math.Pi / 180, 1e-6},
		{"equator to pole", orb.Point{125, 0}, orb.Point{125, 90}, 10_001_965.729, 0.001},
		{"same point", orb.Point{125.1, 46.6}, orb.Point{125.1, 46.6}, 0, 0},
		{"across the antimeridian", orb.Point{179.99, 0}, orb.Point{-179.99, 0}, wgsA * 0.02 * math.Pi / 180, 1e-6},
		{"nearly antipodal", orb.Point{0, 0}, orb.Point{179.9, 0.1}, 20_003_931, 0.01 * 20_003_931},
	}
	for _, tt := range tests {
		if got := DistanceM(tt.a, tt.b); math.Abs(got-tt.want) > tt.tol || math.IsNaN(got) {
			t.Errorf("%s: DistanceM = %.4f m, want %.4f ±%g", tt.name, got, tt.want, tt.tol)
		}
	}
}

func TestDistanceMProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := orb.Point{rapid.Float64Range(73, 135).Draw(t, "lng1"), rapid.Float64Range(18, 54).Draw(t, "lat1")}
		b := orb.Point{rapid.Float64Range(73, 135).Draw(t, "lng2"), rapid.Float64Range(18, 54).Draw(t, "lat2")}
		d := DistanceM(a, b)
		if back := DistanceM(b, a); math.Abs(d-back) > 1e-6 {
			t.Fatalf("not symmetric: %v vs %v", d, back)
		}
		// The sphere is within 0.6% of the ellipsoid everywhere.
		if h := haversine(a, b); math.Abs(d-h) > 0.006*h+1e-6 {
			t.Fatalf("DistanceM %v m, haversine %v m", d, h)
		}
	})
}

func TestBound(t *testing.T) {
	if b := Bound(nil); !b.IsEmpty() {
		t.Errorf("Bound(nil) = %v, want empty", b)
	}
	got := Bound(orb.MultiPolygon{{sq(125, 46, 125.02, 46.02)}, {sq(124, 47, 124.5, 47.5)}})
	want := orb.Bound{Min: orb.Point{124, 46}, Max: orb.Point{125.02, 47.5}}
	if got != want {
		t.Errorf("Bound = %v, want %v", got, want)
	}
}
