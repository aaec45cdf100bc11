package geo

import (
	"errors"
	"fmt"
	"slices"

	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/rtree"
)

// This file finds how the rings of a boundary meet: where they cross or
// touch (an R-tree over segment boxes, so about n log n rather than n²), and
// then which side of one another they lie on.

// errStopSearch ends an R-tree search early. rtree.Stop cannot be used: the
// library swallows it at the leaf that returned it and goes on searching the
// remaining branches.
var errStopSearch = errors.New("stop search")

// maxIntersectionReports caps the self_intersection problems listed for one
// geometry. A scribbled ring can have millions of crossings; a person fixes
// the first few and checks again, and the search stops once the cap is hit so
// hostile input costs no more than a valid one.
const maxIntersectionReports = 20

// The work budget of the checks, counted in candidate pairs and ray tests:
// real boundaries need a few per segment; inputs built so that every
// segment's box meets every other one (long zig-zags, fans through one point)
// would make the search quadratic, so running out is itself a problem.
const (
	pairBudgetPerSegment = 50
	pairBudgetBase       = 200_000
)

// segRef names segment k of ring ring: from pts[k] to pts[(k+1) % n].
type segRef struct{ ring, k int }

type checker struct {
	rings     []ringInfo
	multi     bool
	segs      []segRef
	tree      *rtree.RTree
	budget    int
	exhausted bool
	problems  []Problem
	reports   int          // self_intersection problems so far
	involved  map[int]bool // rings in a reported crossing: sides are undefined for them
	// Where distinct rings touch: points inside a segment of a ring, and
	// corners of a ring that lie on another ring. Only there can a ring pass
	// from one side of another to the other side.
	cuts       map[segRef][]orb.Point
	touchedAt  map[int]map[orb.Point]bool
	seenReport map[spot]bool
}

type spot struct {
	ring int
	at   orb.Point
}

// checkRings reports crossings, touches and wrong nesting among usable rings.
func checkRings(rings []ringInfo, multi bool) []Problem {
	c := &checker{
		rings:      rings,
		multi:      multi,
		involved:   map[int]bool{},
		cuts:       map[segRef][]orb.Point{},
		touchedAt:  map[int]map[orb.Point]bool{},
		seenReport: map[spot]bool{},
	}
	var items []rtree.BulkItem
	for ri, r := range rings {
		if !r.usable {
			continue
		}
		for k := range r.pts {
			items = append(items, rtree.BulkItem{Box: segBox(r.seg(k)), RecordID: len(c.segs)})
			c.segs = append(c.segs, segRef{ri, k})
		}
	}
	c.tree = rtree.BulkLoad(items)
	c.budget = pairBudgetPerSegment*len(c.segs) + pairBudgetBase
	c.findIntersections()
	if !c.exhausted && c.reports < maxIntersectionReports {
		c.relations()
	}
	return c.problems
}

func (r ringInfo) seg(k int) (orb.Point, orb.Point) { return r.pts[k], r.pts[(k+1)%len(r.pts)] }

// spend takes n units of work and reports whether the budget allowed it.
func (c *checker) spend(n int) bool {
	if c.exhausted {
		return false
	}
	if c.budget -= n; c.budget < 0 {
		c.exhausted = true
		c.problems = append(c.problems, Problem{Kind: ProblemTooComplex, Ring: -1,
			Detail: "too many edges overlap each other to check the boundary; simplify it or split it into smaller parts"})
		return false
	}
	return true
}

func (c *checker) name(ri int) string {
	return ringName(c.rings[ri].poly, c.rings[ri].index, c.multi)
}

func (c *checker) findIntersections() {
	full := false
	for id, s := range c.segs {
		if full || c.exhausted {
			return
		}
		ra := c.rings[s.ring]
		a, b := ra.seg(s.k)
		_ = c.tree.RangeSearch(segBox(a, b), func(other int) error {
			if other <= id {
				return nil // each pair once
			}
			if !c.spend(1) {
				return errStopSearch
			}
			t := c.segs[other]
			rb := c.rings[t.ring]
			cc, d := rb.seg(t.k)
			kind, at := segIntersect(a, b, cc, d)
			if kind == hitNone {
				return nil
			}
			var detail string
			switch {
			case s.ring == t.ring && adjacent(s.k, t.k, len(ra.pts)):
				if kind != hitOverlap {
					return nil // neighbouring edges meet at their shared corner
				}
				detail = fmt.Sprintf("%s doubles back on itself at %s", c.name(s.ring), fmtPoint(at))
			case s.ring == t.ring:
				detail = fmt.Sprintf("%s %s itself at %s", c.name(s.ring), kindVerb(kind), fmtPoint(at))
			case kind == hitTouch:
				// Distinct rings may touch at a point (a hole touching its
				// shell, two islands meeting at a corner); whether they stay
				// on their sides there is settled in relations.
				c.noteTouch(s, a, b, at)
				c.noteTouch(t, cc, d, at)
				return nil
			default:
				detail = fmt.Sprintf("%s %s %s at %s", c.name(s.ring), kindVerb(kind), c.name(t.ring), fmtPoint(at))
			}
			c.involved[s.ring] = true
			c.involved[t.ring] = true
			if !c.report(Problem{Kind: ProblemSelfIntersection, Ring: s.ring, Detail: detail}, at) {
				full = true
				return errStopSearch
			}
			return nil
		})
	}
}

