package httpapi_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// The reasons a map import gives for the features it rejects follow the
// reader's language as a problem's do: Chinese when asked for, English
// otherwise, the region code and the points kept.
func TestMapImportReasonsFollowTheLanguage(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{withMap: true})
		e.user("admin1", auth.RoleAdmin, "")
		admin := e.loggedIn("admin1")
		if r := admin.upload("/api/v1/regions/import", nil, mapFile()); r.status != 200 {
			t.Fatalf("map: %d %s", r.status, r.body)
		}
		// A bowtie: its outline crosses itself.
		bowtie := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"230602001001003","name":"蝴蝶网格","level":"grid","parent_code":"230602001001"},` +
			`"geometry":{"type":"Polygon","coordinates":[[[124.9,46.5],[125.0,46.6],[125.0,46.5],[124.9,46.6],[124.9,46.5]]]}}]}`
		english := regexp.MustCompile(`[A-Za-z]{3,}`)
		for _, tc := range []struct {
			accept  string
			chinese bool
		}{{"zh-CN,zh;q=0.9", true}, {"en", false}, {"", false}} {
			r := admin.uploadWith("/api/v1/regions/import", http.Header{"Accept-Language": {tc.accept}}, nil, "regions.geojson", bowtie)
			if r.status != 422 {
				t.Fatalf("%q: %d %s", tc.accept, r.status, r.body)
			}
			rejected, _ := r.json(t)["rejected"].([]any)
			if len(rejected) != 1 {
				t.Fatalf("%q: rejected %s", tc.accept, r.body)
			}
			reason := rejected[0].(map[string]any)["reason"].(string)
			if got := english.MatchString(reason); got == tc.chinese {
				t.Errorf("Accept-Language %q: reason %q", tc.accept, reason)
			}
			if tc.chinese && !strings.Contains(reason, "自相交") {
				t.Errorf("Accept-Language %q: reason %q does not say the outline crosses itself", tc.accept, reason)
			}
			if !strings.Contains(r.header.Get("Vary"), "Accept-Language") {
				t.Errorf("Accept-Language %q: Vary = %q", tc.accept, r.header.Get("Vary"))
			}
		}
	})
}

// A feature that is no GeoJSON feature is refused in words of the map's
// own, worded in Chinese too, never in the GeoJSON library's or the JSON
// decoder's, which the Chinese would carry over in English.
func TestMapImportRefusesAFeatureInItsOwnWords(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{withMap: true})
		e.user("admin1", auth.RoleAdmin, "")
		admin := e.loggedIn("admin1")
		if r := admin.upload("/api/v1/regions/import", nil, mapFile()); r.status != 200 {
			t.Fatalf("map: %d %s", r.status, r.body)
		}
		square := `{"type":"Polygon","coordinates":[[[124.9,46.5],[125.0,46.5],[125.0,46.6],[124.9,46.5]]]}`
		props := `{"code":"230602001001003","name":"第三网格","level":"grid","parent_code":"230602001001"}`
		for _, tc := range []struct{ name, feature, english, chinese string }{
			{"type", `{"type":"NotAFeature","properties":` + props + `,"geometry":` + square + `}`,
				`not a GeoJSON feature: "type" must be "Feature", got "NotAFeature"`, `不是 GeoJSON 要素："type" 须为 "Feature"，收到的是 "NotAFeature"`},
			{"no object", `[1, 2]`, "not a GeoJSON feature: a feature must be a JSON object", "不是 GeoJSON 要素：要素须为 JSON 对象"},
			{"properties", `{"type":"Feature","properties":[1],"geometry":` + square + `}`,
				`not a GeoJSON feature: "properties" must be an object or null`, `不是 GeoJSON 要素："properties" 须为对象或 null`},
			{"geometry type", `{"type":"Feature","properties":` + props + `,"geometry":{"type":"Circle","coordinates":[124.9,46.5]}}`,
				`not a GeoJSON feature: geometry type "Circle" is not a GeoJSON geometry type (Point, MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon or GeometryCollection)`,
				`不是 GeoJSON 要素：几何类型 "Circle" 不是 GeoJSON 的几何类型（Point、MultiPoint、LineString、MultiLineString、Polygon、MultiPolygon 或 GeometryCollection）`},
			{"geometry", `{"type":"Feature","properties":` + props + `,"geometry":"Polygon"}`,
				`not a GeoJSON feature: "geometry" must be an object or null`, `不是 GeoJSON 要素："geometry" 须为对象或 null`},
			{"bbox", `{"type":"Feature","bbox":"x","properties":` + props + `,"geometry":` + square + `}`,
				`not a GeoJSON feature: "bbox" must be an array of numbers`, `不是 GeoJSON 要素："bbox" 须为由数字组成的数组`},
		} {
			file := `{"type":"FeatureCollection","features":[` + tc.feature + `]}`
			for _, path := range []string{"/api/v1/regions/import", "/api/v1/overlays/import?layer=police", "/api/v1/stations/import"} {
				for _, lang := range []struct{ accept, want string }{{"en", tc.english}, {"zh-CN", tc.chinese}} {
					r := admin.uploadWith(path, http.Header{"Accept-Language": {lang.accept}}, nil, "map.geojson", file)
					rejected, _ := r.json(t)["rejected"].([]any)
					if r.status != 422 || len(rejected) != 1 {
						t.Fatalf("%s %s: %d %s", tc.name, path, r.status, r.body)
					}
					if got := rejected[0].(map[string]any)["reason"]; got != lang.want {
						t.Errorf("%s %s %s: reason %q, want %q", tc.name, path, lang.accept, got, lang.want)
					}
				}
			}
		}
	})
}
