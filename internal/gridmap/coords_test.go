package gridmap_test

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/gridmap"
)

func featureCollection(features ...string) string {
	return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
}

func TestBadCoordinatesAreRefused(t *testing.T) {
	polygon := func(coords string) string {
		return `{"type":"Feature","properties":{"code":"990101","name":"x"},"geometry":{"type":"Polygon","coordinates":` + coords + `}}`
	}
	cases := []struct {
		name, feature, want string
	}{
		{"null longitude", polygon(`[[[124.79,46.175],[null,46.175],[124.80,46.185],[124.79,46.175]]]`), "coordinate 1 of ring 0: the longitude is null"},
		{"null latitude", polygon(`[[[124.79,46.175],[124.8,46.175],[124.80,null],[124.79,46.175]]]`), "coordinate 2 of ring 0: the latitude is null"},
		{"string", polygon(`[[[124.79,46.175],["124.8",46.175],[124.80,46.185],[124.79,46.175]]]`), `coordinate 1 of ring 0: the longitude is "124.8"`},
		{"one number", polygon(`[[[124.79,46.175],[124.8],[124.80,46.185],[124.79,46.175]]]`), "coordinate 1 of ring 0 has 1 numbers"},
		{"four numbers", polygon(`[[[124.79,46.175],[124.8,46.175,0,0],[124.80,46.185],[124.79,46.175]]]`), "coordinate 1 of ring 0 has 4 numbers"},
		{"null position", polygon(`[[[124.79,46.175],null,[124.80,46.185],[124.79,46.175]]]`), "coordinate 1 of ring 0 is not an array"},
		{"second ring", polygon(`[[[124.7,46.1],[124.9,46.1],[124.9,46.3],[124.7,46.1]],[[124.79,46.175],[124.8,null],[124.80,46.185],[124.79,46.175]]]`), "coordinate 1 of ring 1"},
		{"multipolygon", `{"type":"Feature","properties":{"code":"990101"},"geometry":{"type":"MultiPolygon","coordinates":[[[[124.79,46.175],[124.8,46.175],[124.80,46.185],[124.79,46.175]]],[[[124.79,46.175],[124.8,46.175],[124.80,{}],[124.79,46.175]]]]}}`, "coordinate 2 of ring 0 of polygon 1: the latitude is {}"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			items, err := gridmap.ParseRegions(strings.NewReader(featureCollection(tc.feature)), gridmap.ParseOptions{CRS: geo.WGS84})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(items[0].Err, tc.want) {
				t.Fatalf("region: err = %q, want %q", items[0].Err, tc.want)
			}
			overlays, rejected, err := gridmap.ParseOverlays(strings.NewReader(featureCollection(tc.feature)), "police", geo.WGS84)
			if err != nil || len(overlays) != 0 || len(rejected) != 1 || rejected[0].Code != "990101" || !strings.Contains(rejected[0].Reason, tc.want) {
				t.Fatalf("overlay: %v rejected %+v, %v; want %q", overlays, rejected, err, tc.want)
			}
		})
	}
	// An altitude is ignored.
	items, _ := gridmap.ParseRegions(strings.NewReader(featureCollection(polygon(`[[[124.79,46.175,150],[124.8,46.175,150],[124.80,46.185,151.5],[124.79,46.175,150]]]`))), gridmap.ParseOptions{CRS: geo.WGS84})
	if items[0].Err != "" || len(items[0].Region.Boundary) != 1 {
		t.Fatalf("polygon with altitudes: %+v", items[0])
	}

	stations := []struct{ coords, want string }{
		{`[null,46.2]`, "the point: the longitude is null"},
		{`[124.79]`, "has 1 numbers"},
		{`"124.79,46.2"`, "not an array of numbers"},
	}
	for _, tc := range stations {
		text := featureCollection(`{"type":"Feature","properties":{"code":"S1","name":"驿站"},"geometry":{"type":"Point","coordinates":` + tc.coords + `}}`)
		got, rejected, err := gridmap.ParseStations(strings.NewReader(text), geo.WGS84)
		if err == nil && len(got) == 0 && len(rejected) == 1 && rejected[0].Code == "S1" && strings.Contains(rejected[0].Reason, tc.want) {
			continue
		}
		t.Errorf("station at %s: %+v rejected %+v, %v; want %q", tc.coords, got, rejected, err, tc.want)
	}
}

// FuzzParseFeature feeds one feature to each parser: whatever is accepted has
// finite coordinates within the ranges of WGS-84 (what is stored), and within
// reach of China when it came as GCJ-02.
func FuzzParseFeature(f *testing.F) {
	f.Add([]byte(`{"type":"Feature","properties":{"code":"990101","name":"x"},"geometry":{"type":"Polygon","coordinates":[[[124.79,46.175],[124.8,46.175],[124.80,46.185],[124.79,46.175]]]}}`), false)
	f.Add([]byte(`{"type":"Feature","properties":{"code":"990101","name":"x"},"geometry":{"type":"Polygon","coordinates":[[[124.79,46.175],[null,46.175],[124.80,46.185],[124.79,46.175]]]}}`), true)
	f.Add([]byte(`{"type":"Feature","properties":{"code":"990101","name":"x"},"geometry":{"type":"MultiPolygon","coordinates":[[[[124.79,46.175,3],[124.8,46.175],[124.80,46.185],[124.79,46.175]]]]}}`), true)
	f.Add([]byte(`{"type":"Feature","properties":{"code":"S1","name":"x"},"geometry":{"type":"Point","coordinates":[124.79,46.2]}}`), false)
	f.Add([]byte(`{"type":"Feature","properties":{"code":"S1","name":"x"},"geometry":{"type":"Point","coordinates":[124.79]}}`), true)
	f.Fuzz(func(t *testing.T, feature []byte, gcj bool) {
		crs := geo.WGS84
		if gcj {
			crs = geo.GCJ02
		}
		check := func(parser string, p orb.Point) {
			if err := geo.ValidatePoint(p[0], p[1], geo.WGS84); err != nil {
				t.Fatalf("%s accepted %v: %v", parser, p, err)
			}
			// GCJ-02 differs from WGS-84 by well under a tenth of a degree.
			if crs == geo.GCJ02 && (p[0] < 71.9 || p[0] > 137.9 || p[1] < 0.7 || p[1] > 55.9) {
				t.Fatalf("%s accepted %v from GCJ-02, outside China", parser, p)
			}
		}
		checkAll := func(parser string, mp orb.MultiPolygon) {
			for _, poly := range mp {
				for _, ring := range poly {
					for _, p := range ring {
						check(parser, p)
					}
				}
			}
		}
		text := `{"type":"FeatureCollection","features":[` + string(feature) + `]}`
		if items, err := gridmap.ParseRegions(strings.NewReader(text), gridmap.ParseOptions{CRS: crs}); err == nil {
			for _, it := range items {
				if it.Err == "" {
					checkAll("ParseRegions", it.Region.Boundary)
				}
			}
		}
		if overlays, _, err := gridmap.ParseOverlays(bytes.NewReader([]byte(text)), "police", crs); err == nil {
			for _, o := range overlays {
				checkAll("ParseOverlays", o.Boundary)
			}
		}
		if stations, _, err := gridmap.ParseStations(strings.NewReader(text), crs); err == nil {
			for _, st := range stations {
				if math.IsNaN(st.Location[0]) {
					t.Fatal("station at NaN")
				}
				check("ParseStations", st.Location)
			}
		}
	})
}
