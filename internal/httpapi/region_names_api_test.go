package httpapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// A department's staff, whose account has no region scope, read the name
// and place in the tree of any region, so that the events they handle show
// names rather than codes; nothing more: no outline, area, overlays,
// stations or registry counts. Others read regions as before.
func TestDepartmentReadsRegionNames(t *testing.T) {
	for _, withMap := range []bool{true, false} {
		t.Run(fmt.Sprintf("map=%t", withMap), func(t *testing.T) {
			dbtest.Engines(t, func(t *testing.T, d *db.DB) {
				e := newEnv(t, d, options{withMap: withMap})
				e.user("admin1", auth.RoleAdmin, "")
				e.user("center1", auth.RoleCenter, "230602001")
				e.department("230602-urban")
				e.user("urban1", auth.RoleDepartment, "230602-urban")
				e.user("resident1", auth.RoleResident, "")
				code, name := "230602001001", "友谊社区"
				if withMap {
					if r := e.loggedIn("admin1").upload("/api/v1/regions/import", nil, mapFile()); r.status != 200 {
						t.Fatalf("map: %d %s", r.status, r.body)
					}
					code, name = "230602001001001", "友谊第一网格"
				}
				urban, center := e.loggedIn("urban1"), e.loggedIn("center1")

				for _, tc := range []struct{ code, name, level string }{
					{code, name, map[bool]string{true: "grid", false: "village"}[withMap]},
					{"230602001", "萨尔图街道", "township"},
					{"230602002", "铁人街道", "township"}, // beyond any center's scope here
				} {
					r := urban.do("GET", "/api/v1/regions/"+tc.code, "")
					if r.status != 200 {
						t.Fatalf("%s: %d %s", tc.code, r.status, r.body)
					}
					got := r.json(t)
					var keys []string
					for k := range got {
						keys = append(keys, k)
					}
					slices.Sort(keys)
					if strings.Join(keys, ",") != "chain,code,level,name,parent_code,path" {
						t.Fatalf("%s: a department reads %v", tc.code, keys)
					}
					chain := got["chain"].([]any)
					if got["name"] != tc.name || got["level"] != tc.level || !strings.HasSuffix(got["path"].(string), "/"+tc.code+"/") ||
						chain[0].(map[string]any)["name"] != "大庆市" || chain[len(chain)-1].(map[string]any)["code"] != tc.code {
						t.Fatalf("%s: %s", tc.code, r.body)
					}
				}
				wantProblem(t, urban.do("GET", "/api/v1/regions/999999", ""), 404, "not_found", "")
				if withMap {
					// The outline and the map stay within scope.
					wantProblem(t, urban.do("GET", "/api/v1/regions/"+code+"/geometry", ""), 404, "not_found", "")
					// A center still reads the whole detail of its own regions,
					// and nothing of others.
					full := center.do("GET", "/api/v1/regions/"+code, "").json(t)
					if full["bbox"] == nil || full["registry"] == nil || full["overlays"] == nil {
						t.Fatalf("center detail = %v", full)
					}
				}
				wantProblem(t, center.do("GET", "/api/v1/regions/230602002", ""), 404, "not_found", "")
				wantProblem(t, e.loggedIn("resident1").do("GET", "/api/v1/regions/"+code, ""), 403, "forbidden", "")
			})
		})
	}
}
