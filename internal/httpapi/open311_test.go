package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/gridgov/gridgov/internal/apikey"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/httpapi"
)

// open311SchemaDir holds the published Open311 JSON schemas, shared by the
// workspace and never copied into the repository.
var open311SchemaDir = filepath.Join("..", "..", "..", "shared", "data", "open311-schemas")

// open311Schemas compiles the published schemas with formats asserted
// (date-time, uri); nil when they are not there.
func open311Schemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	dir, err := filepath.Abs(open311SchemaDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "request.json")); err != nil {
		return nil
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	out := map[string]*jsonschema.Schema{}
	for _, name := range []string{"services", "service", "service-definition", "requests", "request"} {
		s, err := c.Compile(filepath.Join(dir, name+".json"))
		if err != nil {
			t.Fatalf("compile %s: %v", name, err)
		}
		out[name] = s
	}
	return out
}

// wantSchema validates a response body against a published schema.
func wantSchema(t *testing.T, schemas map[string]*jsonschema.Schema, name string, body []byte) {
	t.Helper()
	if schemas == nil {
		return
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", name, err, body)
	}
	if err := schemas[name].Validate(inst); err != nil {
		t.Fatalf("%s does not match the Open311 schema: %v\n%s", name, err, body)
	}
}

// open311Env is the events fixture (map, department, routing rule) with API keys.
type open311Env struct {
	*env
	keys   *apikey.Service
	admin  *client
	center *client
	urban  *client
	public *client
}

func newOpen311Env(t *testing.T, d *db.DB) *open311Env {
	t.Helper()
	keys := apikey.NewService(d, time.Now)
	e := newEnv(t, d, options{withMap: true, withEvents: true, ui: httpapi.Options{APIKeys: keys}})
	e.user("admin1", auth.RoleAdmin, "")
	e.user("center1", auth.RoleCenter, "230602001")
	o := &open311Env{env: e, keys: keys, admin: e.loggedIn("admin1"), public: &client{e: e, http: &http.Client{}}}
	if r := o.admin.upload("/api/v1/regions/import", nil, mapFile()); r.status != 200 {
		t.Fatalf("map: %d %s", r.status, r.body)
	}
	if r := o.admin.do("POST", "/api/v1/departments", `{"code":"230602-urban","name":"萨尔图区城市管理综合执法局","region_code":"230602"}`); r.status != 201 {
		t.Fatalf("department: %d %s", r.status, r.body)
	}
	if r := o.admin.do("POST", "/api/v1/routing-rules", `{"category_code":"city_appearance","region_code":"230602","lead_department":"230602-urban"}`); r.status != 201 {
		t.Fatalf("rule: %d %s", r.status, r.body)
	}
	e.user("urban1", auth.RoleDepartment, "230602-urban")
	o.center, o.urban = e.loggedIn("center1"), e.loggedIn("urban1")
	return o
}

func (o *open311Env) post(path string, form url.Values) resp {
	o.t.Helper()
	return o.public.do("POST", path, form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
}

func (o *open311Env) count(table string) int {
	o.t.Helper()
	var n int
	if err := o.d.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		o.t.Fatal(err)
	}
	return n
}

// wantOpen311Error checks an Open311 error answer, in JSON or XML.
func wantOpen311Error(t *testing.T, r resp, status int, fragment string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	var list []struct {
		Code        int    `json:"code" xml:"code"`
		Description string `json:"description" xml:"description"`
	}
	if strings.HasPrefix(r.header.Get("Content-Type"), "text/xml") {
		var doc struct {
			XMLName xml.Name `xml:"errors"`
			Errors  []struct {
				Code        int    `xml:"code"`
				Description string `xml:"description"`
			} `xml:"error"`
		}
		if err := xml.Unmarshal(r.body, &doc); err != nil {
			t.Fatalf("error body is not Open311 XML: %v\n%s", err, r.body)
		}
		for _, e := range doc.Errors {
			list = append(list, struct {
				Code        int    `json:"code" xml:"code"`
				Description string `json:"description" xml:"description"`
			}{e.Code, e.Description})
		}
	} else if err := json.Unmarshal(r.body, &list); err != nil {
		t.Fatalf("error body is not an Open311 error list: %v\n%s", err, r.body)
	}
	if len(list) == 0 || list[0].Code != status {
		t.Fatalf("errors = %+v, want code %d", list, status)
	}
	all := ""
	for _, e := range list {
		all += e.Description + "\n"
	}
	if !strings.Contains(all, fragment) {
		t.Fatalf("errors %q lack %q", all, fragment)
	}
}

