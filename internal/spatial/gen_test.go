package spatial

import (
	"math"

	"github.com/paulmach/orb"
)

// Deterministic synthetic grid layers for tests and benchmarks.
//
// A tiling is a perturbed lattice near Zhangjiakou (115°E, 41°N). Every
// lattice side is a wiggly polyline computed once from its two end vertices,
// so the two grids that share it use the very same points, one of them in
// reverse. The outer border is straight, so the tiling covers exactly the
// rectangle tiling.rect. Some cells hold an island (an exclusive grid: its own
// polygon, and a hole in the host) and some grids are MultiPolygons made of
// two cells that do not touch. Coordinates are multiples of 2^-28 degrees
// (about 0.4 mm), which keeps midpoints of edges exactly representable, so
// tests can place points exactly on edges.

const quantum = 0x1p-28

func quantize(v float64) float64 { return math.Round(v/quantum) * quantum }

type tilingConfig struct {
	cols, rows int
	sidePts    int     // points per lattice side, first included, last not
	spacingM   float64 // lattice spacing in metres
	islands    int     // island polygons (each punches a hole in its host)
	multis     int     // pairs of cells merged into one MultiPolygon grid
	seed       uint64
}

type tiling struct {
	polys []Polygon
	rect  orb.Bound // the exact area covered
}

// configFor returns a configuration giving exactly n polygons of about 100
// vertices each.
func configFor(n int, seed uint64) tilingConfig {
	islands := n / 100
	multis := n / 200
	base := n - islands + multis
	cols := int(math.Ceil(math.Sqrt(float64(base))))
	rows := (base + cols - 1) / cols
	multis += cols*rows - base
	return tilingConfig{cols: cols, rows: rows, sidePts: 25, spacingM: 500, islands: islands, multis: multis, seed: seed}
}

// mix is splitmix64, used as a keyed hash.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// unit returns a deterministic value in [0, 1) for the given key.
func unit(seed uint64, keys ...uint64) float64 {
	h := seed
	for _, k := range keys {
		h = mix(h ^ k)
	}
	return float64(h>>11) / (1 << 53)
}

// scrambleID maps polygon numbers to distinct, unordered IDs.
func scrambleID(k int) uint32 { return uint32(k)*2654435761 + 12345 }

func genTiling(cfg tilingConfig) tiling {
	const lng0, lat0 = 114.7, 40.6
	sy := cfg.spacingM / 111320
	sx := sy / math.Cos(lat0*math.Pi/180)
	x0, y0 := quantize(lng0), quantize(lat0)
	x1, y1 := quantize(lng0+float64(cfg.cols)*sx), quantize(lat0+float64(cfg.rows)*sy)

	// Lattice vertex (i, j); border vertices stay on the straight border.
	vertex := func(i, j int) orb.Point {
		x := lng0 + float64(i)*sx
		y := lat0 + float64(j)*sy
		if i > 0 && i < cfg.cols {
			x += (unit(cfg.seed, 1, uint64(i), uint64(j)) - 0.5) * 0.3 * sx
		}
		if j > 0 && j < cfg.rows {
			y += (unit(cfg.seed, 2, uint64(i), uint64(j)) - 0.5) * 0.3 * sy
		}
		x, y = quantize(x), quantize(y)
		switch i {
		case 0:
			x = x0
		case cfg.cols:
			x = x1
		}
		switch j {
		case 0:
			y = y0
		case cfg.rows:
			y = y1
		}
		return orb.Point{x, y}
	}
	// side returns the polyline from vertex (i, j) to its neighbour to the
	// east (horiz) or north, without the last point. Border sides are
	// straight; inner ones wiggle across the line, tapering to the ends.
	side := func(i, j int, horiz bool) []orb.Point {
		p := vertex(i, j)
		var q orb.Point
		kind := uint64(3)
		border := false
		if horiz {
			q = vertex(i+1, j)
			border = j == 0 || j == cfg.rows
		} else {
			q = vertex(i, j+1)
			kind = 4
			border = i == 0 || i == cfg.cols
		}
		pts := make([]orb.Point, 0, cfg.sidePts)
		pts = append(pts, p)
		amp := 0.06 * (0.5 + unit(cfg.seed, kind, uint64(i), uint64(j), 1))
		freq := 1 + math.Floor(4*unit(cfg.seed, kind, uint64(i), uint64(j), 2))
		phase := 2 * math.Pi * unit(cfg.seed, kind, uint64(i), uint64(j), 3)
		// Work in lattice units so that "perpendicular" is on the ground.
		ux, uy := (q[0]-p[0])/sx, (q[1]-p[1])/sy
		for k := 1; k < cfg.sidePts; k++ {
			t := float64(k) / float64(cfg.sidePts)
			x, y := p[0]+t*(q[0]-p[0]), p[1]+t*(q[1]-p[1])
			if !border {
				w := amp * math.Sin(math.Pi*t) * math.Sin(freq*math.Pi*t+phase)
				x += -uy * w * sx
				y += ux * w * sy
				x, y = quantize(x), quantize(y)
			} else if horiz {
				x = quantize(x)
			} else {
				y = quantize(y)
			}
			pts = append(pts, orb.Point{x, y})
		}
		return pts
	}
	reversedSide := func(i, j int, horiz bool) []orb.Point {
		// From the far end back, again without the last point (which is
		// vertex (i, j) itself).
		s := side(i, j, horiz)
		var far orb.Point
		if horiz {
			far = vertex(i+1, j)
		} else {
			far = vertex(i, j+1)
		}
		out := make([]orb.Point, 0, len(s))
		out = append(out, far)
		for k := len(s) - 1; k >= 1; k-- {
			out = append(out, s[k])
		}
		return out
	}
	cellRing := func(i, j int) orb.Ring {
		r := make(orb.Ring, 0, 4*cfg.sidePts+1)
		r = append(r, side(i, j, true)...)           // bottom, eastwards
		r = append(r, side(i+1, j, false)...)        // right, northwards
		r = append(r, reversedSide(i, j+1, true)...) // top, westwards
		r = append(r, reversedSide(i, j, false)...)  // left, southwards
		return append(r, r[0])
	}

	n := cfg.cols * cfg.rows
	geoms := make([]orb.MultiPolygon, n)
	for j := range cfg.rows {
		for i := range cfg.cols {
			geoms[j*cfg.cols+i] = orb.MultiPolygon{{cellRing(i, j)}}
		}
	}

	// Islands: a wiggly ring around the centre of a host cell.
	var extra []orb.MultiPolygon
	hosts := pickCells(cfg, cfg.islands, 5, func(int, int) bool { return true })
	for _, c := range hosts {
		i, j := c%cfg.cols, c/cfg.cols
		a, b, cc, d := vertex(i, j), vertex(i+1, j), vertex(i+1, j+1), vertex(i, j+1)
		cx, cy := (a[0]+b[0]+cc[0]+d[0])/4, (a[1]+b[1]+cc[1]+d[1])/4
		const m = 40
		ring := make(orb.Ring, 0, m+1)
		for k := range m {
			th := 2 * math.Pi * float64(k) / m
			r := 0.12 * (1 + 0.2*math.Sin(3*th+6*unit(cfg.seed, 6, uint64(c))))
			ring = append(ring, orb.Point{quantize(cx + r*sx*math.Cos(th)), quantize(cy + r*sy*math.Sin(th))})
		}
		ring = append(ring, ring[0])
		hole := make(orb.Ring, len(ring))
		for k := range ring {
			hole[k] = ring[len(ring)-1-k]
		}
		geoms[c][0] = append(geoms[c][0], hole)
		extra = append(extra, orb.MultiPolygon{{ring}})
	}

	// MultiPolygons: cell (i, j) takes over cell (i+2, j).
	merged := make([]bool, n)
	pairs := pickCells(cfg, cfg.multis, 7, func(i, _ int) bool { return i%4 == 0 && i+2 < cfg.cols })
	for _, c := range pairs {
		geoms[c] = append(geoms[c], geoms[c+2]...)
		merged[c+2] = true
	}

	t := tiling{rect: orb.Bound{Min: orb.Point{x0, y0}, Max: orb.Point{x1, y1}}}
	for c, g := range geoms {
		if !merged[c] {
			t.polys = append(t.polys, Polygon{Geom: g})
		}
	}
	for _, g := range extra {
		t.polys = append(t.polys, Polygon{Geom: g})
	}
	for k := range t.polys {
		t.polys[k].ID = scrambleID(k)
	}
	return t
}

