package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/department"
	"github.com/gridgov/gridgov/internal/httpapi"
)

// catalogEnv is the test server with the event catalog and the default tree.
func catalogEnv(t *testing.T, d *db.DB) *env {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cats := category.NewService(d, log, time.Now)
	if _, err := cats.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	return newEnv(t, d, options{ui: httpapi.Options{Categories: cats, Departments: department.NewService(d, cats, log, time.Now)}})
}

const handleLimits = `{"receive":{"amount":1,"unit":"hours"},"register":{"amount":1,"unit":"hours"},"dispatch":{"amount":1,"unit":"hours"},` +
	`"handle":{"amount":%s,"unit":"days"},"verify":{"amount":0.5,"unit":"hours"}}`

func TestCatalogAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := catalogEnv(t, d)
		e.user("admin1", auth.RoleAdmin, "")
		e.user("citycenter", auth.RoleCenter, "230600")
		e.user("center1", auth.RoleCenter, "230602")
		e.user("tieren", auth.RoleCenter, "230602002")
		e.user("worker1", auth.RoleWorker, "230602001001")
		e.user("resident1", auth.RoleResident, "")
		admin, city, center, tieren := e.loggedIn("admin1"), e.loggedIn("citycenter"), e.loggedIn("center1"), e.loggedIn("tieren")
		worker, resident := e.loggedIn("worker1"), e.loggedIn("resident1")

		// Departments: the city's bureaus by the city, the district's by the district.
		for _, c := range []struct {
			who  *client
			body string
		}{
			{city, `{"code":"230600-police","name":"大庆市公安局","region_code":"230600"}`},
			{city, `{"code":"230600-gas","name":"大庆市燃气公司","region_code":"230600","level":"city"}`},
			{center, `{"code":"230602-police","name":"萨尔图区公安分局","region_code":"230602","parent_code":"230600-police"}`},
			{center, `{"code":"230602-urban","name":"萨尔图区城市管理综合执法局","region_code":"230602"}`},
			{center, `{"code":"230602001-enforcement","name":"萨尔图街道综合行政执法队","region_code":"230602001","parent_code":"230602-urban"}`},
			{center, `{"code":"230602002-enforcement","name":"铁人街道综合行政执法队","region_code":"230602002","parent_code":"230602-urban"}`},
		} {
			if r := c.who.do("POST", "/api/v1/departments", c.body); r.status != 201 {
				t.Fatalf("create %s: %d %s", c.body, r.status, r.body)
			}
		}
		r := center.do("GET", "/api/v1/departments/230602001-enforcement", "")
		if dep := r.json(t); r.status != 200 || dep["level"] != "township" || dep["region_name"] != "萨尔图街道" || dep["version"] != float64(1) {
			t.Fatalf("get: %d %s", r.status, r.body)
		}
		list := tieren.do("GET", "/api/v1/departments?page_size=2", "").json(t)
		if list["total"] != float64(5) || len(list["items"].([]any)) != 2 || list["page"] != float64(1) {
			t.Fatalf("tieren's list = %v", list)
		}
		found := center.do("GET", "/api/v1/departments?q=%E6%89%A7%E6%B3%95&level=township", "").json(t)
		if found["total"] != float64(2) {
			t.Fatalf("search = %v", found)
		}

		// Categories: everyone signed in reads the tree; the city keeps it.
		tree := resident.do("GET", "/api/v1/categories", "")
		if tree.status != 200 || !strings.Contains(string(tree.body), `"code":"city_appearance.exposed_garbage"`) ||
			!strings.Contains(string(tree.body), `"handle":{"amount":4,"unit":"hours"}`) {
			t.Fatalf("tree: %d %.300s", tree.status, tree.body)
		}
		leaf := fmt.Sprintf(`{"code":"dispute.pets","parent_code":"dispute","name":"宠物纠纷","name_en":"Pet dispute","leaf":true,`+
			`"registration_standard":"因饲养宠物引发纠纷","closing_standard":"达成协议","keywords":["宠物","狗"],"limits":%s}`, fmt.Sprintf(handleLimits, "10"))
		cr := city.do("POST", "/api/v1/categories", leaf)
		if c := cr.json(t); cr.status != 201 || c["yellow_at"] != 0.8 || c["red_at"] != float64(1) || c["default_urgency"] != "normal" {
			t.Fatalf("create category: %d %s", cr.status, cr.body)
		}
		up := city.do("PATCH", "/api/v1/categories/dispute.pets", `{"version":1,"yellow_at":0.7,"limits":`+fmt.Sprintf(handleLimits, "7")+`}`)
		if c := up.json(t); up.status != 200 || c["version"] != float64(2) || c["yellow_at"] != 0.7 {
			t.Fatalf("update category: %d %s", up.status, up.body)
		}
		if got := admin.do("GET", "/api/v1/categories/dispute.pets", "").json(t); got["limits"].(map[string]any)["handle"].(map[string]any)["amount"] != float64(7) {
			t.Fatalf("stored limits = %v", got["limits"])
		}

		// Routing rules, most specific first.
		rc := city.do("POST", "/api/v1/routing-rules", `{"category_code":"safety","region_code":"230600","lead_department":"230600-gas","assisting":["230600-police"]}`)
		if rc.status != 201 {
			t.Fatalf("city rule: %d %s", rc.status, rc.body)
		}
		cityRule := int(rc.json(t)["id"].(float64))
		rc = center.do("POST", "/api/v1/routing-rules", `{"category_code":"city_appearance","region_code":"230602","lead_department":"230602-urban","note":"区级"}`)
		if rc.status != 201 {
			t.Fatalf("district rule: %d %s", rc.status, rc.body)
		}
		districtRule := int(rc.json(t)["id"].(float64))
		rc = center.do("POST", "/api/v1/routing-rules", `{"category_code":"city_appearance.exposed_garbage","region_code":"230602001","lead_department":"230602001-enforcement","assisting":["230602-urban"]}`)
		if rc.status != 201 {
			t.Fatalf("township rule: %d %s", rc.status, rc.body)
		}
		townshipRule := int(rc.json(t)["id"].(float64))
		res := worker.do("GET", "/api/v1/routing-rules/resolve?category=city_appearance.exposed_garbage&region=230602001001", "").json(t)
		if res["matched"] != true || res["rule"].(map[string]any)["id"] != float64(townshipRule) || res["lead"].(map[string]any)["name"] != "萨尔图街道综合行政执法队" ||
			res["assisting"].([]any)[0].(map[string]any)["code"] != "230602-urban" {
			t.Fatalf("resolve = %v", res)
		}
		res = tieren.do("GET", "/api/v1/routing-rules/resolve?category=city_appearance.exposed_garbage&region=230602002", "").json(t)
		if res["rule"].(map[string]any)["id"] != float64(districtRule) {
			t.Fatalf("resolve in 铁人 = %v", res)
		}
		res = tieren.do("GET", "/api/v1/routing-rules/resolve?category=livelihood.water&region=230602002", "").json(t)
		if res["matched"] != false {
			t.Fatalf("unrouted = %v", res)
		}
		rules := tieren.do("GET", "/api/v1/routing-rules", "").json(t)
		if rules["total"] != float64(2) { // the city's and the district's, not the other township's
			t.Fatalf("tieren's rules = %v", rules)
		}
		ru := center.do("PATCH", fmt.Sprintf("/api/v1/routing-rules/%d", districtRule), `{"version":1,"assisting":["230602-police"]}`)
		if ru.status != 200 || ru.json(t)["assisting_names"].([]any)[0] != "萨尔图区公安分局" {
			t.Fatalf("update rule: %d %s", ru.status, ru.body)
		}

		// Every refusal names its field, or hides what is out of scope.
		for _, tc := range []struct {
			who          *client
			method, path string
			body         string
			status       int
			code, field  string
		}{
			{center, "POST", "/api/v1/departments", `{"code":"230600-x","name":"市局","region_code":"230600"}`, 400, "invalid", "region_code"},
			{center, "POST", "/api/v1/departments", `{"code":"bad code","name":"x","region_code":"230602"}`, 400, "invalid", "code"},
			{center, "POST", "/api/v1/departments", `{"code":"x1","name":"","region_code":"230602"}`, 400, "invalid", "name"},
			{center, "POST", "/api/v1/departments", `{"code":"x1","name":"x","region_code":"230602","level":"province"}`, 400, "invalid", "level"},
			{center, "POST", "/api/v1/departments", `{"code":"x1","name":"x","region_code":"230602001001"}`, 400, "invalid", "region_code"},
			{center, "POST", "/api/v1/departments", `{"code":"230602-urban","name":"x","region_code":"230602"}`, 409, "conflict", "code"},
			{center, "POST", "/api/v1/departments", `{"code":"x1","name":"x","region_code":"230602","colour":"red"}`, 400, "invalid", "colour"},
			{worker, "POST", "/api/v1/departments", `{"code":"x1","name":"x","region_code":"230602001"}`, 403, "forbidden", ""},
			{resident, "GET", "/api/v1/departments", "", 403, "forbidden", ""},
			{center, "GET", "/api/v1/departments?level=village", "", 400, "invalid", "level"},
			{center, "GET", "/api/v1/departments?active=maybe", "", 400, "invalid", "active"},
			{center, "GET", "/api/v1/departments?page=x", "", 400, "invalid", "page"},
			{tieren, "GET", "/api/v1/departments/230602001-enforcement", "", 404, "not_found", ""},
			{center, "PATCH", "/api/v1/departments/230602-urban", `{"version":9,"name":"新名称"}`, 409, "conflict", "version"},
			{center, "PATCH", "/api/v1/departments/230602-urban", `{"name":"新名称"}`, 400, "invalid", "version"},
			{center, "PATCH", "/api/v1/departments/230600-police", `{"version":1,"name":"新名称"}`, 403, "forbidden", ""},
			{center, "PATCH", "/api/v1/departments/230602-urban", `{"version":1,"active":false}`, 409, "conflict", "active"},
			{center, "POST", "/api/v1/categories", leaf, 403, "forbidden", ""},
			{city, "POST", "/api/v1/categories", leaf, 409, "conflict", "code"},
			{city, "POST", "/api/v1/categories", strings.Replace(leaf, `"dispute.pets"`, `"dispute.cats"`, 1)[:len(leaf)-40] + `}`, 400, "invalid", "body"},
			{city, "POST", "/api/v1/categories", strings.Replace(strings.Replace(leaf, `"dispute.pets"`, `"dispute.cats"`, 1), `"amount":10`, `"amount":0`, 1), 400, "invalid", "limits.handle.amount"},
			{city, "POST", "/api/v1/categories", strings.Replace(strings.Replace(leaf, `"dispute.pets"`, `"dispute.cats"`, 1), `"unit":"days"`, `"unit":"weeks"`, 1), 400, "invalid", "limits.handle.unit"},
			{city, "POST", "/api/v1/categories", strings.Replace(strings.Replace(leaf, `"dispute.pets"`, `"dispute.cats"`, 1), `"verify":`, `"close":`, 1), 400, "invalid", "limits.close"},
			{city, "POST", "/api/v1/categories", strings.Replace(leaf, `"dispute.pets"`, `"Dispute.Cats"`, 1), 400, "invalid", "code"},
			{city, "PATCH", "/api/v1/categories/dispute.pets", `{"version":2,"yellow_at":1.2}`, 400, "invalid", "yellow_at"},
			{city, "PATCH", "/api/v1/categories/dispute.pets", `{"version":2,"red_at":0.5}`, 400, "invalid", "yellow_at"},
			{city, "PATCH", "/api/v1/categories/dispute.pets", `{"version":1,"name":"x"}`, 409, "conflict", "version"},
			{city, "PATCH", "/api/v1/categories/dispute.pets", `{"version":2,"default_urgency":"panic"}`, 400, "invalid", "default_urgency"},
			{city, "PATCH", "/api/v1/categories/nope", `{"version":1,"name":"x"}`, 404, "not_found", ""},
			{center, "POST", "/api/v1/routing-rules", `{"category_code":"dispute","region_code":"230600","lead_department":"230600-police"}`, 400, "invalid", "region_code"},
			{center, "POST", "/api/v1/routing-rules", `{"category_code":"nope","region_code":"230602","lead_department":"230602-urban"}`, 400, "invalid", "category_code"},
			{center, "POST", "/api/v1/routing-rules", `{"category_code":"dispute","region_code":"230602","lead_department":"230602001-enforcement"}`, 400, "invalid", "lead_department"},
			{center, "POST", "/api/v1/routing-rules", `{"category_code":"dispute","region_code":"230602","lead_department":"230602-urban","assisting":["230602-urban"]}`, 400, "invalid", "assisting[0]"},
			{center, "POST", "/api/v1/routing-rules", `{"category_code":"city_appearance","region_code":"230602","lead_department":"230602-police"}`, 409, "conflict", "category_code"},
			{tieren, "PATCH", fmt.Sprintf("/api/v1/routing-rules/%d", townshipRule), `{"version":1,"note":"x"}`, 404, "not_found", ""},
			{center, "PATCH", fmt.Sprintf("/api/v1/routing-rules/%d", cityRule), `{"version":1,"note":"x"}`, 403, "forbidden", ""},
			{center, "PATCH", fmt.Sprintf("/api/v1/routing-rules/%d", districtRule), `{"version":1,"note":"x"}`, 409, "conflict", "version"},
			{center, "PATCH", "/api/v1/routing-rules/abc", `{"version":1}`, 400, "invalid", "id"},
			{center, "DELETE", fmt.Sprintf("/api/v1/routing-rules/%d", districtRule), "", 400, "invalid", "version"},
			{center, "DELETE", fmt.Sprintf("/api/v1/routing-rules/%d?version=1", districtRule), "", 409, "conflict", "version"},
			{worker, "GET", "/api/v1/routing-rules/resolve?category=dispute&region=230602002", "", 400, "invalid", "region"},
			{worker, "GET", "/api/v1/routing-rules/resolve?region=230602001", "", 400, "invalid", "category"},
			{resident, "GET", "/api/v1/routing-rules", "", 403, "forbidden", ""},
		} {
			t.Run(tc.method+" "+tc.path, func(t *testing.T) {
				wantProblem(t, tc.who.do(tc.method, tc.path, tc.body), tc.status, tc.code, tc.field)
			})
		}

		// Deleting with If-Match frees the department for deactivation.
		if r := center.do("DELETE", fmt.Sprintf("/api/v1/routing-rules/%d", districtRule), "", "If-Match", `"2"`); r.status != 204 {
			t.Fatalf("delete: %d %s", r.status, r.body)
		}
		if r := center.do("PATCH", "/api/v1/departments/230602-urban", `{"version":1,"active":false}`); r.status != 409 {
			t.Fatalf("still assisting the township rule: %d %s", r.status, r.body) // it assists the township's rule
		}
		if r := center.do("DELETE", fmt.Sprintf("/api/v1/routing-rules/%d", townshipRule), "", "If-Match", `W/"1"`); r.status != 204 {
			t.Fatalf("delete: %d %s", r.status, r.body)
		}
		if r := center.do("PATCH", "/api/v1/departments/230602001-enforcement", `{"version":1,"active":false}`); r.status != 200 || r.json(t)["active"] != false {
			t.Fatalf("deactivate: %d %s", r.status, r.body)
		}
		for action, n := range map[string]int{"department.create": 6, "department.update": 1, "category.create": 1, "category.update": 1,
			"routing_rule.create": 3, "routing_rule.update": 1, "routing_rule.delete": 2} {
			entries, _ := audit.List(context.Background(), d.Read(), audit.Filter{Action: action})
			if len(entries) != n {
				t.Errorf("%d %s audit entries, want %d", len(entries), action, n)
			}
		}
	})
}
