package geo

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"
	"github.com/peterstace/simplefeatures/rtree"
)

// SliverAreaM2 is the default area below which a gap, overlap or outside piece is floating-point noise, not a finding.
const SliverAreaM2 = 1.0

// Child is one region inside a parent: its code and its WGS-84 boundary.
type Child struct {
	Code string
	Geom orb.MultiPolygon
}

// Overlap is the shared area of two children.
type Overlap struct {
	A, B   string // child codes, in the order the children were given
	Geom   orb.MultiPolygon
	AreaM2 float64
}

// Outside is the part of a child that lies outside its parent.
type Outside struct {
	Code   string
	Geom   orb.MultiPolygon
	AreaM2 float64
}

// CoverageReport tells how well a set of children tiles their parent.
type CoverageReport struct {
	ParentAreaM2  float64
	CoveredShare  float64          // area of union(children) ∩ parent ÷ parent area, in [0, 1]
	Gaps          orb.MultiPolygon // parent − union(children), slivers dropped
	GapAreaM2     float64
	Overlaps      []Overlap // pairs of children sharing area, slivers dropped
	OverlapAreaM2 float64   // sum over pairs; an area shared by three children counts three times
	Outside       []Outside // children's parts outside the parent, slivers dropped
	OutsideAreaM2 float64
}

// Coverage compares a parent with its children, ignoring pieces under SliverAreaM2; inputs should be Normalize'd and pass Check.
func Coverage(parent orb.MultiPolygon, children []Child) (CoverageReport, error) {
	return CoverageMinArea(parent, children, SliverAreaM2)
}

// CoverageMinArea is Coverage with pieces smaller than minAreaM2 dropped as slivers.
func CoverageMinArea(parent orb.MultiPolygon, children []Child, minAreaM2 float64) (CoverageReport, error) {
	var rep CoverageReport
	if !(minAreaM2 >= 0) {
		return rep, fmt.Errorf("coverage: minimum area %v m² is not a non-negative number", minAreaM2)
	}
	rep.ParentAreaM2 = AreaM2(parent)
	if !(rep.ParentAreaM2 > 0) {
		return rep, errors.New("coverage: the parent boundary has no area")
	}
	sfParent := toSF(parent)

	sfChildren := make([]geom.Geometry, len(children))
	for i, c := range children {
		sfChildren[i] = toSF(c.Geom)
	}
	union, err := unionAll(sfChildren)
	if err != nil {
		return rep, fmt.Errorf("coverage: union of the children: %w", err)
	}

	covered, err := geom.Intersection(union, sfParent)
	if err != nil {
		return rep, fmt.Errorf("coverage: children within the parent: %w", err)
	}
	rep.CoveredShare = math.Min(1, AreaM2(fromSF(covered))/rep.ParentAreaM2)

	gaps, err := geom.Difference(sfParent, union)
	if err != nil {
		return rep, fmt.Errorf("coverage: parent not covered by children: %w", err)
	}
	rep.Gaps, rep.GapAreaM2 = dropSlivers(fromSF(gaps), minAreaM2)

	if rep.Outside, rep.OutsideAreaM2, err = outsideParts(sfParent, union, children, sfChildren, minAreaM2); err != nil {
		return rep, err
	}
	if rep.Overlaps, rep.OverlapAreaM2, err = overlaps(children, sfChildren, minAreaM2); err != nil {
		return rep, err
	}
	return rep, nil
}

// outsideParts finds each child's part outside the parent. Rather than one
// difference against the (large) parent per child, it takes union − parent
// once and intersects only the children whose boxes touch a piece of it:
// child ∩ (union − parent) = child − parent. For a clean tiling there are no
// pieces and no further work.
func outsideParts(sfParent, union geom.Geometry, children []Child, sfChildren []geom.Geometry, minAreaM2 float64) ([]Outside, float64, error) {
	diff, err := geom.Difference(union, sfParent)
	if err != nil {
		return nil, 0, fmt.Errorf("coverage: children outside the parent: %w", err)
	}
	pieces, _ := dropSlivers(fromSF(diff), minAreaM2)
	if len(pieces) == 0 {
		return nil, 0, nil
	}
	items := make([]rtree.BulkItem, len(pieces))
	for i, p := range pieces {
		items[i] = rtree.BulkItem{Box: boundBox(p.Bound()), RecordID: i}
	}
	tree := rtree.BulkLoad(items)

	var out []Outside
	var total float64
	for i, c := range children {
		var near orb.MultiPolygon
		_ = tree.RangeSearch(boundBox(c.Geom.Bound()), func(id int) error {
			near = append(near, pieces[id])
			return nil
		})
		if len(near) == 0 {
			continue
		}
		part, err := geom.Intersection(sfChildren[i], toSF(near))
		if err != nil {
			return nil, 0, fmt.Errorf("coverage: child %s outside the parent: %w", c.Code, err)
		}
		mp, area := dropSlivers(fromSF(part), minAreaM2)
		if len(mp) > 0 {
			out = append(out, Outside{Code: c.Code, Geom: mp, AreaM2: area})
			total += area
		}
	}
	return out, total, nil
}

