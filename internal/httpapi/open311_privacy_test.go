package httpapi_test

import (
	"bytes"
	"testing"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
)

// The public Open311 feed shows a resident's report, and a hotline
// caller's, as the resident app shows another's report: the title and the
// point rounded to about 100 m, never the description, the address, the
// exact point or the reporter; in JSON and XML, listed and alone, with
// extensions or without. A report an Open311 client posted is shown as
// posted.
func TestOpen311ShowsAPersonsReportAsThePublicView(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		o := newOpen311Env(t, d)
		schemas := open311Schemas(t)
		o.user("resident1", auth.RoleResident, "")
		resident := o.loggedIn("resident1")
		codes := map[string]string{}
		body := `{"category_code":"city_appearance.exposed_garbage","title":"楼下垃圾",
			"description":"我家三单元楼下堆满垃圾","address":"友谊大街8号3单元","lng":124.91234,"lat":46.51234}`
		caller := `{"reporter_name":"王小明","reporter_phone":"13912345678",` + body[1:]
		for who, c := range map[string]*client{"resident": resident, "hotline": o.center} {
			in := body
			if who == "hotline" {
				in = caller
			}
			r := c.do("POST", "/api/v1/events", in)
			if r.status != 201 {
				t.Fatalf("%s report: %d %s", who, r.status, r.body)
			}
			ev := r.json(t)["event"].(map[string]any)
			if ev["source"] != who {
				t.Fatalf("%s report's source = %v", who, ev["source"])
			}
			codes[who] = ev["code"].(string)
		}
		secrets := []string{"我家三单元", "友谊大街8号", "124.91234", "46.51234", "王小明", "13912345678", "1391234"}
		clean := func(what string, body []byte) {
			t.Helper()
			for _, s := range secrets {
				if bytes.Contains(body, []byte(s)) {
					t.Fatalf("%s shows %q: %s", what, s, body)
				}
			}
		}
		for who, code := range codes {
			for _, ext := range []string{"", "?extensions=true"} {
				r := o.public.do("GET", "/open311/v2/requests/"+code+".json"+ext, "")
				wantSchema(t, schemas, "requests", r.body)
				clean(who+" request", r.body)
				got := jsonList(t, r)[0]
				if got["description"] != "楼下垃圾" || got["address"] != nil || got["lat"] != 46.512 || got["long"] != 124.912 {
					t.Fatalf("%s request%s = %s", who, ext, r.body)
				}
				var x xmlRequests
				r = o.public.do("GET", "/open311/v2/requests/"+code+".xml"+ext, "")
				clean(who+" request.xml", r.body)
				xmlDoc(t, r, &x)
				if len(x.Requests) != 1 || x.Requests[0].Description != "楼下垃圾" || x.Requests[0].Lat != 46.512 || x.Requests[0].Long != 124.912 {
					t.Fatalf("%s request.xml%s = %s", who, ext, r.body)
				}
			}
		}
		for _, path := range []string{"/open311/v2/requests.json?extensions=true", "/open311/v2/requests.xml?extensions=true",
			"/open311/v2/requests.json", "/open311/v2/servicerequestupdates.json", "/open311/v2/servicerequestupdates.xml"} {
			r := o.public.do("GET", path, "")
			if r.status != 200 {
				t.Fatalf("%s: %d %s", path, r.status, r.body)
			}
			clean(path, r.body)
		}
		list := jsonList(t, o.public.do("GET", "/open311/v2/requests.json", ""))
		if len(list) != 2 {
			t.Fatalf("list = %v", list)
		}
	})
}
