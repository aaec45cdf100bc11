package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/idcard"
)

func TestRegistryAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{withMap: true})
		e.user("admin1", auth.RoleAdmin, "")
		e.user("worker1", auth.RoleWorker, "230602001")
		admin := e.loggedIn("admin1")
		if r := admin.upload("/api/v1/regions/import", nil, mapFile()); r.status != 200 {
			t.Fatalf("map: %d %s", r.status, r.body)
		}
		h := admin.do("POST", "/api/v1/houses", `{"house_code":"H-100","estate":"友谊小区","room":"101","lng":124.9,"lat":46.5,"usage":"rented"}`)
		if h.status != 201 || h.json(t)["grid_code"] != "230602001001001" {
			t.Fatalf("house: %d %s", h.status, h.body)
		}
		wantProblem(t, admin.do("POST", "/api/v1/houses", `{"house_code":"H-101","lng":124.9}`), 400, "invalid", "lat")
		first := "23060219560412003"
		id := first + string(idcard.CheckDigit(first))
		body := fmt.Sprintf(`{"name":"刘凤芝","id_number":%q,"phone":"13612345678","houses":[{"house_code":"H-100","relation":"lives"}],"tags":[{"tag":"empty_nest"}]}`, id)
		p := admin.do("POST", "/api/v1/persons", body)
		if p.status != 201 || strings.Contains(string(p.body), id) || strings.Contains(string(p.body), "13612345678") {
			t.Fatalf("person: %d %s", p.status, p.body)
		}
		pid := int(p.json(t)["id"].(float64))
		if r := admin.do("POST", "/api/v1/persons", body); r.status != 200 {
			t.Fatalf("re-save: %d", r.status)
		}
		wantProblem(t, admin.do("POST", "/api/v1/persons", strings.Replace(body, id, id[:17]+"1", 1)), 400, "invalid", "id_number")
		wantProblem(t, admin.do("POST", "/api/v1/persons/search", `{"id_number":"123"}`), 400, "invalid", "id_number")
		wantProblem(t, admin.do("POST", "/api/v1/persons/search", `{"tag":"nonsense"}`), 400, "invalid", "tag")
		backwards := `[{"tag":"disabled","since":"2026-05-01","until":"2020-01-01"}]`
		wantProblem(t, admin.do("POST", "/api/v1/persons", strings.Replace(body, `[{"tag":"empty_nest"}]`, backwards, 1)), 400, "invalid", "tags[0].until")
		wantProblem(t, admin.do("PATCH", fmt.Sprintf("/api/v1/persons/%d", pid), `{"version":1,"tags":`+backwards+`}`), 400, "invalid", "tags[0].until")
		found := admin.do("POST", "/api/v1/persons/search", fmt.Sprintf(`{"id_number":%q}`, id)).json(t)["items"].([]any)
		if len(found) != 1 {
			t.Fatalf("search by id = %v", found)
		}
		grid := admin.do("GET", "/api/v1/regions/230602001001001", "").json(t)
		if c := grid["registry"].(map[string]any); c["houses"] != float64(1) || c["persons"] != float64(1) {
			t.Fatalf("grid registry counts = %v", c)
		}
		house := admin.do("GET", "/api/v1/houses/H-100", "").json(t)
		if occ := house["occupants"].([]any); len(occ) != 1 {
			t.Fatalf("occupants = %v", occ)
		}
		worker := e.loggedIn("worker1")
		// A worker edits a person whose numbers they only see masked; the phone survives.
		cur := worker.do("GET", fmt.Sprintf("/api/v1/persons/%d", pid), "").json(t)
		upd := worker.do("PATCH", fmt.Sprintf("/api/v1/persons/%d", pid), fmt.Sprintf(`{"version":%v,"household_no":"0012"}`, cur["version"]))
		if upd.status != 200 || upd.json(t)["household_no"] != "0012" || upd.json(t)["phone"] != "136****5678" {
			t.Fatalf("patch: %d %s", upd.status, upd.body)
		}
		wantProblem(t, worker.do("PATCH", fmt.Sprintf("/api/v1/persons/%d", pid), fmt.Sprintf(`{"version":%v,"household_no":"0013"}`, cur["version"])), 409, "conflict", "version")
		if page := admin.do("GET", "/api/v1/houses?limit=1", "").json(t); page["next_after"] != nil {
			t.Fatalf("a single house reported a next page: %v", page)
		}
		wantProblem(t, worker.do("POST", fmt.Sprintf("/api/v1/persons/%d/reveal", pid), `{"purpose":"入户核实"}`), 403, "forbidden", "")
		wantProblem(t, admin.do("POST", fmt.Sprintf("/api/v1/persons/%d/reveal", pid), `{}`), 400, "invalid", "purpose")
		rev := admin.do("POST", fmt.Sprintf("/api/v1/persons/%d/reveal", pid), `{"purpose":"核实养老补贴"}`).json(t)
		if rev["id_number"] != id || rev["phone"] != "13612345678" || rev["revealed"] != true {
			t.Fatalf("reveal = %v", rev)
		}
		if g := worker.do("GET", fmt.Sprintf("/api/v1/persons/%d", pid), "").json(t); g["id_number"] == id || g["revealed"] == true {
			t.Fatalf("worker sees the revealed numbers: %v", g)
		}
		// Spreadsheet import with an error report to download.
		second := "23060219880808004"
		csv := "姓名,身份证号,房屋编码\n孙悦," + second + string(idcard.CheckDigit(second)) + ",H-100\n坏行," + second + "0,H-100\n"
		up := admin.uploadNamed("/api/v1/registry/import/persons", nil, "persons.csv", csv)
		body2 := up.json(t)
		if up.status != 200 || body2["created"] != float64(1) || body2["error_report"] == nil {
			t.Fatalf("import: %d %s", up.status, up.body)
		}
		report := admin.do("GET", "/api/v1/registry/import-errors/"+body2["error_report"].(string)+"?format=csv", "")
		if report.status != 200 || !strings.Contains(string(report.body), "3,身份证号,230602") || strings.Contains(string(report.body), second) {
			t.Fatalf("error report: %d %s", report.status, report.body)
		}
		wantProblem(t, worker.do("GET", "/api/v1/registry/import-errors/"+body2["error_report"].(string), ""), 404, "not_found", "")
		wantProblem(t, admin.uploadNamed("/api/v1/registry/import/animals", nil, "a.csv", csv), 400, "invalid", "kind")
		if tpl := admin.do("GET", "/api/v1/registry/templates/houses?format=csv", ""); tpl.status != 200 || !strings.Contains(string(tpl.body), "房屋编码") {
			t.Fatalf("template: %d %s", tpl.status, tpl.body)
		}

		// Export is masked, neutralises formulas and is audited.
		inj := "23060219790101005"
		admin.do("POST", "/api/v1/persons", fmt.Sprintf(`{"name":"=cmd|' /C calc'!A0","id_number":%q,"grid_code":"230602001001001"}`, inj+string(idcard.CheckDigit(inj))))
		ex := admin.do("GET", "/api/v1/persons/export?format=csv", "")
		if ex.status != 200 || strings.Contains(string(ex.body), id) || !strings.Contains(string(ex.body), "'=cmd") || !strings.Contains(string(ex.body), "empty_nest") {
			t.Fatalf("export: %d %s", ex.status, ex.body)
		}
		if entries := admin.do("GET", "/api/v1/audit?action=registry.export", "").json(t)["items"].([]any); len(entries) != 1 {
			t.Fatalf("export audit = %v", entries)
		}

		// A sampling round, a check, and the accuracy.
		round := admin.do("POST", "/api/v1/sampling/rounds", `{"month":"2026-11","region_code":"230602","per_grid":5}`)
		if round.status != 201 {
			t.Fatalf("sampling round: %d %s", round.status, round.body)
		}
		rid := int(round.json(t)["id"].(float64))
		items := worker.do("GET", fmt.Sprintf("/api/v1/sampling/items?round=%d", rid), "").json(t)["items"].([]any)
		if len(items) == 0 {
			t.Fatal("no sampling items for the worker")
		}
		itemID := int(items[0].(map[string]any)["id"].(float64))
		wantProblem(t, worker.do("POST", fmt.Sprintf("/api/v1/sampling/items/%d", itemID), `{"result":"maybe"}`), 400, "invalid", "result")
		if r := worker.do("POST", fmt.Sprintf("/api/v1/sampling/items/%d", itemID), `{"result":"correct"}`); r.status != 204 {
			t.Fatalf("check: %d %s", r.status, r.body)
		}
		acc := admin.do("GET", fmt.Sprintf("/api/v1/sampling/rounds/%d/accuracy?region=230602", rid), "").json(t)["items"].([]any)
		if acc[0].(map[string]any)["checked"] != float64(1) || acc[0].(map[string]any)["accuracy"] != 0.25 {
			t.Fatalf("accuracy = %v", acc)
		}

		e.user("tieren2", auth.RoleCenter, "230602002")
		other := e.loggedIn("tieren2")
		wantProblem(t, other.do("GET", fmt.Sprintf("/api/v1/persons/%d", pid), ""), 404, "not_found", "")
		wantProblem(t, other.do("GET", "/api/v1/houses/H-100", ""), 404, "not_found", "")
	})
}