// overlaps intersects only the pairs of children whose bounding boxes meet,
// found through an R-tree, so a tiling of n children costs about n log n
// lookups plus one overlay per pair of neighbours, never n² overlays.
func overlaps(children []Child, sfChildren []geom.Geometry, minAreaM2 float64) ([]Overlap, float64, error) {
	items := make([]rtree.BulkItem, 0, len(children))
	bounds := make([]orb.Bound, len(children))
	for i, c := range children {
		if len(c.Geom) == 0 {
			continue
		}
		bounds[i] = c.Geom.Bound()
		items = append(items, rtree.BulkItem{Box: boundBox(bounds[i]), RecordID: i})
	}
	tree := rtree.BulkLoad(items)

	var out []Overlap
	var total float64
	for i := range children {
		if len(children[i].Geom) == 0 {
			continue
		}
		var partners []int
		_ = tree.RangeSearch(boundBox(bounds[i]), func(j int) error {
			if j > i {
				partners = append(partners, j)
			}
			return nil
		})
		slices.Sort(partners) // deterministic report order
		for _, j := range partners {
			inter, err := geom.Intersection(sfChildren[i], sfChildren[j])
			if err != nil {
				return nil, 0, fmt.Errorf("coverage: overlap of %s and %s: %w", children[i].Code, children[j].Code, err)
			}
			mp, area := dropSlivers(fromSF(inter), minAreaM2)
			if len(mp) > 0 {
				out = append(out, Overlap{A: children[i].Code, B: children[j].Code, Geom: mp, AreaM2: area})
				total += area
			}
		}
	}
	return out, total, nil
}

// unionAll unions geometries pairwise in a balanced tree after ordering them
// along a Z-order curve, so that each union merges neighbours and the pieces
// grow evenly: about log₂ n rounds over the total size, instead of n unions
// that each redo an ever larger accumulated result.
func unionAll(gs []geom.Geometry) (geom.Geometry, error) {
	if len(gs) == 0 {
		return geom.Geometry{}, nil
	}
	gs = zOrder(gs)
	for len(gs) > 1 {
		next := make([]geom.Geometry, 0, (len(gs)+1)/2)
		for i := 0; i < len(gs); i += 2 {
			if i+1 == len(gs) {
				next = append(next, gs[i])
				continue
			}
			u, err := geom.Union(gs[i], gs[i+1])
			if err != nil {
				return geom.Geometry{}, err
			}
			next = append(next, u)
		}
		gs = next
	}
	return geom.UnaryUnion(gs[0])
}

// zOrder returns gs sorted by the Morton code of their envelope centres.
func zOrder(gs []geom.Geometry) []geom.Geometry {
	type keyed struct {
		key uint64
		g   geom.Geometry
	}
	var all geom.Envelope
	for _, g := range gs {
		all = all.ExpandToIncludeEnvelope(g.Envelope())
	}
	lo, hi, ok := all.MinMaxXYs()
	if !ok {
		return gs
	}
	w, h := math.Max(hi.X-lo.X, 1e-300), math.Max(hi.Y-lo.Y, 1e-300)
	ks := make([]keyed, len(gs))
	for i, g := range gs {
		var key uint64
		if c, ok := g.Envelope().Center().XY(); ok {
			x := uint32(math.Min(1, (c.X-lo.X)/w) * 0xffff)
			y := uint32(math.Min(1, (c.Y-lo.Y)/h) * 0xffff)
			key = interleave(x) | interleave(y)<<1
		}
		ks[i] = keyed{key, g}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return 0
	})
	out := make([]geom.Geometry, len(gs))
	for i := range ks {
		out[i] = ks[i].g
	}
	return out
}

// interleave spreads the low 16 bits of x to the even bit positions.
func interleave(x uint32) uint64 {
	v := uint64(x & 0xffff)
	v = (v | v<<8) & 0x00ff00ff
	v = (v | v<<4) & 0x0f0f0f0f
	v = (v | v<<2) & 0x33333333
	v = (v | v<<1) & 0x55555555
	return v
}

// dropSlivers keeps the polygons of at least minAreaM2 and returns their total area.
func dropSlivers(mp orb.MultiPolygon, minAreaM2 float64) (orb.MultiPolygon, float64) {
	var kept orb.MultiPolygon
	var total float64
	for _, p := range mp {
		a := AreaM2(orb.MultiPolygon{p})
		if a >= minAreaM2 && a > 0 {
			kept = append(kept, p)
			total += a
		}
	}
	return kept, total
}

func boundBox(b orb.Bound) rtree.Box {
	return rtree.Box{MinX: b.Min[0], MinY: b.Min[1], MaxX: b.Max[0], MaxY: b.Max[1]}
}

// Intersection returns the area shared by a and b (lines and points where they only touch are dropped).
func Intersection(a, b orb.MultiPolygon) (orb.MultiPolygon, error) {
	if len(a) == 0 || len(b) == 0 || !a.Bound().Intersects(b.Bound()) {
		return nil, nil
	}
	g, err := geom.Intersection(toSF(a), toSF(b))
	if err != nil {
		return nil, fmt.Errorf("intersection: %w", err)
	}
	return fromSF(g), nil
}

// OverlapShare is area(grid ∩ overlay) ÷ area(grid), in [0, 1]; it links an overlay (police, mediation) polygon to the grids it covers.
func OverlapShare(grid, overlay orb.MultiPolygon) (float64, error) {
	ga := AreaM2(grid)
	if !(ga > 0) {
		return 0, errors.New("overlap share: the grid boundary has no area")
	}
	inter, err := Intersection(grid, overlay)
	if err != nil {
		return 0, fmt.Errorf("overlap share: %w", err)
	}
	return math.Min(1, AreaM2(inter)/ga), nil
}
