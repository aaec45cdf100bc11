package spatial

import (
	"cmp"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/paulmach/orb"
)

// How the tile grid is built.
//
// For every cell and every polygon whose box reaches the cell, the polygon's
// edges are sorted, within the cell's row band, into three kinds relative to
// the cell's column:
//
//   - B: the part of the edge inside the band overlaps the column. These are
//     stored with the cell and tested exactly at lookup.
//   - A: the part inside the band lies wholly right of the column. Each such
//     edge that straddles py is crossed by the ray from any point of the cell,
//     so only the parity of their number matters. That parity is a step
//     function of py: "base" (its value at the bottom of the band) and the
//     "flips", the ordinates where it changes (vertices where an A edge meets
//     a non-A edge). Both are computed at build time.
//   - C: wholly left of the column, never crossed.
//
// A point's parity is then base, toggled by every flip at or below py, and by
// every B edge the ray crosses: exactly the crossing number of the whole
// polygon, with no approximation. A cell with neither B edges nor flips is
// wholly inside (base 1) or outside (base 0) the polygon.
//
// Cell bounds are widened by a small margin so that any point the lookup
// arithmetic assigns to a cell lies strictly inside the widened bounds; edges
// near a cell border then count as B for both cells, which costs a little
// work and never correctness.

// buildOptions tunes construction; tests use them to force unusual shapes.
type buildOptions struct {
	cellsPerPoly float64 // target number of grid cells per polygon
	maxCells     int     // cap on the grid size
	fallback     fallbackMode
	workers      int // parallel stripes; 0: one per CPU for large inputs
}

type fallbackMode uint8

const (
	fallbackAuto   fallbackMode = iota // crowded cells go to the R-tree
	fallbackNever                      // every cell is resolved by the grid
	fallbackAlways                     // every non-empty cell goes to the R-tree
)

// defaultOptions were chosen by BenchmarkCellsPerPoly on the 17,422-grid test
// city: smaller cells answer more points without any edge test and leave
// fewer edges to test in the rest, at some cost in memory. 32 cells per
// polygon is about 3x faster than 4 for 35% more memory; 64 is faster again
// but adds another 23%, which at a million grids is 400 MB.
func defaultOptions() buildOptions { return buildOptions{cellsPerPoly: 32, maxCells: 1 << 26} }

const (
	// A cell goes to the R-tree only when it holds this many edges and the
	// estimated R-tree work is less than half the cell's.
	fallbackMinEdges = 256
	// Estimated cost of one R-tree descent, in edge tests.
	rtreeOverhead = 100
	// Most chunks a cell word can address.
	maxChunks = coverBit >> chunkShift
)

// grid holds the tile grid's geometry.
type grid struct {
	minX, minY, maxX, maxY float64
	dx, dy                 float64
	mx, my                 float64 // margins widening every cell
	nx, ny                 int
}

func (g *grid) xlo(i int) float64 { return g.minX + float64(i)*g.dx - g.mx }
func (g *grid) xhi(i int) float64 { return g.minX + float64(i+1)*g.dx + g.mx }
func (g *grid) ylo(j int) float64 { return g.minY + float64(j)*g.dy - g.my }
func (g *grid) yhi(j int) float64 { return g.minY + float64(j+1)*g.dy + g.my }

// colK returns the smallest column i with xhi(i) > x, or nx.
func (g *grid) colK(x float64) int {
	i := startIndex((x-g.minX)/g.dx, g.nx)
	for i > 0 && g.xhi(i-1) > x {
		i--
	}
	for i < g.nx && !(g.xhi(i) > x) {
		i++
	}
	return i
}

// colM returns the largest column i with xlo(i) <= x, or -1.
func (g *grid) colM(x float64) int {
	i := startIndex((x-g.minX)/g.dx, g.nx-1)
	for i < g.nx-1 && g.xlo(i+1) <= x {
		i++
	}
	for i >= 0 && !(g.xlo(i) <= x) {
		i--
	}
	return i
}

// rowK returns the smallest row j with yhi(j) > y, or ny.
func (g *grid) rowK(y float64) int {
	j := startIndex((y-g.minY)/g.dy, g.ny)
	for j > 0 && g.yhi(j-1) > y {
		j--
	}
	for j < g.ny && !(g.yhi(j) > y) {
		j++
	}
	return j
}

