package httpapi_test

import (
	"net/url"
	"testing"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// A posted request that names a jurisdiction is filed only in it: an
// unknown jurisdiction is 404 as for the lists, a place outside it is 400
// naming jurisdiction_id, in either format, and nothing is stored.
func TestOpen311PostJurisdiction(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		o := newOpen311Env(t, d)
		r := o.admin.do("POST", "/api/v1/api-keys", `{"name":"fixmystreet"}`)
		if r.status != 201 {
			t.Fatalf("create key: %d %s", r.status, r.body)
		}
		key := r.json(t)["key"].(string)
		form := func(kv ...string) url.Values {
			v := url.Values{"api_key": {key}, "service_code": {"city_appearance.exposed_garbage"}, "description": {"路口垃圾"},
				"lat": {"46.5"}, "long": {"124.9"}} // in grid 230602001001001, township 230602001
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == "" {
					v.Del(kv[i])
				} else {
					v.Set(kv[i], kv[i+1])
				}
			}
			return v
		}
		events := o.count("events")
		for _, tc := range []struct {
			name   string
			path   string
			form   url.Values
			status int
			want   string
		}{
			{"unknown", "requests.json", form("jurisdiction_id", "123"), 404, `jurisdiction_id "123" not found`},
			{"unknown, xml", "requests.xml", form("jurisdiction_id", "123"), 404, `jurisdiction_id "123" not found`},
			{"the key first", "requests.json", form("jurisdiction_id", "123", "api_key", "secret"), 403, "not a valid key"},
			{"point outside", "requests.json", form("jurisdiction_id", "230602002"), 400, "jurisdiction_id: the place is in grid 230602001001001, outside region 230602002"},
			{"point outside, xml", "requests.xml", form("jurisdiction_id", "230602002"), 400, "jurisdiction_id: the place is in grid 230602001001001, outside region 230602002"},
			{"grid outside", "requests.json", form("jurisdiction_id", "230602002", "lat", "", "long", "",
				"address_string", "友谊大街2号", "attribute[grid_code]", "230602001001002"), 400, "jurisdiction_id: the place is in grid 230602001001002"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantOpen311Error(t, o.post("/open311/v2/"+tc.path, tc.form), tc.status, tc.want)
			})
		}
		if n := o.count("events"); n != events {
			t.Fatalf("refused requests stored %d events", n-events)
		}
		// Inside the jurisdiction named, at any level, in the body or the query.
		for _, code := range []string{"230600", "230602", "230602001", "230602001001001"} {
			if got := jsonList(t, o.post("/open311/v2/requests.json", form("jurisdiction_id", code))); len(got) != 1 || got[0]["service_request_id"] == "" {
				t.Fatalf("jurisdiction %s: %v", code, got)
			}
		}
		wantOpen311Error(t, o.post("/open311/v2/requests.json?jurisdiction_id=230602002", form()), 400, "jurisdiction_id:")
		if n := o.count("events"); n != events+4 {
			t.Fatalf("stored %d events, want 4", n-events)
		}
	})
}
