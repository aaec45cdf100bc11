package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gridgov/gridgov/internal/attach"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/department"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/httpapi"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/secret"
)

const pw = "Grid-Pass-2026"

type env struct {
	t    *testing.T
	d    *db.DB
	auth *auth.Service
	srv  *httptest.Server
	now  time.Time
	// files is the attachment store and events the event service when the
	// env serves events.
	files  *attach.DiskStore
	events *event.Service
}

type options struct {
	totpRequired []auth.Role
	ui           httpapi.Options
	withMap      bool
	// withEvents also serves the event catalog and the closed loop.
	withEvents bool
}

func newEnv(t *testing.T, d *db.DB, o options) *env {
	t.Helper()
	keys, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
	e := &env{t: t, d: d, now: time.Now()}
	svc, err := auth.NewService(d, keys, auth.Config{
		HashParams: auth.HashParams{Memory: 1024, Time: 1, Threads: 1}, TOTPRequired: o.totpRequired,
		AccountLimit: 5, IPLimit: 1000,
	}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	e.auth = svc
	regions := region.NewStore(d, time.Now)
	for _, r := range []region.Region{
		{Code: "230600", Name: "大庆市", Level: region.City},
		{Code: "230602", Name: "萨尔图区", Level: region.County, ParentCode: "230600"},
		{Code: "230602001", Name: "萨尔图街道", Level: region.Township, ParentCode: "230602"},
		{Code: "230602002", Name: "铁人街道", Level: region.Township, ParentCode: "230602"},
		{Code: "230602001001", Name: "友谊社区", Level: region.Village, ParentCode: "230602001"},
	} {
		if _, err := regions.Create(context.Background(), audit.System("test"), region.All(), r); err != nil {
			t.Fatal(err)
		}
	}
	opts := o.ui
	opts.DB, opts.Auth, opts.Regions, opts.Version = d, svc, regions, "test"
	if o.withMap {
		loc := gridmap.NewLocator(d, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err := loc.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		opts.Map = gridmap.NewService(d, loc, time.Now)
		opts.Registry = registry.NewService(d, keys, loc, time.Now)
		if o.withEvents {
			log := slog.New(slog.DiscardHandler)
			opts.Categories = category.NewService(d, log, time.Now)
			if _, err := opts.Categories.Seed(context.Background()); err != nil {
				t.Fatal(err)
			}
			opts.Departments = department.NewService(d, opts.Categories, log, time.Now)
			opts.Events = event.NewService(event.Config{DB: d, Keys: keys, Locator: loc, Catalog: opts.Categories,
				Router: opts.Departments, Log: log})
			e.events = opts.Events
			files, err := attach.NewDiskStore(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			e.files = files
			opts.Attachments = attach.NewService(files, attach.Options{MaxDecodes: 1})
		}
	}
	opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	opts.MaxBodyBytes = 4096
	opts.MaxUploadBytes = 64 << 10
	e.srv = httptest.NewServer(httpapi.New(opts))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *env) user(username string, role auth.Role, scope string) {
	e.t.Helper()
	if _, err := e.auth.CreateUser(context.Background(), auth.System("test"), auth.NewUser{Username: username, Role: role, Scope: scope, Password: pw, DisplayName: "测试"}); err != nil {
		e.t.Fatalf("create %s: %v", username, err)
	}
}

// department adds a department of district 230602 straight to the catalog,
// for a test that needs a department account and no more of the catalog.
func (e *env) department(code string) {
	e.t.Helper()
	if _, err := e.d.Write().ExecContext(context.Background(), `INSERT INTO departments (code, name, level, region_code, region_path,
		created_at, updated_at) VALUES ($1, $1, 2, '230602', '/230600/230602/', $2, $2)`, code, e.now.UTC()); err != nil {
		e.t.Fatalf("department %s: %v", code, err)
	}
}

// client is a browser-like client with a cookie jar, or a bearer client.
type client struct {
	e      *env
	http   *http.Client
	bearer string
	csrf   string
}

func (e *env) browser() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, http: &http.Client{Jar: jar}}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not JSON: %v", r.body, err)
	}
	return m
}