// rowM returns the largest row j with ylo(j) <= y, or -1.
func (g *grid) rowM(y float64) int {
	j := startIndex((y-g.minY)/g.dy, g.ny-1)
	for j < g.ny-1 && g.ylo(j+1) <= y {
		j++
	}
	for j >= 0 && !(g.ylo(j) <= y) {
		j--
	}
	return j
}

// startIndex converts a fractional cell position to a starting guess in
// [0, n] for the searches above, which then settle it exactly.
func startIndex(f float64, n int) int {
	if !(f > 0) {
		return 0
	}
	if f >= float64(n) {
		return n
	}
	return int(f)
}

func clampInt(v, lo, hi int) int {
	return min(max(v, lo), hi)
}

// rec is one (cell, polygon) entry, its data written to its row's buffer;
// a row's entries are regrouped by cell when the row is assembled.
type rec struct {
	off   int     // start in rowBuf.tmp
	col   uint32  // column of the cell
	words uint32  // length in rowBuf.tmp
	edges uint32  // B edges, the lookup work of this entry
	poly  uint32  // polygon position in ID order
	cost  float32 // expected edges tested if the R-tree answered instead
	over  bool    // too many flips or runs for a header: cell must fall back
}

// rowBuf holds the entries of one row until the row is assembled.
type rowBuf struct {
	tmp  []float64
	recs []rec
}

// polyState is the polygon being added: its rings flattened, and its edges
// bucketed by the row bands they reach.
type polyState struct {
	pos, id  uint32
	b        orb.Bound
	c0, c1   int // columns and rows of its box
	r0, r1   int
	pv       []float64 // x,y pairs, rings closed
	prevEdge []int32   // for each point that starts an edge: the edge before it; -1 for a ring's closing point
	rowStart []int32   // edges of row r0+k: rowEdges[rowStart[k]:rowStart[k+1]]
	rowEdges []int32
	cost     float64 // edges tested per lookup if this polygon were an R-tree candidate
}

type builder struct {
	g         grid
	opt       buildOptions
	nPolys    int
	jlo, jhi  int // the stripe of rows this builder owns
	maxChunks int // its share of the chunks a cell word can address

	ps    polyState // the polygon being added
	rows  []*rowBuf // entries waiting for their row to be assembled
	spare []*rowBuf
	out   *rowBuf // where emit writes

	kOf      []int32 // per edge: first column where it is not of kind A, this row
	colEdges [][]int32
	colFlips [][]float64
	toggle   []uint8

	tmp  []float64 // the entries of the row being assembled
	recs []rec

	colStart []uint32 // scratch for grouping a row's entries by column
	byCol    []uint32
	segs     []segKey // scratch for complement
	keys     []uint64
	flips    []float64

	chunks [][]float64
	cur    []float64 // the chunk being filled
	fbMark []bool
}

// NewIndex builds an index over polys, keeping no reference to them.
func NewIndex(polys []Polygon) *Index {
	// Polygons with a non-finite coordinate or without any ring of two
	// points or more contain no point.
	return newIndex(polys, defaultOptions())
}

