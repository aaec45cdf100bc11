package spatial

import (
	"math/big"
	"slices"

	"github.com/paulmach/orb"
)

// Brute-force references, written independently of the index: exact
// rational arithmetic, every edge of every polygon.

// ratOrient returns the sign of orient(a, b, p) computed in big.Rat.
func ratOrient(ax, ay, bx, by, px, py float64) int {
	r := func(v float64) *big.Rat { return new(big.Rat).SetFloat64(v) }
	d1 := new(big.Rat).Sub(r(ax), r(px))
	d2 := new(big.Rat).Sub(r(by), r(py))
	d3 := new(big.Rat).Sub(r(ay), r(py))
	d4 := new(big.Rat).Sub(r(bx), r(px))
	l := new(big.Rat).Mul(d1, d2)
	rr := new(big.Rat).Mul(d3, d4)
	return l.Cmp(rr)
}

// refContains applies the package's rule (half-open crossing number, even-odd
// over all rings) to one geometry.
func refContains(mp orb.MultiPolygon, p orb.Point) bool {
	in := false
	for _, poly := range mp {
		for _, ring := range poly {
			n := len(ring)
			if n < 2 {
				continue
			}
			for k := range n {
				a, b := ring[k], ring[(k+1)%n]
				if (a[1] > p[1]) == (b[1] > p[1]) {
					continue
				}
				s := ratOrient(a[0], a[1], b[0], b[1], p[0], p[1])
				if s != 0 && (s > 0) == (b[1] > p[1]) {
					in = !in
				}
			}
		}
	}
	return in
}

// refLocateAll returns the sorted, distinct IDs of the polygons containing p.
func refLocateAll(polys []Polygon, p orb.Point) []uint32 {
	var out []uint32
	for _, pg := range polys {
		if refContains(pg.Geom, p) {
			out = append(out, pg.ID)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
