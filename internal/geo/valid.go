package geo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// Problem kinds reported by Check and Normalize.
const (
	ProblemUnclosedRing     = "unclosed_ring"     // last position differs from the first; Normalize closes it
	ProblemTooFewPoints     = "too_few_points"    // fewer than 3 distinct corners (4 positions when closed)
	ProblemSelfIntersection = "self_intersection" // a ring crosses or touches itself; two rings cross, share an edge, or pass through each other where they touch
	ProblemNaNOrInf         = "nan_or_inf"        // a coordinate is NaN or infinite
	ProblemOutOfRange       = "out_of_range"      // a longitude outside ±180 or latitude outside ±90
	ProblemTooManyVertices  = "too_many_vertices" // more positions than the caller allows
	ProblemEmpty            = "empty"             // no polygon, or a polygon without rings
	ProblemNotPolygon       = "not_polygon"       // the geometry is not a Polygon or MultiPolygon
	ProblemHoleOutside      = "hole_outside"      // a hole lies outside its polygon's outer ring
	ProblemOverlappingParts = "overlapping_parts" // a polygon inside or over another one, or a hole inside another hole
	ProblemTooComplex       = "too_complex"       // so many long edges overlap that checking would take too long
)

// Problem is one thing wrong with a boundary, in words a person can act on.
type Problem struct {
	Kind string // one of the Problem* constants
	// Ring numbers the rings of the whole geometry in order (polygon 0's outer
	// ring, its holes, polygon 1's outer ring, …); -1 when no ring is meant.
	Ring   int
	Detail string
}

// Fatal reports whether the problem makes the boundary unusable; only unclosed_ring is not, since Normalize closes it.
func (p Problem) Fatal() bool {
	// A ring is a cycle, so closing an unclosed one has a single meaning and
	// lists of corners typed into a spreadsheet routinely omit the repeated
	// first corner. Every other kind leaves no single right repair: a
	// self-intersecting ring could be meant as several shapes, a degenerate ring
	// has no area, and a vertex limit protects the server.
	return p.Kind != ProblemUnclosedRing
}

// String returns the detail prefixed by the kind and ring.
func (p Problem) String() string {
	if p.Ring < 0 {
		return p.Kind + ": " + p.Detail
	}
	return fmt.Sprintf("%s (ring %d): %s", p.Kind, p.Ring, p.Detail)
}

// HasFatal reports whether any of ps is fatal.
func HasFatal(ps []Problem) bool {
	for _, p := range ps {
		if p.Fatal() {
			return true
		}
	}
	return false
}

// ringInfo is one ring prepared for the geometric checks.
type ringInfo struct {
	poly, index int         // polygon number and ring number within it (0 = outer)
	pts         []orb.Point // distinct consecutive corners, not closed
	usable      bool        // finite and at least 3 corners
}

// Check reports every problem of a Polygon or MultiPolygon; maxVertices > 0 refuses larger inputs before any other work.
func Check(g orb.Geometry, maxVertices int) []Problem {
	var mp orb.MultiPolygon
	switch g := g.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		mp = g
	case nil:
		return []Problem{{Kind: ProblemEmpty, Ring: -1, Detail: "no geometry was given"}}
	default:
		return []Problem{{Kind: ProblemNotPolygon, Ring: -1,
			Detail: fmt.Sprintf("the geometry is a %s; a boundary must be a Polygon or MultiPolygon", g.GeoJSONType())}}
	}

	// Counting costs one len per ring, so an oversized upload is refused
	// before anything proportional to its size is done.
	total := 0
	for _, p := range mp {
		for _, r := range p {
			total += len(r)
		}
	}
	if maxVertices > 0 && total > maxVertices {
		return []Problem{{Kind: ProblemTooManyVertices, Ring: -1,
			Detail: fmt.Sprintf("the boundary has %d points, more than the %d allowed; simplify it first", total, maxVertices)}}
	}
	if len(mp) == 0 {
		return []Problem{{Kind: ProblemEmpty, Ring: -1, Detail: "the MultiPolygon has no polygons"}}
	}

	var problems []Problem
	multi := len(mp) > 1
	var rings []ringInfo
	for pi, p := range mp {
		if len(p) == 0 {
			problems = append(problems, Problem{Kind: ProblemEmpty, Ring: -1, Detail: polygonName(pi, multi) + " has no rings"})
			continue
		}
		for ri, r := range p {
			k := len(rings)
			name := ringName(pi, ri, multi)
			info := ringInfo{poly: pi, index: ri}
			if bad, at := firstNonFinite(r); bad {
				problems = append(problems, Problem{Kind: ProblemNaNOrInf, Ring: k,
					Detail: fmt.Sprintf("%s: point %d has a coordinate that is not a finite number", name, at)})
				rings = append(rings, info)
				continue
			}
			if at := firstOutOfRange(r); at >= 0 {
				problems = append(problems, Problem{Kind: ProblemOutOfRange, Ring: k,
					Detail: fmt.Sprintf("%s: point %d (%v, %v) is not a longitude, latitude pair (are they swapped, or projected metres?)", name, at, r[at][0], r[at][1])})
				rings = append(rings, info)
				continue
			}
			if len(r) > 0 && r[0] != r[len(r)-1] {
				problems = append(problems, Problem{Kind: ProblemUnclosedRing, Ring: k,
					Detail: fmt.Sprintf("%s: the last point differs from the first, so the ring is not closed", name)})
			}
			info.pts = distinctCorners(r)
			if len(info.pts) < 3 {
				problems = append(problems, Problem{Kind: ProblemTooFewPoints, Ring: k,
					Detail: fmt.Sprintf("%s has %d distinct corners; a ring needs at least 3", name, len(info.pts))})
			} else {
				info.usable = true
			}
			rings = append(rings, info)
		}
	}

	return append(problems, checkRings(rings, multi)...)
}

