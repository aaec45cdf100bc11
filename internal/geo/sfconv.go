package geo

import (
	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"
)

// This file is the only place that knows both geometry libraries: orb is the
// project's geometry type, simplefeatures supplies the overlay operations
// (union, intersection, difference) that orb lacks.

// toSF converts a MultiPolygon to simplefeatures without validating it.
func toSF(mp orb.MultiPolygon) geom.Geometry {
	polys := make([]geom.Polygon, 0, len(mp))
	for _, p := range mp {
		rings := make([]geom.LineString, 0, len(p))
		for _, r := range p {
			flat := make([]float64, 0, 2*len(r))
			for _, pt := range r {
				flat = append(flat, pt[0], pt[1])
			}
			rings = append(rings, geom.NewLineString(geom.NewSequence(flat, geom.DimXY)))
		}
		polys = append(polys, geom.NewPolygon(rings))
	}
	return geom.NewMultiPolygon(polys).AsGeometry()
}

// fromSF keeps the areal parts of an overlay result. Overlays of shapes that
// share edges also yield the shared lines and points, which have no area and
// are dropped. Rings are wound as RFC 7946 asks (outer counter-clockwise).
func fromSF(g geom.Geometry) orb.MultiPolygon {
	var out orb.MultiPolygon
	for _, part := range g.Dump() {
		p, ok := part.AsPolygon()
		if !ok || p.IsEmpty() {
			continue
		}
		poly := make(orb.Polygon, 0, p.NumRings())
		for i := range p.NumRings() {
			var ls geom.LineString
			if i == 0 {
				ls = p.ExteriorRing()
			} else {
				ls = p.InteriorRingN(i - 1)
			}
			seq := ls.Coordinates()
			ring := make(orb.Ring, seq.Length())
			for k := range ring {
				xy := seq.GetXY(k)
				ring[k] = orb.Point{xy.X, xy.Y}
			}
			if a := signedArea(ring); (i == 0 && a < 0) || (i > 0 && a > 0) {
				ring.Reverse()
			}
			poly = append(poly, ring)
		}
		out = append(out, poly)
	}
	return out
}