func (c *client) do(method, path, body string, headers ...string) resp {
	c.e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, c.e.srv.URL+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

func (c *client) login(username, password string) resp {
	c.e.t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	r := c.do("POST", "/api/v1/auth/login", string(body))
	if r.status == 200 {
		c.csrf = r.json(c.e.t)["csrf_token"].(string)
	}
	return r
}

func (e *env) loggedIn(username string) *client {
	e.t.Helper()
	c := e.browser()
	if r := c.login(username, pw); r.status != 200 {
		e.t.Fatalf("login %s: %d %s", username, r.status, r.body)
	}
	return c
}

func wantProblem(t *testing.T, r resp, status int, code, field string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want problem JSON", ct)
	}
	p := r.json(t)
	if p["code"] != code || p["status"] != float64(status) || p["type"] == "" || p["title"] == "" {
		t.Fatalf("problem = %v, want code %s", p, code)
	}
	if field != "" {
		errs, _ := p["errors"].([]any)
		if len(errs) == 0 || errs[0].(map[string]any)["field"] != field {
			t.Fatalf("problem errors = %v, want field %s", p["errors"], field)
		}
	}
}

// wantReason is wantProblem for a 400 whose first field error is field,
// refused for reason.
func wantReason(t *testing.T, r resp, field, reason string) {
	t.Helper()
	wantProblem(t, r, 400, "invalid", field)
	if got := r.json(t)["errors"].([]any)[0].(map[string]any)["reason"]; got != reason {
		t.Fatalf("%s: reason %q, want %q", field, got, reason)
	}
}

func TestLoginSessionCookieBearerAndLogout(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{})
		e.user("center1", auth.RoleCenter, "230602001")
		c := e.browser()
		r := c.login("center1", pw)
		if r.status != 200 {
			t.Fatalf("login: %d %s", r.status, r.body)
		}
		body := r.json(t)
		token, _ := body["token"].(string)
		if token == "" || body["user"].(map[string]any)["username"] != "center1" {
			t.Fatalf("login body = %v", body)
		}
		setCookie := r.header.Get("Set-Cookie")
		for _, want := range []string{httpapi.SessionCookie + "=", "HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(setCookie, want) {
				t.Fatalf("Set-Cookie %q lacks %q", setCookie, want)
			}
		}
		if strings.Contains(setCookie, "Secure") {
			t.Fatal("Secure cookie on plain HTTP would never be sent back")
		}
		me := c.do("GET", "/api/v1/me", "").json(t)
		scope := me["scope"].(map[string]any)
		if me["role"] != "center" || scope["kind"] != "region" || scope["code"] != "230602001" || scope["name"] != "萨尔图街道" {
			t.Fatalf("me = %v", me)
		}
		// The same token works as a bearer token without cookies.
		b := &client{e: e, http: &http.Client{}, bearer: token}
		if r := b.do("GET", "/api/v1/me", ""); r.status != 200 {
			t.Fatalf("bearer me: %d", r.status)
		}
		// Logout needs the CSRF token when the cookie authenticates.
		csrf := c.csrf
		c.csrf = ""
		wantProblem(t, c.do("POST", "/api/v1/auth/logout", ""), 403, "forbidden", "")
		c.csrf = "wrong"
		wantProblem(t, c.do("POST", "/api/v1/auth/logout", ""), 403, "forbidden", "")
		c.csrf = csrf
		if r := c.do("POST", "/api/v1/auth/logout", ""); r.status != 204 {
			t.Fatalf("logout: %d %s", r.status, r.body)
		}
		wantProblem(t, c.do("GET", "/api/v1/me", ""), 401, "unauthorized", "")
		wantProblem(t, b.do("GET", "/api/v1/me", ""), 401, "unauthorized", "")
	})
}

