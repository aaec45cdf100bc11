package workforce

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// star is a closed star-shaped ring around c, radius r degrees, with n
// points, counter-clockwise or (reversed) clockwise for a hole.
func star(rng *rand.Rand, c orb.Point, r float64, n int, reversed bool) orb.Ring {
	ring := make(orb.Ring, 0, n+1)
	for k := 0; k < n; k++ {
		a := 2 * math.Pi * float64(k) / float64(n)
		d := r * (0.5 + rng.Float64()/2)
		ring = append(ring, orb.Point{c[0] + d*math.Cos(a), c[1] + d*math.Sin(a)*0.7})
	}
	if reversed {
		for i, j := 0, len(ring)-1; i < j; i, j = i+1, j-1 {
			ring[i], ring[j] = ring[j], ring[i]
		}
	}
	return append(ring, ring[0])
}

// TestRasterMatchesPointInPolygon: the scanline raster marks exactly the
// cell centres the point-in-polygon test finds inside, holes and several
// parts included.
func TestRasterMatchesPointInPolygon(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 0; n < 40; n++ {
		c := orb.Point{124 + rng.Float64(), 46 + rng.Float64()}
		r := 0.005 + rng.Float64()*0.03
		poly := orb.Polygon{star(rng, c, r, 5+rng.IntN(80), false)}
		if n%3 == 0 {
			poly = append(poly, star(rng, c, r/5, 6+rng.IntN(10), true))
		}
		mp := orb.MultiPolygon{poly}
		if n%4 == 0 {
			mp = append(mp, orb.Polygon{star(rng, orb.Point{c[0] + 3*r, c[1]}, r/2, 12, false)})
		}
		ras := newRaster(mp)
		want := 0
		for j := 0; j < ras.ny; j++ {
			for i := 0; i < ras.nx; i++ {
				p := orb.Point{ras.b.Min[0] + (float64(i)+0.5)*ras.cell/ras.kx, ras.b.Min[1] + (float64(j)+0.5)*ras.cell/ras.ky}
				in := planar.MultiPolygonContains(mp, p)
				if in {
					want++
				}
				if in != ras.inside[j*ras.nx+i] {
					t.Fatalf("polygon %d: cell (%d, %d) at %v: raster says %v, point-in-polygon %v", n, i, j, p, ras.inside[j*ras.nx+i], in)
				}
			}
		}
		if ras.gridCells != want || want == 0 {
			t.Fatalf("polygon %d: %d cells inside, want %d", n, ras.gridCells, want)
		}
	}
}
