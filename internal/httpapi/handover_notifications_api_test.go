package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// An event escalated (吹哨) to the county is in the county center's
// notifications at once, and in no one else's; dispatched, in the lead's
// and the assisting department's, and not in another department's; a
// refused action adds none.
func TestHandoverNotificationsAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{withMap: true, withEvents: true})
		e.user("admin1", auth.RoleAdmin, "")
		admin := e.loggedIn("admin1")
		if r := admin.upload("/api/v1/regions/import", nil, mapFile()); r.status != 200 {
			t.Fatalf("map: %d %s", r.status, r.body)
		}
		for _, body := range []string{
			`{"code":"230602-urban","name":"城管局","region_code":"230602"}`,
			`{"code":"230602-police","name":"公安分局","region_code":"230602"}`,
			`{"code":"230600-water","name":"大庆市水务局","region_code":"230600"}`,
		} {
			if r := admin.do("POST", "/api/v1/departments", body); r.status != 201 {
				t.Fatalf("department: %d %s", r.status, r.body)
			}
		}
		e.user("township1", auth.RoleCenter, "230602001")
		e.user("tieren", auth.RoleCenter, "230602002")
		e.user("county1", auth.RoleCenter, "230602")
		e.user("urban1", auth.RoleDepartment, "230602-urban")
		e.user("police1", auth.RoleDepartment, "230602-police")
		e.user("water1", auth.RoleDepartment, "230600-water")
		township, tieren, county := e.loggedIn("township1"), e.loggedIn("tieren"), e.loggedIn("county1")
		urban, police, water := e.loggedIn("urban1"), e.loggedIn("police1"), e.loggedIn("water1")
		inbox := func(c *client) []map[string]any {
			t.Helper()
			r := c.do("GET", "/api/v1/notifications?unread=true", "")
			if r.status != 200 {
				t.Fatalf("notifications: %d %s", r.status, r.body)
			}
			var out []map[string]any
			for _, it := range r.json(t)["items"].([]any) {
				out = append(out, it.(map[string]any))
			}
			return out
		}
		count := func(c *client) int { t.Helper(); return len(inbox(c)) }

		r := township.do("POST", "/api/v1/events", `{"category_code":"city_appearance.exposed_garbage","title":"路口垃圾","grid_code":"230602001001001"}`)
		if r.status != 201 {
			t.Fatalf("report: %d %s", r.status, r.body)
		}
		ev := r.json(t)["event"].(map[string]any)
		id, code := int(ev["id"].(float64)), ev["code"].(string)
		act := func(c *client, body string) resp {
			t.Helper()
			cur := county.do("GET", fmt.Sprintf("/api/v1/events/%d", id), "").json(t)
			return c.do("POST", fmt.Sprintf("/api/v1/events/%d/actions", id), strings.Replace(body, "{", fmt.Sprintf(`{"version":%v,`, cur["version"]), 1))
		}
		if r := act(township, `{"action":"register"}`); r.status != 200 {
			t.Fatalf("register: %d %s", r.status, r.body)
		}
		if r := act(township, `{"action":"escalate","note":"需区里协调"}`); r.status != 200 {
			t.Fatalf("escalate: %d %s", r.status, r.body)
		}
		got := inbox(county)
		if len(got) != 1 || got[0]["kind"] != "escalated" || got[0]["recipient"] != "230602" || got[0]["event_id"] != float64(id) ||
			!strings.HasPrefix(got[0]["title"].(string), "吹哨上报：事件 "+code+" 由") || !strings.HasPrefix(fmt.Sprint(got[0]["body"]), "事件：路口垃圾") {
			t.Fatalf("county inbox = %+v", got)
		}
		for name, c := range map[string]*client{"township": township, "another township": tieren, "urban": urban, "police": police, "water": water} {
			if n := count(c); n != 0 {
				t.Fatalf("%s reads %d notifications of the escalation", name, n)
			}
		}

		// Refused: the township no longer holds it; a dispatch to a
		// department that is not there. Nobody is told.
		wantProblem(t, act(township, `{"action":"escalate","note":"x"}`), 403, "forbidden", "")
		wantProblem(t, act(county, `{"action":"dispatch","department":"230602-none"}`), 400, "invalid", "department")
		if n := count(county) + count(urban) + count(police) + count(water) + count(township); n != 1 {
			t.Fatalf("%d notifications after refused actions, want the escalation's alone", n)
		}

		if r := act(county, `{"action":"dispatch","department":"230602-urban","assisting":["230602-police"]}`); r.status != 200 {
			t.Fatalf("dispatch: %d %s", r.status, r.body)
		}
		if got := inbox(urban); len(got) != 1 || got[0]["kind"] != "dispatched" || got[0]["recipient"] != "230602-urban" ||
			!strings.HasPrefix(got[0]["title"].(string), "派遣：事件 "+code+" 由") || !strings.HasSuffix(got[0]["title"].(string), "本部门主办") {
			t.Fatalf("lead inbox = %+v", got)
		}
		if got := inbox(police); len(got) != 1 || got[0]["kind"] != "assisting" || !strings.HasSuffix(got[0]["title"].(string), "本部门协办") {
			t.Fatalf("assisting inbox = %+v", got)
		}
		if n := count(water); n != 0 {
			t.Fatalf("another department reads %d notifications", n)
		}
		if n := count(county); n != 1 {
			t.Fatalf("the county reads %d notifications, want its escalation's alone", n)
		}
		if n := count(township) + count(tieren); n != 0 {
			t.Fatalf("the townships read %d notifications", n)
		}
	})
}
