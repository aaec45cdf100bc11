package httpapi_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/httpapi"
	"github.com/gridgov/gridgov/internal/secret"
	"github.com/gridgov/gridgov/internal/workforce"
)

// wfClock is the workforce service's clock, moved by the tests.
type wfClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *wfClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *wfClock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// wfEnv is the test server with the map of mapFile and a workforce service.
type wfEnv struct {
	*env
	clock *wfClock
	admin *client
}

func newWorkforceEnv(t *testing.T, d *db.DB) *wfEnv {
	t.Helper()
	keys, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
	loc := gridmap.NewLocator(d, slog.New(slog.DiscardHandler))
	// A fixed Wednesday, 09:00 in China, so that no step crosses midnight.
	clock := &wfClock{t: time.Date(2026, 6, 3, 1, 0, 0, 0, time.UTC)}
	svc := workforce.NewService(workforce.Config{DB: d, Keys: keys, Locator: loc, Boundaries: gridmap.NewStore(d, time.Now), Now: clock.Now})
	e := newEnv(t, d, options{withMap: true, ui: httpapi.Options{Workforce: svc}})
	e.user("admin1", auth.RoleAdmin, "")
	admin := e.loggedIn("admin1")
	if r := admin.upload("/api/v1/regions/import", map[string]string{"crs": "wgs84"}, mapFile()); r.status != 200 {
		t.Fatalf("import map: %d %s", r.status, r.body)
	}
	if err := loc.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &wfEnv{env: e, clock: clock, admin: admin}
}

// wfPhone is a worker's device with its key pair.
type wfPhone struct {
	e   *wfEnv
	id  string
	key ed25519.PrivateKey
	c   *client
}

func (e *wfEnv) phone(id string, seed byte) *wfPhone {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed
	}
	return &wfPhone{e: e, id: id, key: ed25519.NewKeyFromSeed(s), c: &client{e: e.env, http: &http.Client{}}}
}

func (p *wfPhone) publicKey() string {
	return base64.StdEncoding.EncodeToString(p.key.Public().(ed25519.PublicKey))
}

// send signs a request with the phone's key at the service's time (moved
// by skew) and sends it.
func (p *wfPhone) send(method, path, key, body string, skew time.Duration) resp {
	p.e.t.Helper()
	sig := workforce.Sign(p.key, p.id, p.e.clock.Now().Add(skew), method, path, key, []byte(body))
	return p.c.do(method, path, body, workforce.SignatureHeader, sig, "Idempotency-Key", key)
}

func (p *wfPhone) bind(code string) resp {
	p.e.t.Helper()
	return p.send("POST", "/api/v1/workforce/devices/bind", "", fmt.Sprintf(`{"code":%q,"device_id":%q,"public_key":%q}`, code, p.id, p.publicKey()), 0)
}

func (p *wfPhone) checkIn(key string, lng, lat float64) resp {
	p.e.t.Helper()
	return p.send("POST", "/api/v1/workforce/attendance/check-in", key, fmt.Sprintf(`{"lng":%v,"lat":%v}`, lng, lat), 0)
}

func wfNum(m map[string]any, k string) string { return fmt.Sprint(m[k]) }

func wfUserID(t *testing.T, e *env, username string) int64 {
	t.Helper()
	users, err := e.auth.ListUsers(context.Background(), auth.System("test"), auth.UserFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Username == username {
			return u.ID
		}
	}
	t.Fatalf("no user %s", username)
	return 0
}

func TestWorkforceAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newWorkforceEnv(t, d)
		e.user("center1", auth.RoleCenter, "230602001")
		e.user("center2", auth.RoleCenter, "230602001")
		e.user("tieren", auth.RoleCenter, "230602002")
		e.user("leader1", auth.RoleLeader, "230602")
		e.user("wk1", auth.RoleWorker, "230602001001")
		c1, c2, tieren, leader := e.loggedIn("center1"), e.loggedIn("center2"), e.loggedIn("tieren"), e.loggedIn("leader1")
		wk := e.loggedIn("wk1")
		grid1, grid2 := "230602001001001", "230602001001002"
		hire := e.clock.Now().AddDate(-1, 0, 0).Format(time.DateOnly)

		// Workers: create, read, versioned update.
		r := c1.do("POST", "/api/v1/workforce/workers", fmt.Sprintf(`{"name":"李四","phone":"13812345678","user_id":%d,"employment":"full_time",
			"hire_date":%q,"grids":[{"grid_code":%q,"primary":true,"grid_chief":true}]}`, wfUserID(t, e.env, "wk1"), hire, grid1))
		if r.status != 201 || r.header.Get("Location") == "" {
			t.Fatalf("create worker: %d %s", r.status, r.body)
		}
		w := r.json(t)
		id := wfNum(w, "id")
		if w["phone"] != "138****5678" || w["version"] != float64(1) || w["primary_grid"] != grid1 {
			t.Fatalf("worker = %v", w)
		}
		if r := leader.do("GET", "/api/v1/workforce/workers/"+id, ""); r.status != 200 || r.header.Get("ETag") != `"1"` {
			t.Fatalf("leader reads the worker: %d %s", r.status, r.body)
		}
		r = c1.do("PATCH", "/api/v1/workforce/workers/"+id, `{"employment":"part_time"}`, "If-Match", `"1"`)
		if r.status != 200 || r.json(t)["version"] != float64(2) {
			t.Fatalf("patch with If-Match: %d %s", r.status, r.body)
		}
		if me := wk.do("GET", "/api/v1/workforce/me", ""); me.status != 200 || wfNum(me.json(t), "id") != id {
			t.Fatalf("me: %d %s", me.status, me.body)
		}

		// Refusals, each naming its field.
		cases := []struct {
			name               string
			c                  *client
			method, path, body string
			headers            []string
			status             int
			code, field        string
		}{
			{"unknown field", c1, "POST", "/api/v1/workforce/workers", `{"name":"王五","colour":"red"}`, nil, 400, "invalid", "colour"},
			{"no name", c1, "POST", "/api/v1/workforce/workers", `{"employment":"full_time","hire_date":"2024-01-01","grids":[{"grid_code":"` + grid2 + `"}]}`, nil, 400, "invalid", "name"},
			{"grid out of scope", tieren, "POST", "/api/v1/workforce/workers", `{"name":"王五","employment":"full_time","hire_date":"2024-01-01","grids":[{"grid_code":"` + grid2 + `"}]}`, nil, 400, "invalid", "grids[0].grid_code"},
			{"a leader may not write", leader, "POST", "/api/v1/workforce/workers", `{"name":"王五"}`, nil, 403, "forbidden", ""},
			{"bad id", c1, "GET", "/api/v1/workforce/workers/abc", "", nil, 400, "invalid", "id"},
			{"worker out of scope", tieren, "GET", "/api/v1/workforce/workers/" + id, "", nil, 404, "not_found", ""},
			{"stale version", c1, "PATCH", "/api/v1/workforce/workers/" + id, `{"version":1,"name":"李四一"}`, nil, 409, "conflict", "version"},
			{"no version", c1, "PATCH", "/api/v1/workforce/workers/" + id, `{"name":"李四一"}`, nil, 400, "invalid", "version"},
			{"bad If-Match", c1, "PATCH", "/api/v1/workforce/workers/" + id, `{"name":"李四一"}`, []string{"If-Match", "W/x"}, 400, "invalid", "If-Match"},
			{"bad active filter", c1, "GET", "/api/v1/workforce/workers?active=maybe", "", nil, 400, "invalid", "active"},
			{"region out of scope", c1, "GET", "/api/v1/workforce/staffing?region=230602002", "", nil, 400, "invalid", "region"},
			{"bad month", c1, "GET", "/api/v1/workforce/attendance?month=2026-13", "", nil, 400, "invalid", "month"},
			{"bad date", c1, "GET", "/api/v1/workforce/attendance?date=yesterday", "", nil, 400, "invalid", "date"},
			{"worker reads rates", wk, "GET", "/api/v1/workforce/attendance", "", nil, 403, "forbidden", ""},
			{"enrolment out of scope", tieren, "POST", "/api/v1/workforce/workers/" + id + "/enrolments", "", nil, 404, "not_found", ""},
			{"team member role", c1, "POST", "/api/v1/workforce/teams/" + grid1 + "/members", `{"role":"worker","name":"张三"}`, nil, 400, "invalid", "role"},
			{"team member department", c1, "POST", "/api/v1/workforce/teams/" + grid1 + "/members", `{"role":"department_staff","name":"某人","department_code":"nonexistent-dept"}`, nil, 400, "invalid", "department_code"},
			{"team of another township", tieren, "GET", "/api/v1/workforce/teams/" + grid1, "", nil, 404, "not_found", ""},
			{"leave kind", c1, "POST", "/api/v1/workforce/workers/" + id + "/leave", `{"kind":"nap","from":"2026-06-01"}`, nil, 400, "invalid", "kind"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				wantProblem(t, tc.c.do(tc.method, tc.path, tc.body, tc.headers...), tc.status, tc.code, tc.field)
			})
		}

		// Binding: a code from the supervisor, the bind signed with the new key.
		r = c1.do("POST", "/api/v1/workforce/workers/"+id+"/enrolments", "")
		if r.status != 201 {
			t.Fatalf("enrolment: %d %s", r.status, r.body)
		}
		code := r.json(t)["code"].(string)
		p1 := e.phone("android-5f3a9c01", 1)
		unsigned := p1.c.do("POST", "/api/v1/workforce/devices/bind", fmt.Sprintf(`{"code":%q,"device_id":%q,"public_key":%q}`, code, p1.id, p1.publicKey()))
		wantProblem(t, unsigned, 400, "invalid", "Gridgov-Signature")
		if r := p1.bind(code); r.status != 201 || wfNum(r.json(t), "worker_id") != id {
			t.Fatalf("bind: %d %s", r.status, r.body)
		}
		wantProblem(t, p1.bind(code), 400, "invalid", "code")
		wantProblem(t, c1.do("POST", "/api/v1/workforce/workers/"+id+"/enrolments", ""), 409, "conflict", "")

		// An expired code.
		r = c1.do("POST", "/api/v1/workforce/workers", fmt.Sprintf(`{"name":"王五","employment":"full_time","hire_date":%q,"grids":[{"grid_code":%q}]}`, hire, grid2))
		id2 := wfNum(r.json(t), "id")
		code2 := c1.do("POST", "/api/v1/workforce/workers/"+id2+"/enrolments", "").json(t)["code"].(string)
		e.clock.Add(16 * time.Minute)
		wantProblem(t, e.phone("android-00000002", 2).bind(code2), 400, "invalid", "code")

		// Check-in from the bound phone inside the grid; GCJ-02 check-out.
		r = p1.checkIn("ci-1", 124.9, 46.6)
		if r.status != 201 || r.json(t)["grid_code"] != grid1 || r.json(t)["inside"] != true {
			t.Fatalf("check-in: %d %s", r.status, r.body)
		}
		glng, glat := geo.WGS84ToGCJ02(124.9, 46.61)
		e.clock.Add(time.Minute)
		r = p1.send("POST", "/api/v1/workforce/attendance/check-out", "co-1", fmt.Sprintf(`{"lng":%v,"lat":%v,"crs":"gcj02"}`, glng, glat), 0)
		if r.status != 201 || r.json(t)["kind"] != "check_out" || r.json(t)["grid_code"] != grid1 {
			t.Fatalf("gcj02 check-out: %d %s", r.status, r.body)
		}
		// Every refusal of a device request names its cause.
		stranger := e.phone("android-unbound1", 7)
		forger := e.phone(p1.id, 8)
		future := e.clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		wantProblem(t, p1.checkIn("ci-1", 124.9, 46.6), 409, "conflict", "Idempotency-Key")
		wantProblem(t, p1.checkIn("ci-2", 124.9, 46.6), 409, "conflict", "at")
		wantProblem(t, p1.checkIn("ci-3", 125.05, 46.6), 400, "invalid", "lng")
		wantProblem(t, stranger.checkIn("ci-4", 124.9, 46.6), 401, "unauthorized", "Gridgov-Signature.device")
		wantProblem(t, forger.checkIn("ci-5", 124.9, 46.6), 401, "unauthorized", "Gridgov-Signature.sig")
		wantProblem(t, p1.send("POST", "/api/v1/workforce/attendance/check-in", "ci-6", `{"lng":124.9,"lat":46.6}`, 10*time.Minute), 401, "unauthorized", "Gridgov-Signature.ts")
		wantProblem(t, p1.send("POST", "/api/v1/workforce/attendance/check-in", "ci-7", `{"lng":124.9,"lat":46.6,"at":"`+future+`"}`, 0), 400, "invalid", "at")
		wantProblem(t, p1.send("POST", "/api/v1/workforce/attendance/check-in", "", `{"lng":124.9,"lat":46.6}`, 0), 400, "invalid", "Idempotency-Key")
		wantProblem(t, p1.send("POST", "/api/v1/workforce/attendance/check-in", "ci-8", `{"lng":124.9}`, 0), 400, "invalid", "lat")
		// A request signed for one body and sent with another.
		sig := workforce.Sign(p1.key, p1.id, e.clock.Now(), "POST", "/api/v1/workforce/attendance/check-in", "ci-9", []byte(`{"lng":124.9,"lat":46.6}`))
		wantProblem(t, p1.c.do("POST", "/api/v1/workforce/attendance/check-in", `{"lng":124.91,"lat":46.6}`, workforce.SignatureHeader, sig, "Idempotency-Key", "ci-9"),
			401, "unauthorized", "Gridgov-Signature.sig")
		if r := p1.send("GET", "/api/v1/workforce/device", "", "", 0); r.status != 200 || r.json(t)["check_in"] == nil {
			t.Fatalf("device status: %d %s", r.status, r.body)
		}
		var records int
		_ = d.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM attendance`).Scan(&records)
		if records != 2 {
			t.Fatalf("%d attendance records, want 2: nothing refused may count", records)
		}

		// Re-binding: the worker asks, a supervisor approves, the old phone stops.
		r = wk.do("POST", "/api/v1/workforce/workers/"+id+"/rebind-requests", `{"reason":"手机丢失"}`)
		if r.status != 201 {
			t.Fatalf("rebind request: %d %s", r.status, r.body)
		}
		rq := wfNum(r.json(t), "id")
		wantProblem(t, wk.do("POST", "/api/v1/workforce/rebind-requests/"+rq+"/approve", `{}`), 403, "forbidden", "")
		if items := c2.do("GET", "/api/v1/workforce/rebind-requests?status=pending", "").json(t)["items"].([]any); len(items) != 1 {
			t.Fatalf("pending = %v", items)
		}
		r = c2.do("POST", "/api/v1/workforce/rebind-requests/"+rq+"/approve", `{"note":"已核实"}`)
		if r.status != 200 {
			t.Fatalf("approve: %d %s", r.status, r.body)
		}
		newCode := r.json(t)["enrolment"].(map[string]any)["code"].(string)
		wantProblem(t, p1.checkIn("ci-10", 124.9, 46.6), 401, "unauthorized", "Gridgov-Signature.device")
		p2 := e.phone("ios-7E1C2D3F-0001", 3)
		if r := p2.bind(newCode); r.status != 201 {
			t.Fatalf("bind the new phone: %d %s", r.status, r.body)
		}
		if r := p2.send("GET", "/api/v1/workforce/device", "", "", 0); r.status != 200 {
			t.Fatalf("new phone status: %d %s", r.status, r.body)
		}
		audits := e.admin.do("GET", "/api/v1/audit?action=device.rebind_approve", "").json(t)["items"].([]any)
		if len(audits) != 1 || audits[0].(map[string]any)["actor"] != "center2" {
			t.Fatalf("approval audit = %v", audits)
		}

		// Teams.
		r = c1.do("POST", "/api/v1/workforce/teams/"+grid1+"/members", `{"role":"police","name":"王警官","phone":"13900001111"}`)
		if r.status != 201 || r.json(t)["phone"] != "139****1111" {
			t.Fatalf("add member: %d %s", r.status, r.body)
		}
		member := wfNum(r.json(t), "id")
		team := leader.do("GET", "/api/v1/workforce/teams/"+grid1, "").json(t)
		if team["complete"] != true || len(team["workers"].([]any)) != 1 || len(team["members"].([]any)) != 1 {
			t.Fatalf("team = %v", team)
		}
		wantProblem(t, c1.do("PATCH", "/api/v1/workforce/team-members/"+member, `{"version":5,"role":"police","name":"王"}`), 409, "conflict", "version")
		// A phone left out is kept; an empty one removes it.
		if r := c1.do("PATCH", "/api/v1/workforce/team-members/"+member, `{"version":1,"note":"社区民警"}`); r.status != 200 ||
			r.json(t)["phone"] != "139****1111" || r.json(t)["note"] != "社区民警" {
			t.Fatalf("patch without a phone: %d %s", r.status, r.body)
		}
		if r := c1.do("PATCH", "/api/v1/workforce/team-members/"+member, `{"version":2,"role":"police","name":"王警官","phone":"","note":""}`); r.status != 200 ||
			r.json(t)["phone"] != "" || r.json(t)["note"] != nil {
			t.Fatalf("patch with an empty phone: %d %s", r.status, r.body)
		}
		wantProblem(t, c1.do("DELETE", "/api/v1/workforce/team-members/"+member, ""), 400, "invalid", "version")
		if r := c1.do("DELETE", "/api/v1/workforce/team-members/"+member+"?version=3", ""); r.status != 204 {
			t.Fatalf("remove member: %d %s", r.status, r.body)
		}

		// Leave, attendance and staffing.
		today := e.clock.Now().In(time.FixedZone("CST", 8*3600))
		tomorrow := today.AddDate(0, 0, 1).Format(time.DateOnly)
		if r := c1.do("POST", "/api/v1/workforce/workers/"+id+"/leave", `{"kind":"annual","from":"`+tomorrow+`"}`); r.status != 201 {
			t.Fatalf("leave: %d %s", r.status, r.body)
		}
		wantProblem(t, c1.do("POST", "/api/v1/workforce/workers/"+id+"/leave", `{"kind":"sick","from":"`+tomorrow+`"}`), 409, "conflict", "from")
		if r := wk.do("GET", "/api/v1/workforce/workers/"+id+"/attendance", ""); r.status != 200 || len(r.json(t)["days"].([]any)) < 28 {
			t.Fatalf("own attendance: %d %s", r.status, r.body)
		}
		day := c1.do("GET", "/api/v1/workforce/attendance?date="+today.Format(time.DateOnly), "").json(t)
		if day["region"] != "230602001" || day["workers"] != float64(2) || len(day["children"].([]any)) != 1 {
			t.Fatalf("daily attendance = %v", day)
		}
		if page := leader.do("GET", "/api/v1/workforce/attendance/workers?limit=1", "").json(t); len(page["items"].([]any)) != 1 || page["next_after"] == nil {
			t.Fatalf("per-worker attendance = %v", page)
		}
		st := leader.do("GET", "/api/v1/workforce/staffing", "").json(t)
		if st["region"] != "230602" || st["grids"] != float64(2) || st["workers"] != float64(2) || st["staffed_grids"] != float64(2) ||
			st["staffing_rate"] != float64(1) || st["full_time_rate"] != 0.5 {
			t.Fatalf("staffing = %v", st)
		}
		off := c1.do("PATCH", "/api/v1/workforce/workers/"+id2, `{"version":1,"active":false}`)
		if off.status != 200 {
			t.Fatalf("deactivate: %d %s", off.status, off.body)
		}
		un := c1.do("GET", "/api/v1/workforce/staffing/unstaffed", "").json(t)["items"].([]any)
		if len(un) != 1 || un[0].(map[string]any)["code"] != grid2 {
			t.Fatalf("unstaffed = %v", un)
		}
		list := c1.do("GET", "/api/v1/workforce/workers?active=true", "").json(t)["items"].([]any)
		if len(list) != 1 || wfNum(list[0].(map[string]any), "id") != id {
			t.Fatalf("active workers = %v", list)
		}
		// A worker with a device on record is deactivated, not deleted; a mistake is deleted.
		wantProblem(t, c1.do("DELETE", "/api/v1/workforce/workers/"+id+"?version=3", ""), 409, "conflict", "")
		r = c1.do("POST", "/api/v1/workforce/workers", fmt.Sprintf(`{"name":"误录","employment":"full_time","hire_date":%q,"grids":[{"grid_code":%q}]}`, hire, grid2))
		if r := c1.do("DELETE", "/api/v1/workforce/workers/"+wfNum(r.json(t), "id"), "", "If-Match", strconv.Quote("1")); r.status != 204 {
			t.Fatalf("delete a mistake: %d %s", r.status, r.body)
		}
	})
}
