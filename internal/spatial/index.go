// Package spatial answers "which grid holds this point" for city and country
// grid layers, and "which station is nearest" for point layers.
//
// Containment rule. A point p belongs to a polygon when a horizontal ray from
// p towards +x crosses the polygon's rings an odd number of times (even-odd
// over all rings of the multipolygon, so holes and parts need no special
// case). Crossings are counted half-open, as in W. R. Franklin's PNPOLY: an
// edge counts when one end is strictly above p and the other is not, and its
// crossing lies strictly to the right of p; the orientation sign deciding
// "strictly to the right" is exact. This is the crossing number of p moved an
// infinitesimal step right and a smaller step up, so in a tiling whose
// neighbours share edges exactly, every point of the tiled area, including
// points on shared edges and vertices, lies in exactly one polygon, and a
// point on the right or top border of the whole tiling lies in none.
//
// Design. Index lays a uniform grid of cells over the polygons (about 32
// cells per polygon). A cell wholly inside one polygon answers with no test.
// Any other cell stores, per polygon reaching it, only the edges crossing it
// plus a few precomputed numbers that stand for the parity of all the
// polygon's edges to its right, so a lookup runs the crossing loop over a
// handful of edges; where neighbours share all their edges in a cell, the
// last polygon is implied and not stored. Crowded cells, where many small
// polygons would make that loop long, are answered through an R-tree over
// polygon boxes instead. Everything is exact: the grid is a shortcut to the
// same crossing number, never an approximation.
//
// Index and PointIndex are immutable once built and safe for concurrent
// readers; to change boundaries, build a new index and swap it in (for
// example with atomic.Pointer).
package spatial

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Polygon is one grid: its ID and its WGS-84 lng/lat geometry (RFC 7946 rings).
type Polygon struct {
	ID   uint32
	Geom orb.MultiPolygon // open rings are closed implicitly; the even-odd rule ignores orientation
}

// Index finds the polygons containing a point; immutable and safe for concurrent readers.
type Index struct {
	n     int
	bound orb.Bound

	// The tile grid: nx*ny cells of size dx*dy over the bound, row-major.
	minX, minY, maxX, maxY float64
	invDx, invDy           float64
	nx, ny                 int

	// cells holds one word per cell: cellEmpty, cellFallback, coverBit|poly
	// (the cell lies wholly inside that one polygon), or the place in chunks
	// where the cell's entries start.
	cells []uint32
	ids   []uint32 // polygon ID by position in ID order; used by cover cells

	// chunks store, for every mixed cell, its entries back to back in
	// ascending ID: a header word (see the header layout below), the
	// entry's flip ordinates, then its runs, each a point count followed by
	// x,y pairs. A cell's data lies within one chunk, at the offset its cell
	// word gives (chunk<<chunkShift | index). Keeping a cell's data
	// contiguous costs some duplication (edges that cross several cells are
	// stored in each) but makes a lookup touch one or two cache lines after
	// the cell word; chunks let the build grow the store without copying it.
	chunks [][]float64

	// Cells too crowded for the grid to pay off are answered through an
	// R-tree over the boxes of the polygons that touch them; fbBlob holds
	// those polygons in entry form with their full rings.
	tree   rtree.RTreeG[uint32]
	fbBlob []float64
}

const (
	cellEmpty    = 0xFFFFFFFF
	cellFallback = 0xFFFFFFFE
	coverBit     = 0x80000000
	chunkShift   = 18
	chunkWords   = 1 << chunkShift
	chunkMask    = chunkWords - 1
	// maxPolys keeps a polygon position clear of coverBit and the two tags.
	maxPolys = coverBit - 2
)

// Entry header layout, kept inside the low 52 bits so that the word, stored
// as a float64, is never a NaN whose payload a move might disturb.
const (
	hdrBaseBit  = 1 << 32 // parity of the crossings to the right of the cell
	hdrLastBit  = 1 << 33 // last stored entry of its cell
	hdrComplBit = 1 << 34 // with hdrLastBit: a complement word follows
	hdrFlipShf  = 35
	hdrRunShf   = 43
	hdrCountMax = 1<<8 - 1 // flips and runs per entry
)

// A complement word stands for the cell's highest-ID polygon, whose data is
// not stored: the build proved that in this cell the parities of all the
// cell's polygons sum to a constant (complParity), so the last one's parity
// follows from the others'. In a tiling this holds in nearly every cell
// (neighbours share their edges), and it saves both the memory of one entry
// and the time of testing it.
const complParity = 1 << 32

// Len returns the number of polygons given to NewIndex.
func (ix *Index) Len() int { return ix.n }

// Bound returns the bounding box of all indexed polygons (empty when none).
func (ix *Index) Bound() orb.Bound { return ix.bound }

// cell returns the cell of p, or false when p lies outside the half-open
// bound [min, max), where no polygon can contain it under the rule above.
func (ix *Index) cell(px, py float64) (int, bool) {
	// Written so that NaN coordinates fail the test.
	if !(px >= ix.minX && px < ix.maxX && py >= ix.minY && py < ix.maxY) {
		return 0, false
	}
	i := int((px - ix.minX) * ix.invDx)
	if i >= ix.nx {
		i = ix.nx - 1
	}
	j := int((py - ix.minY) * ix.invDy)
	if j >= ix.ny {
		j = ix.ny - 1
	}
	return j*ix.nx + i, true
}

