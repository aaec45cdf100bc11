package geo

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"
	"pgregory.net/rapid"
)

// Published test vectors of the GCJ-02 algorithm (the eviltransform
// project's Shanghai, Shenzhen and Beijing points, and the coordtransform
// project's Beijing example), as longitude, latitude.
var gcjVectors = []struct {
	name           string
	wgsLng, wgsLat float64
	gcjLng, gcjLat float64
}{
	{name: "shanghai", wgsLng: 121.5272106, wgsLat: 31.1774276, gcjLng: 121.531541859215, gcjLat: 31.17530398364597},
	{name: "shenzhen", wgsLng: 113.912316, wgsLat: 22.543847, gcjLng: 113.9171764808363, gcjLat: 22.540796131694766},
	{name: "beijing", wgsLng: 116.377817, wgsLat: 39.911954, gcjLng: 116.38404722455657, gcjLat: 39.91334545536069},
	{name: "beijing coordtransform", wgsLng: 116.404, wgsLat: 39.915, gcjLng: 116.41024449916938, gcjLat: 39.91640428150164},
}

func TestWGS84ToGCJ02PublishedVectors(t *testing.T) {
	for _, v := range gcjVectors {
		t.Run(v.name, func(t *testing.T) {
			lng, lat := WGS84ToGCJ02(v.wgsLng, v.wgsLat)
			if math.Abs(lng-v.gcjLng) > 1e-12 || math.Abs(lat-v.gcjLat) > 1e-12 {
				t.Errorf("WGS84ToGCJ02(%v, %v) = (%.15f, %.15f), want (%.15f, %.15f)", v.wgsLng, v.wgsLat, lng, lat, v.gcjLng, v.gcjLat)
			}
			// The vectors' WGS side has 7 decimals; the exact inverse must find it.
			wl, wt := GCJ02ToWGS84(v.gcjLng, v.gcjLat)
			if math.Abs(wl-v.wgsLng) > 1e-9 || math.Abs(wt-v.wgsLat) > 1e-9 {
				t.Errorf("GCJ02ToWGS84(%v, %v) = (%.12f, %.12f), want (%v, %v)", v.gcjLng, v.gcjLat, wl, wt, v.wgsLng, v.wgsLat)
			}
		})
	}
}

// The common one-step inverse (w = g − offset(g)) is what the exact inverse
// replaces: coordtransform publishes gcj02towgs84(116.404, 39.915) =
// (116.39775550083061, 39.91359571849836), whose forward transform misses
// the input by about 6 cm.
func TestGCJ02ToWGS84BeatsOneStep(t *testing.T) {
	const gLng, gLat = 116.404, 39.915
	oneLng, oneLat := 116.39775550083061, 39.91359571849836
	fl, ft := WGS84ToGCJ02(oneLng, oneLat)
	oneStepMiss := DistanceM(orb.Point{fl, ft}, orb.Point{gLng, gLat})
	wl, wt := GCJ02ToWGS84(gLng, gLat)
	fl, ft = WGS84ToGCJ02(wl, wt)
	if math.Abs(fl-gLng) > gcjInverseTolerance || math.Abs(ft-gLat) > gcjInverseTolerance {
		t.Errorf("forward of exact inverse = (%.12f, %.12f), want (%v, %v) within 1e-9", fl, ft, gLng, gLat)
	}
	exactMiss := DistanceM(orb.Point{fl, ft}, orb.Point{gLng, gLat})
	if oneStepMiss < 0.01 || exactMiss > 1e-3 {
		t.Errorf("one-step misses by %.4f m, exact by %.6f m; want the exact inverse far better", oneStepMiss, exactMiss)
	}
}

func TestOutOfChina(t *testing.T) {
	tests := []struct {
		name     string
		lng, lat float64
		want     bool
	}{
		{"daqing", 125.1, 46.6, false},
		{"beijing", 116.4, 39.9, false},
		{"urumqi", 87.6, 43.8, false},
		{"sanya", 109.5, 18.25, false},
		{"west edge", 72.004, 40, false},
		{"east edge", 137.8347, 40, false},
		{"just west", 72.0039, 40, true},
		{"just north", 120, 55.8272, true},
		{"denver", -104.9903, 39.7392, true},
		{"tokyo", 139.69, 35.69, true},
		{"london", -0.1276, 51.5072, true},
		{"NaN", math.NaN(), 40, true},
	}
	for _, tt := range tests {
		if got := OutOfChina(tt.lng, tt.lat); got != tt.want {
			t.Errorf("%s: OutOfChina(%v, %v) = %v, want %v", tt.name, tt.lng, tt.lat, got, tt.want)
		}
	}
}

