package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// A resident's report through the API: located in its grid, registered,
// dispatched by the routing rules, handled, verified, rated; the measures
// answer at the district; refusals per the API's conventions.
func TestEventsAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{withMap: true, withEvents: true})
		e.user("admin1", auth.RoleAdmin, "")
		e.user("center1", auth.RoleCenter, "230602001")
		e.user("tieren", auth.RoleCenter, "230602002")
		e.user("resident1", auth.RoleResident, "")
		admin := e.loggedIn("admin1")
		if r := admin.upload("/api/v1/regions/import", nil, mapFile()); r.status != 200 {
			t.Fatalf("map: %d %s", r.status, r.body)
		}
		if r := admin.do("POST", "/api/v1/departments", `{"code":"230602-urban","name":"萨尔图区城市管理综合执法局","region_code":"230602"}`); r.status != 201 {
			t.Fatalf("department: %d %s", r.status, r.body)
		}
		if r := admin.do("POST", "/api/v1/routing-rules", `{"category_code":"city_appearance","region_code":"230602","lead_department":"230602-urban"}`); r.status != 201 {
			t.Fatalf("rule: %d %s", r.status, r.body)
		}
		e.user("urban1", auth.RoleDepartment, "230602-urban")
		center, resident, urban := e.loggedIn("center1"), e.loggedIn("resident1"), e.loggedIn("urban1")

		r := resident.do("POST", "/api/v1/events", `{"category_code":"city_appearance.exposed_garbage","title":"路口垃圾","lng":124.9,"lat":46.5}`)
		if r.status != 201 || !strings.HasPrefix(r.header.Get("Location"), "/api/v1/events/") {
			t.Fatalf("report: %d %s", r.status, r.body)
		}
		ev := r.json(t)["event"].(map[string]any)
		id := int(ev["id"].(float64))
		if ev["grid_code"] != "230602001001001" || ev["state"] != "reported" {
			t.Fatalf("reported: %s", r.body)
		}
		act := func(c *client, body string) resp {
			t.Helper()
			cur := c.do("GET", fmt.Sprintf("/api/v1/events/%d", id), "").json(t)
			return c.do("POST", fmt.Sprintf("/api/v1/events/%d/actions", id), strings.Replace(body, "{", fmt.Sprintf(`{"version":%v,`, cur["version"]), 1))
		}
		wantProblem(t, e.loggedIn("tieren").do("GET", fmt.Sprintf("/api/v1/events/%d", id), ""), 404, "not_found", "")
		wantProblem(t, act(resident, `{"action":"register"}`), 403, "forbidden", "")
		for _, step := range []struct {
			who   *client
			body  string
			state string
		}{
			{center, `{"action":"register"}`, "registered"},
			{center, `{"action":"dispatch"}`, "dispatched"},
			{urban, `{"action":"accept"}`, "handling"},
			{urban, `{"action":"feedback","note":"已清运"}`, "handled"},
			{center, `{"action":"verify"}`, "closed"},
			{resident, `{"action":"rate","rating":"basic"}`, "closed"},
		} {
			r := act(step.who, step.body)
			if r.status != 200 || r.json(t)["state"] != step.state {
				t.Fatalf("%s: %d %s", step.body, r.status, r.body)
			}
		}
		wantProblem(t, act(center, `{"action":"verify"}`), 409, "conflict", "action")
		wantProblem(t, center.do("POST", fmt.Sprintf("/api/v1/events/%d/actions", id), `{"action":"reopen","note":"x","version":1}`), 409, "conflict", "version")
		// A version given but below 1 is no version, not a missing one.
		wantReason(t, center.do("POST", fmt.Sprintf("/api/v1/events/%d/actions", id), `{"action":"reopen","note":"x","version":-1}`), "version", "must be a positive integer")
		wantReason(t, center.do("POST", fmt.Sprintf("/api/v1/events/%d/actions", id), `{"action":"reopen","note":"x"}`), "version", "give the version of the event you saw")
		wantProblem(t, center.do("POST", "/api/v1/events", `{"category_code":"nope","title":"x","grid_code":"230602001001001"}`), 400, "invalid", "category_code")
		wantProblem(t, center.do("POST", "/api/v1/events", `{"category_code":"city_appearance.exposed_garbage","title":"<b>x</b>","grid_code":"230602001001001"}`), 400, "invalid", "title")
		wantProblem(t, center.do("GET", "/api/v1/events?queue=someday", ""), 400, "invalid", "queue")

		det := center.do("GET", fmt.Sprintf("/api/v1/events/%d", id), "").json(t)
		if h := det["history"].([]any); len(h) != 7 {
			t.Fatalf("history = %v", h)
		}
		inbox := urban.do("GET", "/api/v1/events", "").json(t)["items"].([]any)
		if len(inbox) != 1 {
			t.Fatalf("department inbox = %v", inbox)
		}
		st := admin.do("GET", "/api/v1/stats/events?region=230602&from=2000-01&to=2100-12", "")
		body := st.json(t)
		counts, rates := body["counts"].(map[string]any), body["rates"].(map[string]any)
		if st.status != 200 || counts["closed"] != float64(1) || rates["satisfaction"] != float64(1) || rates["closure"] != float64(1) {
			t.Fatalf("stats: %d %s", st.status, st.body)
		}
		wantProblem(t, admin.do("GET", "/api/v1/stats/events?region=230602&from=June", ""), 400, "invalid", "from")
		// A department is no filter of the export, which is by region:
		// refused, never left out silently.
		wantProblem(t, admin.do("GET", "/api/v1/stats/events/export?region=230602&department=230602-urban&format=csv", ""), 400, "invalid", "department")
		ex := admin.do("GET", "/api/v1/stats/events/export?region=230602&from=2000-01&to=2100-12&format=csv", "")
		lines := strings.Split(strings.TrimSpace(string(ex.body)), "\n")
		if ex.status != 200 || len(lines) != 4 || !strings.Contains(lines[0], "closure") || !strings.HasPrefix(lines[2], "230602001,萨尔图街道") {
			t.Fatalf("export: %d %s", ex.status, ex.body)
		}
		// The export is audited with what it covered; each action that
		// succeeded is audited once, a refused one not at all.
		exported := admin.do("GET", "/api/v1/audit?action=stats.export", "").json(t)["items"].([]any)
		if len(exported) != 1 {
			t.Fatalf("export audit = %v", exported)
		}
		if en := exported[0].(map[string]any); en["actor"] != "admin1" || en["target_type"] != "event_stats" || en["target_id"] != "230602" {
			t.Fatalf("export audit = %v", en)
		} else if det := en["detail"].(map[string]any); det["from"] != "2000-01" || det["to"] != "2100-12" || det["category"] != "*" ||
			det["format"] != "csv" || det["rows"] != float64(3) {
			t.Fatalf("export audit detail = %v", det)
		}
		acted := admin.do("GET", fmt.Sprintf("/api/v1/audit?target_type=event&target_id=%d", id), "").json(t)["items"].([]any)
		var actions []string
		for _, en := range acted {
			actions = append(actions, en.(map[string]any)["action"].(string))
		}
		if want := "event.rate event.verify event.feedback event.accept event.dispatch event.register"; strings.Join(actions, " ") != want {
			t.Fatalf("event audit = %v, want %s", actions, want)
		}

		// The suggested duplicates are only those the reporter may read:
		// not another resident's report, with its description.
		e.user("resident2", auth.RoleResident, "")
		first := resident.do("POST", "/api/v1/events", `{"category_code":"city_appearance.exposed_garbage","title":"楼道堆物","description":"三单元楼道堆满纸箱","lng":124.9,"lat":46.5}`)
		second := e.loggedIn("resident2").do("POST", "/api/v1/events", `{"category_code":"city_appearance.exposed_garbage","title":"有垃圾","lng":124.9,"lat":46.5}`)
		if first.status != 201 || second.status != 201 || len(second.json(t)["similar"].([]any)) != 0 || strings.Contains(string(second.body), "纸箱") {
			t.Fatalf("another resident's report is suggested: %d %d %s", first.status, second.status, second.body)
		}
		third := center.do("POST", "/api/v1/events", `{"category_code":"city_appearance.exposed_garbage","title":"垃圾","lng":124.9,"lat":46.5}`)
		if third.status != 201 || len(third.json(t)["similar"].([]any)) != 2 {
			t.Fatalf("the center is not suggested both reports: %d %s", third.status, third.body)
		}
		// A suggestion says what the matter is and how far away, no more.
		s := third.json(t)["similar"].([]any)[1].(map[string]any)
		if s["title"] != "楼道堆物" || s["description"] != "三单元楼道堆满纸箱" || s["distance_m"] != float64(0) || s["state"] != "reported" ||
			s["grid_code"] != "230602001001001" || s["code"] == "" || s["created_at"] == nil || len(s) != 11 {
			t.Fatalf("suggestion = %v", s)
		}
	})
}

