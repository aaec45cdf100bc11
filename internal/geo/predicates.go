package geo

import (
	"math"
	"math/big"

	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/rtree"
)

// The exact geometric predicates the checks rest on.

func segBox(a, b orb.Point) rtree.Box {
	return rtree.Box{
		MinX: math.Min(a[0], b[0]), MinY: math.Min(a[1], b[1]),
		MaxX: math.Max(a[0], b[0]), MaxY: math.Max(a[1], b[1]),
	}
}

type hitKind int

const (
	hitNone    hitKind = iota
	hitTouch           // meet in one point that is an end of at least one segment
	hitCross           // cross in one point interior to both
	hitOverlap         // collinear and sharing a stretch of positive length
)

// orient is twice the signed area of triangle abc: > 0 when c is left of ab,
// 0 exactly when the three points are collinear.
//
// The sign must be exact: rounding can call a nearly collinear triple
// collinear in one vertex order and not in another, and then a ring checks
// differently after Normalize reverses it. Shewchuk's error bound tells when
// the float result's sign is certain; otherwise it is recomputed exactly.
func orient(a, b, c orb.Point) float64 {
	detLeft := (a[0] - c[0]) * (b[1] - c[1])
	detRight := (a[1] - c[1]) * (b[0] - c[0])
	det := detLeft - detRight
	// ccwerrboundA of Shewchuk (1997), (3 + 16ε)ε with ε = 2⁻⁵³.
	const errBound = (3 + 16*0x1p-53) * 0x1p-53
	if math.Abs(det) > errBound*(math.Abs(detLeft)+math.Abs(detRight)) {
		return det
	}
	if d, ok := orientExpansion(a, b, c); ok {
		return d
	}
	return orientExact(a, b, c)
}

// orientExpansion returns the exact sign of orient's determinant using
// floating-point expansions (Shewchuk 1997): each difference is split into
// its rounded value and error (TwoDiff), each product into two terms with a
// fused multiply-add (TwoProduct), and the sixteen terms are summed without
// loss (Grow-Expansion), whose largest component carries the sign. It
// reports false when a product under- or overflows, where the splitting is
// not exact; that needs coordinates no map has (1e-150°, say).
func orientExpansion(a, b, c orb.Point) (float64, bool) {
	x1, ex1 := twoDiff(a[0], c[0])
	y1, ey1 := twoDiff(b[1], c[1])
	y2, ey2 := twoDiff(a[1], c[1])
	x2, ex2 := twoDiff(b[0], c[0])
	var exp [32]float64
	n := 0
	ok := true
	add := func(x, y, sign float64) {
		p, e := twoProd(x, y)
		if p != 0 && (math.Abs(p) < 0x1p-900 || math.IsInf(p, 0)) || p == 0 && x != 0 && y != 0 {
			ok = false
			return
		}
		n = growExpansion(&exp, n, sign*p)
		n = growExpansion(&exp, n, sign*e)
	}
	for _, l := range [2]float64{x1, ex1} {
		for _, r := range [2]float64{y1, ey1} {
			add(l, r, 1)
		}
	}
	for _, l := range [2]float64{y2, ey2} {
		for _, r := range [2]float64{x2, ex2} {
			add(l, r, -1)
		}
	}
	if !ok {
		return 0, false
	}
	for i := n - 1; i >= 0; i-- {
		if exp[i] != 0 {
			return math.Copysign(1, exp[i]), true
		}
	}
	return 0, true
}

// twoDiff returns a−b as a rounded value and its exact error.
func twoDiff(a, b float64) (float64, float64) {
	d := a - b
	bv := a - d
	av := d + bv
	return d, (a - av) + (bv - b)
}

// twoProd returns x·y as a rounded value and its exact error.
func twoProd(x, y float64) (float64, float64) {
	p := x * y
	return p, math.FMA(x, y, -p)
}

