package demo

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/paulmach/orb"
)

// part is one child of a partition: its seed cell and its cells, ascending.
type part struct {
	seed  int32
	cells []int32
}

// split describes one partition of a parent's cells into k children.
type split struct {
	cells     []int32 // the parent's cells, ascending
	k         int
	parentLab []int32 // a cell belongs to the parent when parentLab[cell] == parentID
	parentID  int32
	lab       []int32 // child level: receives base..base+k-1
	base      int32
	canSeed   []bool // cells that may hold a seed; nil for all
	salt      uint64 // selects the noise field that bends the borders
	// The county job's own cells: checked before any other label of a
	// neighbour, because in a synthetic city the jobs of other counties
	// write their labels at the same time.
	own   []int32
	ownID int32
}

// errTooSmall reports a parent with fewer usable cells than children.
var errTooSmall = errors.New("too few cells for the requested number of children")

// partition splits a parent's cells into k connected children of roughly
// equal size. Cells are assigned to their nearest seed (a Voronoi diagram on
// the cells) after their positions are bent by smooth noise, so borders
// wander instead of running straight; two Lloyd steps move each seed to the
// middle of its cells first, which evens out the sizes. Pieces of a child cut
// off from its seed (the parent need not be convex, and the noise can pinch)
// go to the neighbour that reaches them first, so every child is connected.
func (g *raster) partition(rng *rand.Rand, s split, sc *scratch) ([]part, error) {
	n, k := len(s.cells), s.k
	if k <= 0 {
		return nil, fmt.Errorf("partition into %d children", k)
	}
	sc.grow(n)
	cand := sc.cand[:0] // indices into s.cells of cells that may seed
	for i, c := range s.cells {
		if s.canSeed == nil || s.canSeed[c] {
			cand = append(cand, int32(i))
		}
	}
	sc.cand = cand
	if len(cand) < k {
		return nil, fmt.Errorf("%w: %d cells for %d children", errTooSmall, len(cand), k)
	}

	// Positions in cell radii, bent by noise with features about one child wide.
	spacing := math.Sqrt(2.598 * float64(n) / float64(k))
	wave, amp := 1.3*spacing, 0.45*spacing
	px, py := sc.px[:n], sc.py[:n]
	for i, c := range s.cells {
		x, y := plane(g.qr(c))
		px[i] = x + amp*noise(x/wave, y/wave, s.salt)
		py[i] = y + amp*noise(x/wave, y/wave, s.salt^0xa5a5a5a5)
	}

	// Seeds by best candidate: of a few random cells, the one farthest from
	// the seeds so far. This spreads them without a regular pattern.
	seeds := make([]int32, 0, k)
	taken := map[int32]bool{}
	for len(seeds) < k {
		best, bestD := int32(-1), -1.0
		for range 12 {
			c := cand[rng.IntN(len(cand))]
			d := math.Inf(1)
			for _, sd := range seeds {
				d = min(d, sq(px[c]-px[sd])+sq(py[c]-py[sd]))
			}
			if !taken[c] && d > bestD {
				best, bestD = c, d
			}
		}
		if best < 0 { // every candidate was taken: fall back to the first free cell
			for _, c := range cand {
				if !taken[c] {
					best = c
					break
				}
			}
		}
		taken[best] = true
		seeds = append(seeds, best)
	}

	assign := sc.assign[:n]
	near := &sc.near
	for step := 0; ; step++ {
		near.build(px, py, seeds, spacing)
		for i := range n {
			assign[i] = near.find(px[i], py[i])
		}
		for j, sd := range seeds {
			assign[sd] = int32(j) // a seed keeps its own cell even on a tie
		}
		if step == 2 {
			break
		}
		// Lloyd step: move each seed to its seedable cell nearest its centroid.
		sx, sy, cnt := make([]float64, k), make([]float64, k), make([]float64, k)
		for i, j := range assign {
			sx[j] += px[i]
			sy[j] += py[i]
			cnt[j]++
		}
		bestD := make([]float64, k)
		for j := range k {
			sx[j] /= cnt[j]
			sy[j] /= cnt[j]
			bestD[j] = math.Inf(1)
		}
		for _, i := range cand {
			j := assign[i]
			if d := sq(px[i]-sx[j]) + sq(py[i]-sy[j]); d < bestD[j] {
				bestD[j], seeds[j] = d, i
			}
		}
	}

	for i, c := range s.cells {
		s.lab[c] = s.base + assign[i]
	}
	g.connect(s, seeds, sc)

	parts := make([]part, k)
	counts := make([]int, k)
	for _, c := range s.cells {
		counts[s.lab[c]-s.base]++
	}
	for j := range parts {
		parts[j] = part{seed: s.cells[seeds[j]], cells: make([]int32, 0, counts[j])}
	}
	for _, c := range s.cells {
		j := s.lab[c] - s.base
		parts[j].cells = append(parts[j].cells, c)
	}
	return parts, nil
}