// drawChinaPoint draws from the OutOfChina rectangle shrunk by 0.02° (over
// 1 km), so that a point and its shifted image are both inside it.
func drawChinaPoint(t *rapid.T) (float64, float64) {
	lng := rapid.Float64Range(72.004+0.02, 137.8347-0.02).Draw(t, "lng")
	lat := rapid.Float64Range(0.8293+0.02, 55.8271-0.02).Draw(t, "lat")
	return lng, lat
}

func TestGCJRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		lng, lat := drawChinaPoint(t)
		gl, gt := WGS84ToGCJ02(lng, lat)
		bl, bt := GCJ02ToWGS84(gl, gt)
		if math.Abs(bl-lng) > 1e-7 || math.Abs(bt-lat) > 1e-7 {
			t.Fatalf("WGS→GCJ→WGS: (%v, %v) came back as (%v, %v)", lng, lat, bl, bt)
		}
		// And the other way: any GCJ-02 point has an exact WGS-84 preimage.
		wl, wt := GCJ02ToWGS84(lng, lat)
		fl, ft := WGS84ToGCJ02(wl, wt)
		if math.Abs(fl-lng) > 1e-7 || math.Abs(ft-lat) > 1e-7 {
			t.Fatalf("GCJ→WGS→GCJ: (%v, %v) came back as (%v, %v)", lng, lat, fl, ft)
		}
	})
}

// Boxes that lie wholly inside mainland China: Heilongjiang–Jilin, the North
// China plain, the south-east, Tibet–Qinghai and Xinjiang. (The OutOfChina
// rectangle also covers Mongolia, Korea and the sea, where the offset is
// defined but means nothing.)
var mainlandBoxes = []orb.Bound{
	{Min: orb.Point{123, 43}, Max: orb.Point{130, 48}},
	{Min: orb.Point{110, 34}, Max: orb.Point{120, 41}},
	{Min: orb.Point{104, 23}, Max: orb.Point{117, 30}},
	{Min: orb.Point{80, 29}, Max: orb.Point{95, 35}},
	{Min: orb.Point{80, 37}, Max: orb.Point{90, 45}},
}

func TestGCJOffsetMagnitudeProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := rapid.SampledFrom(mainlandBoxes).Draw(t, "box")
		lng := rapid.Float64Range(b.Min[0], b.Max[0]).Draw(t, "lng")
		lat := rapid.Float64Range(b.Min[1], b.Max[1]).Draw(t, "lat")
		gl, gt := WGS84ToGCJ02(lng, lat)
		d := DistanceM(orb.Point{lng, lat}, orb.Point{gl, gt})
		if d < 100 || d > 700 {
			t.Fatalf("offset at (%v, %v) is %.1f m, want 100–700 m", lng, lat, d)
		}
	})
}

func TestGCJIdentityOutsideChinaProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		lng := rapid.Float64Range(-180, 180).Draw(t, "lng")
		lat := rapid.Float64Range(-90, 90).Draw(t, "lat")
		if !OutOfChina(lng, lat) {
			return
		}
		if gl, gt := WGS84ToGCJ02(lng, lat); gl != lng || gt != lat {
			t.Fatalf("WGS84ToGCJ02(%v, %v) = (%v, %v) outside China", lng, lat, gl, gt)
		}
		if wl, wt := GCJ02ToWGS84(lng, lat); wl != lng || wt != lat {
			t.Fatalf("GCJ02ToWGS84(%v, %v) = (%v, %v) outside China", lng, lat, wl, wt)
		}
	})
}