// growExpansion adds b to the expansion e[:n] (non-overlapping components
// in increasing magnitude) without rounding and returns the new length.
func growExpansion(e *[32]float64, n int, b float64) int {
	q := b
	for i := range n {
		s := q + e[i]
		bv := s - q
		av := s - bv
		e[i] = (q - av) + (e[i] - bv)
		q = s
	}
	e[n] = q
	return n + 1
}

// orientExact evaluates orient's determinant in exact rational arithmetic
// and returns its sign. It runs only for nearly collinear triples.
func orientExact(a, b, c orb.Point) float64 {
	for _, f := range []float64{a[0], a[1], b[0], b[1], c[0], c[1]} {
		if !finite(f) {
			return math.NaN() // callers pass finite rings; NaN compares false everywhere
		}
	}
	r := func(f float64) *big.Rat { return new(big.Rat).SetFloat64(f) }
	ax, ay, bx, by, cx, cy := r(a[0]), r(a[1]), r(b[0]), r(b[1]), r(c[0]), r(c[1])
	l := new(big.Rat).Mul(new(big.Rat).Sub(ax, cx), new(big.Rat).Sub(by, cy))
	rr := new(big.Rat).Mul(new(big.Rat).Sub(ay, cy), new(big.Rat).Sub(bx, cx))
	return float64(l.Cmp(rr))
}

func sign(f float64) int {
	switch {
	case f > 0:
		return 1
	case f < 0:
		return -1
	}
	return 0
}

// onSegment reports whether p, known to be collinear with ab, lies within it.
func onSegment(a, b, p orb.Point) bool {
	return p[0] >= math.Min(a[0], b[0]) && p[0] <= math.Max(a[0], b[0]) &&
		p[1] >= math.Min(a[1], b[1]) && p[1] <= math.Max(a[1], b[1])
}

// segIntersect classifies how segments ab and cd meet and returns a point
// where they do.
func segIntersect(a, b, c, d orb.Point) (hitKind, orb.Point) {
	d1, d2 := sign(orient(a, b, c)), sign(orient(a, b, d))
	d3, d4 := sign(orient(c, d, a)), sign(orient(c, d, b))
	if d1*d2 < 0 && d3*d4 < 0 {
		// Where they cross only names the place, so plain floats will do
		// (orient may have returned a bare sign).
		o3 := (d[0]-c[0])*(a[1]-c[1]) - (d[1]-c[1])*(a[0]-c[0])
		o4 := (d[0]-c[0])*(b[1]-c[1]) - (d[1]-c[1])*(b[0]-c[0])
		t := 0.5
		if den := o3 - o4; den != 0 && finite(o3/den) {
			t = math.Max(0, math.Min(1, o3/den))
		}
		return hitCross, orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
	}
	if d1 == 0 && d2 == 0 && d3 == 0 && d4 == 0 {
		// Collinear: compare the extents along the longer axis.
		axis := 0
		if math.Abs(b[1]-a[1])+math.Abs(d[1]-c[1]) > math.Abs(b[0]-a[0])+math.Abs(d[0]-c[0]) {
			axis = 1
		}
		lo := math.Max(math.Min(a[axis], b[axis]), math.Min(c[axis], d[axis]))
		hi := math.Min(math.Max(a[axis], b[axis]), math.Max(c[axis], d[axis]))
		switch {
		case lo < hi:
			for _, p := range []orb.Point{c, d, a, b} {
				if p[axis] == lo || p[axis] == hi {
					return hitOverlap, p
				}
			}
			return hitOverlap, c
		case lo == hi:
			for _, p := range []orb.Point{a, b} {
				if p[axis] == lo {
					return hitTouch, p
				}
			}
		}
		return hitNone, orb.Point{}
	}
	switch {
	case d1 == 0 && onSegment(a, b, c):
		return hitTouch, c
	case d2 == 0 && onSegment(a, b, d):
		return hitTouch, d
	case d3 == 0 && onSegment(c, d, a):
		return hitTouch, a
	case d4 == 0 && onSegment(c, d, b):
		return hitTouch, b
	}
	return hitNone, orb.Point{}
}