// The closed loop's rules through the API: a dispatch by the routing rules
// keeps the assisting departments named, a department that no longer has
// the event can do nothing with it, only the resident rates their report
// (again after a reopening), and what `actions` offers is what succeeds.
func TestEventsAPILoopRules(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{withMap: true, withEvents: true})
		e.user("admin1", auth.RoleAdmin, "")
		e.user("center1", auth.RoleCenter, "230602001")
		e.user("resident1", auth.RoleResident, "")
		admin := e.loggedIn("admin1")
		if r := admin.upload("/api/v1/regions/import", nil, mapFile()); r.status != 200 {
			t.Fatalf("map: %d %s", r.status, r.body)
		}
		e.user("worker1", auth.RoleWorker, "230602001001001")
		e.user("leader1", auth.RoleLeader, "230602")
		for _, body := range []string{`{"code":"230602-urban","name":"城管局","region_code":"230602"}`, `{"code":"230602-police","name":"公安分局","region_code":"230602"}`} {
			if r := admin.do("POST", "/api/v1/departments", body); r.status != 201 {
				t.Fatalf("department: %d %s", r.status, r.body)
			}
		}
		if r := admin.do("POST", "/api/v1/routing-rules", `{"category_code":"city_appearance","region_code":"230602","lead_department":"230602-urban"}`); r.status != 201 {
			t.Fatalf("rule: %d %s", r.status, r.body)
		}
		e.user("urban1", auth.RoleDepartment, "230602-urban")
		e.user("police1", auth.RoleDepartment, "230602-police")
		center, resident, urban, police := e.loggedIn("center1"), e.loggedIn("resident1"), e.loggedIn("urban1"), e.loggedIn("police1")
		worker, leader := e.loggedIn("worker1"), e.loggedIn("leader1")
		report := func() int {
			t.Helper()
			r := resident.do("POST", "/api/v1/events", `{"category_code":"city_appearance.exposed_garbage","title":"路口垃圾","lng":124.9,"lat":46.5}`)
			if r.status != 201 {
				t.Fatalf("report: %d %s", r.status, r.body)
			}
			return int(r.json(t)["event"].(map[string]any)["id"].(float64))
		}
		get := func(c *client, id int) resp { return c.do("GET", fmt.Sprintf("/api/v1/events/%d", id), "") }
		act := func(c *client, id int, body string) resp {
			t.Helper()
			cur := get(center, id).json(t)
			return c.do("POST", fmt.Sprintf("/api/v1/events/%d/actions", id), strings.Replace(body, "{", fmt.Sprintf(`{"version":%v,`, cur["version"]), 1))
		}
		actions := func(c *client, id int) string {
			t.Helper()
			r := get(c, id)
			if r.status != 200 {
				t.Fatalf("get: %d %s", r.status, r.body)
			}
			var out []string
			list, ok := r.json(t)["actions"].([]any)
			if !ok {
				t.Fatalf("actions = %s", r.body)
			}
			for _, a := range list {
				out = append(out, a.(string))
			}
			return strings.Join(out, ",")
		}
		steps := func(id int, rows []struct {
			who   *client
			body  string
			state string
		}) {
			t.Helper()
			for _, step := range rows {
				r := act(step.who, id, step.body)
				if r.status != 200 || r.json(t)["state"] != step.state {
					t.Fatalf("%s: %d %s", step.body, r.status, r.body)
				}
			}
		}
		type row = struct {
			who   *client
			body  string
			state string
		}

		id := report()
		steps(id, []row{{center, `{"action":"register"}`, "registered"}})
		// The routed lead cannot assist as well.
		wantProblem(t, act(center, id, `{"action":"dispatch","assisting":["230602-urban"]}`), 400, "invalid", "assisting[0]")
		r := act(center, id, `{"action":"dispatch","assisting":["230602-police"]}`)
		if ev := r.json(t); r.status != 200 || ev["lead_department"] != "230602-urban" || fmt.Sprint(ev["assisting"]) != "[230602-police]" {
			t.Fatalf("dispatch: %d %s", r.status, r.body)
		}
		if got := actions(police, id); got != "comment" {
			t.Fatalf("the assisting department is offered %s", got)
		}
		if got := actions(urban, id); got != "accept,comment,return" {
			t.Fatalf("the lead is offered %s", got)
		}
		steps(id, []row{{urban, `{"action":"accept"}`, "handling"}})
		if got := actions(police, id); got != "comment" {
			t.Fatalf("the assisting department is offered %s while handling", got)
		}
		if got := actions(worker, id); got != "comment" {
			t.Fatalf("the grid worker is offered %s on the department's event", got)
		}
		if got := actions(center, id); strings.Contains(got, "extension") {
			t.Fatalf("the center is offered %s with no extension asked", got)
		}
		if got := actions(leader, id); got != "" {
			t.Fatalf("the leader is offered %s", got)
		}
		// Parked and taken up again, then handled by the grid: the
		// department has nothing more to do with it.
		steps(id, []row{
			{center, `{"action":"park","note":"待资金"}`, "parked"},
			{center, `{"action":"unpark"}`, "registered"},
			{center, `{"action":"self_handle"}`, "handling"},
		})
		wantProblem(t, get(urban, id), 404, "not_found", "")
		wantProblem(t, act(urban, id, `{"action":"feedback","note":"已清运"}`), 404, "not_found", "")
		if ev := get(center, id).json(t); ev["lead_department"] != nil || ev["assisting"] != nil {
			t.Fatalf("after self-handling: %v", ev)
		}
		if items := urban.do("GET", "/api/v1/events", "").json(t)["items"].([]any); len(items) != 0 {
			t.Fatalf("the department's inbox = %v", items)
		}
		steps(id, []row{
			{worker, `{"action":"feedback","note":"网格员已清理"}`, "handled"},
			{center, `{"action":"verify"}`, "closed"},
		})
		// The resident rates, not the center; after a reopening, again.
		if got := actions(center, id); got != "comment,reopen" {
			t.Fatalf("the center is offered %s on a resident's closed event", got)
		}
		wantProblem(t, act(center, id, `{"action":"rate","rating":"satisfied"}`), 403, "forbidden", "")
		steps(id, []row{
			{resident, `{"action":"rate","rating":"unsatisfied"}`, "closed"},
			{center, `{"action":"reopen","note":"居民不满意"}`, "registered"},
			{center, `{"action":"self_handle"}`, "handling"},
			{worker, `{"action":"feedback","note":"再次清理"}`, "handled"},
			{center, `{"action":"verify"}`, "closed"},
			{resident, `{"action":"rate","rating":"basic"}`, "closed"},
		})
		wantProblem(t, act(resident, id, `{"action":"rate","rating":"basic"}`), 409, "conflict", "")
		st := admin.do("GET", "/api/v1/stats/events?region=230602&from=2000-01&to=2100-12", "").json(t)
		if counts := st["counts"].(map[string]any); counts["rated"] != float64(1) || counts["satisfied"] != float64(1) {
			t.Fatalf("stats: %v", st)
		}
	})
}
