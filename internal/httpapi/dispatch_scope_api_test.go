package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// A township or county center cannot dispatch its event to a department
// of another county, as lead or assisting: the department is not found,
// as it is on GET /departments/{code}, and the event stays with the
// center. The county's and the city's bureaus it may name.
func TestDispatchToAnotherCountysDepartment(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{withMap: true, withEvents: true})
		e.user("admin1", auth.RoleAdmin, "")
		admin := e.loggedIn("admin1")
		if r := admin.upload("/api/v1/regions/import", nil, mapFile()); r.status != 200 {
			t.Fatalf("map: %d %s", r.status, r.body)
		}
		if r := admin.do("POST", "/api/v1/regions", `{"code":"230603","name":"龙凤区","level":"county","parent_code":"230600"}`); r.status != 201 {
			t.Fatalf("county: %d %s", r.status, r.body)
		}
		for _, body := range []string{
			`{"code":"230600-water","name":"大庆市水务局","region_code":"230600"}`,
			`{"code":"230602-urban","name":"萨尔图区城市管理综合执法局","region_code":"230602"}`,
			`{"code":"230603-urban","name":"龙凤区城市管理综合执法局","region_code":"230603"}`,
		} {
			if r := admin.do("POST", "/api/v1/departments", body); r.status != 201 {
				t.Fatalf("department: %d %s", r.status, r.body)
			}
		}
		e.user("township1", auth.RoleCenter, "230602001")
		e.user("county1", auth.RoleCenter, "230602")
		e.user("other1", auth.RoleDepartment, "230603-urban")
		township, county, other := e.loggedIn("township1"), e.loggedIn("county1"), e.loggedIn("other1")
		wantProblem(t, township.do("GET", "/api/v1/departments/230603-urban", ""), 404, "not_found", "")

		r := township.do("POST", "/api/v1/events", `{"category_code":"city_appearance.exposed_garbage","title":"路口垃圾","grid_code":"230602001001001"}`)
		if r.status != 201 {
			t.Fatalf("report: %d %s", r.status, r.body)
		}
		id := int(r.json(t)["event"].(map[string]any)["id"].(float64))
		act := func(c *client, body string) resp {
			t.Helper()
			cur := township.do("GET", fmt.Sprintf("/api/v1/events/%d", id), "").json(t)
			return c.do("POST", fmt.Sprintf("/api/v1/events/%d/actions", id), strings.Replace(body, "{", fmt.Sprintf(`{"version":%v,`, cur["version"]), 1))
		}
		if r := act(township, `{"action":"register"}`); r.status != 200 {
			t.Fatalf("register: %d %s", r.status, r.body)
		}
		for _, tc := range []struct {
			who         *client
			body, field string
		}{
			{township, `{"action":"dispatch","department":"230603-urban"}`, "department"},
			{township, `{"action":"dispatch","department":"230602-urban","assisting":["230603-urban"]}`, "assisting[0]"},
			{county, `{"action":"dispatch","department":"230603-urban"}`, "department"},
			{county, `{"action":"dispatch","department":"230600-water","assisting":["230602-urban","230603-urban"]}`, "assisting[1]"},
		} {
			r := act(tc.who, tc.body)
			wantProblem(t, r, 400, "invalid", tc.field)
			if !strings.Contains(string(r.body), "department 230603-urban not found") {
				t.Fatalf("%s: %s", tc.body, r.body)
			}
		}
		wantProblem(t, other.do("GET", fmt.Sprintf("/api/v1/events/%d", id), ""), 404, "not_found", "")
		r = act(township, `{"action":"dispatch","department":"230602-urban","assisting":["230600-water"]}`)
		if r.status != 200 || r.json(t)["lead_department"] != "230602-urban" {
			t.Fatalf("dispatch to the county's and the city's bureaus: %d %s", r.status, r.body)
		}
	})
}
