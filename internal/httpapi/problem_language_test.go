package httpapi_test

import (
	"fmt"
	"net/http"
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
			{"zh-CN", "输入有误", "请说明理由（“不予立案”需要填写意见）", "事件 %s 已被他人更改（当前版本 1，您看到的是 9）；请刷新后重试"},
			{"zh-CN,zh;q=0.9,en;q=0.8", "输入有误", "请说明理由（“不予立案”需要填写意见）", "事件 %s 已被他人更改（当前版本 1，您看到的是 9）；请刷新后重试"},
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

// A body's value that cannot be read as its field's type is refused under
// that field, in JSON's terms and in the reader's language: a time not in
// RFC 3339 too, whose decoder error names no field, and never in Go's words.
func TestBodyValuesOfTheWrongFormNameTheirField(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e, _ := residentEnv(t, d)
		e.user("admin1", auth.RoleAdmin, "")
		e.user("center1", auth.RoleCenter, "230600")
		admin, center := e.loggedIn("admin1"), e.loggedIn("center1")
		const rfc3339 = "must be a time in RFC 3339, e.g. 2026-09-30T16:00:00+08:00"
		const rfc3339zh = "须为 RFC 3339 格式的时间，如 2026-09-30T16:00:00+08:00"
		for _, tc := range []struct {
			c                 *client
			path, body, field string
			en, zh            string
		}{
			{admin, "/api/v1/regions", `{"code":"230602004","name":"又一街道","level":"township","parent_code":"230602","valid_from":"yesterday"}`,
				"valid_from", rfc3339, rfc3339zh},
			{center, "/api/v1/notices", `{"title":"t","body":"b","region_code":"230602001","expires_at":"2026-13-01T00:00:00Z"}`,
				"expires_at", rfc3339, rfc3339zh},
			{center, "/api/v1/notices", `{"title":"t","body":"b","region_code":"230602001","publish_at":"tomorrow"}`,
				"publish_at", rfc3339, rfc3339zh},
			{center, "/api/v1/notices", `{"title":"t","body":"b","region_code":"230602001","Expires_At":20260601}`,
				"expires_at", rfc3339, rfc3339zh},
			{center, "/api/v1/notices", `{"title":5,"body":"b","region_code":"230602001"}`,
				"title", "must be a string, not a number", "须为字符串，不能是数字"},
			{center, "/api/v1/notices", `{"title":"t","body":["b"],"region_code":"230602001"}`,
				"body", "must be a string, not an array", "须为字符串，不能是数组"},
			{admin, "/api/v1/regions", `{"code":"230602004","name":"又一街道","level":"township","parent_code":"230602","valid_from":true}`,
				"valid_from", rfc3339, rfc3339zh},
		} {
			for _, lang := range []struct{ accept, want string }{{"", tc.en}, {"zh-CN", tc.zh}} {
				r := tc.c.do("POST", tc.path, tc.body, "Accept-Language", lang.accept)
				wantProblem(t, r, 400, "invalid", tc.field)
				if got := r.json(t)["errors"].([]any)[0].(map[string]any)["reason"]; got != lang.want {
					t.Errorf("%s %s (%q): reason %q, want %q", tc.path, tc.body, lang.accept, got, lang.want)
				}
			}
		}
	})
}

// An uploaded map file that is no GeoJSON FeatureCollection is refused
// with why, in the reader's language, never in the JSON decoder's words.
func TestGeoJSONUploadsThatAreNoCollection(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{withMap: true})
		e.user("admin1", auth.RoleAdmin, "")
		admin := e.loggedIn("admin1")
		for _, tc := range []struct {
			path, file, en, zh string
		}{
			{"/api/v1/regions/import", "{not json",
				"is not a GeoJSON FeatureCollection: it is not valid JSON (at byte 2)", "不是 GeoJSON FeatureCollection：不是有效的 JSON（第 2 字节处）"},
			{"/api/v1/regions/import", `{"type":"FeatureCollection","features":[`,
				"is not a GeoJSON FeatureCollection: it is not valid JSON (it ends too early)", "不是 GeoJSON FeatureCollection：不是有效的 JSON（内容不完整）"},
			{"/api/v1/stations/import", "[]",
				"is not a GeoJSON FeatureCollection: it is an array, not an object", "不是 GeoJSON FeatureCollection：它是数组，不是对象"},
			{"/api/v1/stations/import", `{"type":"FeatureCollection","features":{}}`,
				"is not a GeoJSON FeatureCollection: its features are not an array", "不是 GeoJSON FeatureCollection：其 features 不是数组"},
			{"/api/v1/regions/import", " \n",
				"is not a GeoJSON FeatureCollection: the file is empty", "不是 GeoJSON FeatureCollection：文件为空"},
		} {
			for _, lang := range []struct{ accept, want string }{{"", tc.en}, {"zh-CN", tc.zh}} {
				r := admin.uploadWith(tc.path, http.Header{"Accept-Language": {lang.accept}}, nil, "map.geojson", tc.file)
				wantProblem(t, r, 400, "invalid", "file")
				if got := r.json(t)["errors"].([]any)[0].(map[string]any)["reason"]; got != lang.want {
					t.Errorf("%s %q (%q): reason %q, want %q", tc.path, tc.file, lang.accept, got, lang.want)
				}
			}
		}
	})
}
