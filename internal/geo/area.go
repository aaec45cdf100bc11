package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// WGS-84 ellipsoid.
const (
	wgsA = 6378137.0
	wgsF = 1 / 298.257223563
)

// authalic holds the constants of the sphere with the same surface area as the
// WGS-84 ellipsoid, onto which latitudes are mapped without changing areas.
type authalic struct {
	e, e2, qp, r float64
}

func wgs84Authalic() authalic {
	e2 := wgsF * (2 - wgsF)
	au := authalic{e: math.Sqrt(e2), e2: e2}
	au.qp = au.q(1)
	au.r = wgsA * math.Sqrt(au.qp/2)
	return au
}

// q is the q function of Snyder's Map Projections (eq. 3-12) at sin φ.
func (au authalic) q(sinPhi float64) float64 {
	es := au.e * sinPhi
	return (1 - au.e2) * (sinPhi/(1-es*es) - 1/(2*au.e)*math.Log((1-es)/(1+es)))
}

// sinBeta is the sine of the authalic latitude at geodetic latitude lat
// (degrees): the height on the equal-area sphere, in units of its radius.
func (au authalic) sinBeta(lat float64) float64 {
	return au.q(math.Sin(lat*math.Pi/180)) / au.qp
}

// meanSinBeta is the mean of sinBeta − s0 along an edge whose latitude runs
// linearly from lat0 to lat1. The integrand is smooth, so four Gauss–Legendre
// nodes are exact to rounding for edges shorter than many degrees.
func (au authalic) meanSinBeta(lat0, lat1, s0 float64) float64 {
	// Four-point Gauss–Legendre nodes and weights on [-1, 1].
	nodes := [4]float64{-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526}
	weights := [4]float64{0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538}
	mid, half := (lat0+lat1)/2, (lat1-lat0)/2
	var m float64
	for k, x := range nodes {
		m += weights[k] * (au.sinBeta(mid+half*x) - s0)
	}
	return m / 2
}

// AreaM2 is the exact area in m² on the WGS-84 ellipsoid (outer rings minus holes) with edges straight in longitude/latitude, as the overlays draw them.
func AreaM2(mp orb.MultiPolygon) float64 {
	au := wgs84Authalic()
	var total float64
	for _, p := range mp {
		for i, r := range p {
			a := math.Abs(ringAreaM2(au, r))
			if i == 0 {
				total += a
			} else {
				total -= a
			}
		}
	}
	return total
}

// ringAreaM2 is the signed area (m², positive counter-clockwise) enclosed by
// r on the ellipsoid when its edges are straight lines in (longitude,
// latitude).
//
// The ellipsoid's area element is dA = R² d(sin β) dλ on the sphere of equal
// area (β the authalic latitude, R its radius), so by Green's theorem the
// area is −R² ∮ sin β dλ: along each edge, Δλ times the mean of sin β over
// the edge. This is exact for the region the edges bound, not an
// approximation of the ellipsoid: a 1°×1° cell is right to 1e-12.
//
// Edges are taken straight in longitude/latitude, not as geodesics, because
// that is what the overlay operations (Coverage, Intersection) compute with:
// areas are then additive, so a polygon and the pieces an overlay cuts it
// into measure the same and an exact tiling reports exactly no gap. It is
// also what a boundary drawn on a flat web map means: a street drawn due east
// follows the parallel, which a geodesic bows away from by L²·tan φ/(8R), 2 cm
// over 1 km at 46°N. An edge of length L therefore moves the area by at most
// L³·tan φ/(12R) against PostGIS geography or GeographicLib (13 m² for a 1 km
// edge, 1e-5 of a 1°×1° cell); rectangles along the parallels agree better,
// since opposite edges bow the same way.
//
// A constant s0 is subtracted from sin β (Σ Δλ is zero around a ring, so the
// sum is unchanged); it keeps the terms small so small rings lose no digits.
// Rings must not enclose a pole.
func ringAreaM2(au authalic, r orb.Ring) float64 {
	n := len(r)
	if n < 3 {
		return 0
	}
	if r[0] == r[n-1] {
		n-- // the closing point repeats the first
	}
	s0 := au.sinBeta(r[0][1])
	var sum float64
	for i := range n {
		a, b := r[i], r[(i+1)%n]
		// The longitude difference is taken in degrees, where nearby values
		// subtract exactly, and wrapped so an edge never goes the long way
		// round the globe.
		dl := math.Remainder(b[0]-a[0], 360) * math.Pi / 180
		sum += dl * au.meanSinBeta(a[1], b[1], s0)
	}
	return -sum * au.r * au.r
}