// Locate returns the polygon containing p, the lowest ID where several do.
func (ix *Index) Locate(p orb.Point) (id uint32, ok bool) {
	px, py := p[0], p[1]
	c, in := ix.cell(px, py)
	if !in {
		return 0, false
	}
	v := ix.cells[c]
	switch {
	case v == cellEmpty:
		return 0, false
	case v == cellFallback:
		return ix.locateFallback(px, py)
	case v&coverBit != 0:
		return ix.ids[v&^coverBit], true
	}
	b := ix.chunks[v>>chunkShift]
	o := int(v & chunkMask)
	for {
		h := math.Float64bits(b[o])
		in, next := entryContains(b, o, h, px, py)
		if in {
			return uint32(h), true
		}
		if h&hdrLastBit != 0 {
			if h&hdrComplBit != 0 {
				// No stored polygon holds p, so the omitted one does
				// exactly when the constant says so.
				c := math.Float64bits(b[next])
				return uint32(c), c&complParity != 0
			}
			return 0, false
		}
		o = next
	}
}

// LocateAll appends the IDs of all polygons containing p to dst, ascending and without repeats.
func (ix *Index) LocateAll(p orb.Point, dst []uint32) []uint32 {
	px, py := p[0], p[1]
	c, in := ix.cell(px, py)
	if !in {
		return dst
	}
	v := ix.cells[c]
	switch {
	case v == cellEmpty:
		return dst
	case v == cellFallback:
		return ix.locateAllFallback(px, py, dst)
	case v&coverBit != 0:
		return append(dst, ix.ids[v&^coverBit])
	}
	start := len(dst)
	b := ix.chunks[v>>chunkShift]
	o := int(v & chunkMask)
	parity := false
	for {
		h := math.Float64bits(b[o])
		in, next := entryContains(b, o, h, px, py)
		if in {
			parity = !parity
			dst = appendID(dst, start, uint32(h))
		}
		if h&hdrLastBit != 0 {
			if h&hdrComplBit != 0 {
				if c := math.Float64bits(b[next]); (c&complParity != 0) != parity {
					dst = appendID(dst, start, uint32(c))
				}
			}
			return dst
		}
		o = next
	}
}

// appendID appends id to the ascending dst[start:] unless it is already last.
func appendID(dst []uint32, start int, id uint32) []uint32 {
	if len(dst) > start && dst[len(dst)-1] == id {
		return dst
	}
	return append(dst, id)
}

// entryContains evaluates the entry at b[o] (header h) for p and returns
// whether p is inside and where the next entry starts.
func entryContains(b []float64, o int, h uint64, px, py float64) (bool, int) {
	inside := h&hdrBaseBit != 0
	o++
	nf := int(h>>hdrFlipShf) & hdrCountMax
	// Each flip is the y of a vertex right of the cell where the crossings
	// to the right change parity; it applies to points at or above it.
	for _, f := range b[o : o+nf] {
		if f <= py {
			inside = !inside
		}
	}
	o += nf
	for nr := int(h>>hdrRunShf) & hdrCountMax; nr > 0; nr-- {
		np := int(math.Float64bits(b[o]))
		o++
		if runCrossings(b[o:o+2*np], px, py) {
			inside = !inside
		}
		o += 2 * np
	}
	return inside, o
}

// runCrossings reports whether the polyline v (x,y pairs) crosses the ray
// from p towards +x an odd number of times, under the half-open rule.
func runCrossings(v []float64, px, py float64) bool {
	odd := false
	if len(v) < 4 {
		return false
	}
	ax, ay := v[0], v[1]
	aUp := ay > py
	for v = v[2:]; len(v) >= 2; v = v[2:] {
		bx, by := v[0], v[1]
		bUp := by > py
		if aUp != bUp {
			// The edge straddles py; count it when p is strictly left of
			// it taken upwards: orient(a, b, p) > 0 for an upward edge,
			// < 0 for a downward one.
			if s := orientSign(ax, ay, bx, by, px, py); s != 0 && (s > 0) == bUp {
				odd = !odd
			}
		}
		ax, ay, aUp = bx, by, bUp
	}
	return odd
}

// locateFallback answers Locate in a crowded cell from the R-tree. The
// candidates come in tree order, so it keeps the lowest containing ID and
// skips the test for any candidate that could not lower it.
func (ix *Index) locateFallback(px, py float64) (uint32, bool) {
	var best uint32
	found := false
	fb := ix.fbBlob
	ix.tree.Search([2]float64{px, py}, [2]float64{px, py}, func(_, _ [2]float64, off uint32) bool {
		h := math.Float64bits(fb[off])
		id := uint32(h)
		if found && id >= best {
			return true
		}
		if in, _ := entryContains(fb, int(off), h, px, py); in {
			best, found = id, true
		}
		return true
	})
	return best, found
}

// locateAllFallback answers LocateAll in a crowded cell from the R-tree,
// sorting what it found since the tree's order is not ID order.
func (ix *Index) locateAllFallback(px, py float64, dst []uint32) []uint32 {
	start := len(dst)
	fb := ix.fbBlob
	ix.tree.Search([2]float64{px, py}, [2]float64{px, py}, func(_, _ [2]float64, off uint32) bool {
		h := math.Float64bits(fb[off])
		if in, _ := entryContains(fb, int(off), h, px, py); in {
			dst = append(dst, uint32(h))
		}
		return true
	})
	found := dst[start:]
	slices.Sort(found)
	return dst[:start+len(slices.Compact(found))]
}

// memBytes approximates the memory the index holds (the R-tree at about 64
// bytes per box: 32 for the box, the value, and node overhead).
func (ix *Index) memBytes() int {
	n := 4*cap(ix.cells) + 4*cap(ix.ids) + 8*cap(ix.fbBlob) + 64*ix.tree.Len() + 24*cap(ix.chunks)
	for _, c := range ix.chunks {
		n += 8 * cap(c)
	}
	return n
}
