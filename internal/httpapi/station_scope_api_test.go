package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/paulmach/orb/geojson"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// TestStationScopeAPI holds that a township administrator cannot rename or
// move, by creating or importing a station of the same code, a station stored
// in another township, and is not told where it is.
func TestStationScopeAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{withMap: true})
		e.user("admin1", auth.RoleAdmin, "")
		e.user("adm2", auth.RoleAdmin, "230602002")
		admin := e.loggedIn("admin1")
		if r := admin.upload("/api/v1/regions/import", map[string]string{"crs": "wgs84"}, mapFile()); r.status != 200 {
			t.Fatalf("import: %d %s", r.status, r.body)
		}
		tieren := geojson.NewFeatureCollection()
		for _, f := range []struct{ code, name, level, parent string }{
			{"230602002001", "铁人社区", "village", "230602002"},
			{"230602002001001", "铁人第一网格", "grid", "230602002001"},
		} {
			gf := geojson.NewFeature(box(125.1, 46.4, 125.4, 46.8))
			gf.Properties = geojson.Properties{"code": f.code, "name": f.name, "level": f.level, "parent_code": f.parent}
			tieren.Append(gf)
		}
		tb, _ := json.Marshal(tieren)
		if r := admin.upload("/api/v1/regions/import", map[string]string{"crs": "wgs84"}, string(tb)); r.status != 200 {
			t.Fatalf("import Tieren: %d %s", r.status, r.body)
		}
		if r := admin.do("POST", "/api/v1/stations", `{"code":"S001","name":"友谊驿站","lng":124.9,"lat":46.5}`); r.status != 201 {
			t.Fatalf("create S001: %d %s", r.status, r.body)
		}
		adm2 := e.loggedIn("adm2")

		cases := []struct {
			name   string
			do     func() resp
			status int
			want   string
		}{
			{"create over another township's station", func() resp {
				return adm2.do("POST", "/api/v1/stations", `{"code":"S001","name":"x","lng":125.2,"lat":46.5}`)
			}, 409, `"field":"code"`},
			{"import over another township's station", func() resp {
				return adm2.upload("/api/v1/stations/import", nil, `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"S001","name":"x","address":"y","grid_code":"230602002001001"},"geometry":{"type":"Point","coordinates":[125.2,46.5]}}]}`)
			}, 422, `"code":"S001","reason":"station S001 exists outside your area"`},
			// Overlay layers span the city: only a deployment-wide administrator imports them.
			{"import overlays", func() resp {
				return adm2.upload("/api/v1/overlays/import", map[string]string{"layer": "police"}, `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"P1","name":"x"},"geometry":{"type":"Polygon","coordinates":[[[125.2,46.5],[125.3,46.5],[125.3,46.6],[125.2,46.5]]]}}]}`)
			}, 403, `"forbidden"`},
			{"create in own township", func() resp {
				return adm2.do("POST", "/api/v1/stations", `{"code":"S100","name":"铁人驿站","lng":125.2,"lat":46.5}`)
			}, 201, `"grid_code":"230602002001001"`},
			{"update in own township", func() resp {
				return adm2.do("POST", "/api/v1/stations", `{"code":"S100","name":"铁人新驿站","lng":125.25,"lat":46.5}`)
			}, 200, `"name":"铁人新驿站"`},
		}
		for _, tc := range cases {
			r := tc.do()
			if r.status != tc.status || !strings.Contains(string(r.body), tc.want) {
				t.Fatalf("%s: %d %s; want %d with %s", tc.name, r.status, r.body, tc.status, tc.want)
			}
			if strings.Contains(string(r.body), "230602001") {
				t.Fatalf("%s: the refusal says where the station is: %s", tc.name, r.body)
			}
		}
		items := admin.do("GET", "/api/v1/stations?region=230602001", "").json(t)["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["name"] != "友谊驿站" || items[0].(map[string]any)["grid_code"] != "230602001001001" {
			t.Fatalf("the other township's station changed: %v", items)
		}
	})
}