// connect makes every child connected: cells not reachable from their own
// seed through their own child are handed, breadth first, to the child that
// reaches them first. Cells of a parent piece holding no seed at all (only a
// parent in several pieces has them) keep their nearest-seed label.
//
// With a real outline, cells count as joined only where g.link says the
// county continues across their shared edge: a child is later clipped by the
// county, and joined that way it stays in one piece after clipping.
func (g *raster) connect(s split, seeds []int32, sc *scratch) {
	sc.epoch++
	ep := sc.epoch
	member := func(c int32) bool { return s.own[c] == s.ownID && s.parentLab[c] == s.parentID }
	queue := sc.queue[:0]
	reached := 0
	for _, si := range seeds {
		sd := s.cells[si]
		g.mark[sd] = ep
		queue = append(queue[:0], sd)
		for len(queue) > 0 {
			c := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			reached++
			for d := range 6 {
				if g.link != nil && g.link[c]&(1<<d) == 0 {
					continue
				}
				nb := g.nbr(c, d)
				if member(nb) && g.mark[nb] != ep && s.lab[nb] == s.lab[c] {
					g.mark[nb] = ep
					queue = append(queue, nb)
				}
			}
		}
	}
	defer func() { sc.queue = queue[:0] }()
	if reached == len(s.cells) {
		return
	}
	queue = queue[:0]
	for _, c := range s.cells {
		if g.mark[c] == ep {
			queue = append(queue, c)
		}
	}
	for h := 0; h < len(queue); h++ {
		c := queue[h]
		for d := range 6 {
			if g.link != nil && g.link[c]&(1<<d) == 0 {
				continue
			}
			nb := g.nbr(c, d)
			if member(nb) && g.mark[nb] != ep {
				g.mark[nb] = ep
				s.lab[nb] = s.lab[c]
				queue = append(queue, nb)
			}
		}
	}
}

// scratch holds a county job's working arrays, reused from one partition to
// the next instead of allocated for each.
type scratch struct {
	px, py []float64
	assign []int32
	cand   []int32
	queue  []int32
	ring   orb.Ring
	near   nearest
	epoch  uint32 // the last BFS mark used in the raster; see raster.mark
}

func (sc *scratch) grow(n int) {
	if cap(sc.px) < n {
		sc.px, sc.py = make([]float64, n), make([]float64, n)
		sc.assign = make([]int32, n)
	}
}

func sq(x float64) float64 { return x * x }

// nearest finds the nearest seed: by brute force for a few seeds, through a
// bucket grid for many (a county's hundreds of police districts).
type nearest struct {
	sx, sy         []float64
	bucket         float64
	minX, minY     float64
	cols, rows     int
	start, members []int32
}

