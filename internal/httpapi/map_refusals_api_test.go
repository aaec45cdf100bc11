package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// The map's writes and lookups refuse what they cannot read as meant,
// naming the field, rather than reading it as something else: a station's
// code, text and missing coordinate, a point that is not two numbers, a
// yes-or-no that is neither.
func TestMapRefusesMalformedInput(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{withMap: true})
		e.user("admin1", auth.RoleAdmin, "")
		admin := e.loggedIn("admin1")
		if r := admin.upload("/api/v1/regions/import", nil, mapFile()); r.status != 200 {
			t.Fatalf("map: %d %s", r.status, r.body)
		}
		for _, tc := range []struct{ name, body, field string }{
			{"code with a space and '!'", `{"code":"S QA!","name":"驿站","lng":124.9,"lat":46.5}`, "code"},
			{"a name of 300 characters", `{"code":"S1","name":"` + strings.Repeat("驿", 300) + `","lng":124.9,"lat":46.5}`, "name"},
			{"markup in the opening hours", `{"code":"S1","name":"驿站","opening_hours":"<b>","lng":124.9,"lat":46.5}`, "opening_hours"},
			{"no lng", `{"code":"S1","name":"驿站","lat":46.5}`, "lng"},
			{"no lat", `{"code":"S1","name":"驿站","lng":124.9}`, "lat"},
			{"an unknown grid", `{"code":"S1","name":"驿站","lng":124.9,"lat":46.5,"grid_code":"230602001001099"}`, "grid_code"},
			{"a point in another grid", `{"code":"S1","name":"驿站","lng":125.0,"lat":46.5,"grid_code":"230602001001001"}`, "grid_code"},
		} {
			t.Run("station/"+tc.name, func(t *testing.T) {
				wantProblem(t, admin.do("POST", "/api/v1/stations", tc.body), 400, "invalid", tc.field)
			})
		}
		// A missing longitude is missing, not 0 and so outside every grid.
		r := admin.do("POST", "/api/v1/stations", `{"code":"S1","name":"驿站","lat":46.5}`)
		if errs, _ := r.json(t)["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["reason"] != "is required" {
			t.Fatalf("no lng: %s", r.body)
		}
		// A grid given with the location must hold it, in a file as in a
		// single station.
		inOther := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"S2","name":"驿站","grid_code":"230602001001001"},"geometry":{"type":"Point","coordinates":[125.0,46.5]}}]}`
		r = admin.upload("/api/v1/stations/import", nil, inOther)
		if rej, _ := r.json(t)["rejected"].([]any); r.status != 422 || len(rej) != 1 || rej[0].(map[string]any)["field"] != "grid_code" ||
			rej[0].(map[string]any)["reason"] != "the location (lng, lat) lies outside grid 230602001001001; give the grid that holds it, or leave grid_code out" {
			t.Fatalf("a point in another grid: %d %s", r.status, r.body)
		}
		if r := admin.upload("/api/v1/stations/import", nil, strings.Replace(inOther, "230602001001001", "230602001001002", 1)); r.status != 200 {
			t.Fatalf("a point in its grid: %d %s", r.status, r.body)
		}
		if r := admin.do("POST", "/api/v1/stations", `{"code":"S-1_a","name":"友谊驿站","opening_hours":"08:30-17:30","lng":124.9,"lat":46.5}`); r.status != 201 {
			t.Fatalf("a good station: %d %s", r.status, r.body)
		}

		for _, tc := range []struct{ name, points, field string }{
			{"one number", `[[124.7]]`, "points[0]"},
			{"three numbers", `[[124.9, 46.5], [124.7, 46.5, 3]]`, "points[1]"},
			{"a null", `[[124.7, null]]`, "points[0]"},
			{"a string", `[["124.7", 46.5]]`, "points[0]"},
			{"not an array", `[{"lng": 124.7, "lat": 46.5}]`, "points[0]"},
		} {
			t.Run("locate/"+tc.name, func(t *testing.T) {
				wantProblem(t, admin.do("POST", "/api/v1/locate", `{"points":`+tc.points+`}`), 400, "invalid", tc.field)
			})
		}
		if r := admin.do("POST", "/api/v1/locate", `{"points":[[124.9, 46.5]]}`); r.status != 200 {
			t.Fatalf("locate a good point: %d %s", r.status, r.body)
		}

		wantProblem(t, admin.upload("/api/v1/regions/import", map[string]string{"partial": "maybe"}, mapFile()), 400, "invalid", "partial")
		wantProblem(t, admin.upload("/api/v1/regions/import?partial=maybe", nil, mapFile()), 400, "invalid", "partial")
		if r := admin.upload("/api/v1/regions/import?partial=true", nil, mapFile()); r.status != 200 {
			t.Fatalf("partial import: %d %s", r.status, r.body)
		}
	})
}

// An overlay's code follows a station's rule, and an overlay network serves
// the city's grids: a polygon that lies mostly outside the city is refused,
// one that runs past its edge in places is taken.
func TestOverlayImportRefusesABadCodeAndAPolygonOutsideTheCity(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{withMap: true})
		e.user("admin1", auth.RoleAdmin, "")
		admin := e.loggedIn("admin1")
		if r := admin.upload("/api/v1/regions/import", nil, mapFile()); r.status != 200 {
			t.Fatalf("map: %d %s", r.status, r.body)
		}
		overlay := func(code string, minLng, minLat, maxLng, maxLat float64) string {
			return fmt.Sprintf(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":%q,"name":"警务区"},`+
				`"geometry":{"type":"Polygon","coordinates":[[[%[2]g,%[3]g],[%[4]g,%[3]g],[%[4]g,%[5]g],[%[2]g,%[5]g],[%[2]g,%[3]g]]]}}]}`,
				code, minLng, minLat, maxLng, maxLat)
		}
		for _, tc := range []struct{ name, file, english, chinese string }{
			{"code", overlay("QA P6!", 124.9, 46.5, 125.0, 46.6),
				"code must be 1-64 letters, digits, '_' or '-'", "编码须为 1 至 64 个字母、数字、“_”或“-”"},
			{"in Paris", overlay("P6", 2.3, 48.8, 2.4, 48.9),
				"P6 lies outside the city: 0.0% of its area is inside the city's regions, more than 50% must be",
				"P6 位于本市之外：只有 0.0% 的面积在本市区划内，须超过 50%"},
			{"mostly outside", overlay("P7", 125.3, 46.5, 125.6, 46.6),
				"P7 lies outside the city: 33.3% of its area is inside the city's regions, more than 50% must be",
				"P7 位于本市之外：只有 33.3% 的面积在本市区划内，须超过 50%"},
		} {
			for _, lang := range []struct{ accept, want string }{{"en", tc.english}, {"zh-CN", tc.chinese}} {
				r := admin.uploadWith("/api/v1/overlays/import", http.Header{"Accept-Language": {lang.accept}}, map[string]string{"layer": "police"}, "p.geojson", tc.file)
				rejected, _ := r.json(t)["rejected"].([]any)
				if r.status != 422 || len(rejected) != 1 {
					t.Fatalf("%s: %d %s", tc.name, r.status, r.body)
				}
				if got := rejected[0].(map[string]any)["reason"]; got != lang.want {
					t.Errorf("%s %s: reason %q, want %q", tc.name, lang.accept, got, lang.want)
				}
			}
		}
		// Two thirds inside: a district that runs past the city's edge.
		if r := admin.upload("/api/v1/overlays/import", map[string]string{"layer": "police"}, overlay("P8", 125.2, 46.5, 125.5, 46.6)); r.status != 200 || r.json(t)["created"] != float64(1) {
			t.Fatalf("an overlay mostly inside: %d %s", r.status, r.body)
		}
	})
}