func newIndex(polys []Polygon, opt buildOptions) *Index {
	if len(polys) > maxPolys {
		panic("spatial: too many polygons for one index")
	}
	ix := &Index{n: len(polys)}

	// Positions in ID order, so that each cell's entries come out sorted by
	// ID and Locate can stop at the first polygon that contains the point.
	order := make([]int32, len(polys))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := cmp.Compare(polys[a].ID, polys[b].ID); c != 0 {
			return c
		}
		return cmp.Compare(a, b) // equal IDs keep input order: deterministic
	})
	ix.ids = make([]uint32, len(polys))
	bounds := make([]orb.Bound, len(polys))
	valid := make([]bool, len(polys))
	nValid := 0
	all := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for pos, i := range order {
		ix.ids[pos] = polys[i].ID
		b, ok := polyBound(polys[i].Geom)
		if !ok {
			continue
		}
		bounds[pos], valid[pos] = b, true
		nValid++
		all = all.Union(b)
	}
	if nValid == 0 {
		return ix
	}
	ix.bound = all

	g := newGrid(all, nValid, opt)
	ix.minX, ix.minY, ix.maxX, ix.maxY = g.minX, g.minY, g.maxX, g.maxY
	ix.nx, ix.ny = g.nx, g.ny
	ix.invDx, ix.invDy = 1/g.dx, 1/g.dy
	ix.cells = make([]uint32, g.nx*g.ny)

	// Polygons by first row (a counting sort), and each one's last row.
	rowFirst := make([]int32, g.ny+1)
	lastRow := make([]int32, len(polys))
	for pos := range order {
		if valid[pos] {
			rowFirst[min(g.rowK(bounds[pos].Min[1]), g.ny-1)+1]++
			lastRow[pos] = int32(max(g.rowM(bounds[pos].Max[1]), 0))
		}
	}
	for j := 1; j <= g.ny; j++ {
		rowFirst[j] += rowFirst[j-1]
	}
	byRow := make([]int32, nValid)
	{
		cur := slices.Clone(rowFirst[:g.ny])
		for pos := range order {
			if valid[pos] {
				j := min(g.rowK(bounds[pos].Min[1]), g.ny-1)
				byRow[cur[j]] = int32(pos)
				cur[j]++
			}
		}
	}

	// Stripes of rows are built in parallel, each with its own builder and
	// chunks, and about the same number of polygons starting in each. The
	// answers do not depend on the split; only the layout of the chunks does.
	workers := opt.workers
	if workers <= 0 {
		workers = min(runtime.GOMAXPROCS(0), max(1, nValid/4096))
	}
	workers = min(workers, g.ny)
	stripe := make([]int, workers+1)
	for w := 1; w < workers; w++ {
		target := int32(int64(nValid) * int64(w) / int64(workers))
		j, _ := slices.BinarySearch(rowFirst, target)
		stripe[w] = max(min(j, g.ny), stripe[w-1])
	}
	stripe[workers] = g.ny
	builders := make([]*builder, workers)
	var wg sync.WaitGroup
	for w := range workers {
		bd := &builder{g: g, opt: opt, nPolys: len(polys), maxChunks: maxChunks / workers}
		builders[w] = bd
		wg.Go(func() {
			bd.sweep(ix, polys, order, bounds, byRow, rowFirst, lastRow, stripe[w], stripe[w+1])
		})
	}
	wg.Wait()

	// Join the stripes' chunks and shift their cell words to match.
	var fbMark []bool
	for w, bd := range builders {
		base := uint32(len(ix.chunks)) << chunkShift
		if base != 0 {
			for c := stripe[w] * g.nx; c < stripe[w+1]*g.nx; c++ {
				if v := ix.cells[c]; v&coverBit == 0 {
					ix.cells[c] = v + base
				}
			}
		}
		ix.chunks = append(ix.chunks, bd.chunks...)
		if bd.fbMark != nil {
			if fbMark == nil {
				fbMark = bd.fbMark
			} else {
				for pos, m := range bd.fbMark {
					fbMark[pos] = fbMark[pos] || m
				}
			}
		}
	}
	ix.chunks = slices.Clip(ix.chunks)
	if fbMark != nil {
		ix.buildFallback(polys, order, bounds, fbMark)
	}
	return ix
}

// sweep builds rows [jlo, jhi) bottom to top. A polygon is added when the
// sweep reaches its first row (or jlo): its entries for all its rows in the
// stripe go to per-row buffers, and a row is assembled as soon as no polygon
// can add to it any more. Each polygon is thus read once while in cache, and
// only a band of rows is buffered at a time.
func (bd *builder) sweep(ix *Index, polys []Polygon, order []int32, bounds []orb.Bound, byRow, rowFirst, lastRow []int32, jlo, jhi int) {
	if jlo >= jhi {
		return
	}
	bd.rows = make([]*rowBuf, jhi-jlo)
	bd.jlo, bd.jhi = jlo, jhi-1
	// Polygons that start below the stripe and reach into it, in ID order.
	var before []int32
	for _, pos := range byRow[:rowFirst[jlo]] {
		if int(lastRow[pos]) >= jlo {
			before = append(before, pos)
		}
	}
	slices.Sort(before)
	for _, pos := range before {
		bd.addPolygon(uint32(pos), polys[order[pos]], bounds[pos])
	}
	for j := jlo; j < jhi; j++ {
		for _, pos := range byRow[rowFirst[j]:rowFirst[j+1]] {
			bd.addPolygon(uint32(pos), polys[order[pos]], bounds[pos])
		}
		bd.assembleRow(ix, j)
	}
	if len(bd.cur) > 0 {
		bd.chunks = append(bd.chunks, slices.Clone(bd.cur))
	}
}