func (nn *nearest) build(px, py []float64, seeds []int32, spacing float64) {
	nn.sx, nn.sy = nn.sx[:0], nn.sy[:0]
	for _, s := range seeds {
		nn.sx, nn.sy = append(nn.sx, px[s]), append(nn.sy, py[s])
	}
	nn.cols = 0
	if len(seeds) <= 12 {
		return
	}
	nn.minX, nn.minY = math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for i := range px {
		nn.minX, nn.minY = min(nn.minX, px[i]), min(nn.minY, py[i])
		maxX, maxY = max(maxX, px[i]), max(maxY, py[i])
	}
	nn.bucket = spacing
	nn.cols = int((maxX-nn.minX)/spacing) + 1
	nn.rows = int((maxY-nn.minY)/spacing) + 1
	nn.start = make([]int32, nn.cols*nn.rows+1)
	for j := range seeds {
		nn.start[nn.cell(nn.sx[j], nn.sy[j])+1]++
	}
	for b := 1; b < len(nn.start); b++ {
		nn.start[b] += nn.start[b-1]
	}
	nn.members = make([]int32, len(seeds))
	fill := append([]int32(nil), nn.start...)
	for j := range seeds {
		b := nn.cell(nn.sx[j], nn.sy[j])
		nn.members[fill[b]] = int32(j)
		fill[b]++
	}
}

func (nn *nearest) cell(x, y float64) int {
	return nn.col(x) + nn.row(y)*nn.cols
}

func (nn *nearest) col(x float64) int { return min(nn.cols-1, max(0, int((x-nn.minX)/nn.bucket))) }
func (nn *nearest) row(y float64) int { return min(nn.rows-1, max(0, int((y-nn.minY)/nn.bucket))) }

// find returns the index of the seed nearest (x, y); ties go to the lower index.
func (nn *nearest) find(x, y float64) int32 {
	best, bestD := int32(0), math.Inf(1)
	consider := func(j int32) {
		if d := sq(x-nn.sx[j]) + sq(y-nn.sy[j]); d < bestD || (d == bestD && j < best) {
			best, bestD = j, d
		}
	}
	if nn.cols == 0 {
		for j := range nn.sx {
			consider(int32(j))
		}
		return best
	}
	cx, cy := nn.col(x), nn.row(y)
	for ring := 0; ; ring++ {
		for by := cy - ring; by <= cy+ring; by++ {
			if by < 0 || by >= nn.rows {
				continue
			}
			for bx := cx - ring; bx <= cx+ring; bx++ {
				if bx < 0 || bx >= nn.cols || (by != cy-ring && by != cy+ring && bx != cx-ring && bx != cx+ring) {
					continue
				}
				b := bx + by*nn.cols
				for _, j := range nn.members[nn.start[b]:nn.start[b+1]] {
					consider(j)
				}
			}
		}
		// Every bucket beyond this ring is at least ring buckets away.
		if bestD <= sq(float64(ring)*nn.bucket) || (ring > nn.cols && ring > nn.rows) {
			return best
		}
	}
}

// apportion splits total into shares proportional to weights, each at least
// lo, by largest remainder; ties go to the earlier share, so it is
// deterministic.
func apportion(total int, weights []float64, lo int) ([]int, error) {
	mins := make([]int, len(weights))
	for i := range mins {
		mins[i] = lo
	}
	return apportionMin(total, weights, mins)
}

// apportionMin is apportion with a floor per share.
func apportionMin(total int, weights []float64, mins []int) ([]int, error) {
	n := len(weights)
	floor := 0
	for _, m := range mins {
		floor += m
	}
	if n == 0 || floor > total {
		return nil, fmt.Errorf("cannot split %d into %d shares totalling at least %d", total, n, floor)
	}
	var sum float64
	for _, w := range weights {
		sum += w
	}
	out, rem := make([]int, n), make([]float64, n)
	given := 0
	for i, w := range weights {
		ideal := float64(total) / float64(n) // no weight at all: equal shares
		if sum > 0 {
			ideal = float64(total) * w / sum
		}
		out[i] = max(mins[i], int(math.Floor(ideal)))
		rem[i] = ideal - float64(out[i])
		given += out[i]
	}
	for ; given < total; given++ {
		b := 0
		for i := range rem {
			if rem[i] > rem[b] {
				b = i
			}
		}
		out[b]++
		rem[b]--
	}
	for ; given > total; given-- {
		b := -1
		for i := range rem {
			if out[i] > mins[i] && (b < 0 || rem[i] < rem[b]) {
				b = i
			}
		}
		out[b]--
		rem[b]++
	}
	return out, nil
}
