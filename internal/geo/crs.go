package geo

import (
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
)

// CRS names the coordinate reference system that a client's coordinates are in.
type CRS string

// The coordinate systems the API accepts; everything is stored as WGS84.
const (
	WGS84 CRS = "wgs84"
	GCJ02 CRS = "gcj02"
)

// crsAlias maps every accepted spelling (lower case) to its CRS. CGCS2000
// (EPSG:4490), China's official datum, agrees with WGS-84 to a few
// centimetres, far below the precision of any boundary or phone fix, so it is
// treated as WGS-84 rather than converted.
func crsAlias(s string) (CRS, bool) {
	switch s {
	case "wgs84", "wgs-84", "epsg:4326", "crs84", "cgcs2000", "epsg:4490":
		return WGS84, true
	case "gcj02", "gcj-02":
		return GCJ02, true
	}
	return "", false
}

// ParseCRS reads a CRS name case-insensitively: wgs84, gcj02, and the aliases epsg:4326, crs84, cgcs2000, epsg:4490.
func ParseCRS(s string) (CRS, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	if c, ok := crsAlias(name); ok {
		return c, nil
	}
	if strings.HasPrefix(name, "bd09") {
		return "", fmt.Errorf("coordinate system %q (Baidu) is not supported: send wgs84 or gcj02", s)
	}
	return "", fmt.Errorf("unknown coordinate system %q: want wgs84 (also cgcs2000, epsg:4326) or gcj02", s)
}

// String returns the canonical name.
func (c CRS) String() string { return string(c) }

// Valid reports whether c is one of the constants WGS84 or GCJ02.
func (c CRS) Valid() bool { return c == WGS84 || c == GCJ02 }

// The published GCJ-02 constants: the Krasovsky 1940 ellipsoid's semi-major
// axis and first eccentricity squared. They only scale the offset; the result
// is still read as a WGS-84 coordinate.
const (
	gcjA  = 6378245.0
	gcjEE = 0.00669342162296594323
)

// OutOfChina reports whether a point lies outside the rectangle (72.004–137.8347°E, 0.8293–55.8271°N) where GCJ-02 differs from WGS-84.
func OutOfChina(lng, lat float64) bool {
	// Written as negations so that NaN counts as outside (no offset applied).
	return !(lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271)
}

