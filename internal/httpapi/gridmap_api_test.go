package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/geo"
)

func box(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}
}

// mapFile outlines the fixture's regions (newEnv creates the tree) and adds
// two grids to the village 230602001001.
func mapFile() string {
	fc := geojson.NewFeatureCollection()
	add := func(code, name, level, parent string, p orb.Polygon) {
		f := geojson.NewFeature(p)
		f.Properties = geojson.Properties{"code": code, "name": name, "level": level}
		if parent != "" {
			f.Properties["parent_code"] = parent
		}
		fc.Append(f)
	}
	add("230600", "大庆市", "city", "", box(124.8, 46.4, 125.4, 46.8))
	add("230602", "萨尔图区", "county", "230600", box(124.8, 46.4, 125.4, 46.8))
	add("230602001", "萨尔图街道", "township", "230602", box(124.8, 46.4, 125.1, 46.8))
	add("230602002", "铁人街道", "township", "230602", box(125.1, 46.4, 125.4, 46.8))
	add("230602001001", "友谊社区", "village", "230602001", box(124.8, 46.4, 125.1, 46.8))
	add("230602001001001", "友谊第一网格", "grid", "230602001001", box(124.8, 46.4, 124.95, 46.8))
	add("230602001001002", "友谊第二网格", "grid", "230602001001", box(124.95, 46.4, 125.1, 46.8))
	b, _ := json.Marshal(fc)
	return string(b)
}

func (c *client) upload(path string, fields map[string]string, file string) resp {
	c.e.t.Helper()
	return c.uploadNamed(path, fields, "regions.geojson", file)
}

func (c *client) uploadNamed(path string, fields map[string]string, name, file string) resp {
	c.e.t.Helper()
	return c.uploadWith(path, nil, fields, name, file)
}

