package spatial

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// EarthRadiusM is the mean Earth radius (IUGG) in metres used for great-circle distances.
//
// Distances on the WGS-84 ellipsoid differ from the sphere's by at most ~0.5%.
const EarthRadiusM = 6371008.8

// Point is one point of a point layer (a station, an office) and its ID.
type Point struct {
	ID uint32
	P  orb.Point
}

// PointIndex finds the great-circle nearest point; immutable and safe for concurrent readers.
//
// Points are stored as unit vectors in a 3-d k-d tree: the straight-line
// (chord) distance between unit vectors grows monotonically with the
// great-circle distance, so the nearest by chord is the nearest on the
// sphere, with no special case at the poles or the antimeridian.
type PointIndex struct {
	nodes []kdNode // implicit balanced tree: the median of a range is its root
}

type kdNode struct {
	v    [3]float64
	p    orb.Point
	id   uint32
	axis uint8
}

// NewPointIndex builds an index over pts, skipping non-finite points and keeping no reference to pts.
func NewPointIndex(pts []Point) *PointIndex {
	nodes := make([]kdNode, 0, len(pts))
	for _, p := range pts {
		if !finite(p.P[0]) || !finite(p.P[1]) {
			continue
		}
		nodes = append(nodes, kdNode{v: unitVector(p.P), p: p.P, id: p.ID})
	}
	// Sort by ID first so that equal points end up in a fixed order and ties
	// resolve to the lowest ID however the input was ordered.
	slices.SortStableFunc(nodes, func(a, b kdNode) int { return cmp.Compare(a.id, b.id) })
	buildKD(nodes)
	return &PointIndex{nodes: nodes}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func unitVector(p orb.Point) [3]float64 {
	lng, lat := p[0]*math.Pi/180, p[1]*math.Pi/180
	cl := math.Cos(lat)
	return [3]float64{cl * math.Cos(lng), cl * math.Sin(lng), math.Sin(lat)}
}

// buildKD arranges nodes so that each range's middle element splits it on
// the axis of widest spread.
func buildKD(nodes []kdNode) {
	if len(nodes) <= 1 {
		if len(nodes) == 1 {
			nodes[0].axis = 0
		}
		return
	}
	var lo, hi [3]float64
	lo, hi = nodes[0].v, nodes[0].v
	for _, n := range nodes[1:] {
		for a := range 3 {
			lo[a], hi[a] = min(lo[a], n.v[a]), max(hi[a], n.v[a])
		}
	}
	axis := 0
	for a := 1; a < 3; a++ {
		if hi[a]-lo[a] > hi[axis]-lo[axis] {
			axis = a
		}
	}
	mid := len(nodes) / 2
	selectKth(nodes, mid, axis)
	nodes[mid].axis = uint8(axis)
	buildKD(nodes[:mid])
	buildKD(nodes[mid+1:])
}

// selectKth partially sorts nodes so that nodes[k] has the k-th smallest
// coordinate on axis (ties by ID), smaller ones before it and larger after.
func selectKth(nodes []kdNode, k, axis int) {
	less := func(a, b *kdNode) bool {
		if a.v[axis] != b.v[axis] {
			return a.v[axis] < b.v[axis]
		}
		return a.id < b.id
	}
	lo, hi := 0, len(nodes)-1
	for lo < hi {
		// Median of three as pivot, moved to hi.
		m := lo + (hi-lo)/2
		if less(&nodes[m], &nodes[lo]) {
			nodes[m], nodes[lo] = nodes[lo], nodes[m]
		}
		if less(&nodes[hi], &nodes[lo]) {
			nodes[hi], nodes[lo] = nodes[lo], nodes[hi]
		}
		if less(&nodes[m], &nodes[hi]) {
			nodes[m], nodes[hi] = nodes[hi], nodes[m]
		}
		pivot := nodes[hi]
		s := lo
		for i := lo; i < hi; i++ {
			if less(&nodes[i], &pivot) {
				nodes[i], nodes[s] = nodes[s], nodes[i]
				s++
			}
		}
		nodes[s], nodes[hi] = nodes[hi], nodes[s]
		switch {
		case s == k:
			return
		case s < k:
			lo = s + 1
		default:
			hi = s - 1
		}
	}
}

// Nearest returns the point nearest to p and its great-circle distance in metres (ties: lowest ID).
//
// It reports false when the index is empty or p is not finite.
func (pi *PointIndex) Nearest(p orb.Point) (id uint32, distM float64, ok bool) {
	if len(pi.nodes) == 0 || !finite(p[0]) || !finite(p[1]) {
		return 0, 0, false
	}
	q := unitVector(p)
	best := nearestSearch{q: q, d2: math.Inf(1)}
	best.search(pi.nodes)
	n := best.node
	return n.id, haversineM(p, n.p), true
}

type nearestSearch struct {
	q    [3]float64
	d2   float64
	node *kdNode
}

func (s *nearestSearch) search(nodes []kdNode) {
	for len(nodes) > 0 {
		mid := len(nodes) / 2
		n := &nodes[mid]
		dx, dy, dz := n.v[0]-s.q[0], n.v[1]-s.q[1], n.v[2]-s.q[2]
		d2 := dx*dx + dy*dy + dz*dz
		if d2 < s.d2 || (d2 == s.d2 && n.id < s.node.id) {
			s.d2, s.node = d2, n
		}
		diff := s.q[n.axis] - n.v[n.axis]
		near, far := nodes[:mid], nodes[mid+1:]
		if diff > 0 {
			near, far = far, near
		}
		s.search(near)
		// The far side can only hold a point nearer than (or, for the
		// lowest-ID rule, as near as) the best when the splitting plane is.
		if diff*diff > s.d2 {
			return
		}
		nodes = far
	}
}

// haversineM returns the great-circle distance between a and b in metres;
// haversine keeps its precision at short range, where most answers are.
func haversineM(a, b orb.Point) float64 {
	lat1, lat2 := a[1]*math.Pi/180, b[1]*math.Pi/180
	dLat := lat2 - lat1
	dLng := (b[0] - a[0]) * math.Pi / 180
	sLat, sLng := math.Sin(dLat/2), math.Sin(dLng/2)
	h := sLat*sLat + math.Cos(lat1)*math.Cos(lat2)*sLng*sLng
	return 2 * EarthRadiusM * math.Asin(math.Sqrt(math.Min(h, 1)))
}