// polyBound returns the box of a geometry and whether it can contain
// anything (finite, with at least one edge).
func polyBound(mp orb.MultiPolygon) (orb.Bound, bool) {
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	edges := false
	for _, poly := range mp {
		for _, ring := range poly {
			if len(ring) < 2 {
				continue
			}
			for _, p := range ring {
				x, y := p[0], p[1]
				// v-v is 0 for finite v and NaN for NaN and ±Inf.
				if x-x != 0 || y-y != 0 {
					return orb.Bound{}, false
				}
				if x < minX {
					minX = x
				}
				if x > maxX {
					maxX = x
				}
				if y < minY {
					minY = y
				}
				if y > maxY {
					maxY = y
				}
			}
			edges = true
		}
	}
	return orb.Bound{Min: orb.Point{minX, minY}, Max: orb.Point{maxX, maxY}}, edges
}

// newGrid sizes the tile grid: about cellsPerPoly cells per polygon, cells
// roughly square on the ground (longitude shrinks by cos(latitude)).
func newGrid(b orb.Bound, nPolys int, opt buildOptions) grid {
	g := grid{minX: b.Min[0], minY: b.Min[1], maxX: b.Max[0], maxY: b.Max[1]}
	total := math.Min(math.Max(float64(nPolys)*opt.cellsPerPoly, 1), float64(opt.maxCells))
	w, h := g.maxX-g.minX, g.maxY-g.minY
	shrink := 1.0
	if g.minY >= -90 && g.maxY <= 90 {
		shrink = math.Max(math.Cos((g.minY+g.maxY)/2*math.Pi/180), 0.05)
	}
	ww := w * shrink
	switch {
	case ww <= 0 && h <= 0:
		g.nx, g.ny = 1, 1
	case ww <= 0:
		g.nx, g.ny = 1, int(total)
	case h <= 0:
		g.nx, g.ny = int(total), 1
	default:
		g.nx = clampInt(int(math.Round(math.Sqrt(total*ww/h))), 1, int(total))
		g.ny = clampInt(int(math.Ceil(total/float64(g.nx))), 1, int(total))
	}
	g.dx, g.dy = w/float64(g.nx), h/float64(g.ny)
	if g.dx <= 0 {
		g.dx = 1
	}
	if g.dy <= 0 {
		g.dy = 1
	}
	// The lookup computes a cell as int((p-min)/d) with a few roundings, and
	// cell bounds are min+i*d, rounded too: both errors are far below these
	// margins.
	g.mx = g.dx*1e-6 + 1e-12*(math.Abs(g.minX)+math.Abs(g.maxX))
	g.my = g.dy*1e-6 + 1e-12*(math.Abs(g.minY)+math.Abs(g.maxY))
	return g
}

