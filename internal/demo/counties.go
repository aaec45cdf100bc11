package demo

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"

	"github.com/gridgov/gridgov/internal/region"
)

// generateOnCounties subdivides real county outlines. Each county gets its
// own raster of the cells that may touch it: those whose centre lies inside
// (which decide the county's share of the land) and those near its outline.
// Children are unions of these cells, so together they cover the county with
// a little to spare; the children that reach the outline are then clipped by
// the county polygon, which leaves them following it exactly while the edges
// between children, away from the outline, stay shared.
func generateOnCounties(p Preset, o Options) (City, error) {
	if err := region.ValidateCode(o.CityCode, region.City, ""); err != nil {
		return City{}, fmt.Errorf("city code %q: %w", o.CityCode, err)
	}
	if strings.TrimSpace(o.CityName) == "" {
		return City{}, errors.New("a city name is needed with real counties")
	}
	counties := slices.Clone(o.Counties)
	slices.SortFunc(counties, func(a, b region.Region) int { return strings.Compare(a.Code, b.Code) })
	city := region.Region{Code: o.CityCode, Name: o.CityName, Level: region.City, Path: region.ChildPath("", o.CityCode)}
	var bound orb.Bound
	outlines := make([]geom.Geometry, len(counties))
	for i := range counties {
		c := &counties[i]
		if err := prepareCounty(c, city); err != nil {
			return City{}, err
		}
		if i > 0 && c.Code == counties[i-1].Code {
			return City{}, fmt.Errorf("county %s given twice", c.Code)
		}
		outlines[i] = toGeom(c.Boundary)
		if err := outlines[i].Validate(); err != nil {
			return City{}, fmt.Errorf("county %s: outline: %w", c.Code, err)
		}
		if i == 0 {
			bound = c.Boundary.Bound()
		} else {
			bound = bound.Union(c.Boundary.Bound())
		}
	}

	rng := rand.New(rand.NewPCG(o.Seed, streamCity))
	centre := bound.Center()
	lat := newLattice(0, centre[0], centre[1], rng.Uint64())
	var area float64
	for _, c := range counties {
		area += areaM2(lat, c.Boundary)
	}
	lat.radius = cellRadius(p, area)

	jobs := make([]*countyJob, len(counties))
	for i, c := range counties {
		g := countyRaster(lat, c.Boundary)
		j := &countyJob{g: g, id: 0, county: c, cityName: o.CityName, outline: outlines[i],
			rural: strings.HasSuffix(c.Name, "县") || strings.HasSuffix(c.Name, "旗"),
			rng:   rand.New(rand.NewPCG(o.Seed, streamCounty+uint64(i)))}
		for k, v := range g.city {
			if v == 0 {
				j.cells = append(j.cells, int32(k))
			}
		}
		if j.weight(j.cells) == 0 {
			return City{}, fmt.Errorf("county %s is smaller than one cell", c.Code)
		}
		jobs[i] = j
	}
	if err := shareOut(p, jobs); err != nil {
		return City{}, err
	}
	if err := runJobs(jobs, (*countyJob).subdivide); err != nil {
		return City{}, err
	}
	if err := runJobs(jobs, (*countyJob).draw); err != nil {
		return City{}, err
	}
	union, err := geom.UnionMany(outlines)
	if err != nil {
		return City{}, fmt.Errorf("city outline: %w", err)
	}
	city.Boundary = polygonsOf(union)
	return collect(city, counties, jobs), nil
}

// prepareCounty checks a given county against the city and puts its outline
// into the canonical form: rings closed, outer rings counter-clockwise.
func prepareCounty(c *region.Region, city region.Region) error {
	if c.Level == 0 {
		c.Level = region.County
	}
	if c.ParentCode == "" {
		c.ParentCode = city.Code
	}
	c.Path = region.ChildPath(city.Path, c.Code)
	if err := c.Validate(&city); err != nil {
		return fmt.Errorf("county %s %s: %w", c.Code, c.Name, err)
	}
	if c.ParentCode != city.Code {
		return fmt.Errorf("county %s is under %s, not under city %s", c.Code, c.ParentCode, city.Code)
	}
	var mp orb.MultiPolygon
	for _, poly := range c.Boundary {
		var out orb.Polygon
		for k, r := range poly {
			r = slices.Clone(r)
			if len(r) > 0 && r[0] != r[len(r)-1] {
				r = append(r, r[0])
			}
			if len(r) < 4 {
				return fmt.Errorf("county %s: a ring of %d points", c.Code, len(r))
			}
			out = append(out, orient(r, k == 0))
		}
		if len(out) > 0 {
			mp = append(mp, out)
		}
	}
	if len(mp) == 0 {
		return fmt.Errorf("county %s has no outline", c.Code)
	}
	c.Boundary = mp
	return nil
}