func (c *client) uploadWith(path string, header http.Header, fields map[string]string, name, file string) resp {
	c.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if file != "" {
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = io.WriteString(fw, file)
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", c.e.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-CSRF-Token", c.csrf)
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

func TestGridMapAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{withMap: true})
		e.user("admin1", auth.RoleAdmin, "")
		e.user("tieren", auth.RoleCenter, "230602002")
		admin := e.loggedIn("admin1")

		// Bad uploads are refused naming the field, and store nothing.
		wantProblem(t, admin.upload("/api/v1/regions/import", map[string]string{"crs": "wgs84"}, ""), 400, "invalid", "file")
		wantProblem(t, admin.upload("/api/v1/regions/import", map[string]string{"crs": "mars"}, mapFile()), 400, "invalid", "crs")
		wantProblem(t, admin.upload("/api/v1/regions/import", nil, "not geojson"), 400, "invalid", "file")
		wantProblem(t, admin.upload("/api/v1/regions/import", nil, `{"type":"FeatureCollection","features":[`+strings.Repeat(" ", 70<<10)+`]}`), 400, "invalid", "file")
		wantProblem(t, admin.upload("/api/v1/regions/import", map[string]string{"colour": "red"}, mapFile()), 400, "invalid", "colour")
		broken := strings.Replace(mapFile(), `"parent_code":"230602001001"`, `"parent_code":"230602009001"`, 1)
		r := admin.upload("/api/v1/regions/import", map[string]string{"crs": "wgs84"}, broken)
		if r.status != 422 || !strings.Contains(string(r.body), `"rejected":[{"index":5`) {
			t.Fatalf("all-or-nothing refusal: %d %s", r.status, r.body)
		}
		r = admin.upload("/api/v1/regions/import", map[string]string{"crs": "wgs84", "partial": "false"}, mapFile())
		if r.status != 200 || r.json(t)["created"] != float64(2) || r.json(t)["updated"] != float64(5) {
			t.Fatalf("import: %d %s", r.status, r.body)
		}
		worker := e.loggedIn("tieren")
		wantProblem(t, worker.upload("/api/v1/regions/import", nil, mapFile()), 403, "forbidden", "")

		// Locate, in WGS-84 and in GCJ-02.
		loc := admin.do("GET", "/api/v1/locate?lng=124.9&lat=46.6", "").json(t)
		if loc["grid"].(map[string]any)["code"] != "230602001001001" || len(loc["chain"].([]any)) != 5 {
			t.Fatalf("locate = %v", loc)
		}
		glng, glat := geo.WGS84ToGCJ02(125.0, 46.6)
		loc = admin.do("GET", fmt.Sprintf("/api/v1/locate?lng=%f&lat=%f&crs=gcj02", glng, glat), "").json(t)
		if loc["grid"].(map[string]any)["code"] != "230602001001002" {
			t.Fatalf("gcj02 locate = %v", loc)
		}
		for _, q := range []string{"lng=abc&lat=46", "lng=124.9&lat=91", "lng=NaN&lat=46", "lng=2&lat=46&crs=gcj02", "lng=124.9&lat=46.6&crs=bd09"} {
			r := admin.do("GET", "/api/v1/locate?"+q, "")
			if r.status != 400 {
				t.Fatalf("locate?%s: %d %s", q, r.status, r.body)
			}
		}
		batch := admin.do("POST", "/api/v1/locate", `{"points":[[124.9,46.6],[125.2,46.6],[100,30]]}`).json(t)["items"].([]any)
		if len(batch) != 3 || batch[2].(map[string]any)["grid"] != nil {
			t.Fatalf("batch = %v", batch)
		}
		wantProblem(t, admin.do("POST", "/api/v1/locate", `{"points":[]}`), 400, "invalid", "points")
		wantProblem(t, admin.do("POST", "/api/v1/locate", `{"points":[[124.9,95]]}`), 400, "invalid", "points[0]")

		// Detail, search, geometry, export, check.
		det := admin.do("GET", "/api/v1/regions/230602001001002", "").json(t)
		if len(det["chain"].([]any)) != 5 || det["kind"] != "comprehensive" || det["area_m2"] == nil {
			t.Fatalf("detail = %v", det)
		}
		found := admin.do("GET", "/api/v1/regions/search?q=友谊", "").json(t)["items"].([]any)
		if len(found) != 3 {
			t.Fatalf("search = %v", found)
		}
		g := admin.do("GET", "/api/v1/regions/230602001001002/geometry", "")
		if g.status != 200 || g.header.Get("Content-Type") != "application/geo+json" {
			t.Fatalf("geometry: %d %s", g.status, g.body)
		}
		ex := admin.do("GET", "/api/v1/regions/230602001/export?crs=gcj02", "")
		if fc, err := geojson.UnmarshalFeatureCollection(ex.body); err != nil || len(fc.Features) != 4 {
			t.Fatalf("export: %v %d", err, len(fc.Features))
		}
		exported := admin.do("GET", "/api/v1/audit?action=region.export", "").json(t)["items"].([]any)
		if len(exported) != 1 {
			t.Fatalf("export audit = %v", exported)
		}
		if en := exported[0].(map[string]any); en["target_id"] != "230602001" || en["outcome"] != "ok" ||
			en["detail"].(map[string]any)["regions"] != float64(4) || en["detail"].(map[string]any)["crs"] != "gcj02" {
			t.Fatalf("export audit = %v", en)
		}
		chk := admin.do("GET", "/api/v1/regions/230602/check", "").json(t)
		if sum := chk["summary"].(map[string]any); sum["with_gaps"] != float64(0) || sum["with_overlaps"] != float64(0) {
			t.Fatalf("check summary = %v", sum)
		}

		// Scope: the Tieren township user cannot see or check Sartu street.
		wantProblem(t, worker.do("GET", "/api/v1/regions/230602001001001", ""), 404, "not_found", "")
		wantProblem(t, worker.do("GET", "/api/v1/regions/230602001/check", ""), 404, "not_found", "")
		wantProblem(t, worker.do("GET", "/api/v1/regions/230602001/export", ""), 404, "not_found", "")
		if got := worker.do("GET", "/api/v1/regions/search?q=友谊", "").json(t)["items"].([]any); len(got) != 0 {
			t.Fatalf("out-of-scope search results: %v", got)
		}
		if l := worker.do("GET", "/api/v1/locate?lng=124.9&lat=46.6", "").json(t); l["in_scope"] != false {
			t.Fatalf("locate outside scope = %v", l)
		}

		// Tiles decode and respect scope.
		tile := admin.do("GET", "/api/v1/map/tiles/11/1734/723.mvt?layers=county,grid", "")
		if tile.status != 200 || tile.header.Get("Content-Type") != "application/vnd.mapbox-vector-tile" {
			t.Fatalf("tile: %d %s", tile.status, tile.body)
		}
		if _, err := mvt.Unmarshal(tile.body); err != nil {
			t.Fatalf("tile does not decode: %v", err)
		}
		wantProblem(t, admin.do("GET", "/api/v1/map/tiles/11/1734/723.mvt?layers=roads", ""), 400, "invalid", "layers")
		wantProblem(t, admin.do("GET", "/api/v1/map/tiles/31/0/0.mvt", ""), 400, "invalid", "z")
		wantProblem(t, admin.do("GET", "/api/v1/map/tiles/a/0/0.mvt", ""), 400, "invalid", "z")
		// Overlays and stations.
		police := geojson.NewFeatureCollection()
		pf := geojson.NewFeature(box(124.8, 46.4, 124.95, 46.6))
		pf.Properties = geojson.Properties{"code": "P001", "name": "第一警务区"}
		police.Append(pf)
		pb, _ := json.Marshal(police)
		wantProblem(t, admin.upload("/api/v1/overlays/import", map[string]string{"layer": "Police!"}, string(pb)), 400, "invalid", "layer")
		if r := admin.upload("/api/v1/overlays/import", map[string]string{"layer": "police"}, string(pb)); r.status != 200 || r.json(t)["created"] != float64(1) {
			t.Fatalf("overlay import: %d %s", r.status, r.body)
		}
		det = admin.do("GET", "/api/v1/regions/230602001001001", "").json(t)
		ov := det["overlays"].([]any)
		if len(ov) != 1 || ov[0].(map[string]any)["code"] != "P001" || ov[0].(map[string]any)["share"].(float64) < 0.49 {
			t.Fatalf("grid overlays = %v", ov)
		}
		stFile := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"S009","name":"第二驿站"},"geometry":{"type":"Point","coordinates":[125.0,46.5]}}]}`
		if r := admin.upload("/api/v1/stations/import", map[string]string{"crs": "wgs84"}, stFile); r.status != 200 || r.json(t)["created"] != float64(1) {
			t.Fatalf("station import: %d %s", r.status, r.body)
		}
		badSt := strings.Replace(stFile, `"Point","coordinates":[125.0,46.5]`, `"LineString","coordinates":[[125,46],[125.1,46]]`, 1)
		if r := admin.upload("/api/v1/stations/import", nil, badSt); r.status != 422 || !strings.Contains(string(r.body), "a station is a Point") {
			t.Fatalf("bad station file: %d %s", r.status, r.body)
		}
		st := admin.do("POST", "/api/v1/stations", `{"code":"S001","name":"友谊驿站","address":"友谊路1号","opening_hours":"08:30-17:30","lng":124.9,"lat":46.5}`)
		if st.status != 201 || st.json(t)["grid_code"] != "230602001001001" {
			t.Fatalf("create station: %d %s", st.status, st.body)
		}
		wantProblem(t, admin.do("POST", "/api/v1/stations", `{"code":"S002","name":"野外驿站","lng":100,"lat":30}`), 400, "invalid", "lng")
		wantProblem(t, admin.do("POST", "/api/v1/stations", `{"code":"S003","name":"x","lng":124.9,"lat":146}`), 400, "invalid", "lat")
		if items := admin.do("GET", "/api/v1/stations?region=230602001", "").json(t)["items"].([]any); len(items) != 2 {
			t.Fatalf("stations = %v", items)
		}
		if items := worker.do("GET", "/api/v1/stations", "").json(t)["items"].([]any); len(items) != 0 {
			t.Fatalf("out-of-scope stations listed: %v", items)
		}
		if l := admin.do("GET", "/api/v1/locate?lng=124.9&lat=46.55", "").json(t); l["nearest_station"].(map[string]any)["code"] != "S001" || len(l["overlays"].(map[string]any)["police"].([]any)) != 1 {
			t.Fatalf("locate with overlay and station = %v", l)
		}

		cfg := admin.do("GET", "/api/v1/map/config", "").json(t)
		if bbox, _ := cfg["bbox"].([]any); len(bbox) != 4 {
			t.Fatalf("map config = %v", cfg)
		}
	})
}