// addPolygon writes the polygon's entries for every cell of its box to the
// buffers of their rows: its rings are flattened into closed rings, its
// edges bucketed by the row bands they reach, and each row processed.
func (bd *builder) addPolygon(pos uint32, p Polygon, b orb.Bound) {
	g := &bd.g
	st := &bd.ps
	st.pos, st.id, st.b = pos, p.ID, b
	st.c0, st.c1 = min(g.colK(b.Min[0]), g.nx-1), max(g.colM(b.Max[0]), 0)
	st.r0, st.r1 = min(g.rowK(b.Min[1]), g.ny-1), max(g.rowM(b.Max[1]), 0)
	st.r0, st.r1 = max(st.r0, bd.jlo), min(st.r1, bd.jhi) // this stripe's rows
	if st.c1 < st.c0 || st.r1 < st.r0 {
		return
	}

	st.pv, st.prevEdge = st.pv[:0], st.prevEdge[:0]
	for _, poly := range p.Geom {
		for _, ring := range poly {
			if len(ring) < 2 {
				continue
			}
			start := int32(len(st.pv) / 2)
			for _, q := range ring {
				st.pv = append(st.pv, q[0], q[1])
			}
			if ring[0] != ring[len(ring)-1] {
				st.pv = append(st.pv, ring[0][0], ring[0][1])
			}
			end := int32(len(st.pv) / 2) // one past the closing point
			st.prevEdge = append(st.prevEdge, end-2)
			for t := start + 1; t < end; t++ {
				st.prevEdge = append(st.prevEdge, t-1)
			}
			st.prevEdge[end-1] = -1 // the closing point starts no edge
		}
	}

	// Bucket the edges by the row bands they reach (counting sort, so that
	// each row's edges stay in ring order and form runs).
	pv, nr := st.pv, st.r1-st.r0+1
	st.rowStart = resize(st.rowStart, nr+1)
	clear(st.rowStart)
	edges := 0
	for t, prev := range st.prevEdge {
		if prev < 0 {
			continue
		}
		edges++
		lo, hi := minMax(pv[2*t+1], pv[2*t+3])
		for j := max(g.rowK(lo), st.r0); j <= min(g.rowM(hi), st.r1); j++ {
			st.rowStart[j-st.r0+1]++
		}
	}
	for k := 1; k <= nr; k++ {
		st.rowStart[k] += st.rowStart[k-1]
	}
	st.rowEdges = resize(st.rowEdges, int(st.rowStart[nr]))
	fill := append(bd.kOf[:0], st.rowStart[:nr]...) // kOf doubles as cursors
	for t, prev := range st.prevEdge {
		if prev < 0 {
			continue
		}
		lo, hi := minMax(pv[2*t+1], pv[2*t+3])
		for j := max(g.rowK(lo), st.r0); j <= min(g.rowM(hi), st.r1); j++ {
			st.rowEdges[fill[j-st.r0]] = int32(t)
			fill[j-st.r0]++
		}
	}
	bd.kOf = fill
	st.cost = float64(edges + 8)
	for j := st.r0; j <= st.r1; j++ {
		rb := &bd.rows[j-bd.jlo]
		if *rb == nil {
			if n := len(bd.spare); n > 0 {
				*rb, bd.spare = bd.spare[n-1], bd.spare[:n-1]
			} else {
				*rb = new(rowBuf)
			}
		}
		bd.out = *rb
		bd.row(st, j)
	}
}

// row records the polygon's entries in the cells of row j.
func (bd *builder) row(st *polyState, j int) {
	g := &bd.g
	pv, c0, c1 := st.pv, st.c0, st.c1
	nc := c1 - c0 + 1
	if len(bd.colEdges) < nc {
		bd.colEdges = append(bd.colEdges, make([][]int32, nc-len(bd.colEdges))...)
		bd.colFlips = append(bd.colFlips, make([][]float64, nc-len(bd.colFlips))...)
	}
	bd.toggle = resize(bd.toggle, nc)
	bd.kOf = resize(bd.kOf, len(st.prevEdge))

	ylo, yhi := g.ylo(j), g.yhi(j)
	for i := range nc {
		bd.colEdges[i] = bd.colEdges[i][:0]
		bd.colFlips[i] = bd.colFlips[i][:0]
		bd.toggle[i] = 0
	}
	k := j - st.r0
	edges := st.rowEdges[st.rowStart[k]:st.rowStart[k+1]]
	for _, t := range edges {
		ax, ay, bx, by := pv[2*t], pv[2*t+1], pv[2*t+2], pv[2*t+3]
		x0, x1 := g.bandX(ax, ay, bx, by, ylo, yhi)
		k := clampInt(g.colK(x0), c0, c1+1) // kind A left of k
		m := clampInt(g.colM(x1), c0-1, c1) // kind B from k to m
		bd.kOf[t] = int32(k)
		for i := k; i <= m; i++ {
			bd.colEdges[i-c0] = append(bd.colEdges[i-c0], t)
		}
		// A kind-A edge counts in base when it straddles the band's bottom.
		if lo, hi := minMax(ay, by); lo <= ylo && ylo < hi && k > c0 {
			bd.toggle[k-1-c0] ^= 1
		}
	}
	// A vertex inside the band flips the parity of the kind-A crossings, for
	// the columns where exactly one of its two edges is of kind A. Both
	// edges reach the band, so both are in this row's list.
	for _, t := range edges {
		vy := pv[2*t+1]
		if !(ylo < vy && vy < yhi) {
			continue
		}
		k1, k2 := minMax(bd.kOf[st.prevEdge[t]], bd.kOf[t])
		for i := k1; i < k2; i++ {
			bd.colFlips[int(i)-c0] = append(bd.colFlips[int(i)-c0], vy)
		}
	}
	cellArea := g.dx * g.dy
	var base uint8
	for i := c1; i >= c0; i-- {
		base ^= bd.toggle[i-c0]
		ce, cf := bd.colEdges[i-c0], bd.colFlips[i-c0]
		if len(ce) == 0 && len(cf) == 0 && base == 0 {
			continue // no point of the cell is inside
		}
		// Share of the cell covered by the polygon's box.
		ox := math.Min(st.b.Max[0], g.xhi(i)) - math.Max(st.b.Min[0], g.xlo(i))
		oy := math.Min(st.b.Max[1], yhi) - math.Max(st.b.Min[1], ylo)
		share := math.Min(math.Max(ox, 0)*math.Max(oy, 0)/cellArea, 1)
		bd.emit(st, uint32(i), base, cf, ce, float32(share*st.cost))
	}
}