func TestParseCRS(t *testing.T) {
	tests := []struct {
		in      string
		want    CRS
		wantErr string
	}{
		{in: "wgs84", want: WGS84},
		{in: "WGS84", want: WGS84},
		{in: " WGS-84 ", want: WGS84},
		{in: "EPSG:4326", want: WGS84},
		{in: "epsg:4490", want: WGS84},
		{in: "CGCS2000", want: WGS84},
		{in: "crs84", want: WGS84},
		{in: "gcj02", want: GCJ02},
		{in: "GCJ-02", want: GCJ02},
		{in: "", wantErr: "unknown coordinate system"},
		{in: "bd09", wantErr: "Baidu"},
		{in: "BD09LL", wantErr: "Baidu"},
		{in: "epsg:3857", wantErr: "unknown coordinate system"},
		{in: "wgs84x", wantErr: "unknown coordinate system"},
	}
	for _, tt := range tests {
		got, err := ParseCRS(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseCRS(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseCRS(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestValidatePoint(t *testing.T) {
	tests := []struct {
		name     string
		lng, lat float64
		crs      CRS
		wantErr  string // empty: valid
		axis     string // the coordinate at fault, if one is
	}{
		{"daqing wgs", 125.1, 46.6, WGS84, "", ""},
		{"daqing gcj", 125.1, 46.6, GCJ02, "", ""},
		{"london wgs", -0.1276, 51.5072, WGS84, "", ""},
		{"corner", 180, -90, WGS84, "", ""},
		{"london gcj", -0.1276, 51.5072, GCJ02, "outside China", ""},
		{"NaN lng", math.NaN(), 46, WGS84, "longitude is not a finite number", "lng"},
		{"Inf lat", 125, math.Inf(-1), WGS84, "latitude is not a finite number", "lat"},
		{"lng range", 181, 46, WGS84, "longitude 181 is outside -180..180", "lng"},
		{"lat range", 125, 91, WGS84, "latitude 91 is outside -90..90", "lat"},
		{"swapped", 46.6, 125.1, GCJ02, "latitude 125.1 is outside -90..90 (are longitude and latitude swapped?)", "lat"},
		{"unknown crs", 125, 46, CRS("bd09"), "unknown coordinate system", ""},
	}
	for _, tt := range tests {
		err := ValidatePoint(tt.lng, tt.lat, tt.crs)
		var pe *PointError
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: ValidatePoint = %v, want nil", tt.name, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: ValidatePoint = %v, want error containing %q", tt.name, err, tt.wantErr)
		case tt.wantErr != "" && (!errors.As(err, &pe) || pe.Axis != tt.axis):
			t.Errorf("%s: ValidatePoint = %#v, want a *PointError on axis %q", tt.name, err, tt.axis)
		}
	}
}

func TestToWGS84EveryGeometryType(t *testing.T) {
	p := orb.Point{125.1, 46.6}
	q := orb.Point{125.2, 46.7}
	r := orb.Ring{p, {125.2, 46.6}, q, p}
	geoms := []orb.Geometry{
		p,
		orb.MultiPoint{p, q},
		orb.LineString{p, q},
		orb.MultiLineString{{p, q}, {q, p}},
		r,
		orb.Polygon{r},
		orb.MultiPolygon{{r}, {r}},
		orb.Collection{p, orb.LineString{p, q}, orb.Polygon{r}},
	}
	for _, g := range geoms {
		t.Run(g.GeoJSONType(), func(t *testing.T) {
			before := orb.Clone(g)
			got, err := ToWGS84(GCJ02, g)
			if err != nil {
				t.Fatal(err)
			}
			if !orb.Equal(g, before) {
				t.Fatal("ToWGS84 changed its input")
			}
			if got.GeoJSONType() != g.GeoJSONType() {
				t.Fatalf("type %s became %s", g.GeoJSONType(), got.GeoJSONType())
			}
			var in, out []orb.Point
			eachPoint(g, func(p orb.Point) bool { in = append(in, p); return true })
			eachPoint(got, func(p orb.Point) bool { out = append(out, p); return true })
			if len(in) != len(out) {
				t.Fatalf("%d points became %d", len(in), len(out))
			}
			for i := range in {
				wl, wt := GCJ02ToWGS84(in[i][0], in[i][1])
				if out[i] != (orb.Point{wl, wt}) {
					t.Fatalf("point %d: got %v, want %v", i, out[i], orb.Point{wl, wt})
				}
			}
			back := FromWGS84(GCJ02, got)
			i := 0
			eachPoint(back, func(p orb.Point) bool {
				if math.Abs(p[0]-in[i][0]) > 1e-8 || math.Abs(p[1]-in[i][1]) > 1e-8 {
					t.Errorf("round trip of point %d: %v became %v", i, in[i], p)
				}
				i++
				return true
			})
			same, err := ToWGS84(WGS84, g)
			if err != nil || !orb.Equal(same, g) {
				t.Errorf("ToWGS84(WGS84) = %v, %v; want an unchanged copy", same, err)
			}
		})
	}
}

func TestToWGS84Refusals(t *testing.T) {
	tests := []struct {
		name    string
		crs     CRS
		g       orb.Geometry
		wantErr string
	}{
		{"outside china", GCJ02, orb.LineString{{125, 46}, {-0.1, 51.5}}, "point 1: point (-0.1, 51.5) is outside China"},
		{"NaN", WGS84, orb.Polygon{{{125, 46}, {math.NaN(), 46}, {125, 47}, {125, 46}}}, "point 1: longitude is not a finite number"},
		{"bound", GCJ02, orb.Bound{Min: orb.Point{125, 46}, Max: orb.Point{126, 47}}, "bounding box"},
		{"bound in collection", WGS84, orb.Collection{orb.Bound{}}, "bounding box"},
		{"nil", WGS84, nil, "no geometry"},
		{"unknown crs", CRS("WGS84"), orb.Point{125, 46}, "unknown coordinate system"},
	}
	for _, tt := range tests {
		_, err := ToWGS84(tt.crs, tt.g)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: ToWGS84 error = %v, want one containing %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestFromWGS84(t *testing.T) {
	if got := FromWGS84(GCJ02, nil); got != nil {
		t.Errorf("FromWGS84(nil) = %v", got)
	}
	b := orb.Bound{Min: orb.Point{125, 46}, Max: orb.Point{125.1, 46.1}}
	got := FromWGS84(GCJ02, b).(orb.Bound)
	l, t0 := WGS84ToGCJ02(125, 46)
	if got.Min != (orb.Point{l, t0}) {
		t.Errorf("bound min = %v, want %v", got.Min, orb.Point{l, t0})
	}
	defer func() {
		if recover() == nil {
			t.Error("FromWGS84 with an unknown CRS did not panic")
		}
	}()
	FromWGS84(CRS("nope"), orb.Point{1, 2})
}

func FuzzParseCRS(f *testing.F) {
	for _, s := range []string{"wgs84", "GCJ02", "epsg:4326", "cgcs2000", "bd09", "", " gcj-02\t", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCRS(s)
		if err != nil {
			if c != "" {
				t.Fatalf("ParseCRS(%q) returned %q with error %v", s, c, err)
			}
			return
		}
		if !c.Valid() {
			t.Fatalf("ParseCRS(%q) = %q, not a valid CRS", s, c)
		}
		// The canonical name parses to itself.
		if again, err := ParseCRS(c.String()); err != nil || again != c {
			t.Fatalf("ParseCRS(%q) = %q, %v", c.String(), again, err)
		}
	})
}

func FuzzPointConversion(f *testing.F) {
	f.Add(125.1, 46.6)
	f.Add(-0.1, 51.5)
	f.Add(72.004, 0.8293)
	f.Add(137.8347, 55.8271)
	f.Add(math.NaN(), 1.0)
	f.Add(math.Inf(1), math.Inf(-1))
	f.Add(1e308, -1e308)
	f.Fuzz(func(t *testing.T, lng, lat float64) {
		wgsErr := ValidatePoint(lng, lat, WGS84)
		gcjErr := ValidatePoint(lng, lat, GCJ02)
		if wgsErr != nil && gcjErr == nil {
			t.Fatalf("(%v, %v) valid in GCJ-02 but not WGS-84: %v", lng, lat, wgsErr)
		}
		gl, gt := WGS84ToGCJ02(lng, lat)
		wl, wt := GCJ02ToWGS84(lng, lat)
		if wgsErr != nil {
			return // nothing is promised for non-coordinates beyond not panicking
		}
		for _, v := range []float64{gl, gt, wl, wt} {
			if !finite(v) {
				t.Fatalf("(%v, %v) converted to a non-finite value: %v %v %v %v", lng, lat, gl, gt, wl, wt)
			}
		}
		if gcjErr == nil {
			// Within about 0.01° of the rectangle's edge the preimage lies
			// outside it, where the forward transform is the identity; the
			// iteration still converges there.
			fl, ft := WGS84ToGCJ02(wl, wt)
			if !OutOfChina(wl, wt) && (math.Abs(fl-lng) > 1e-7 || math.Abs(ft-lat) > 1e-7) {
				t.Fatalf("GCJ→WGS→GCJ: (%v, %v) came back as (%v, %v)", lng, lat, fl, ft)
			}
		}
		g, err := ToWGS84(GCJ02, orb.Point{lng, lat})
		if (err == nil) != (gcjErr == nil) {
			t.Fatalf("ToWGS84 error %v disagrees with ValidatePoint %v", err, gcjErr)
		}
		if err == nil && !cmp.Equal(g, orb.Point{wl, wt}) {
			t.Fatalf("ToWGS84 = %v, want %v", g, orb.Point{wl, wt})
		}
	})
}
