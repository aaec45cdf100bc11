package demo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// The city is drawn on a lattice of hexagonal cells ("pointy-top", rows
// offset by half a cell on odd rows). Hexagons rather than squares because
// exactly three cells meet at every corner: a set of cells joined through
// their edges then always has simple, pairwise disjoint boundary rings, with
// none of the ambiguous corners where two diagonal squares touch. Every
// region is a union of cells, so neighbours share the very same corners and
// tile their parent exactly.

const sqrt3 = 1.7320508075688772

// jitter is how far, in cell radii, a corner may be moved from its place on
// the lattice so that outlines look drawn rather than stamped. Below about a
// quarter of a radius every cell stays convex and the tiling stays a tiling.
// Each coordinate moves at most jitter/√2, so the corner moves at most jitter.
const jitter = 0.2

// hexDirs are the (Δq, Δr) of the six neighbours for even and odd rows, in
// counter-clockwise order from east: E, NE, NW, W, SW, SE. Side d of a cell
// is the edge it shares with neighbour d; it runs from corner d to corner
// d+1, where corner k lies at angle -30°+60°·k from the centre.
var hexDirs = [2][6][2]int{
	{{1, 0}, {0, 1}, {-1, 1}, {-1, 0}, {-1, -1}, {0, -1}},
	{{1, 0}, {1, 1}, {0, 1}, {-1, 0}, {0, -1}, {1, -1}},
}

// lattice places cells on the ground: a local plane in metres around
// (lon0, lat0), mapped linearly to degrees. A linear map keeps orientation
// and keeps shared corners identical, which is all the tiling needs.
type lattice struct {
	radius           float64 // circumradius of a cell, metres
	lon0, lat0       float64
	mPerLon, mPerLat float64
	seed             uint64 // drives the corner displacement
}

func newLattice(radius, lon0, lat0 float64, seed uint64) *lattice {
	return &lattice{radius: radius, lon0: lon0, lat0: lat0,
		mPerLon: 111320 * math.Cos(lat0*math.Pi/180), mPerLat: 110574, seed: seed}
}

// centre is the centre of cell (q, r) in metres.
func (l *lattice) centre(q, r int) (x, y float64) {
	return sqrt3 * l.radius * (float64(q) + 0.5*float64(r&1)), 1.5 * l.radius * float64(r)
}

// plane is the centre of cell (q, r) in cell radii, the plane partitions work in.
func plane(q, r int) (x, y float64) {
	return sqrt3 * (float64(q) + 0.5*float64(r&1)), 1.5 * float64(r)
}

func (l *lattice) lonLat(x, y float64) orb.Point {
	return orb.Point{l.lon0 + x/l.mPerLon, l.lat0 + y/l.mPerLat}
}

func (l *lattice) metres(p orb.Point) (x, y float64) {
	return (p[0] - l.lon0) * l.mPerLon, (p[1] - l.lat0) * l.mPerLat
}

// corner returns the north or south corner of cell (q, r), displaced. Every
// corner of the lattice is the north corner of one cell or the south corner
// of another, so this one function names each corner exactly once and every
// region touching it gets bit-identical coordinates.
func (l *lattice) corner(q, r int, north bool) orb.Point {
	return l.lonLat(l.cornerXY(q, r, north))
}

// cornerXY is corner in metres.
func (l *lattice) cornerXY(q, r int, north bool) (x, y float64) {
	x, y = l.centre(q, r)
	var ns uint64
	if north {
		ns, y = 1, y+l.radius
	} else {
		y -= l.radius
	}
	h := mix(l.seed ^ mix(uint64(uint32(q))|uint64(uint32(r))<<32) ^ ns)
	d := jitter / math.Sqrt2 * l.radius
	u := float64(h>>40)/(1<<24)*2 - 1
	v := float64(h&(1<<24-1))/(1<<24)*2 - 1
	return x + u*d, y + v*d
}

