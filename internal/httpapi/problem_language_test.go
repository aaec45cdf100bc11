package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// A refusal is worded in Chinese, detail and field messages alike, when the
// request asks for Chinese; in English when it asks for English or names no
// language, as scripts expect.
func TestRefusalsFollowTheLanguage(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{withMap: true, withEvents: true})
		e.user("admin1", auth.RoleAdmin, "")
		e.user("center1", auth.RoleCenter, "230602001")
		e.user("resident1", auth.RoleResident, "")
		if r := e.loggedIn("admin1").upload("/api/v1/regions/import", nil, mapFile()); r.status != 200 {
			t.Fatalf("map: %d %s", r.status, r.body)
		}
		r := e.loggedIn("resident1").do("POST", "/api/v1/events", `{"category_code":"city_appearance.exposed_garbage","title":"路口垃圾","lng":124.9,"lat":46.5}`)
		if r.status != 201 {
			t.Fatalf("report: %d %s", r.status, r.body)
		}
		id := int(r.json(t)["event"].(map[string]any)["id"].(float64))
		center := e.loggedIn("center1")
		path := fmt.Sprintf("/api/v1/events/%d/actions", id)

		for _, tc := range []struct {
			accept              string
			detail, note, stale string
		}{
			{"zh-CN", "输入有误", "请说明理由（reject 需要填写意见）", "事件 %s 已被他人更改（当前版本 1，您看到的是 9）；请刷新后重试"},
			{"zh-CN,zh;q=0.9,en;q=0.8", "输入有误", "请说明理由（reject 需要填写意见）", "事件 %s 已被他人更改（当前版本 1，您看到的是 9）；请刷新后重试"},
			{"en-US,en;q=0.9,zh-CN;q=0.5", "invalid input", "say why (reject needs a note)", "event %s changed meanwhile (version 1, you saw 9); reload it"},
			{"en", "invalid input", "say why (reject needs a note)", "event %s changed meanwhile (version 1, you saw 9); reload it"},
			{"", "invalid input", "say why (reject needs a note)", "event %s changed meanwhile (version 1, you saw 9); reload it"},
			{"fr-FR", "invalid input", "say why (reject needs a note)", "event %s changed meanwhile (version 1, you saw 9); reload it"},
		} {
			r := center.do("POST", path, `{"action":"reject","version":1}`, "Accept-Language", tc.accept)
			wantProblem(t, r, 400, "invalid", "note")
			p := r.json(t)
			if p["detail"] != tc.detail {
				t.Errorf("Accept-Language %q: detail %q, want %q", tc.accept, p["detail"], tc.detail)
			}
			if got := p["errors"].([]any)[0].(map[string]any)["reason"]; got != tc.note {
				t.Errorf("Accept-Language %q: note %q, want %q", tc.accept, got, tc.note)
			}
			if !strings.Contains(r.header.Get("Vary"), "Accept-Language") {
				t.Errorf("Accept-Language %q: Vary = %q", tc.accept, r.header.Get("Vary"))
			}

			// A detail that carries values keeps them in either language.
			r = center.do("POST", path, `{"action":"reject","note":"重复上报","version":9}`, "Accept-Language", tc.accept)
			wantProblem(t, r, 409, "conflict", "version")
			code := center.do("GET", fmt.Sprintf("/api/v1/events/%d", id), "").json(t)["code"]
			if want := fmt.Sprintf(tc.stale, code); r.json(t)["detail"] != want {
				t.Errorf("Accept-Language %q: detail %q, want %q", tc.accept, r.json(t)["detail"], want)
			}
		}
	})
}