func jsonList(t *testing.T, r resp) []map[string]any {
	t.Helper()
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, type %q: %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	var out []map[string]any
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatalf("not a JSON list: %v\n%s", err, r.body)
	}
	return out
}

func xmlDoc(t *testing.T, r resp, v any) {
	t.Helper()
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/xml") || !bytes.HasPrefix(r.body, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Fatalf("status %d, type %q: %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	if err := xml.Unmarshal(r.body, v); err != nil {
		t.Fatalf("not the XML expected: %v\n%s", err, r.body)
	}
}

type xmlRequest struct {
	ID                string  `xml:"service_request_id"`
	Status            string  `xml:"status"`
	StatusNotes       string  `xml:"status_notes"`
	ServiceCode       string  `xml:"service_code"`
	Description       string  `xml:"description"`
	AgencyResponsible string  `xml:"agency_responsible"`
	RequestedDatetime string  `xml:"requested_datetime"`
	Lat               float64 `xml:"lat"`
	Long              float64 `xml:"long"`
	Token             string  `xml:"token"`
	Extended          *struct {
		GridCode string   `xml:"grid_code"`
		Path     []string `xml:"category_path>category>code"`
		History  []string `xml:"history>entry>action"`
	} `xml:"extended_attributes"`
}

type xmlRequests struct {
	XMLName  xml.Name     `xml:"service_requests"`
	Requests []xmlRequest `xml:"request"`
}