// bandX returns an x-range containing every point of segment ab whose y lies
// in [ylo, yhi], which the caller guarantees the segment reaches.
func (g *grid) bandX(ax, ay, bx, by, ylo, yhi float64) (float64, float64) {
	if ay == by {
		return minMax(ax, bx)
	}
	lx, ly, ux, uy := ax, ay, bx, by
	if ly > uy {
		lx, ly, ux, uy = bx, by, ax, ay
	}
	x0, x1 := lx, ux
	clipped := false
	if ly < ylo {
		x0 = lx + (ux-lx)*((ylo-ly)/(uy-ly))
		clipped = true
	}
	if uy > yhi {
		x1 = lx + (ux-lx)*((yhi-ly)/(uy-ly))
		clipped = true
	}
	lo, hi := minMax(x0, x1)
	if clipped {
		// Interpolation rounds; widen by the margin and stay on the edge.
		elo, ehi := minMax(ax, bx)
		lo, hi = math.Max(lo-g.mx, elo), math.Min(hi+g.mx, ehi)
	}
	return lo, hi
}

// emit writes one (cell, polygon) entry of the current row to the scratch
// blob (tmp).
func (bd *builder) emit(st *polyState, col uint32, base uint8, flips []float64, edges []int32, cost float32) {
	out := bd.out
	r := rec{off: len(out.tmp), col: col, poly: st.pos, cost: cost, edges: uint32(len(edges))}
	nRuns := 0
	for k := range edges {
		if k == 0 || edges[k] != edges[k-1]+1 {
			nRuns++
		}
	}
	if len(flips) > hdrCountMax || nRuns > hdrCountMax {
		r.over = true
		out.recs = append(out.recs, r)
		return
	}
	h := uint64(st.id) | uint64(len(flips))<<hdrFlipShf | uint64(nRuns)<<hdrRunShf
	if base != 0 {
		h |= hdrBaseBit
	}
	out.tmp = append(out.tmp, math.Float64frombits(h))
	out.tmp = append(out.tmp, flips...)
	for k := 0; k < len(edges); {
		e := k
		for e+1 < len(edges) && edges[e+1] == edges[e]+1 {
			e++
		}
		// Edges edges[k]..edges[e] span points edges[k]..edges[e]+1.
		s, t := int(edges[k]), int(edges[e])+2
		out.tmp = append(out.tmp, math.Float64frombits(uint64(t-s)))
		out.tmp = append(out.tmp, st.pv[2*s:2*t]...)
		k = e + 1
	}
	r.words = uint32(len(out.tmp) - r.off)
	out.recs = append(out.recs, r)
}

// assembleRow groups the row's entries by cell, decides each cell's form,
// and appends the mixed cells to the chunks.
func (bd *builder) assembleRow(ix *Index, j int) {
	g := &bd.g
	rb := bd.rows[j-bd.jlo]
	if rb == nil {
		for i := range g.nx {
			ix.cells[j*g.nx+i] = cellEmpty
		}
		return
	}
	bd.rows[j-bd.jlo] = nil
	bd.tmp, bd.recs = rb.tmp, rb.recs
	// Counting sort by column; stable, so entries stay in ID order.
	bd.colStart = resize(bd.colStart, g.nx+1)
	clear(bd.colStart)
	for _, r := range bd.recs {
		bd.colStart[r.col+1]++
	}
	for i := 1; i <= g.nx; i++ {
		bd.colStart[i] += bd.colStart[i-1]
	}
	bd.byCol = resize(bd.byCol, len(bd.recs))
	for k := range bd.recs {
		c := bd.recs[k].col
		// colStart[c] serves as the cursor and is restored below.
		bd.byCol[bd.colStart[c]] = uint32(k)
		bd.colStart[c]++
	}
	for i := g.nx; i > 0; i-- {
		bd.colStart[i] = bd.colStart[i-1]
	}
	bd.colStart[0] = 0

	for i := range g.nx {
		group := bd.byCol[bd.colStart[i]:bd.colStart[i+1]]
		// Polygons were added in order of first row; a cell's entries must
		// be in ID order (few: insertion sort).
		for a := 1; a < len(group); a++ {
			for b := a; b > 0 && bd.recs[group[b]].poly < bd.recs[group[b-1]].poly; b-- {
				group[b], group[b-1] = group[b-1], group[b]
			}
		}
		ix.cells[j*g.nx+i] = bd.cell(group)
	}
	rb.tmp, rb.recs = rb.tmp[:0], rb.recs[:0]
	bd.tmp, bd.recs = nil, nil
	bd.spare = append(bd.spare, rb)
}