// report adds a self_intersection problem unless one was already reported
// for the same ring and place; it returns false once the cap is reached.
func (c *checker) report(p Problem, at orb.Point) bool {
	key := spot{p.Ring, at}
	if c.seenReport[key] {
		return true
	}
	c.seenReport[key] = true
	if c.reports == maxIntersectionReports {
		last := &c.problems[len(c.problems)-1]
		detail := fmt.Sprintf("%s (further intersections not listed)", last.Detail)
		last.Detail = detail
		return false
	}
	c.reports++
	c.problems = append(c.problems, p)
	return true
}

// noteTouch records that ring s.ring meets another ring at point at, which
// lies on its segment a–b.
func (c *checker) noteTouch(s segRef, a, b, at orb.Point) {
	if at == a || at == b {
		m := c.touchedAt[s.ring]
		if m == nil {
			m = map[orb.Point]bool{}
			c.touchedAt[s.ring] = m
		}
		m[at] = true
		return
	}
	c.cuts[s] = append(c.cuts[s], at)
}

// relations checks the sides rings lie on: each hole inside its shell, no
// hole inside another, no polygon inside or over another. Rings that cross
// something are skipped, since their sides are undefined until that is fixed.
func (c *checker) relations() {
	var items []rtree.BulkItem
	for ri, r := range c.rings {
		if r.usable && !c.involved[ri] {
			items = append(items, rtree.BulkItem{Box: ringBox(r.pts), RecordID: ri})
		}
	}
	tree := rtree.BulkLoad(items)
	shellOf := map[int]int{} // polygon → ring index of its outer ring
	for ri, r := range c.rings {
		if r.index == 0 && r.usable && !c.involved[ri] {
			shellOf[r.poly] = ri
		}
	}
	polyUsable := func(p int) bool {
		for ri, r := range c.rings {
			if r.poly == p && (!r.usable || c.involved[ri]) {
				return false
			}
		}
		return true
	}

	// Holes against their shell.
	for ri, r := range c.rings {
		shell, ok := shellOf[r.poly]
		if r.index == 0 || !ok || !r.usable || c.involved[ri] {
			continue
		}
		in, out := c.sides(ri, func(o int) bool { return o == shell }, false)
		if c.exhausted {
			return
		}
		switch {
		case in && out:
			c.problems = append(c.problems, Problem{Kind: ProblemSelfIntersection, Ring: ri,
				Detail: fmt.Sprintf("%s passes from inside to outside the outer ring where they touch", c.name(ri))})
		case out:
			c.problems = append(c.problems, Problem{Kind: ProblemHoleOutside, Ring: ri,
				Detail: fmt.Sprintf("%s lies outside the outer ring", c.name(ri))})
		}
	}

	// Pairs of holes of one polygon, and pairs of polygons, whose boxes meet.
	usable := map[int]bool{}
	for _, it := range items {
		ri := it.RecordID
		_ = tree.RangeSearch(it.Box, func(rj int) error {
			if rj <= ri || !c.spend(1) {
				return nil
			}
			a, b := c.rings[ri], c.rings[rj]
			switch {
			case a.poly == b.poly && a.index > 0 && b.index > 0:
				if c.inside(ri, func(o int) bool { return o == rj }) || c.inside(rj, func(o int) bool { return o == ri }) {
					c.problems = append(c.problems, Problem{Kind: ProblemOverlappingParts, Ring: rj,
						Detail: fmt.Sprintf("%s and %s overlap or lie one inside the other", c.name(ri), c.name(rj))})
				}
			case a.poly != b.poly && a.index == 0 && b.index == 0:
				for _, p := range [2]int{a.poly, b.poly} {
					if _, ok := usable[p]; !ok {
						usable[p] = polyUsable(p)
					}
				}
				if !usable[a.poly] || !usable[b.poly] {
					return nil
				}
				if c.inside(ri, func(o int) bool { return c.rings[o].poly == b.poly }) ||
					c.inside(rj, func(o int) bool { return c.rings[o].poly == a.poly }) {
					c.problems = append(c.problems, Problem{Kind: ProblemOverlappingParts, Ring: ri,
						Detail: fmt.Sprintf("polygon %d and polygon %d overlap or lie one inside the other", a.poly, b.poly)})
				}
			}
			return nil
		})
		if c.exhausted {
			return
		}
	}
}