// Discovery and services in both formats, against the published schemas.
func TestOpen311DiscoveryAndServices(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		schemas := open311Schemas(t)
		o := newOpen311Env(t, d)
		p := o.public

		disc := p.do("GET", "/open311/v2/discovery.json", "").json(t)
		ep := disc["endpoints"].([]any)[0].(map[string]any)
		if ep["specification"] != "http://wiki.open311.org/GeoReport_v2" || !strings.HasSuffix(ep["url"].(string), "/open311/v2") ||
			fmt.Sprint(ep["formats"]) != "[application/json text/xml]" {
			t.Fatalf("discovery = %v", disc)
		}
		var dx struct {
			XMLName xml.Name `xml:"discovery"`
			Formats []string `xml:"endpoints>endpoint>formats>format"`
		}
		xmlDoc(t, p.do("GET", "/open311/v2/discovery.xml", ""), &dx)
		if len(dx.Formats) != 2 {
			t.Fatalf("discovery.xml formats = %v", dx.Formats)
		}

		r := p.do("GET", "/open311/v2/services.json", "")
		wantSchema(t, schemas, "services", r.body)
		services := jsonList(t, r)
		if r.header.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatalf("public data should be readable from any origin: %v", r.header)
		}
		var garbage map[string]any
		for _, s := range services {
			wantSchema(t, schemas, "service", mustJSON(t, s))
			if s["service_code"] == "city_appearance.exposed_garbage" {
				garbage = s
			}
			if strings.Count(s["service_code"].(string), ".") == 0 {
				t.Fatalf("a group is listed as a service: %v", s)
			}
		}
		if garbage == nil || garbage["service_name"] != "暴露垃圾" || garbage["group"] != "市容环境" || garbage["metadata"] != true ||
			garbage["type"] != "realtime" || !strings.Contains(garbage["keywords"].(string), ",") {
			t.Fatalf("exposed garbage = %v", garbage)
		}
		en := jsonList(t, p.do("GET", "/open311/v2/services.json", "", "Accept-Language", "en-GB,en;q=0.9"))
		if !strings.Contains(string(mustJSON(t, en)), `"service_name":"Exposed garbage"`) {
			t.Fatalf("English names: %v", en[0])
		}
		var sx struct {
			XMLName  xml.Name `xml:"services"`
			Services []struct {
				Code     string `xml:"service_code"`
				Name     string `xml:"service_name"`
				Metadata bool   `xml:"metadata"`
			} `xml:"service"`
		}
		xmlDoc(t, p.do("GET", "/open311/v2/services.xml", ""), &sx)
		if len(sx.Services) != len(services) || sx.Services[0].Code != services[0]["service_code"] || !sx.Services[0].Metadata {
			t.Fatalf("services.xml = %+v", sx.Services[:1])
		}

		r = p.do("GET", "/open311/v2/services/city_appearance.exposed_garbage.json", "")
		wantSchema(t, schemas, "service-definition", r.body)
		def := r.json(t)
		codes := []string{}
		for _, a := range def["attributes"].([]any) {
			codes = append(codes, a.(map[string]any)["code"].(string))
		}
		if def["service_code"] != "city_appearance.exposed_garbage" || strings.Join(codes, ",") != "title,grid_code,urgency,registration_standard" {
			t.Fatalf("definition = %v", def)
		}
		var dfx struct {
			XMLName    xml.Name `xml:"service_definition"`
			Code       string   `xml:"service_code"`
			Attributes []struct {
				Code   string   `xml:"code"`
				Values []string `xml:"values>value>key"`
			} `xml:"attributes>attribute"`
		}
		xmlDoc(t, p.do("GET", "/open311/v2/services/city_appearance.exposed_garbage.xml", ""), &dfx)
		if len(dfx.Attributes) != 4 || strings.Join(dfx.Attributes[2].Values, ",") != "normal,urgent,emergency" {
			t.Fatalf("definition.xml = %+v", dfx)
		}

		wantOpen311Error(t, p.do("GET", "/open311/v2/services/nope.json", ""), 404, `service_code "nope" not found`)
		wantOpen311Error(t, p.do("GET", "/open311/v2/services/city_appearance.json", ""), 404, "not found")
		wantOpen311Error(t, p.do("GET", "/open311/v2/services/nope.xml", ""), 404, "not found")
		wantOpen311Error(t, p.do("GET", "/open311/v2/services/city_appearance.exposed_garbage.csv", ""), 404, ".json or .xml")
		wantOpen311Error(t, p.do("GET", "/open311/v2/services", ""), 404, "discovery.json")
		wantOpen311Error(t, p.do("DELETE", "/open311/v2/requests.xml", ""), 404, "no such Open311 resource")
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// An Open311 client posts requests with its key, follows one through the
// closed loop to closed, and reads lists, tokens and the update feed; every
// refusal answers as Open311 does and changes nothing.
func TestOpen311RequestsLifecycle(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		schemas := open311Schemas(t)
		o := newOpen311Env(t, d)
		p := o.public

		// Keys are issued in the console by a deployment-wide admin only.
		wantProblem(t, o.center.do("POST", "/api/v1/api-keys", `{"name":"fixmystreet"}`), 403, "forbidden", "")
		r := o.admin.do("POST", "/api/v1/api-keys", `{"name":"fixmystreet"}`)
		if r.status != 201 {
			t.Fatalf("create key: %d %s", r.status, r.body)
		}
		created := r.json(t)
		key := created["key"].(string)
		keys := o.admin.do("GET", "/api/v1/api-keys", "").json(t)["items"].([]any)
		if len(keys) != 1 || strings.Contains(fmt.Sprint(keys), key) || keys[0].(map[string]any)["prefix"] != key[:11] {
			t.Fatalf("keys = %v", keys)
		}
		old, err := o.keys.Create(context.Background(), auth.System("test"), "old-client")
		if err != nil {
			t.Fatal(err)
		}
		if r := o.admin.do("POST", fmt.Sprintf("/api/v1/api-keys/%d/revoke", old.ID), ""); r.status != 200 || r.json(t)["revoked_at"] == nil {
			t.Fatalf("revoke: %d %s", r.status, r.body)
		}

		form := func(kv ...string) url.Values {
			v := url.Values{"api_key": {key}, "service_code": {"city_appearance.exposed_garbage"}}
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == "" {
					v.Del(kv[i])
				} else {
					v.Set(kv[i], kv[i+1])
				}
			}
			return v
		}
		good := []string{"lat", "46.5", "long", "124.9", "description", "路口东侧堆放生活垃圾\n已有异味"}

		// Refusals: a bad, missing or revoked key is 403; bad input is 400;
		// nothing is stored and nothing audited.
		events, audits := o.count("events"), o.count("audit_log")
		for _, tc := range []struct {
			name   string
			path   string
			form   url.Values
			status int
			want   string
		}{
			{"wrong key", "requests.json", form(append(good, "api_key", "gg_"+strings.Repeat("x", 43))...), 403, "not a known key"},
			{"malformed key", "requests.json", form(append(good, "api_key", "secret")...), 403, "not a valid key"},
			{"no key", "requests.xml", form(append(good, "api_key", "")...), 403, "api_key is required"},
			{"revoked key", "requests.json", form(append(good, "api_key", old.Secret)...), 403, "revoked"},
			{"unknown service", "requests.json", form(append(good, "service_code", "nope")...), 400, `service_code: "nope" is not a service`},
			{"group as service", "requests.json", form(append(good, "service_code", "city_appearance")...), 400, "service_code"},
			{"no service", "requests.xml", form(append(good, "service_code", "")...), 400, "service_code: is required"},
			{"address only", "requests.json", form("address_string", "萨尔图区友谊大街1号", "description", "垃圾"), 400, "an address alone cannot be placed in a grid"},
			{"no location", "requests.json", form("description", "垃圾"), 400, "give the location"},
			{"lat without long", "requests.json", form("lat", "46.5", "description", "x"), 400, "give both lat and long"},
			{"lat not a number", "requests.json", form(append(good, "lat", "north")...), 400, `must be a number, got "north"`},
			{"outside the city", "requests.json", form(append(good, "lat", "39.9", "long", "116.4")...), 400, "lat/long: the location is not inside any grid"},
			{"unknown grid", "requests.json", form("address_string", "x", "attribute[grid_code]", "230602001001999"), 400, "attribute[grid_code]: grid 230602001001999 not found"},
			{"bad urgency", "requests.json", form(append(good, "attribute[urgency]", "asap")...), 400, "attribute[urgency]: must be normal, urgent or emergency"},
			{"unknown attribute", "requests.json", form(append(good, "attribute[colour]", "red")...), 400, "attribute[colour]: is not an attribute of this service"},
			{"markup", "requests.json", form(append(good, "description", "<script>x</script>")...), 400, "description: must be plain text"},
			{"bad phone", "requests.json", form(append(good, "phone", "12")...), 400, "phone:"},
			{"bad media", "requests.json", form(append(good, "media_url", "javascript:alert(1)")...), 400, "media_url: must be an http(s) URL"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantOpen311Error(t, o.post("/open311/v2/"+tc.path, tc.form), tc.status, tc.want)
			})
		}
		wantOpen311Error(t, p.do("POST", "/open311/v2/requests.json", `{"api_key":"`+key+`"}`), 400, "Content-Type: must be application/x-www-form-urlencoded")
		if o.count("events") != events || o.count("audit_log") != audits {
			t.Fatalf("a refused request changed something: events %d→%d, audit %d→%d", events, o.count("events"), audits, o.count("audit_log"))
		}

		// A good request: the id and token come back at once.
		r = o.post("/open311/v2/requests.json", form(append(good, "attribute[title]", "路口垃圾", "phone", "13612345678",
			"first_name", "三", "last_name", "张", "email", "z@example.com", "media_url", "https://img.example.com/1.jpg")...))
		posted := jsonList(t, r)
		if len(posted) != 1 || posted[0]["service_request_id"] == "" || posted[0]["token"] == "" || posted[0]["service_notice"] == nil {
			t.Fatalf("post = %s", r.body)
		}
		id, token := posted[0]["service_request_id"].(string), posted[0]["token"].(string)
		if r.header.Get("Location") != "/open311/v2/requests/"+id+".json" {
			t.Fatalf("Location = %q", r.header.Get("Location"))
		}
		// The second by grid and address, in XML.
		var px struct {
			XMLName  xml.Name     `xml:"service_requests"`
			Requests []xmlRequest `xml:"request"`
		}
		xmlDoc(t, o.post("/open311/v2/requests.xml", form("address_string", "友谊大街2号", "attribute[grid_code]", "230602001001002",
			"service_code", "city_appearance.road_damage", "description", "路面塌陷")), &px)
		if len(px.Requests) != 1 || px.Requests[0].ID == "" || px.Requests[0].Token == "" {
			t.Fatalf("post.xml = %+v", px)
		}
		id2 := px.Requests[0].ID
		// A dispute: listed in public without its text or place.
		disputeID := jsonList(t, o.post("/open311/v2/requests.json", form(append(good, "service_code", "dispute.neighbour", "description", "楼上王某家漏水")...)))[0]["service_request_id"].(string)

		r = p.do("GET", "/open311/v2/requests/"+id+".json", "")
		wantSchema(t, schemas, "requests", r.body)
		got := jsonList(t, r)[0]
		if got["status"] != "open" || got["service_code"] != "city_appearance.exposed_garbage" || got["service_name"] != "暴露垃圾" ||
			got["lat"] != 46.5 || got["long"] != 124.9 || !strings.HasPrefix(got["description"].(string), "路口东侧堆放生活垃圾\n已有异味\nhttps://img.example.com/1.jpg") ||
			got["media_url"] != nil || got["expected_datetime"] == nil || got["agency_responsible"] != nil || !strings.HasSuffix(got["requested_datetime"].(string), "Z") {
			t.Fatalf("request = %s", r.body)
		}
		for _, secret := range []string{"13612345678", "张三", "z@example.com", token} {
			if bytes.Contains(r.body, []byte(secret)) {
				t.Fatalf("the public request shows %q: %s", secret, r.body)
			}
		}
		dispute := jsonList(t, p.do("GET", "/open311/v2/requests/"+disputeID+".json", ""))[0]
		if dispute["description"] != nil || dispute["lat"] != nil || dispute["status"] != "open" {
			t.Fatalf("a dispute shows its text or place: %v", dispute)
		}
		// Which categories are withheld is the catalog's private flag: marking
		// a group private withholds the events under it at once, and
		// clearing it shows them again.
		markPrivate := func(code string, private bool) {
			t.Helper()
			version := o.admin.do("GET", "/api/v1/categories/"+code, "").json(t)["version"]
			if r := o.admin.do("PATCH", "/api/v1/categories/"+code, fmt.Sprintf(`{"version":%v,"private":%t}`, version, private)); r.status != 200 {
				t.Fatalf("mark %s private=%t: %d %s", code, private, r.status, r.body)
			}
		}
		markPrivate("city_appearance", true)
		hidden := jsonList(t, p.do("GET", "/open311/v2/requests/"+id+".json", ""))[0]
		if hidden["description"] != nil || hidden["lat"] != nil || hidden["service_code"] != "city_appearance.exposed_garbage" {
			t.Fatalf("an event under a private group shows its text or place: %v", hidden)
		}
		markPrivate("city_appearance", false)
		if shown := jsonList(t, p.do("GET", "/open311/v2/requests/"+id+".json", ""))[0]; shown["description"] == nil || shown["lat"] == nil {
			t.Fatalf("clearing the flag did not show the event again: %v", shown)
		}
		wantOpen311Error(t, p.do("GET", "/open311/v2/requests/20000101000000.json", ""), 404, "not found")
		wantOpen311Error(t, p.do("GET", "/open311/v2/requests/x.xml", ""), 404, "not found")

		tok := jsonList(t, p.do("GET", "/open311/v2/tokens/"+token+".json", ""))
		if len(tok) != 1 || tok[0]["service_request_id"] != id || tok[0]["token"] != token {
			t.Fatalf("token = %v", tok)
		}
		var tx xmlRequests
		xmlDoc(t, p.do("GET", "/open311/v2/tokens/"+token+".xml", ""), &tx)
		if len(tx.Requests) != 1 || tx.Requests[0].ID != id {
			t.Fatalf("token.xml = %+v", tx)
		}
		wantOpen311Error(t, p.do("GET", "/open311/v2/tokens/nope.json", ""), 404, "not found")

		// Inside, the event came from the API, reported by the client, and
		// the client can take no action on it.
		found := o.center.do("GET", "/api/v1/events?q="+id, "").json(t)["items"].([]any)
		if len(found) != 1 {
			t.Fatalf("center finds %v", found)
		}
		ev := found[0].(map[string]any)
		eventID := int(ev["id"].(float64))
		det := o.center.do("GET", fmt.Sprintf("/api/v1/events/%d", eventID), "").json(t)
		h0 := det["history"].([]any)[0].(map[string]any)
		if det["source"] != "api" || det["title"] != "路口垃圾" || det["reporter_name"] != "张三" || h0["actor_name"] != "apikey:fixmystreet" || h0["role"] != "reporter" {
			t.Fatalf("event = %v", det)
		}

		// Through the loop to closed; the feedback note becomes status_notes.
		act := func(c *client, body string) {
			t.Helper()
			cur := c.do("GET", fmt.Sprintf("/api/v1/events/%d", eventID), "").json(t)
			r := c.do("POST", fmt.Sprintf("/api/v1/events/%d/actions", eventID), strings.Replace(body, "{", fmt.Sprintf(`{"version":%v,`, cur["version"]), 1))
			if r.status != 200 {
				t.Fatalf("%s: %d %s", body, r.status, r.body)
			}
		}
		act(o.center, `{"action":"register"}`)
		act(o.center, `{"action":"dispatch"}`)
		act(o.center, `{"action":"supervise","note":"内部督办说明"}`)
		act(o.urban, `{"action":"accept"}`)
		mid := jsonList(t, p.do("GET", "/open311/v2/requests/"+id+".json", ""))[0]
		if mid["status"] != "open" || mid["agency_responsible"] != "萨尔图区城市管理综合执法局" || mid["status_notes"] != nil {
			t.Fatalf("while handling = %v", mid)
		}
		act(o.urban, `{"action":"feedback","note":"已清运，现场已消毒"}`)
		act(o.center, `{"action":"verify"}`)

		r = p.do("GET", "/open311/v2/requests/"+id+".json?extensions=true", "")
		wantSchema(t, schemas, "requests", r.body)
		closed := jsonList(t, r)[0]
		x, _ := closed["extended_attributes"].(map[string]any)
		if closed["status"] != "closed" || closed["status_notes"] != "已清运，现场已消毒" || closed["expected_datetime"] != nil ||
			closed["updated_datetime"] == nil || x == nil || x["state"] != "closed" || x["grid_code"] != "230602001001001" {
			t.Fatalf("closed = %s", r.body)
		}
		if fmt.Sprint(x["category_path"]) != "[map[code:city_appearance name:市容环境] map[code:city_appearance.exposed_garbage name:暴露垃圾]]" ||
			len(x["history"].([]any)) != 7 || strings.Contains(string(r.body), "内部督办说明") {
			t.Fatalf("extensions = %v", x)
		}
		var cx xmlRequests
		xmlDoc(t, p.do("GET", "/open311/v2/requests/"+id+".xml?extensions=true", ""), &cx)
		if len(cx.Requests) != 1 || cx.Requests[0].Status != "closed" || cx.Requests[0].AgencyResponsible != "萨尔图区城市管理综合执法局" ||
			cx.Requests[0].Lat != 46.5 || cx.Requests[0].Extended == nil || len(cx.Requests[0].Extended.History) != 7 ||
			strings.Join(cx.Requests[0].Extended.Path, ",") != "city_appearance,city_appearance.exposed_garbage" {
			t.Fatalf("request.xml = %+v", cx)
		}

		// Lists: filters, windows and pages.
		list := func(query string) []map[string]any {
			t.Helper()
			r := p.do("GET", "/open311/v2/requests.json"+query, "")
			wantSchema(t, schemas, "requests", r.body)
			return jsonList(t, r)
		}
		ids := func(l []map[string]any) string {
			var out []string
			for _, m := range l {
				out = append(out, m["service_request_id"].(string))
			}
			return strings.Join(out, ",")
		}
		if got := ids(list("")); got != disputeID+","+id2+","+id {
			t.Fatalf("all = %s", got)
		}
		if got := ids(list("?status=closed")); got != id {
			t.Fatalf("closed = %s", got)
		}
		if got := ids(list("?status=open&service_code=city_appearance.road_damage,dispute.neighbour")); got != disputeID+","+id2 {
			t.Fatalf("open road damage and disputes = %s", got)
		}
		if got := ids(list("?status=open,closed&page_size=1&page=2")); got != id2 {
			t.Fatalf("page 2 of 1 = %s", got)
		}
		if got := ids(list("?page_size=2&page=3")); got != "" {
			t.Fatalf("page past the end = %s", got)
		}
		if got := ids(list("?service_request_id=" + id + "," + id2 + "&status=closed")); got != id2+","+id {
			t.Fatalf("by ids (other parameters ignored) = %s", got)
		}
		now := time.Now().UTC()
		// An unescaped '+' of a zone offset arrives as a space and is understood.
		if got := ids(list("?start_date=" + now.Add(-time.Hour).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02T15:04:05+08:00") + "&end_date=" + now.Add(time.Hour).Format(time.RFC3339))); got != disputeID+","+id2+","+id {
			t.Fatalf("window = %s", got)
		}
		if got := ids(list("?end_date=" + now.Add(-time.Hour).Format(time.RFC3339))); got != "" {
			t.Fatalf("window before = %s", got)
		}
		if got := ids(list("?jurisdiction_id=230602&status=closed")); got != id {
			t.Fatalf("jurisdiction = %s", got)
		}
		// A withheld event says nothing of where it is: no region or grid
		// among its attributes, and not listed under a region below the city.
		if ext := p.do("GET", "/open311/v2/requests/"+disputeID+".json?extensions=true", ""); ext.status != 200 || bytes.Contains(ext.body, []byte("230602001")) {
			t.Fatalf("a dispute shows its region or grid: %d %s", ext.status, ext.body)
		}
		if got := ids(list("?jurisdiction_id=230602001001001")); got != id {
			t.Fatalf("the grid's requests = %s, want only %s (a dispute there is withheld)", got, id)
		}
		var lx xmlRequests
		xmlDoc(t, p.do("GET", "/open311/v2/requests.xml?status=open", ""), &lx)
		if len(lx.Requests) != 2 || lx.Requests[0].ID != disputeID || lx.Requests[1].ServiceCode != "city_appearance.road_damage" {
			t.Fatalf("requests.xml = %+v", lx)
		}
		for _, tc := range []struct{ query, want string }{
			{"?status=pending", `status: must be open, closed or open,closed, got "pending"`},
			{"?service_code=nope", `service_code: "nope" is not a service`},
			{"?start_date=yesterday", `start_date: must be a W3C datetime`},
			{"?end_date=2026-13-01", `end_date: must be a W3C datetime`},
			{"?start_date=2026-05-02&end_date=2026-05-01", "end_date: must not be before start_date"},
			{"?start_date=2026-01-01&end_date=2026-06-01", "end_date: must be at most 90 days after start_date"},
			{"?page=0", "page: must be a whole number from 1"},
			{"?page_size=1001", "page_size: must be a whole number from 1 to 1000"},
			{"?page_size=x", "page_size:"},
			{"?page=200&page_size=1000", "narrow start_date and end_date"},
		} {
			wantOpen311Error(t, p.do("GET", "/open311/v2/requests.json"+tc.query, ""), 400, tc.want)
			wantOpen311Error(t, p.do("GET", "/open311/v2/requests.xml"+tc.query, ""), 400, tc.want)
		}
		wantOpen311Error(t, p.do("GET", "/open311/v2/requests.json?jurisdiction_id=999999", ""), 404, "jurisdiction_id")

		// The update feed: reports and changes of state, oldest first.
		feed := jsonList(t, p.do("GET", "/open311/v2/servicerequestupdates.json", ""))
		var steps []string
		for _, u := range feed {
			if u["service_request_id"] == id {
				steps = append(steps, u["external_status_code"].(string)+":"+u["status"].(string))
			}
			if u["update_id"] == "" || !strings.HasSuffix(u["updated_datetime"].(string), "Z") {
				t.Fatalf("update = %v", u)
			}
		}
		if strings.Join(steps, " ") != "reported:open registered:open dispatched:open handling:open handled:open closed:closed" {
			t.Fatalf("feed of %s = %v", id, steps)
		}
		for _, u := range jsonList(t, p.do("GET", "/open311/v2/servicerequestupdates.json?jurisdiction_id=230602001", "")) {
			if u["service_request_id"] == disputeID {
				t.Fatalf("the township's feed lists a withheld dispute: %v", u)
			}
		}
		last := feed[len(feed)-1]
		if last["service_request_id"] != id || last["status"] != "closed" || last["description"] != nil {
			t.Fatalf("last update = %v", last)
		}
		var ux struct {
			XMLName xml.Name `xml:"service_request_updates"`
			Updates []struct {
				ID     string `xml:"update_id"`
				Status string `xml:"status"`
				Note   string `xml:"description"`
			} `xml:"request_update"`
		}
		xmlDoc(t, p.do("GET", "/open311/v2/servicerequestupdates.xml?page_size=2&page=1", ""), &ux)
		if len(ux.Updates) != 2 || ux.Updates[0].ID != feed[0]["update_id"] {
			t.Fatalf("updates.xml = %+v", ux)
		}
		wantOpen311Error(t, p.do("GET", "/open311/v2/servicerequestupdates.json?start_date=soon", ""), 400, "start_date")

		// A revoked key stops posting at once.
		cid := int(created["id"].(float64))
		if r := o.admin.do("POST", fmt.Sprintf("/api/v1/api-keys/%d/revoke", cid), ""); r.status != 200 {
			t.Fatalf("revoke: %d %s", r.status, r.body)
		}
		before := o.count("events")
		wantOpen311Error(t, o.post("/open311/v2/requests.json", form(good...)), 403, "revoked")
		if o.count("events") != before {
			t.Fatal("a revoked key filed an event")
		}
	})
}

// The schemas really check: a wrong status or a datetime without a zone fails.
func TestOpen311SchemasCatchMistakes(t *testing.T) {
	schemas := open311Schemas(t)
	if schemas == nil {
		t.Skipf("the Open311 schemas are not in %s", open311SchemaDir)
	}
	for _, bad := range []string{
		`[{"service_request_id":"1","status":"pending","service_code":"x","requested_datetime":"2026-06-01T08:00:00Z"}]`,
		`[{"service_request_id":"1","status":"open","service_code":"x","requested_datetime":"2026-06-01 08:00"}]`,
		`[{"service_request_id":"1","status":"open","service_code":"x","requested_datetime":"2026-06-01T08:00:00Z","media_url":""}]`,
		`[{"status":"open","service_code":"x","requested_datetime":"2026-06-01T08:00:00Z"}]`,
	} {
		inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if schemas["requests"].Validate(inst) == nil {
			t.Errorf("the schema accepts %s", bad)
		}
	}
}
