package workforce

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/gridgov/gridgov/internal/geo"
)

// distanceToArea is 0 when p lies inside mp, else the distance in metres
// from p to the nearest point of mp's boundary (+Inf without a boundary).
//
// The nearest point is found in a plane tangent at p (longitude scaled by
// cos φ), which for the few hundred metres a check-in tolerance spans is
// within a fraction of a percent; the distance to it is then measured on
// the ellipsoid. Edges are straight in longitude/latitude, as everywhere in
// the map code, so the nearest point lies on the same edge the point-in-
// polygon test uses.
func distanceToArea(mp orb.MultiPolygon, p orb.Point) float64 {
	if len(mp) == 0 {
		return math.Inf(1)
	}
	if planar.MultiPolygonContains(mp, p) {
		return 0
	}
	kx := math.Cos(p[1] * math.Pi / 180)
	best, nearest := math.Inf(1), p
	for _, poly := range mp {
		for _, ring := range poly {
			for i := 0; i+1 < len(ring); i++ {
				c, d2 := nearestOnSegment(ring[i], ring[i+1], p, kx)
				if d2 < best {
					best, nearest = d2, c
				}
			}
		}
	}
	if math.IsInf(best, 1) {
		return best
	}
	return geo.DistanceM(p, nearest)
}

// nearestOnSegment is the point of segment ab nearest to p in the tangent
// plane, and its squared planar distance (in scaled degrees).
func nearestOnSegment(a, b, p orb.Point, kx float64) (orb.Point, float64) {
	ax, ay := (a[0]-p[0])*kx, a[1]-p[1]
	bx, by := (b[0]-p[0])*kx, b[1]-p[1]
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = math.Max(0, math.Min(1, -(ax*dx+ay*dy)/l2))
	}
	x, y := ax+t*dx, ay+t*dy
	return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}, x*x + y*y
}