func TestCSRFAndCrossOrigin(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{})
		e.user("admin1", auth.RoleAdmin, "")
		c := e.loggedIn("admin1")
		body := `{"code":"230602003","name":"新街道","level":"township","parent_code":"230602"}`
		csrf := c.csrf
		c.csrf = ""
		wantProblem(t, c.do("POST", "/api/v1/regions", body), 403, "forbidden", "")
		c.csrf = csrf
		// A browser that marks the request cross-site is refused before any handler.
		wantProblem(t, c.do("POST", "/api/v1/regions", body, "Sec-Fetch-Site", "cross-site"), 403, "forbidden", "")
		wantProblem(t, c.do("POST", "/api/v1/auth/login", `{"username":"admin1","password":"`+pw+`"}`, "Origin", "https://evil.example", "Sec-Fetch-Site", ""), 403, "forbidden", "")
		if r := c.do("POST", "/api/v1/regions", body, "Sec-Fetch-Site", "same-origin"); r.status != 201 {
			t.Fatalf("same-origin create: %d %s", r.status, r.body)
		}
		// Bearer clients carry no ambient credentials and need no CSRF token.
		login := e.browser().login("admin1", pw).json(t)
		b := &client{e: e, http: &http.Client{}, bearer: login["token"].(string)}
		if r := b.do("POST", "/api/v1/regions", `{"code":"230602004","name":"又一街道","level":"township","parent_code":"230602"}`); r.status != 201 {
			t.Fatalf("bearer create: %d %s", r.status, r.body)
		}
	})
}

func TestLoginThrottledWithRetryAfter(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{})
		e.user("worker1", auth.RoleWorker, "230602001001")
		c := e.browser()
		for range 5 {
			wantProblem(t, c.login("worker1", "Wrong-Pass-99"), 401, "unauthorized", "")
		}
		r := c.login("worker1", pw)
		wantProblem(t, r, 429, "rate_limited", "")
		secs, err := strconv.Atoi(r.header.Get("Retry-After"))
		if err != nil || secs <= 0 {
			t.Fatalf("Retry-After = %q", r.header.Get("Retry-After"))
		}
		entries, _ := audit.List(context.Background(), d.Read(), audit.Filter{Action: "auth.login"})
		denied := 0
		for _, en := range entries {
			if en.Outcome == audit.Denied {
				denied++
			}
		}
		if denied != 5 {
			t.Fatalf("%d denied logins audited, want 5", denied)
		}
	})
}

func TestTOTPRequiredForRoleAndLoginWithCode(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{totpRequired: []auth.Role{auth.RoleCenter}})
		e.user("center2", auth.RoleCenter, "230602")
		c := e.loggedIn("center2")
		if me := c.do("GET", "/api/v1/me", "").json(t); me["restricted"] != true {
			t.Fatalf("me = %v, want restricted", me)
		}
		wantProblem(t, c.do("GET", "/api/v1/regions", ""), 403, "forbidden", "")
		en := c.do("POST", "/api/v1/me/totp/enroll", "{}")
		if en.status != 200 {
			t.Fatalf("enroll: %d %s", en.status, en.body)
		}
		secretText := en.json(t)["secret"].(string)
		wantProblem(t, c.do("POST", "/api/v1/me/totp/confirm", `{"code":"000000"}`), 400, "invalid", "code")
		wantProblem(t, c.do("POST", "/api/v1/me/totp/confirm", `{}`), 400, "invalid", "code")
		code, _ := auth.TOTPCode(secretText, time.Now())
		if r := c.do("POST", "/api/v1/me/totp/confirm", `{"code":"`+code+`"}`); r.status != 204 {
			t.Fatalf("confirm: %d %s", r.status, r.body)
		}
		if r := c.do("GET", "/api/v1/regions", ""); r.status != 200 {
			t.Fatalf("regions after enrolment: %d %s", r.status, r.body)
		}
		// A new login now asks for the code.
		n := e.browser()
		wantProblem(t, n.login("center2", pw), 401, "otp_required", "")
		next, _ := auth.TOTPCode(secretText, time.Now().Add(30*time.Second))
		r := n.do("POST", "/api/v1/auth/login", `{"username":"center2","password":"`+pw+`","otp":"`+next+`"}`)
		if r.status != 200 {
			t.Fatalf("login with code: %d %s", r.status, r.body)
		}
	})
}