// mix is the splitmix64 finaliser: a cheap, well-spread hash.
func mix(z uint64) uint64 {
	z += 0x9E3779B97F4A7C15
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// noise is smooth value noise in [-1, 1] with features about one unit
// apart, plus a finer octave; salt selects an independent field.
func noise(x, y float64, salt uint64) float64 {
	return (valueNoise(x, y, salt) + 0.5*valueNoise(2*x+17.3, 2*y-5.1, salt^0x5bd1e995)) / 1.5
}

func valueNoise(x, y float64, salt uint64) float64 {
	fx, fy := math.Floor(x), math.Floor(y)
	ix, iy := int64(fx), int64(fy)
	tx, ty := x-fx, y-fy
	tx, ty = tx*tx*(3-2*tx), ty*ty*(3-2*ty)
	at := func(i, j int64) float64 {
		h := mix(salt ^ mix(uint64(i)*0x9E3779B97F4A7C15^uint64(j)))
		return float64(h>>11)/(1<<53)*2 - 1
	}
	a, b := at(ix, iy), at(ix+1, iy)
	c, d := at(ix, iy+1), at(ix+1, iy+1)
	return (a+(b-a)*tx)*(1-ty) + (c+(d-c)*tx)*ty
}

// raster is a rectangular window of the lattice with one label per cell for
// each level. A label is the region's index in its level (-1: none); the
// window keeps a margin of unlabelled cells, so walking from a labelled cell
// to a neighbour, or two steps away, never leaves the window.
type raster struct {
	lat    *lattice
	q0, r0 int // lattice coordinates of index 0; r0 is even, so local and lattice row parity agree
	w, h   int
	nb     [2][6]int32 // index offsets of the neighbours, by row parity

	// Labels per level. city marks the cells a county job may use (the whole
	// synthetic city, or one real county's cells); the rest name regions.
	city, county, town, village, grid, police, mediation []int32
	// With real county outlines: inside says a cell's centre lies in the
	// county, border that the cell's hexagon may cross the county's outline,
	// and link has bit d set when the cell and its neighbour d are joined
	// inside the county (their shared edge is not wholly outside it).
	inside, border []bool
	link           []uint8

	mark    []uint32 // BFS visit marks, compared against an epoch
	visited []uint8  // traced sides, one bit per side
}

// margin is the number of unlabelled rows and columns around the window.
const margin = 3

func newRaster(lat *lattice, qMin, qMax, rMin, rMax int) *raster {
	qMin, qMax, rMin, rMax = qMin-margin, qMax+margin, rMin-margin, rMax+margin
	if rMin&1 != 0 {
		rMin--
	}
	g := &raster{lat: lat, q0: qMin, r0: rMin, w: qMax - qMin + 1, h: rMax - rMin + 1}
	for p := range 2 {
		for d, dir := range hexDirs[p] {
			g.nb[p][d] = int32(dir[1]*g.w + dir[0])
		}
	}
	n := g.w * g.h
	labels := make([]int32, 7*n)
	for i := range labels {
		labels[i] = -1
	}
	g.city, g.county, g.town, g.village = labels[:n:n], labels[n:2*n:2*n], labels[2*n:3*n:3*n], labels[3*n:4*n:4*n]
	g.grid, g.police, g.mediation = labels[4*n:5*n:5*n], labels[5*n:6*n:6*n], labels[6*n:7*n:7*n]
	g.mark = make([]uint32, n)
	g.visited = make([]uint8, n)
	return g
}

// windowFor returns the lattice ranges covering a rectangle in metres.
func windowFor(lat *lattice, minX, minY, maxX, maxY float64) (qMin, qMax, rMin, rMax int) {
	rMin = int(math.Floor(minY/(1.5*lat.radius))) - 1
	rMax = int(math.Ceil(maxY/(1.5*lat.radius))) + 1
	qMin = int(math.Floor(minX/(sqrt3*lat.radius))) - 1
	qMax = int(math.Ceil(maxX/(sqrt3*lat.radius))) + 1
	return
}

func (g *raster) qr(i int32) (q, r int) {
	return g.q0 + int(i)%g.w, g.r0 + int(i)/g.w
}

func (g *raster) nbr(i int32, d int) int32 {
	return i + g.nb[(int(i)/g.w)&1][d]
}

// cornerOwner names corner k of a cell as the north or south corner of the
// cell itself (dir -1) or of its neighbour dir.
var cornerOwner = [6]struct {
	dir   int
	north bool
}{{5, true}, {1, false}, {-1, true}, {2, false}, {4, true}, {-1, false}}

// cornerOf returns corner k of cell i (see hexDirs for the numbering).
func (g *raster) cornerOf(i int32, k int) orb.Point {
	return g.lat.lonLat(g.cornerXY(i, k))
}

// cornerXY is cornerOf in metres. Corner k is the north or south corner of
// the cell itself or of a neighbour; this picks which, so that each corner
// has one name.
func (g *raster) cornerXY(i int32, k int) (x, y float64) {
	q, r := g.qr(i)
	owner := cornerOwner[k]
	if owner.dir >= 0 {
		dir := hexDirs[r&1][owner.dir]
		q, r = q+dir[0], r+dir[1]
	}
	return g.lat.cornerXY(q, r, owner.north)
}

// cellPoint is the centre of cell i in WGS-84. It lies strictly inside the
// cell's hexagon however its corners are displaced.
func (g *raster) cellPoint(i int32) orb.Point {
	q, r := g.qr(i)
	return g.lat.lonLat(g.lat.centre(q, r))
}

// trace returns the boundary rings of the regions labelled base..base+n-1 in
// lab, found by walking from each of cells. Rings keep the region on their
// left, so outer rings come out counter-clockwise and holes clockwise, and
// every lattice corner is kept, so neighbours' shared edges are identical.
func (g *raster) trace(lab []int32, cells []int32, base int32, n int, sc *scratch) [][]orb.Ring {
	out := make([][]orb.Ring, n)
	for _, c := range cells {
		g.visited[c] = 0
	}
	for _, c := range cells {
		x := lab[c]
		if x < base || x >= base+int32(n) {
			continue
		}
		for d := range 6 {
			if g.visited[c]&(1<<d) != 0 || lab[g.nbr(c, d)] == x {
				continue
			}
			sc.ring = g.traceRing(lab, c, d, sc.ring[:0])
			out[x-base] = append(out[x-base], slices.Clone(sc.ring))
		}
	}
	return out
}

// traceRing follows the boundary from side d of cell c. At the end of side k
// of cell i the three cells meeting there are i, its neighbour k (outside)
// and its neighbour k+1: if that one is inside, the boundary continues along
// its side k-1, else along side k+1 of i.
func (g *raster) traceRing(lab []int32, c int32, d int, ring orb.Ring) orb.Ring {
	x := lab[c]
	i, k := c, d
	for {
		g.visited[i] |= 1 << k
		ring = append(ring, g.cornerOf(i, k))
		if j := g.nbr(i, (k+1)%6); lab[j] == x {
			i, k = j, (k+5)%6
		} else {
			k = (k + 1) % 6
		}
		if i == c && k == d {
			break
		}
	}
	return append(ring, ring[0])
}

// assemble groups traced rings into polygons: counter-clockwise rings are
// outlines, clockwise ones holes in the outline that contains them.
func assemble(rings []orb.Ring) orb.MultiPolygon {
	var outers, holes []orb.Ring
	for _, r := range rings {
		if signedArea(r) > 0 {
			outers = append(outers, r)
		} else {
			holes = append(holes, r)
		}
	}
	mp := make(orb.MultiPolygon, len(outers))
	for i, o := range outers {
		mp[i] = orb.Polygon{o}
	}
	for _, h := range holes {
		at := 0
		if len(mp) > 1 {
			for i, o := range outers {
				if planar.RingContains(o, h[0]) {
					at = i
					break
				}
			}
		}
		mp[at] = append(mp[at], h)
	}
	return mp
}

// signedArea is the shoelace area of a closed ring, positive when it runs
// counter-clockwise.
func signedArea(r orb.Ring) float64 {
	// Relative to the first corner: absolute longitudes would cancel
	// catastrophically for a ring a few hundred metres across.
	var s float64
	for i := 1; i+2 < len(r); i++ {
		ax, ay := r[i][0]-r[0][0], r[i][1]-r[0][1]
		bx, by := r[i+1][0]-r[0][0], r[i+1][1]-r[0][1]
		s += ax*by - bx*ay
	}
	return s / 2
}
