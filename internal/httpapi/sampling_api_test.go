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

func TestSamplingAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{withMap: true})
		e.user("admin1", auth.RoleAdmin, "")
		admin := e.loggedIn("admin1")
		if r := admin.upload("/api/v1/regions/import", nil, mapFile()); r.status != 200 {
			t.Fatalf("map: %d %s", r.status, r.body)
		}
		e.user("center1", auth.RoleCenter, "230602")
		e.user("worker1", auth.RoleWorker, "230602001001001")
		e.user("tieren", auth.RoleCenter, "230602002")
		center, worker, other := e.loggedIn("center1"), e.loggedIn("worker1"), e.loggedIn("tieren")

		// Grid 001 holds H-1 and a person living there, grid 002 H-2 and another.
		for _, body := range []string{
			`{"house_code":"H-1","address":"友谊路1号","lng":124.9,"lat":46.5}`,
			`{"house_code":"H-2","address":"友谊路2号","lng":125.0,"lat":46.5}`,
		} {
			if r := admin.do("POST", "/api/v1/houses", body); r.status != 201 {
				t.Fatalf("house: %d %s", r.status, r.body)
			}
		}
		idFor := func(seq int) string {
			first := fmt.Sprintf("23060219560412%03d", seq)
			return first + string(idcard.CheckDigit(first))
		}
		var personID int
		for i, house := range []string{"H-1", "H-2"} {
			r := admin.do("POST", "/api/v1/persons", fmt.Sprintf(`{"name":"刘凤芝","id_number":%q,"phone":"13612345678","houses":[{"house_code":%q,"relation":"lives"}]}`, idFor(3+i), house))
			if r.status != 201 {
				t.Fatalf("person: %d %s", r.status, r.body)
			}
			if i == 0 {
				personID = int(r.json(t)["id"].(float64))
			}
		}

		round := center.do("POST", "/api/v1/sampling/rounds", `{"month":"2026-06","region_code":"230602","per_grid":5,"seed":7}`)
		if round.status != 201 || round.json(t)["seed"] != float64(7) || round.json(t)["sampled"] != float64(4) || round.json(t)["region_name"] != "萨尔图区" {
			t.Fatalf("start: %d %s", round.status, round.body)
		}
		rid := int(round.json(t)["id"].(float64))

		// Every refusal names its field, or hides what is out of scope.
		for _, tc := range []struct {
			who          *client
			method, path string
			body         string
			status       int
			code, field  string
		}{
			{worker, "POST", "/api/v1/sampling/rounds", `{"month":"2026-07","region_code":"230602001001001","per_grid":1}`, 403, "forbidden", ""},
			{center, "POST", "/api/v1/sampling/rounds", `{"month":"2026-06","region_code":"230602","per_grid":5}`, 409, "conflict", "region_code"},
			{center, "POST", "/api/v1/sampling/rounds", `{"month":"2026-06","region_code":"230602001001001","per_grid":1}`, 409, "conflict", "region_code"},
			{center, "POST", "/api/v1/sampling/rounds", `{"month":"2031-05","region_code":"230602002","per_grid":1}`, 400, "invalid", "month"},
			{center, "POST", "/api/v1/sampling/rounds", `{"month":"2026-7","region_code":"230602","per_grid":5}`, 400, "invalid", "month"},
			{center, "POST", "/api/v1/sampling/rounds", `{"month":"2026-07","region_code":"230602","per_grid":0}`, 400, "invalid", "per_grid"},
			{center, "POST", "/api/v1/sampling/rounds", `{"month":"2026-07","region_code":"230602","per_grid":1,"seed":-1}`, 400, "invalid", "seed"},
			{center, "POST", "/api/v1/sampling/rounds", `{"month":"2026-07","region_code":"230600","per_grid":1}`, 400, "invalid", "region_code"},
			{center, "POST", "/api/v1/sampling/rounds", `{"month":"2026-07","region_code":"230602","per_grid":"5"}`, 400, "invalid", "per_grid"},
			{center, "GET", "/api/v1/sampling/rounds?month=June", "", 400, "invalid", "month"},
			{center, "GET", "/api/v1/sampling/rounds?limit=many", "", 400, "invalid", "limit"},
			{center, "GET", "/api/v1/sampling/rounds?before=-1", "", 400, "invalid", "before"},
			{worker, "GET", "/api/v1/sampling/rounds?region=230602002", "", 400, "invalid", "region"},
			{worker, "GET", "/api/v1/sampling/items?mine=perhaps", "", 400, "invalid", "mine"},
			{worker, "GET", "/api/v1/sampling/items?round=x", "", 400, "invalid", "round"},
			{center, "GET", "/api/v1/sampling/rounds/99999/accuracy", "", 404, "not_found", ""},
			{center, "GET", "/api/v1/sampling/rounds/0/accuracy", "", 400, "invalid", "id"},
			{worker, "GET", fmt.Sprintf("/api/v1/sampling/rounds/%d/accuracy?region=230602", rid), "", 400, "invalid", "region"},
			{center, "GET", "/api/v1/sampling/items/99999", "", 404, "not_found", ""},
			{center, "POST", "/api/v1/sampling/items/99999", `{"result":"correct"}`, 404, "not_found", ""},
		} {
			t.Run(tc.method+" "+tc.path, func(t *testing.T) {
				wantProblem(t, tc.who.do(tc.method, tc.path, tc.body), tc.status, tc.code, tc.field)
			})
		}

		// The rounds with their progress; the worker sees theirs from their grid.
		list := center.do("GET", "/api/v1/sampling/rounds", "").json(t)["items"].([]any)
		if len(list) != 1 || list[0].(map[string]any)["sampled"] != float64(4) || list[0].(map[string]any)["accuracy"] != float64(0) {
			t.Fatalf("rounds = %v", list)
		}
		if theirs := worker.do("GET", "/api/v1/sampling/rounds", "").json(t)["items"].([]any); len(theirs) != 1 || theirs[0].(map[string]any)["sampled"] != float64(2) {
			t.Fatalf("worker's rounds = %v", theirs)
		}

		// The worker's tasks: the two records of their grid, assigned to them.
		mine := worker.do("GET", fmt.Sprintf("/api/v1/sampling/items?round=%d&mine=true", rid), "").json(t)["items"].([]any)
		if len(mine) != 2 {
			t.Fatalf("worker's items = %v", mine)
		}
		var personItem, houseItem map[string]any
		for _, raw := range mine {
			it := raw.(map[string]any)
			if it["assigned_to"] == nil || it["grid_code"] != "230602001001001" || it["status"] != "pending" {
				t.Fatalf("item = %v", it)
			}
			if it["record_type"] == "person" {
				personItem = it
			} else {
				houseItem = it
			}
		}
		if personItem["record_label"] != "刘凤芝" || !strings.Contains(personItem["record_detail"].(string), "********") || houseItem["record_label"] != "H-1" {
			t.Fatalf("item labels = %v / %v", personItem, houseItem)
		}
		pItem := fmt.Sprintf("/api/v1/sampling/items/%v", personItem["id"])
		hItem := fmt.Sprintf("/api/v1/sampling/items/%v", houseItem["id"])
		wantProblem(t, other.do("GET", pItem, ""), 404, "not_found", "")
		wantProblem(t, other.do("POST", pItem, `{"result":"correct"}`), 404, "not_found", "")

		// The form shows the record as it stands, masked.
		detail := worker.do("GET", pItem, "")
		if detail.status != 200 || strings.Contains(string(detail.body), idFor(3)) || strings.Contains(string(detail.body), "13612345678") {
			t.Fatalf("item detail: %d %s", detail.status, detail.body)
		}
		person := detail.json(t)["person"].(map[string]any)
		if person["phone"] != "136****5678" || person["id"] != float64(personID) {
			t.Fatalf("item person = %v", person)
		}
		version := person["version"]

		for _, tc := range []struct {
			path, body  string
			status      int
			code, field string
		}{
			{pItem, `{"result":"maybe"}`, 400, "invalid", "result"},
			{pItem, `{"result":"incorrect"}`, 400, "invalid", "note"},
			{pItem, `{"result":"correct","person":{"version":1,"name":"李四"}}`, 400, "invalid", "person"},
			{pItem, fmt.Sprintf(`{"result":"incorrect","person":{"version":%v,"phone":"123"}}`, version), 400, "invalid", "person.phone"},
			{pItem, fmt.Sprintf(`{"result":"incorrect","person":{"version":%v,"residence_type":"tourist"}}`, version), 400, "invalid", "person.residence_type"},
			{pItem, `{"result":"incorrect","person":{"version":"one"}}`, 400, "invalid", "person.version"},
			{pItem, `{"result":"incorrect","person":{"version":99,"name":"李四"}}`, 409, "conflict", "person.version"},
			{pItem, `{"result":"incorrect","house":{"version":1,"address":"友谊路9号"}}`, 400, "invalid", "house"},
			{hItem, `{"result":"incorrect","house":{"version":1,"lng":124.9}}`, 400, "invalid", "house.lat"},
			{hItem, `{"result":"incorrect","house":{"version":1,"lng":200,"lat":46.5}}`, 400, "invalid", "house.lng"},
			{hItem, `{"result":"incorrect","house":{"version":1,"usage":"castle"}}`, 400, "invalid", "house.usage"},
			{hItem, `{"result":"incorrect","house":{"version":1,"grid_code":"230602001001002"}}`, 400, "invalid", "house.grid_code"},
		} {
			t.Run("check "+tc.body, func(t *testing.T) {
				wantProblem(t, worker.do("POST", tc.path, tc.body), tc.status, tc.code, tc.field)
			})
		}

		// Corrections flow back into the registry, audited as updates.
		if r := worker.do("POST", pItem, fmt.Sprintf(`{"result":"incorrect","note":"户号有误","person":{"version":%v,"household_no":"0099"}}`, version)); r.status != 204 {
			t.Fatalf("person correction: %d %s", r.status, r.body)
		}
		wantProblem(t, worker.do("POST", pItem, `{"result":"correct"}`), 409, "conflict", "")
		if r := worker.do("POST", hItem, `{"result":"incorrect","house":{"version":1,"usage":"rented","floor_area_m2":60}}`); r.status != 204 {
			t.Fatalf("house correction: %d %s", r.status, r.body)
		}
		if p := worker.do("GET", fmt.Sprintf("/api/v1/persons/%d", personID), "").json(t); p["household_no"] != "0099" || p["phone"] != "136****5678" {
			t.Fatalf("person after correction = %v", p)
		}
		if h := worker.do("GET", "/api/v1/houses/H-1", "").json(t); h["usage"] != "rented" || h["version"] != float64(2) {
			t.Fatalf("house after correction = %v", h)
		}
		updates := admin.do("GET", fmt.Sprintf("/api/v1/audit?action=person.update&target_id=%d", personID), "").json(t)["items"].([]any)
		if len(updates) != 1 || fmt.Sprint(updates[0].(map[string]any)["detail"].(map[string]any)["changed"]) != "[household_no]" {
			t.Fatalf("person.update audit = %v", updates)
		}
		checks := admin.do("GET", "/api/v1/audit?action=sampling.check", "").json(t)["items"].([]any)
		if len(checks) != 2 || fmt.Sprint(checks[0].(map[string]any)["detail"].(map[string]any)["corrected"]) != "[usage floor_area_m2]" {
			t.Fatalf("sampling.check audit = %v", checks)
		}
		if left := worker.do("GET", "/api/v1/sampling/items?mine=true", "").json(t)["items"].([]any); len(left) != 0 {
			t.Fatalf("worker's tasks after checking = %v", left)
		}

		// The center confirms grid 002's two records: 2 correct of 4 sampled.
		for _, raw := range center.do("GET", fmt.Sprintf("/api/v1/sampling/items?round=%d", rid), "").json(t)["items"].([]any) {
			if r := center.do("POST", fmt.Sprintf("/api/v1/sampling/items/%v", raw.(map[string]any)["id"]), `{"result":"correct"}`); r.status != 204 {
				t.Fatalf("center check: %d %s", r.status, r.body)
			}
		}
		acc := center.do("GET", fmt.Sprintf("/api/v1/sampling/rounds/%d/accuracy", rid), "").json(t)["items"].([]any)
		top := acc[0].(map[string]any)
		if top["code"] != "230602" || top["level"] != "county" || top["sampled"] != float64(4) || top["checked"] != float64(4) || top["accuracy"] != 0.5 {
			t.Fatalf("county accuracy = %v", acc)
		}
		if len(acc) != 3 || acc[2].(map[string]any)["code"] != "230602002" || acc[2].(map[string]any)["accuracy"] != nil {
			t.Fatalf("township rows = %v", acc[1:])
		}
		grids := center.do("GET", fmt.Sprintf("/api/v1/sampling/rounds/%d/accuracy?region=230602001001", rid), "").json(t)["items"].([]any)
		if len(grids) != 3 || grids[1].(map[string]any)["accuracy"] != float64(0) || grids[2].(map[string]any)["accuracy"] != float64(1) {
			t.Fatalf("grid accuracy = %v", grids)
		}
		if own := worker.do("GET", fmt.Sprintf("/api/v1/sampling/rounds/%d/accuracy", rid), "").json(t)["items"].([]any); own[0].(map[string]any)["code"] != "230602001001001" {
			t.Fatalf("worker's accuracy = %v", own)
		}
		if r := center.do("GET", "/api/v1/sampling/rounds?limit=1", "").json(t); r["next_before"] != nil || r["items"].([]any)[0].(map[string]any)["accuracy"] != 0.5 {
			t.Fatalf("rounds after the checks = %v", r)
		}
	})
}