// orient returns r running counter-clockwise (ccw) or clockwise.
func orient(r orb.Ring, ccw bool) orb.Ring {
	if (signedArea(r) > 0) != ccw {
		r = slices.Clone(r)
		slices.Reverse(r)
	}
	return r
}

// areaM2 is the planar area of an outline in the lattice's plane.
func areaM2(lat *lattice, mp orb.MultiPolygon) float64 {
	var a float64
	for _, poly := range mp {
		for _, r := range poly {
			m := make(orb.Ring, len(r))
			for i, pt := range r {
				m[i][0], m[i][1] = lat.metres(pt)
			}
			a += signedArea(m) // holes run clockwise and subtract
		}
	}
	return a
}

// countyRaster marks the cells a county's children are made of: inside
// (centre in the outline, found by scanning rows with the even-odd rule) and
// border (any cell whose hexagon may reach the outline). A hexagon reaches at
// most 1.2 radii from its centre, and the outline is sampled every quarter
// radius, so every cell the outline crosses is within 1.35 radii of a sample.
func countyRaster(lat *lattice, mp orb.MultiPolygon) *raster {
	type edge struct{ x1, y1, x2, y2 float64 }
	var edges []edge
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, poly := range mp {
		for _, r := range poly {
			for i := 0; i+1 < len(r); i++ {
				x1, y1 := lat.metres(r[i])
				x2, y2 := lat.metres(r[i+1])
				edges = append(edges, edge{x1, y1, x2, y2})
				minX, minY, maxX, maxY = min(minX, x1), min(minY, y1), max(maxX, x1), max(maxY, y1)
			}
		}
	}
	pad := 2 * lat.radius
	qMin, qMax, rMin, rMax := windowFor(lat, minX-pad, minY-pad, maxX+pad, maxY+pad)
	g := newRaster(lat, qMin, qMax, rMin, rMax)
	g.inside, g.border = make([]bool, len(g.city)), make([]bool, len(g.city))

	var xs []float64
	for lr := margin; lr < g.h-margin; lr++ {
		_, y := lat.centre(0, g.r0+lr)
		xs = xs[:0]
		for _, e := range edges {
			if (e.y1 > y) != (e.y2 > y) {
				xs = append(xs, e.x1+(y-e.y1)*(e.x2-e.x1)/(e.y2-e.y1))
			}
		}
		slices.Sort(xs)
		k := 0
		for lq := margin; lq < g.w-margin; lq++ {
			x, _ := lat.centre(g.q0+lq, g.r0+lr)
			for k < len(xs) && xs[k] < x {
				k++
			}
			g.inside[lr*g.w+lq] = k%2 == 1
		}
	}

	// Border cells, and for each the outline edges that come near it.
	reach := 1.35 * lat.radius
	step := lat.radius / 4
	near := map[int32][]int32{}
	for ei, e := range edges {
		n := int(math.Ceil(math.Hypot(e.x2-e.x1, e.y2-e.y1)/step)) + 1
		for s := 0; s <= n; s++ {
			t := float64(s) / float64(n)
			x, y := e.x1+t*(e.x2-e.x1), e.y1+t*(e.y2-e.y1)
			r := int(math.Round(y / (1.5 * lat.radius)))
			for rr := r - 2; rr <= r+2; rr++ {
				q := int(math.Round(x/(sqrt3*lat.radius) - 0.5*float64(rr&1)))
				for qq := q - 2; qq <= q+2; qq++ {
					cx, cy := lat.centre(qq, rr)
					lq, lr := qq-g.q0, rr-g.r0
					if lq < margin || lq >= g.w-margin || lr < margin || lr >= g.h-margin || sq(cx-x)+sq(cy-y) > reach*reach {
						continue
					}
					i := int32(lr*g.w + lq)
					g.border[i] = true
					if l := near[i]; len(l) == 0 || l[len(l)-1] != int32(ei) {
						near[i] = append(l, int32(ei))
					}
				}
			}
		}
	}
	for i := range g.city {
		if g.inside[i] || g.border[i] {
			g.city[i], g.county[i] = 0, 0
		}
	}

	// Links: cells wholly inside are joined to all neighbours; around a
	// border cell, a shared edge joins when either end lies inside the
	// county or the outline crosses it. A corner is inside when the cell's
	// centre is and the way from centre to corner crosses the outline an
	// even number of times; every outline edge that could cross it is near
	// the cell.
	g.link = make([]uint8, len(g.city))
	for i := range g.link {
		if g.inside[i] && !g.border[i] {
			g.link[i] = 0x3f
		}
	}
	crosses := func(list []int32, ax, ay, bx, by float64) int {
		n := 0
		for _, ei := range list {
			e := edges[ei]
			if segmentsCross(ax, ay, bx, by, e.x1, e.y1, e.x2, e.y2) {
				n++
			}
		}
		return n
	}
	for i := range g.city {
		c := int32(i)
		if !g.border[c] {
			continue
		}
		list := near[c]
		cx, cy := lat.centre(g.qr(c))
		var kx, ky [6]float64
		var in [6]bool
		for k := range 6 {
			kx[k], ky[k] = g.cornerXY(c, k)
			in[k] = g.inside[c] != (crosses(list, cx, cy, kx[k], ky[k])%2 == 1)
		}
		for d := range 6 {
			nb := g.nbr(c, d)
			if g.city[nb] != 0 || (g.border[nb] && nb < c) {
				continue // not a county cell, or the link was set from nb's side
			}
			e := (d + 1) % 6
			if in[d] || in[e] || crosses(list, kx[d], ky[d], kx[e], ky[e]) > 0 {
				g.link[c] |= 1 << d
				g.link[nb] |= 1 << ((d + 3) % 6)
			} else {
				g.link[c] &^= 1 << d
				g.link[nb] &^= 1 << ((d + 3) % 6)
			}
		}
	}
	return g
}