// gcjOffset returns the GCJ-02 offset (degrees of longitude, latitude) that
// the published algorithm adds at a WGS-84 point, without the OutOfChina test.
func gcjOffset(lng, lat float64) (dLng, dLat float64) {
	x, y := lng-105.0, lat-35.0
	dLat = transformLat(x, y)
	dLng = transformLng(x, y)
	radLat := lat / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - gcjEE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((gcjA * (1 - gcjEE)) / (magic * sqrtMagic) * math.Pi)
	dLng = (dLng * 180.0) / (gcjA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return dLng, dLat
}

func transformLat(x, y float64) float64 {
	r := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	r += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	return r
}

func transformLng(x, y float64) float64 {
	r := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	r += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	return r
}

// WGS84ToGCJ02 applies the published GCJ-02 offset; outside China it returns the point unchanged.
func WGS84ToGCJ02(lng, lat float64) (float64, float64) {
	if OutOfChina(lng, lat) {
		return lng, lat
	}
	dLng, dLat := gcjOffset(lng, lat)
	return lng + dLng, lat + dLat
}

// gcjInverseTolerance is how closely the forward transform of the inverse
// must reproduce the input: 1e-9° is about 0.1 mm, far below any survey.
const gcjInverseTolerance = 1e-9

// gcjInverseMaxIter bounds the fixed-point iteration. The offset changes by
// well under 1% of a step per step (its derivative is tiny compared with 1),
// so each iteration gains two or more digits and 3–5 suffice; the bound only
// guards against inputs where the iteration cannot settle (NaN, huge values).
const gcjInverseMaxIter = 30

// GCJ02ToWGS84 inverts WGS84ToGCJ02 exactly (to 1e-9°) by fixed-point iteration; outside China it returns the point unchanged.
func GCJ02ToWGS84(lng, lat float64) (float64, float64) {
	if OutOfChina(lng, lat) {
		return lng, lat
	}
	// Solve w + offset(w) = g for w. The one-step approximation w = g −
	// offset(g) is off by up to a few metres because the offset varies; the
	// iteration w ← w − (f(w) − g) is a contraction here and converges to the
	// exact preimage. The offset is applied without the OutOfChina test so that
	// points within a few hundred metres of the rectangle's edge still have a
	// preimage; those edges lie in the sea or abroad, far from any grid.
	wLng, wLat := lng, lat
	for range gcjInverseMaxIter {
		dLng, dLat := gcjOffset(wLng, wLat)
		eLng := wLng + dLng - lng
		eLat := wLat + dLat - lat
		if math.Abs(eLng) < gcjInverseTolerance && math.Abs(eLat) < gcjInverseTolerance {
			break
		}
		wLng -= eLng
		wLat -= eLat
	}
	return wLng, wLat
}

// PointError is a refused coordinate pair. Axis names the coordinate at
// fault, "lng" or "lat", so that a form or a file can point at that field or
// column; it is empty when the pair is refused as a whole.
type PointError struct {
	Axis   string
	Reason string
}

func (e *PointError) Error() string { return e.Reason }

// ValidatePoint refuses a coordinate that is not finite, lies outside [-180,180]×[-90,90], or, for GCJ-02, lies outside China.
// The error is a *PointError.
func ValidatePoint(lng, lat float64, crs CRS) error {
	refuse := func(axis, format string, args ...any) error {
		return &PointError{Axis: axis, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case math.IsNaN(lng) || math.IsInf(lng, 0):
		return refuse("lng", "longitude is not a finite number (%v)", lng)
	case math.IsNaN(lat) || math.IsInf(lat, 0):
		return refuse("lat", "latitude is not a finite number (%v)", lat)
	case lng < -180 || lng > 180:
		return refuse("lng", "longitude %v is outside -180..180 (are longitude and latitude swapped?)", lng)
	case lat < -90 || lat > 90:
		return refuse("lat", "latitude %v is outside -90..90 (are longitude and latitude swapped?)", lat)
	}
	switch crs {
	case WGS84:
		return nil
	case GCJ02:
		if OutOfChina(lng, lat) {
			return refuse("", "point (%v, %v) is outside China, where GCJ-02 coordinates do not exist (longitude 72.004..137.8347, latitude 0.8293..55.8271)", lng, lat)
		}
		return nil
	default:
		return refuse("", "unknown coordinate system %q", string(crs))
	}
}

// ToWGS84 returns a converted deep copy of g after validating every point in crs; Bound is refused because its image is not a rectangle.
func ToWGS84(crs CRS, g orb.Geometry) (orb.Geometry, error) {
	if !crs.Valid() {
		return nil, fmt.Errorf("convert to WGS-84: unknown coordinate system %q", string(crs))
	}
	if g == nil {
		return nil, fmt.Errorf("convert to WGS-84: no geometry")
	}
	if hasBound(g) {
		return nil, fmt.Errorf("convert to WGS-84: a bounding box cannot be converted exactly; convert the geometry it bounds")
	}
	n := 0
	var firstErr error
	eachPoint(g, func(p orb.Point) bool {
		if err := ValidatePoint(p[0], p[1], crs); err != nil {
			firstErr = fmt.Errorf("convert to WGS-84: point %d: %w", n, err)
			return false
		}
		n++
		return true
	})
	if firstErr != nil {
		return nil, firstErr
	}
	out := orb.Clone(g)
	if crs == GCJ02 {
		out = walkPoints(out, func(p orb.Point) orb.Point {
			lng, lat := GCJ02ToWGS84(p[0], p[1])
			return orb.Point{lng, lat}
		})
	}
	return out, nil
}

// FromWGS84 returns a deep copy of g converted from WGS-84 into crs (a Bound by its two corners); it panics on an unknown crs.
func FromWGS84(crs CRS, g orb.Geometry) orb.Geometry {
	// The CRS comes from ParseCRS or a constant, so an unknown one is a
	// programming error, not bad input; there is no error to return.
	if !crs.Valid() {
		panic(fmt.Sprintf("geo.FromWGS84: unknown coordinate system %q", string(crs)))
	}
	if g == nil {
		return nil
	}
	out := orb.Clone(g)
	if crs == WGS84 {
		return out
	}
	return walkPoints(out, func(p orb.Point) orb.Point {
		lng, lat := WGS84ToGCJ02(p[0], p[1])
		return orb.Point{lng, lat}
	})
}

// walkPoints replaces every point of g by fn(point), in place where g has
// backing arrays, and returns the result (Point and Bound are values). A
// Bound's two corners are mapped, which is exact only for fn that keeps axes
// apart; callers that need exactness refuse Bound before calling.
func walkPoints(g orb.Geometry, fn func(orb.Point) orb.Point) orb.Geometry {
	switch g := g.(type) {
	case orb.Point:
		return fn(g)
	case orb.MultiPoint:
		for i := range g {
			g[i] = fn(g[i])
		}
		return g
	case orb.LineString:
		for i := range g {
			g[i] = fn(g[i])
		}
		return g
	case orb.Ring:
		for i := range g {
			g[i] = fn(g[i])
		}
		return g
	case orb.MultiLineString:
		for _, ls := range g {
			walkPoints(ls, fn)
		}
		return g
	case orb.Polygon:
		for _, r := range g {
			walkPoints(r, fn)
		}
		return g
	case orb.MultiPolygon:
		for _, p := range g {
			walkPoints(p, fn)
		}
		return g
	case orb.Collection:
		for i := range g {
			if g[i] != nil {
				g[i] = walkPoints(g[i], fn)
			}
		}
		return g
	case orb.Bound:
		return orb.Bound{Min: fn(g.Min), Max: fn(g.Max)}
	}
	return g
}

// eachPoint calls fn with every point of g in order until fn returns false;
// it reports whether it visited them all. It never writes to g.
func eachPoint(g orb.Geometry, fn func(orb.Point) bool) bool {
	switch g := g.(type) {
	case orb.Point:
		return fn(g)
	case orb.MultiPoint:
		for _, p := range g {
			if !fn(p) {
				return false
			}
		}
	case orb.LineString:
		for _, p := range g {
			if !fn(p) {
				return false
			}
		}
	case orb.Ring:
		for _, p := range g {
			if !fn(p) {
				return false
			}
		}
	case orb.MultiLineString:
		for _, ls := range g {
			if !eachPoint(ls, fn) {
				return false
			}
		}
	case orb.Polygon:
		for _, r := range g {
			if !eachPoint(r, fn) {
				return false
			}
		}
	case orb.MultiPolygon:
		for _, p := range g {
			if !eachPoint(p, fn) {
				return false
			}
		}
	case orb.Collection:
		for _, c := range g {
			if c != nil && !eachPoint(c, fn) {
				return false
			}
		}
	case orb.Bound:
		return fn(g.Min) && fn(g.Max)
	}
	return true
}

// hasBound reports whether g is or contains an orb.Bound.
func hasBound(g orb.Geometry) bool {
	switch g := g.(type) {
	case orb.Bound:
		return true
	case orb.Collection:
		for _, c := range g {
			if hasBound(c) {
				return true
			}
		}
	}
	return false
}