// ringName names a ring the way a person looking at the map would. Each
// name is one format, so that it can be worded in other languages whole.
func ringName(poly, ring int, multi bool) string {
	switch {
	case !multi && ring == 0:
		return "outer ring"
	case !multi:
		return fmt.Sprintf("hole %d", ring)
	case ring == 0:
		return fmt.Sprintf("outer ring of polygon %d", poly)
	default:
		return fmt.Sprintf("hole %d of polygon %d", ring, poly)
	}
}

// polygonName names a polygon, counted from 0 in a MultiPolygon.
func polygonName(poly int, multi bool) string {
	if multi {
		return fmt.Sprintf("polygon %d", poly)
	}
	return "the polygon"
}

func firstNonFinite(r orb.Ring) (bool, int) {
	for i, p := range r {
		if !finite(p[0]) || !finite(p[1]) {
			return true, i
		}
	}
	return false, 0
}

func firstOutOfRange(r orb.Ring) int {
	for i, p := range r {
		if p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
			return i
		}
	}
	return -1
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// distinctCorners drops consecutive repeated positions and the closing
// position, leaving the cycle of corners. Repeats carry no shape and would
// otherwise show up as zero-length edges touching their neighbours.
func distinctCorners(r orb.Ring) []orb.Point {
	out := make([]orb.Point, 0, len(r))
	for _, p := range r {
		if len(out) == 0 || out[len(out)-1] != p {
			out = append(out, p)
		}
	}
	for len(out) > 1 && out[len(out)-1] == out[0] {
		out = out[:len(out)-1]
	}
	return out
}

// Normalize returns g as a MultiPolygon with rings closed, repeated consecutive points dropped and RFC 7946 winding, plus Check(g, 0)'s problems.
func Normalize(g orb.Geometry) (orb.MultiPolygon, []Problem) {
	problems := Check(g, 0)
	var mp orb.MultiPolygon
	switch g := g.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		mp = g
	default:
		return nil, problems
	}
	// Ring numbering is kept (no ring is dropped, even a degenerate one) so that
	// Problem.Ring points at the same ring in the input and the output.
	out := make(orb.MultiPolygon, len(mp))
	for pi, p := range mp {
		out[pi] = make(orb.Polygon, len(p))
		for ri, r := range p {
			if bad, _ := firstNonFinite(r); bad {
				out[pi][ri] = r.Clone()
				continue
			}
			pts := distinctCorners(r)
			ring := make(orb.Ring, 0, len(pts)+1)
			ring = append(ring, pts...)
			if len(pts) > 0 {
				ring = append(ring, pts[0])
			}
			// Winding is fixed silently: it carries no information that
			// clients agree on (shapefiles wind the other way), and
			// RFC 7946 asks for counter-clockwise outer rings and clockwise
			// holes.
			a := signedArea(ring)
			if (ri == 0 && a < 0) || (ri > 0 && a > 0) {
				ring.Reverse()
			}
			out[pi][ri] = ring
		}
	}
	return out, problems
}

// signedArea is the shoelace area in degrees², positive for counter-clockwise
// rings. Coordinates are taken relative to the first point so that the
// products stay small and precise.
func signedArea(r orb.Ring) float64 {
	if len(r) < 3 {
		return 0
	}
	o := r[0]
	var s float64
	for i := 1; i+1 < len(r); i++ {
		s += (r[i][0]-o[0])*(r[i+1][1]-o[1]) - (r[i+1][0]-o[0])*(r[i][1]-o[1])
	}
	return s / 2
}
