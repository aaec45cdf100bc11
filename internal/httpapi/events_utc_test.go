package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// timesNotUTC lists the datetimes of a JSON document that are not in UTC,
// by where they are.
func timesNotUTC(v any, at string) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			out = append(out, timesNotUTC(c, at+"."+k)...)
		}
	case []any:
		for i, c := range x {
			out = append(out, timesNotUTC(c, fmt.Sprintf("%s[%d]", at, i))...)
		}
	case string:
		if _, err := time.Parse(time.RFC3339Nano, x); err == nil && !strings.HasSuffix(x, "Z") {
			out = append(out, at+"="+x)
		}
	}
	return out
}

// eventTimes are the datetimes of an event as the API shows it.
func eventTimes(ev map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range []string{"step_started_at", "step_due", "supervise_due", "occurred_at", "created_at", "updated_at", "closed_at"} {
		out[k] = ev[k]
	}
	return out
}

// Every time the events API answers is in UTC, whichever action set it
// (deadlines are counted in the calendar's zone), and the answer to an
// action shows the same times as reading the event and listing it.
func TestEventTimesAreUTC(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{withMap: true, withEvents: true})
		e.user("admin1", auth.RoleAdmin, "")
		e.user("center1", auth.RoleCenter, "230602001")
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
		center, urban := e.loggedIn("center1"), e.loggedIn("urban1")
		utc := func(what string, body []byte) map[string]any {
			t.Helper()
			var doc any
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatalf("%s: %v\n%s", what, err, body)
			}
			if bad := timesNotUTC(doc, what); len(bad) > 0 {
				t.Fatalf("times not in UTC: %v", bad)
			}
			m, _ := doc.(map[string]any)
			return m
		}
		// agree checks that reading and listing the event show the times
		// an answer showed.
		agree := func(what string, ev map[string]any) {
			t.Helper()
			id := int(ev["id"].(float64))
			got := utc(what+" read", center.do("GET", fmt.Sprintf("/api/v1/events/%d", id), "").body)
			if a, b := fmt.Sprint(eventTimes(ev)), fmt.Sprint(eventTimes(got)); a != b {
				t.Fatalf("%s answered %s, reading gives %s", what, a, b)
			}
			for _, it := range utc(what+" list", center.do("GET", "/api/v1/events?limit=100", "").body)["items"].([]any) {
				if item := it.(map[string]any); item["id"] == ev["id"] {
					for k, v := range eventTimes(item) {
						if v != nil && fmt.Sprint(v) != fmt.Sprint(ev[k]) {
							t.Fatalf("%s answered %s=%v, the list %v", what, k, ev[k], v)
						}
					}
					return
				}
			}
			t.Fatalf("%s: event %d not listed", what, id)
		}

		r := center.do("POST", "/api/v1/events", `{"category_code":"city_appearance.exposed_garbage","title":"路口垃圾","lng":124.9,"lat":46.5}`)
		if r.status != 201 {
			t.Fatalf("report: %d %s", r.status, r.body)
		}
		ev := utc("report", r.body)["event"].(map[string]any)
		if ev["step_due"] == nil {
			t.Fatalf("no deadline: %s", r.body)
		}
		agree("report", ev)
		id := int(ev["id"].(float64))
		for _, step := range []struct {
			who  *client
			body string
		}{
			{center, `{"action":"register"}`},
			{center, `{"action":"supervise","card":"yellow","note":"抓紧"}`},
			{center, `{"action":"dispatch"}`},
			{urban, `{"action":"accept"}`},
			{urban, `{"action":"request_extension","note":"需要机械","extension":{"amount":2,"unit":"days"}}`},
			{center, `{"action":"approve_extension"}`},
			{urban, `{"action":"feedback","note":"已清运"}`},
			{center, `{"action":"verify"}`},
		} {
			body := strings.Replace(step.body, "{", fmt.Sprintf(`{"version":%v,`, ev["version"]), 1)
			r := step.who.do("POST", fmt.Sprintf("/api/v1/events/%d/actions", id), body)
			if r.status != 200 {
				t.Fatalf("%s: %d %s", step.body, r.status, r.body)
			}
			ev = utc(step.body, r.body)
			agree(step.body, ev)
		}
		if ev["supervise_due"] == nil || ev["closed_at"] == nil {
			t.Fatalf("closed = %v", ev)
		}
		// The history's details (a supervision's due, an extension's new
		// deadline) too.
		utc("history", center.do("GET", fmt.Sprintf("/api/v1/events/%d", id), "").body)
	})
}