// pickCells returns up to want distinct cells satisfying ok, chosen by hash.
func pickCells(cfg tilingConfig, want int, salt uint64, ok func(i, j int) bool) []int {
	n := cfg.cols * cfg.rows
	var out []int
	if want <= 0 {
		return out
	}
	taken := make([]bool, n)
	// Visit the cells in a scrambled order: an odd stride modulo n is a
	// permutation when gcd(stride, n) == 1.
	stride := 1 + 2*int(mix(cfg.seed^salt)%uint64(max(n, 1)))
	for gcd(stride, n) != 1 {
		stride += 2
	}
	c := int(mix(cfg.seed^salt^0xabc) % uint64(max(n, 1)))
	for range n {
		c = (c + stride) % n
		if !taken[c] && ok(c%cfg.cols, c/cfg.cols) {
			taken[c] = true
			out = append(out, c)
			if len(out) == want {
				break
			}
		}
	}
	return out
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Query points: uniform over a box, or clustered, 80% near 20 hot spots
// (about 300 m spread) and 20% uniform.
func uniformPoints(b orb.Bound, n int, seed uint64) []orb.Point {
	pts := make([]orb.Point, n)
	for k := range pts {
		pts[k] = orb.Point{
			b.Min[0] + unit(seed, 10, uint64(k))*(b.Max[0]-b.Min[0]),
			b.Min[1] + unit(seed, 11, uint64(k))*(b.Max[1]-b.Min[1]),
		}
	}
	return pts
}

func clusteredPoints(b orb.Bound, n int, seed uint64) []orb.Point {
	const spots = 20
	sy := 300.0 / 111320
	sx := sy / math.Cos(41*math.Pi/180)
	pts := uniformPoints(b, n, seed)
	for k := range pts {
		if unit(seed, 12, uint64(k)) >= 0.8 {
			continue
		}
		s := uint64(unit(seed, 13, uint64(k)) * spots)
		cx := b.Min[0] + (0.1+0.8*unit(seed, 14, s))*(b.Max[0]-b.Min[0])
		cy := b.Min[1] + (0.1+0.8*unit(seed, 15, s))*(b.Max[1]-b.Min[1])
		// Box-Muller for a normal spread around the spot.
		u1, u2 := math.Max(unit(seed, 16, uint64(k)), 1e-12), unit(seed, 17, uint64(k))
		r := math.Sqrt(-2 * math.Log(u1))
		pts[k] = orb.Point{cx + sx*r*math.Cos(2*math.Pi*u2), cy + sy*r*math.Sin(2*math.Pi*u2)}
	}
	return pts
}