// DistanceM is the geodesic distance in metres on the WGS-84 ellipsoid (Vincenty's inverse formula, sub-millimetre).
func DistanceM(a, b orb.Point) float64 {
	if d, ok := vincenty(a, b); ok {
		return d
	}
	// Vincenty's iteration fails only for nearly antipodal points, thousands
	// of kilometres beyond any use here; the sphere is within 0.5% there.
	return haversine(a, b)
}

func vincenty(p1, p2 orb.Point) (float64, bool) {
	const b = wgsA * (1 - wgsF)
	rad := math.Pi / 180
	L := math.Remainder(p2[0]-p1[0], 360) * rad
	U1 := math.Atan((1 - wgsF) * math.Tan(p1[1]*rad))
	U2 := math.Atan((1 - wgsF) * math.Tan(p2[1]*rad))
	sinU1, cosU1 := math.Sincos(U1)
	sinU2, cosU2 := math.Sincos(U2)

	lambda := L
	var sinSigma, cosSigma, sigma, cos2Alpha, cos2SigmaM float64
	converged := false
	for range 200 {
		sinL, cosL := math.Sincos(lambda)
		x := cosU2 * sinL
		y := cosU1*sinU2 - sinU1*cosU2*cosL
		sinSigma = math.Sqrt(x*x + y*y)
		if sinSigma == 0 {
			return 0, true // same point
		}
		cosSigma = sinU1*sinU2 + cosU1*cosU2*cosL
		sigma = math.Atan2(sinSigma, cosSigma)
		sinAlpha := cosU1 * cosU2 * sinL / sinSigma
		cos2Alpha = 1 - sinAlpha*sinAlpha
		cos2SigmaM = 0 // on the equator
		if cos2Alpha != 0 {
			cos2SigmaM = cosSigma - 2*sinU1*sinU2/cos2Alpha
		}
		C := wgsF / 16 * cos2Alpha * (4 + wgsF*(4-3*cos2Alpha))
		prev := lambda
		lambda = L + (1-C)*wgsF*sinAlpha*(sigma+C*sinSigma*(cos2SigmaM+C*cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)))
		if math.Abs(lambda-prev) < 1e-12 {
			converged = true
			break
		}
	}
	if !converged || math.IsNaN(lambda) {
		return 0, false
	}
	u2 := cos2Alpha * (wgsA*wgsA - b*b) / (b * b)
	A := 1 + u2/16384*(4096+u2*(-768+u2*(320-175*u2)))
	B := u2 / 1024 * (256 + u2*(-128+u2*(74-47*u2)))
	c2 := cos2SigmaM * cos2SigmaM
	dSigma := B * sinSigma * (cos2SigmaM + B/4*(cosSigma*(-1+2*c2)-B/6*cos2SigmaM*(-3+4*sinSigma*sinSigma)*(-3+4*c2)))
	return b * A * (sigma - dSigma), true
}

// haversine is the great-circle distance on the sphere of mean radius R1.
func haversine(a, b orb.Point) float64 {
	const r1 = 6371008.8
	rad := math.Pi / 180
	dLat := (b[1] - a[1]) * rad
	dLng := math.Remainder(b[0]-a[0], 360) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a[1]*rad)*math.Cos(b[1]*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * r1 * math.Asin(math.Min(1, math.Sqrt(h)))
}

// Bound is g's bounding box in degrees; nil gives orb's empty bound.
func Bound(g orb.Geometry) orb.Bound {
	if g == nil {
		return orb.MultiPolygon(nil).Bound()
	}
	return g.Bound()
}