// cell decides the form of one cell from its entries (in ID order), writes
// it, and returns the cell word.
func (bd *builder) cell(group []uint32) uint32 {
	if len(group) == 0 {
		return cellEmpty
	}
	fallback := bd.opt.fallback == fallbackAlways
	var edges int
	var cost float64
	for _, k := range group {
		r := &bd.recs[k]
		edges += int(r.edges)
		cost += float64(r.cost)
		fallback = fallback || r.over
	}
	if bd.opt.fallback == fallbackAuto && edges >= fallbackMinEdges && cost+rtreeOverhead < float64(edges)/2 {
		fallback = true
	}
	stored, compl := group, false
	var constant bool
	if !fallback {
		if constant, compl = bd.complement(group); compl {
			stored = group[:len(group)-1]
			if len(stored) == 0 {
				if constant {
					return coverBit | bd.recs[group[0]].poly
				}
				return cellEmpty
			}
		}
		words := 0
		for _, k := range stored {
			words += int(bd.recs[k].words)
		}
		if compl {
			words++
		}
		if words > chunkWords-len(bd.cur) {
			// Start a new chunk; the old one keeps its slack, at most one
			// cell's worth.
			if len(bd.cur) > 0 {
				bd.chunks = append(bd.chunks, bd.cur)
			}
			bd.cur = make([]float64, 0, chunkWords)
		}
		if words > chunkWords || len(bd.chunks) >= bd.maxChunks {
			fallback = true // a cell of 2 MiB, or 16 GiB in all: unrealistic, but stay correct
		}
	}
	if fallback {
		if bd.fbMark == nil {
			bd.fbMark = make([]bool, bd.nPolys)
		}
		for _, k := range group {
			bd.fbMark[bd.recs[k].poly] = true
		}
		return cellFallback
	}

	off := uint32(len(bd.chunks))<<chunkShift | uint32(len(bd.cur))
	for n, k := range stored {
		r := &bd.recs[k]
		o := len(bd.cur)
		bd.cur = append(bd.cur, bd.tmp[r.off:r.off+int(r.words)]...)
		if n == len(stored)-1 {
			h := math.Float64bits(bd.cur[o])
			h |= hdrLastBit
			if compl {
				h |= hdrComplBit
			}
			bd.cur[o] = math.Float64frombits(h)
		}
	}
	if compl {
		// The omitted polygon's parity is the constant XOR the stored
		// ones'; the word holds its ID and the constant.
		last := &bd.recs[group[len(group)-1]]
		w := math.Float64bits(bd.tmp[last.off]) & (1<<32 - 1)
		if constant {
			w |= complParity
		}
		bd.cur = append(bd.cur, math.Float64frombits(w))
	}
	return off
}

