package spatial

import (
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/tidwall/rtree"
)

// plainIndex is the plain library route: R-tree candidates by box, then
// orb's planar containment test.
type plainIndex struct {
	tr    rtree.RTreeG[int]
	polys []Polygon
}

func newPlain(polys []Polygon) *plainIndex {
	pl := &plainIndex{polys: polys}
	for i, p := range polys {
		b := p.Geom.Bound()
		pl.tr.Insert([2]float64(b.Min), [2]float64(b.Max), i)
	}
	return pl
}

func (pl *plainIndex) locate(p orb.Point) (id uint32, ok bool) {
	pl.tr.Search([2]float64(p), [2]float64(p), func(_, _ [2]float64, i int) bool {
		if planar.MultiPolygonContains(pl.polys[i].Geom, p) {
			id, ok = pl.polys[i].ID, true
			return false
		}
		return true
	})
	return id, ok
}

// linearIndex scans every polygon: box check, then orb's test.
type linearIndex struct {
	bounds []orb.Bound
	polys  []Polygon
}

func newLinear(polys []Polygon) *linearIndex {
	li := &linearIndex{polys: polys, bounds: make([]orb.Bound, len(polys))}
	for i, p := range polys {
		li.bounds[i] = p.Geom.Bound()
	}
	return li
}

func (li *linearIndex) locate(p orb.Point) (uint32, bool) {
	for i, b := range li.bounds {
		if b.Contains(p) && planar.MultiPolygonContains(li.polys[i].Geom, p) {
			return li.polys[i].ID, true
		}
	}
	return 0, false
}