// inside reports whether any part of ring ri lies inside the area bounded by
// the rings that member selects.
func (c *checker) inside(ri int, member func(int) bool) bool {
	in, _ := c.sides(ri, member, true)
	return in
}

// sides reports whether parts of ring ri lie inside and outside the area
// bounded by the rings member selects (even-odd rule). Ring ri does not cross
// those rings, so it can change sides only where it touches one; one test
// point after each touch, and one for a ring that touches nothing, decide.
func (c *checker) sides(ri int, member func(int) bool, stopAtInside bool) (in, out bool) {
	r := c.rings[ri]
	touched := c.touchedAt[ri]
	need := true
	test := func(p, q orb.Point) bool {
		mid := orb.Point{(p[0] + q[0]) / 2, (p[1] + q[1]) / 2}
		inside, onEdge, ok := c.pointIn(mid, member)
		if !ok {
			return false
		}
		if onEdge {
			return true // undecided here; try the next piece
		}
		need = false
		if inside {
			in = true
		} else {
			out = true
		}
		return !(in && out) && !(in && stopAtInside)
	}
	for k := range r.pts {
		a, b := r.seg(k)
		if touched[a] {
			need = true
		}
		cuts := c.cuts[segRef{ri, k}]
		if len(cuts) > 1 {
			cuts = slices.Clone(cuts)
			slices.SortFunc(cuts, func(p, q orb.Point) int { // along a→b
				dp := (p[0]-a[0])*(b[0]-a[0]) + (p[1]-a[1])*(b[1]-a[1])
				dq := (q[0]-a[0])*(b[0]-a[0]) + (q[1]-a[1])*(b[1]-a[1])
				switch {
				case dp < dq:
					return -1
				case dp > dq:
					return 1
				}
				return 0
			})
		}
		from := a
		for _, cut := range append(cuts, b) {
			if need && !test(from, cut) {
				return in, out
			}
			if cut != b {
				need = true
			}
			from = cut
		}
	}
	return in, out
}

// pointIn casts a ray from p towards +x and applies the even-odd rule to the
// segments of the rings member selects. ok is false when the budget ran out.
func (c *checker) pointIn(p orb.Point, member func(int) bool) (inside, onEdge, ok bool) {
	ray := rtree.Box{MinX: p[0], MinY: p[1], MaxX: p[0] + 1e300, MaxY: p[1]}
	ok = true
	_ = c.tree.RangeSearch(ray, func(id int) error {
		if !c.spend(1) {
			ok = false
			return errStopSearch
		}
		s := c.segs[id]
		if !member(s.ring) {
			return nil
		}
		a, b := c.rings[s.ring].seg(s.k)
		o := orient(a, b, p)
		if o == 0 && onSegment(a, b, p) {
			onEdge = true
			return errStopSearch
		}
		// The edge straddles the ray's line and p is on its west side.
		if (a[1] > p[1]) != (b[1] > p[1]) && (b[1] > a[1]) == (o > 0) {
			inside = !inside
		}
		return nil
	})
	return inside, onEdge, ok
}

func ringBox(pts []orb.Point) rtree.Box {
	b := segBox(pts[0], pts[0])
	for _, p := range pts[1:] {
		b.MinX, b.MaxX = min(b.MinX, p[0]), max(b.MaxX, p[0])
		b.MinY, b.MaxY = min(b.MinY, p[1]), max(b.MaxY, p[1])
	}
	return b
}

func kindVerb(k hitKind) string {
	switch k {
	case hitCross:
		return "crosses"
	case hitOverlap:
		return "runs along"
	default:
		return "touches"
	}
}

func fmtPoint(p orb.Point) string { return fmt.Sprintf("(%.7f, %.7f)", p[0], p[1]) }

// adjacent reports whether segments i and j of an n-corner ring share a corner.
func adjacent(i, j, n int) bool {
	d := i - j
	if d < 0 {
		d = -d
	}
	return d == 1 || d == n-1
}