func TestRegionScope(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{})
		e.user("town.center", auth.RoleCenter, "230602001")
		c := e.loggedIn("town.center")
		if r := c.do("GET", "/api/v1/regions/230602001001", ""); r.status != 200 {
			t.Fatalf("own village: %d", r.status)
		}
		wantProblem(t, c.do("GET", "/api/v1/regions/230602002", ""), 404, "not_found", "")
		wantProblem(t, c.do("GET", "/api/v1/regions/230602", ""), 404, "not_found", "")
		wantProblem(t, c.do("GET", "/api/v1/regions?parent=230602", ""), 404, "not_found", "")
		top := c.do("GET", "/api/v1/regions", "").json(t)["items"].([]any)
		if len(top) != 1 || top[0].(map[string]any)["code"] != "230602001" {
			t.Fatalf("top = %v", top)
		}
		kids := c.do("GET", "/api/v1/regions?parent=230602001", "").json(t)["items"].([]any)
		if len(kids) != 1 || kids[0].(map[string]any)["level"] != "village" {
			t.Fatalf("children = %v", kids)
		}
		// Center staff may read but not change the tree.
		wantProblem(t, c.do("POST", "/api/v1/regions", `{"code":"230602001002","name":"x","level":"village","parent_code":"230602001"}`), 403, "forbidden", "")
		wantProblem(t, c.do("GET", "/api/v1/users", ""), 403, "forbidden", "")
		wantProblem(t, c.do("GET", "/api/v1/audit", ""), 403, "forbidden", "")
	})
}

func TestBadInputIsRefusedNamingTheField(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{})
		e.user("admin1", auth.RoleAdmin, "")
		c := e.loggedIn("admin1")
		cases := []struct {
			name, method, path, body string
			headers                  []string
			status                   int
			code, field              string
		}{
			{"malformed JSON", "POST", "/api/v1/regions", `{"code":`, nil, 400, "invalid", "body"},
			{"syntax error", "POST", "/api/v1/regions", `{"code" "x"}`, nil, 400, "invalid", "body"},
			{"unknown field", "POST", "/api/v1/regions", `{"code":"230602005","colour":"red"}`, nil, 400, "invalid", "colour"},
			{"wrong type", "POST", "/api/v1/regions", `{"code":230602005}`, nil, 400, "invalid", "code"},
			{"bad level", "POST", "/api/v1/regions", `{"code":"230602005","name":"x","level":"planet","parent_code":"230602"}`, nil, 400, "invalid", "level"},
			{"not an object", "POST", "/api/v1/regions", `[1,2]`, nil, 400, "invalid", "body"},
			{"two values", "POST", "/api/v1/regions", `{} {}`, nil, 400, "invalid", "body"},
			{"empty body", "POST", "/api/v1/users", ``, nil, 400, "invalid", "body"},
			{"oversized", "POST", "/api/v1/users", `{"username":"` + strings.Repeat("a", 5000) + `"}`, nil, 400, "invalid", "body"},
			{"wrong content type", "POST", "/api/v1/users", `{}`, []string{"Content-Type", "text/plain"}, 400, "invalid", "Content-Type"},
			{"weak password", "POST", "/api/v1/users", `{"username":"u1","role":"worker","scope":"230602001001","password":"123"}`, nil, 400, "invalid", "password"},
			{"bad user id", "GET", "/api/v1/users/abc", ``, nil, 400, "invalid", "id"},
			{"bad limit", "GET", "/api/v1/users?limit=-1", ``, nil, 400, "invalid", "limit"},
			{"bad role filter", "GET", "/api/v1/users?role=king", ``, nil, 400, "invalid", "role"},
			{"unknown user", "GET", "/api/v1/users/999", ``, nil, 404, "not_found", ""},
			{"unknown endpoint", "GET", "/api/v1/nothing", ``, nil, 404, "not_found", ""},
			{"login missing password", "POST", "/api/v1/auth/login", `{"username":"admin1"}`, nil, 400, "invalid", "password"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				wantProblem(t, c.do(tc.method, tc.path, tc.body, tc.headers...), tc.status, tc.code, tc.field)
			})
		}
		// A role left out is missing, not an unknown one called "".
		wantReason(t, c.do("POST", "/api/v1/users", `{"username":"u2","scope":"230602001001","password":"`+pw+`"}`), "role", "is required")
		// Nothing was written by the refused requests.
		if r := c.do("GET", "/api/v1/regions/230602005", ""); r.status != 404 {
			t.Fatalf("a refused region was stored: %d", r.status)
		}
		users := c.do("GET", "/api/v1/users", "").json(t)["items"].([]any)
		if len(users) != 1 {
			t.Fatalf("users = %d after refusals, want 1", len(users))
		}
	})
}