// segmentsCross reports whether segments ab and cd cross at a single
// interior point.
func segmentsCross(ax, ay, bx, by, cx, cy, dx, dy float64) bool {
	o := func(px, py, qx, qy, rx, ry float64) float64 { return (qx-px)*(ry-py) - (qy-py)*(rx-px) }
	d1, d2 := o(ax, ay, bx, by, cx, cy), o(ax, ay, bx, by, dx, dy)
	d3, d4 := o(cx, cy, dx, dy, ax, ay), o(cx, cy, dx, dy, bx, by)
	return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))
}

// toGeom converts an outline for simplefeatures.
func toGeom(mp orb.MultiPolygon) geom.Geometry {
	polys := make([]geom.Polygon, len(mp))
	for i, p := range mp {
		rings := make([]geom.LineString, len(p))
		for k, r := range p {
			flat := make([]float64, 0, 2*len(r))
			for _, pt := range r {
				flat = append(flat, pt[0], pt[1])
			}
			rings[k] = geom.NewLineString(geom.NewSequence(flat, geom.DimXY))
		}
		polys[i] = geom.NewPolygon(rings)
	}
	return geom.NewMultiPolygon(polys).AsGeometry()
}

// polygonsOf collects the polygons of a simplefeatures result, dropping
// any lines or points where shapes merely touch, with rings oriented.
func polygonsOf(g geom.Geometry) orb.MultiPolygon {
	var out orb.MultiPolygon
	add := func(p geom.Polygon) {
		if p.IsEmpty() {
			return
		}
		poly := orb.Polygon{orient(ringOf(p.ExteriorRing()), true)}
		for k := range p.NumInteriorRings() {
			poly = append(poly, orient(ringOf(p.InteriorRingN(k)), false))
		}
		out = append(out, poly)
	}
	switch g.Type() {
	case geom.TypePolygon:
		add(g.MustAsPolygon())
	case geom.TypeMultiPolygon:
		mp := g.MustAsMultiPolygon()
		for k := range mp.NumPolygons() {
			add(mp.PolygonN(k))
		}
	case geom.TypeGeometryCollection:
		gc := g.MustAsGeometryCollection()
		for k := range gc.NumGeometries() {
			out = append(out, polygonsOf(gc.GeometryN(k))...)
		}
	}
	return out
}

func ringOf(ls geom.LineString) orb.Ring {
	seq := ls.Coordinates()
	r := make(orb.Ring, seq.Length())
	for i := range r {
		xy := seq.GetXY(i)
		r[i] = orb.Point{xy.X, xy.Y}
	}
	return r
}

// clip cuts an outline down to what lies inside a county.
func clip(mp orb.MultiPolygon, outline geom.Geometry) (orb.MultiPolygon, error) {
	g, err := geom.Intersection(toGeom(mp), outline)
	if err != nil {
		return nil, err
	}
	out := polygonsOf(g)
	if len(out) == 0 {
		return nil, errors.New("nothing of it lies inside the county")
	}
	return out, nil
}
