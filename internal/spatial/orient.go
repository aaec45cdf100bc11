package spatial

import (
	"math"
	"math/big"
)

// Orientation predicate used by every point-in-polygon test in this package.
//
// orient(a, b, p) = (ax-px)*(by-py) - (ay-py)*(bx-px) is positive when p lies
// to the left of the directed line a→b. The fast path evaluates it in
// float64 and trusts the sign only when it exceeds Shewchuk's error bound for
// this exact expression; otherwise the sign is computed exactly. An exact sign
// is what makes shared edges behave identically for both neighbours: a point
// on an edge must get the same answer whichever polygon asks.

const (
	// epsilon is half an ulp of 1 (2^-53), the unit roundoff of float64.
	epsilon = 0x1p-53
	// ccwErrBoundA bounds the rounding error of the float64 orientation
	// relative to |left|+|right| (Shewchuk, "Adaptive Precision Floating-Point
	// Arithmetic and Fast Robust Geometric Predicates", 1997).
	ccwErrBoundA = (3 + 16*epsilon) * epsilon
)

// orientSign returns the exact sign (-1, 0, +1) of orient(a, b, p).
func orientSign(ax, ay, bx, by, px, py float64) int {
	// The explicit conversions forbid the compiler from fusing the products
	// into FMAs, which the error bound does not describe.
	l := float64((ax - px) * (by - py))
	r := float64((ay - py) * (bx - px))
	det := l - r
	bound := ccwErrBoundA * (math.Abs(l) + math.Abs(r))
	if det > bound {
		return 1
	}
	if -det > bound {
		return -1
	}
	return orientExact(ax, ay, bx, by, px, py)
}

// orientExact computes the sign of orient(a, b, p) without rounding error,
// using error-free transformations (two-sum, FMA two-product) and an
// expansion sum, which allocate nothing. The FMA remainder is exact only
// when no product underflows or overflows; for the rare inputs whose
// differences lie outside [2^-450, 2^450] (never geographic data) the sign is
// computed with big.Rat instead.
func orientExact(ax, ay, bx, by, px, py float64) int {
	d1, d1e := twoDiff(ax, px)
	d2, d2e := twoDiff(by, py)
	d3, d3e := twoDiff(ay, py)
	d4, d4e := twoDiff(bx, px)
	if !tame(d1) || !tame(d1e) || !tame(d2) || !tame(d2e) || !tame(d3) || !tame(d3e) || !tame(d4) || !tame(d4e) {
		return orientRat(ax, ay, bx, by, px, py)
	}

	var terms [16]float64
	n := 0
	add := func(a, b float64, neg bool) {
		p, e := twoProd(a, b)
		if neg {
			p, e = -p, -e
		}
		terms[n], terms[n+1] = p, e
		n += 2
	}
	add(d1, d2, false)
	add(d1, d2e, false)
	add(d1e, d2, false)
	add(d1e, d2e, false)
	add(d3, d4, true)
	add(d3, d4e, true)
	add(d3e, d4, true)
	add(d3e, d4e, true)

	// Grow a nonoverlapping expansion (increasing magnitude) one term at a
	// time, dropping zero components; its sign is the sign of its largest
	// component (Shewchuk's GROW-EXPANSION with zero elimination).
	var h [17]float64
	m := 0
	for _, b := range terms[:n] {
		if b == 0 {
			continue
		}
		q := b
		k := 0
		for i := 0; i < m; i++ {
			var lo float64
			q, lo = twoSum(q, h[i])
			if lo != 0 {
				h[k] = lo
				k++
			}
		}
		if q != 0 {
			h[k] = q
			k++
		}
		m = k
	}
	if m == 0 {
		return 0
	}
	if h[m-1] > 0 {
		return 1
	}
	return -1
}

// twoSum returns s = fl(a+b) and the exact rounding error, a+b = s+e (Knuth).
func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bv := s - a
	av := s - bv
	return s, (a - av) + (b - bv)
}

// twoDiff returns d = fl(a-b) and the exact rounding error, a-b = d+e.
func twoDiff(a, b float64) (d, e float64) {
	d = a - b
	bv := a - d
	av := d + bv
	return d, (a - av) + (bv - b)
}

// twoProd returns p = fl(a*b) and the exact rounding error, a*b = p+e.
func twoProd(a, b float64) (p, e float64) {
	p = a * b
	return p, math.FMA(a, b, -p)
}

// tame reports whether v is zero or of a magnitude whose products with
// other tame values neither underflow nor overflow, remainders included.
func tame(v float64) bool {
	a := math.Abs(v)
	return a == 0 || (a >= 0x1p-450 && a <= 0x1p450)
}

// orientRat is the exact sign in rational arithmetic, for inputs outside the
// range orientExact handles without it. Coordinates are finite here: the
// index drops non-finite polygons and rejects non-finite query points.
func orientRat(ax, ay, bx, by, px, py float64) int {
	r := func(v float64) *big.Rat { return new(big.Rat).SetFloat64(v) }
	l := new(big.Rat).Mul(new(big.Rat).Sub(r(ax), r(px)), new(big.Rat).Sub(r(by), r(py)))
	rr := new(big.Rat).Mul(new(big.Rat).Sub(r(ay), r(py)), new(big.Rat).Sub(r(bx), r(px)))
	return l.Cmp(rr)
}