func TestUserManagement(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{})
		e.user("admin1", auth.RoleAdmin, "")
		c := e.loggedIn("admin1")
		r := c.do("POST", "/api/v1/users", `{"username":"Worker.Li","display_name":"李四","role":"worker","scope":"230602001001","password":"`+pw+`"}`)
		if r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		u := r.json(t)
		if u["username"] != "worker.li" || u["must_change_password"] != true {
			t.Fatalf("created = %v", u)
		}
		id := strconv.Itoa(int(u["id"].(float64)))
		wantProblem(t, c.do("POST", "/api/v1/users", `{"username":"worker.li","role":"worker","scope":"230602001001","password":"`+pw+`"}`), 409, "conflict", "username")
		// The new user must change the one-time password before anything else.
		w := e.loggedIn("worker.li")
		wantProblem(t, w.do("GET", "/api/v1/regions", ""), 403, "forbidden", "")
		wantProblem(t, w.do("POST", "/api/v1/me/password", `{"current_password":"`+pw+`","new_password":"short"}`), 400, "invalid", "new_password")
		if r := w.do("POST", "/api/v1/me/password", `{"current_password":"`+pw+`","new_password":"Another-Pass-77"}`); r.status != 204 {
			t.Fatalf("change password: %d %s", r.status, r.body)
		}
		if r := w.do("GET", "/api/v1/regions", ""); r.status != 200 {
			t.Fatalf("regions after password change: %d", r.status)
		}
		// Permission changes need the current version and are audited.
		wantProblem(t, c.do("PATCH", "/api/v1/users/"+id, `{"version":99,"role":"center","scope":"230602001"}`), 409, "conflict", "version")
		cur := c.do("GET", "/api/v1/users/"+id, "").json(t)
		r = c.do("PATCH", "/api/v1/users/"+id, `{"version":`+strconv.Itoa(int(cur["version"].(float64)))+`,"role":"center","scope":"230602001"}`)
		if r.status != 200 || r.json(t)["role"] != "center" {
			t.Fatalf("patch: %d %s", r.status, r.body)
		}
		wantProblem(t, w.do("GET", "/api/v1/me", ""), 401, "unauthorized", "")
		entries := c.do("GET", "/api/v1/audit?action=user.update", "").json(t)["items"].([]any)
		if len(entries) != 1 || entries[0].(map[string]any)["actor"] != "admin1" {
			t.Fatalf("audit = %v", entries)
		}
		all := c.do("GET", "/api/v1/audit?limit=500", "").json(t)["items"].([]any)
		actions := map[string]bool{}
		for _, en := range all {
			actions[en.(map[string]any)["action"].(string)] = true
		}
		for _, want := range []string{"auth.login", "user.create", "user.password_change", "user.update", "region.create"} {
			if !actions[want] {
				t.Fatalf("audit log lacks %s: %v", want, actions)
			}
		}
	})
}

