package demo

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/gridgov/gridgov/internal/region"
)

// Streams of the random generator, so that the parts of a city draw from
// independent sequences and a change in one does not shift the others.
const (
	streamCity   = 0x6369_7479 // "city"
	streamCounty = 0x636f_756e_7479_0000
)

func generateSynthetic(p Preset, o Options) (City, error) {
	rng := rand.New(rand.NewPCG(o.Seed, streamCity))
	centre := p.Bound.Center()
	area := p.AreaKm2 * 1e6
	lat := newLattice(0, centre[0], centre[1], rng.Uint64())
	lat.radius = cellRadius(p, area)

	// The outline: an ellipse of the preset's area and aspect ratio, its
	// radius modulated by a few random harmonics and a little noise.
	aspect := (p.Bound.Max[1] - p.Bound.Min[1]) * lat.mPerLat / ((p.Bound.Max[0] - p.Bound.Min[0]) * lat.mPerLon)
	type harmonic struct{ k, c, phase float64 }
	var waves []harmonic
	sum2 := 0.0
	for k := 2; k <= 7; k++ {
		h := harmonic{float64(k), rng.Float64() * 0.16 / float64(k-1), rng.Float64() * 2 * math.Pi}
		waves = append(waves, h)
		sum2 += h.c * h.c
	}
	const wobble = 0.06
	a := math.Sqrt(area / (math.Pi * aspect * (1 + sum2/2)))
	b := aspect * a
	salt := rng.Uint64()
	radius := func(th float64) float64 {
		r := 1.0
		for _, w := range waves {
			r += w.c * math.Cos(w.k*th+w.phase)
		}
		return r
	}
	inCity := func(x, y float64) bool {
		u, v := x/a, y/b
		return math.Hypot(u, v) <= radius(math.Atan2(v, u))+wobble*noise(3*x/a, 3*y/a, salt)
	}
	// The window: walk round the outline, pushed out by the most the noise
	// can add. A tight window matters: the raster is the largest allocation.
	var minX, minY, maxX, maxY float64
	for s := range 3600 {
		th := float64(s) * 2 * math.Pi / 3600
		r := radius(th) + wobble
		x, y := a*r*math.Cos(th), b*r*math.Sin(th)
		minX, minY, maxX, maxY = min(minX, x), min(minY, y), max(maxX, x), max(maxY, y)
	}
	qMin, qMax, rMin, rMax := windowFor(lat, minX-lat.radius, minY-lat.radius, maxX+lat.radius, maxY+lat.radius)
	g := newRaster(lat, qMin, qMax, rMin, rMax)
	for i := range g.city {
		c := int32(i)
		if g.interior(c) {
			q, r := g.qr(c)
			if inCity(lat.centre(q, r)) {
				g.city[c] = 0
			}
		}
	}
	cells := g.solidify()

	// Counties: the nearest to the middle are urban districts, coded from
	// 02 as real districts are; the others counties, coded from 21.
	var sc scratch
	parts, err := g.partition(rng, split{cells: cells, k: p.Counties, parentLab: g.city, lab: g.county,
		salt: rng.Uint64(), own: g.city}, &sc)
	if err != nil {
		return City{}, fmt.Errorf("counties: %w", err)
	}
	cx, cy := centroid(g, cells)
	slices.SortStableFunc(parts, func(p1, p2 part) int {
		x1, y1 := plane(g.qr(p1.seed))
		x2, y2 := plane(g.qr(p2.seed))
		return cmp.Compare(sq(x1-cx)+sq(y1-cy), sq(x2-cx)+sq(y2-cy))
	})
	city := region.Region{Code: CityCode, Name: CityName, Level: region.City, Path: region.ChildPath("", CityCode)}
	names := newNamer(rng)
	counties := make([]region.Region, len(parts))
	jobs := make([]*countyJob, len(parts))
	for i, pt := range parts {
		serial, suffix := 2+i, "区"
		if i >= p.Districts {
			serial, suffix = 21+i-p.Districts, "县"
		}
		code := fmt.Sprintf("%s%02d", CityCode[:4], serial)
		counties[i] = region.Region{Code: code, Name: names.next(suffix), Level: region.County, ParentCode: CityCode,
			Path: region.ChildPath(city.Path, code)}
		jobs[i] = &countyJob{g: g, id: g.county[pt.seed], cells: pt.cells, county: counties[i], cityName: CityName,
			rural: suffix == "县", rng: rand.New(rand.NewPCG(o.Seed, streamCounty+uint64(i))),
			// The county split left its marks on every cell; the jobs' own
			// epochs must start past it.
			scratch: scratch{epoch: sc.epoch}}
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
	// The county and city outlines come from the same lattice corners, so
	// they match their children's exactly.
	rings := g.trace(g.county, cells, 0, len(parts), &sc)
	for i, j := range jobs {
		counties[i].Boundary = assemble(rings[j.id])
	}
	city.Boundary = assemble(g.trace(g.city, cells, 0, 1, &sc)[0])
	return collect(city, counties, jobs), nil
}

// interior reports whether cell i lies inside the window's margin.
func (g *raster) interior(i int32) bool {
	lq, lr := int(i)%g.w, int(i)/g.w
	return lq >= margin && lq < g.w-margin && lr >= margin && lr < g.h-margin
}

// solidify keeps the largest connected piece of g.city, fills its holes and
// returns its cells, so the city is one polygon without holes.
func (g *raster) solidify() []int32 {
	comp := make([]int32, len(g.city))
	var sizes []int
	var queue []int32
	for i := range g.city {
		if g.city[i] != 0 || comp[i] != 0 {
			continue
		}
		id := int32(len(sizes) + 1)
		comp[i] = id
		queue = append(queue[:0], int32(i))
		for h := 0; h < len(queue); h++ {
			for d := range 6 {
				nb := g.nbr(queue[h], d)
				if g.city[nb] == 0 && comp[nb] == 0 {
					comp[nb] = id
					queue = append(queue, nb)
				}
			}
		}
		sizes = append(sizes, len(queue))
	}
	keep := int32(1 + slices.Index(sizes, slices.Max(sizes)))
	// Everything not reachable from the window's corner without crossing
	// the kept piece is city: that drops the other pieces and fills holes.
	outside := make([]bool, len(g.city))
	outside[0] = true
	queue = append(queue[:0], 0)
	for h := 0; h < len(queue); h++ {
		c := queue[h]
		lq, lr := int(c)%g.w, int(c)/g.w
		for _, dir := range hexDirs[lr&1] {
			q, r := lq+dir[0], lr+dir[1]
			if q < 0 || q >= g.w || r < 0 || r >= g.h {
				continue
			}
			nb := int32(r*g.w + q)
			if !outside[nb] && comp[nb] != keep {
				outside[nb] = true
				queue = append(queue, nb)
			}
		}
	}
	var cells []int32
	for i := range g.city {
		if outside[i] {
			g.city[i] = -1
		} else {
			g.city[i] = 0
			cells = append(cells, int32(i))
		}
	}
	return cells
}