// complement reports whether the parities of the group's polygons sum to a
// constant over the whole cell, and which: true when every stored edge
// occurs an even number of times across the group (neighbours in a tiling
// store their shared edges once each), since the crossings of equal edges are
// decided identically and cancel, leaving the XOR of the bases and the
// flips. The flips then pair up as well (the sum is continuous across the
// cell, so it cannot step at a flip); that is checked too, as it is cheap.
func (bd *builder) complement(group []uint32) (constant, ok bool) {
	segs, flips := bd.segs[:0], bd.flips[:0]
	var xs, xf uint64 // XOR of hashes: nonzero proves some item unpaired
	for _, k := range group {
		r := &bd.recs[k]
		b := bd.tmp[r.off : r.off+int(r.words)]
		h := math.Float64bits(b[0])
		constant = constant != (h&hdrBaseBit != 0)
		nf := int(h>>hdrFlipShf) & hdrCountMax
		for _, f := range b[1 : 1+nf] {
			flips = append(flips, f)
			xf ^= mix64(math.Float64bits(f))
		}
		o := 1 + nf
		for nr := int(h>>hdrRunShf) & hdrCountMax; nr > 0; nr-- {
			np := int(math.Float64bits(b[o]))
			pts := b[o+1 : o+1+2*np]
			for i := 0; i+3 < len(pts); i += 2 {
				s := [4]float64{pts[i], pts[i+1], pts[i+2], pts[i+3]}
				if s[2] < s[0] || (s[2] == s[0] && s[3] < s[1]) {
					s = [4]float64{s[2], s[3], s[0], s[1]}
				}
				hs := mix64(math.Float64bits(s[0])*0x9e3779b97f4a7c15 + math.Float64bits(s[1])*0xc2b2ae3d27d4eb4f +
					math.Float64bits(s[2])*0x165667b19e3779f9 + math.Float64bits(s[3]))
				segs = append(segs, segKey{hs, s})
				xs ^= hs
			}
			o += 1 + 2*np
		}
	}
	bd.segs, bd.flips = segs, flips
	if xs != 0 || xf != 0 || len(segs)%2 != 0 || len(flips)%2 != 0 || len(segs) > keyIndexMask {
		return false, false
	}
	// Sorted by hash, equal segments are adjacent; a hash collision can only
	// make the check fail, never pass wrongly. The keys carry the segment's
	// index in their low bits, so a plain integer sort does.
	keys := bd.keys[:0]
	for i, sk := range segs {
		keys = append(keys, sk.h&^keyIndexMask|uint64(i))
	}
	bd.keys = keys
	slices.Sort(keys)
	for i := 0; i < len(keys); i += 2 {
		a, b := keys[i], keys[i+1]
		if a&^keyIndexMask != b&^keyIndexMask || segs[a&keyIndexMask].s != segs[b&keyIndexMask].s {
			return false, false
		}
	}
	slices.Sort(flips)
	for i := 0; i < len(flips); i += 2 {
		if flips[i] != flips[i+1] {
			return false, false
		}
	}
	return constant, true
}

// keyIndexMask is the low bits of a sort key that hold a segment's index.
const keyIndexMask = 1<<16 - 1

type segKey struct {
	h uint64
	s [4]float64 // endpoints in lexicographic order
}

// mix64 is the splitmix64 finaliser, a cheap well-spread hash.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// buildFallback stores the marked polygons whole, each as one entry whose
// single run chains all rings, and indexes their boxes in the R-tree.
func (ix *Index) buildFallback(polys []Polygon, order []int32, bounds []orb.Bound, marked []bool) {
	for pos, m := range marked {
		if !m {
			continue
		}
		mp := polys[order[pos]].Geom
		off := len(ix.fbBlob)
		ix.fbBlob = append(ix.fbBlob, math.Float64frombits(uint64(ix.ids[pos])|1<<hdrRunShf), 0)
		// Rings are joined through the first ring's start point: the way to
		// each further ring and back is the same segment twice, whose two
		// crossings cancel, so one run carries the even-odd sum of all rings.
		var home orb.Point
		first := true
		for _, poly := range mp {
			for _, ring := range poly {
				if len(ring) < 2 {
					continue
				}
				for _, p := range ring {
					ix.fbBlob = append(ix.fbBlob, p[0], p[1])
				}
				if ring[0] != ring[len(ring)-1] {
					ix.fbBlob = append(ix.fbBlob, ring[0][0], ring[0][1])
				}
				if first {
					home, first = ring[0], false
				} else {
					ix.fbBlob = append(ix.fbBlob, home[0], home[1])
				}
			}
		}
		if off > math.MaxUint32 {
			panic("spatial: fallback polygons exceed 32 GiB")
		}
		np := (len(ix.fbBlob) - off - 2) / 2
		ix.fbBlob[off+1] = math.Float64frombits(uint64(np))
		b := bounds[pos]
		ix.tree.Insert([2]float64(b.Min), [2]float64(b.Max), uint32(off))
	}
}

func minMax[T cmp.Ordered](a, b T) (T, T) {
	if a <= b {
		return a, b
	}
	return b, a
}

// resize returns s with length n, reusing its storage when large enough.
func resize[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n)
}