func TestHealthReadyMetricsAndHeaders(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{})
		c := e.browser()
		r := c.do("GET", "/healthz", "")
		if r.status != 200 || r.json(t)["status"] != "ok" {
			t.Fatalf("healthz: %d %s", r.status, r.body)
		}
		for _, h := range []string{"X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy", "Referrer-Policy", "X-Request-Id"} {
			if r.header.Get(h) == "" {
				t.Fatalf("missing header %s", h)
			}
		}
		if r := c.do("GET", "/readyz", ""); r.status != 200 || r.json(t)["database"] != string(d.Engine) {
			t.Fatalf("readyz: %d %s", r.status, r.body)
		}
		c.login("nobody", "Wrong-Pass-123")
		m := c.do("GET", "/metrics", "")
		for _, want := range []string{`gridgov_http_requests_total{method="GET",route="GET /healthz",status="200"} 1`, `gridgov_logins_total{outcome="unauthorized"} 1`, "go_goroutines"} {
			if !bytes.Contains(m.body, []byte(want)) {
				t.Fatalf("metrics lack %q", want)
			}
		}
	})
}

func TestConsoleServing(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	bare := newEnv(t, d, options{})
	r := bare.browser().do("GET", "/", "")
	if r.status != 200 || !bytes.Contains(r.body, []byte("make run")) {
		t.Fatalf("no-UI page: %d %s", r.status, r.body)
	}

	d2 := dbtest.Open(t, db.SQLite)
	ui := fstest.MapFS{
		"index.html":          {Data: []byte("<!doctype html><div id=app></div>")},
		"assets/app-abc.js":   {Data: []byte("console.log(1)")},
		"favicon.svg":         {Data: []byte("<svg/>")},
		"worker/index.html":   {Data: []byte("<!doctype html><div id=worker-app></div>")},
		"resident/index.html": {Data: []byte("<!doctype html><div id=resident-app></div>")},
	}
	e := newEnv(t, d2, options{ui: httpapi.Options{UI: ui}})
	c := e.browser()
	for _, path := range []string{"/", "/login", "/me/settings"} {
		r := c.do("GET", path, "")
		if r.status != 200 || !bytes.Contains(r.body, []byte("id=app")) || r.header.Get("Cache-Control") != "no-cache" {
			t.Fatalf("GET %s: %d %q cache %q", path, r.status, r.body, r.header.Get("Cache-Control"))
		}
	}
	// Each mobile app's routes get that app's shell, not the console's.
	for path, want := range map[string]string{"/worker/": "worker-app", "/worker/tasks/3": "worker-app",
		"/resident": "resident-app", "/resident/reports": "resident-app", "/workers": "id=app", "/residential": "id=app"} {
		r := c.do("GET", path, "")
		if r.status != 200 || !bytes.Contains(r.body, []byte(want)) || r.header.Get("Cache-Control") != "no-cache" {
			t.Fatalf("GET %s: %d %q, want the shell with %s", path, r.status, r.body, want)
		}
	}
	a := c.do("GET", "/assets/app-abc.js", "")
	if a.status != 200 || !strings.Contains(a.header.Get("Cache-Control"), "immutable") {
		t.Fatalf("asset: %d %v", a.status, a.header)
	}
	if r := c.do("GET", "/assets/missing.js", ""); r.status != 404 {
		t.Fatalf("missing asset: %d", r.status)
	}
	wantProblem(t, c.do("GET", "/api/v1/missing", ""), 404, "not_found", "")
}
