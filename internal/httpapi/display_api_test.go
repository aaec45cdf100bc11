package httpapi_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/httpapi"
	"github.com/gridgov/gridgov/internal/region"
)

// makeDisplay signs the user in on a fresh browser and turns it into a
// display; it returns the browser and the console token it had before.
func makeDisplay(t *testing.T, e *env, username, body string) (*client, string) {
	t.Helper()
	screen := e.browser()
	r := screen.login(username, pw)
	if r.status != 200 {
		t.Fatalf("login %s: %d %s", username, r.status, r.body)
	}
	console := r.json(t)["token"].(string)
	r = screen.do("POST", "/api/v1/displays", body)
	if r.status != 201 {
		t.Fatalf("create display: %d %s", r.status, r.body)
	}
	m := r.json(t)
	screen.csrf = m["csrf_token"].(string)
	var cookie *http.Cookie
	for _, c := range r.header.Values("Set-Cookie") {
		if parsed, err := http.ParseSetCookie(c); err == nil && parsed.Name == httpapi.SessionCookie {
			cookie = parsed
		}
	}
	// The cookie outlives the browser: a wall screen's browser restarts.
	if cookie == nil || cookie.Value != m["token"] || cookie.Expires.Before(time.Now().Add(100*24*time.Hour)) || !cookie.HttpOnly {
		t.Fatalf("display cookie = %+v", cookie)
	}
	return screen, console
}

func TestDisplaySessionsAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newDashEnv(t, d)
		e.user("center1", auth.RoleCenter, "230602001")
		e.user("tieren", auth.RoleCenter, "230602002")
		e.user("leader1", auth.RoleLeader, "230602")
		e.user("wk1", auth.RoleWorker, "230602001001001")
		e.department("230602-urban")
		e.user("urban1", auth.RoleDepartment, "230602-urban")
		e.user("resident1", auth.RoleResident, "")

		// Who may set up a display, and where.
		body := `{"name":"指挥中心大屏","region":"230602001"}`
		for _, who := range []string{"wk1", "urban1", "resident1"} {
			t.Run("refused "+who, func(t *testing.T) {
				wantProblem(t, e.loggedIn(who).do("POST", "/api/v1/displays", body), 403, "forbidden", "")
			})
		}
		tieren := e.loggedIn("tieren")
		wantProblem(t, tieren.do("POST", "/api/v1/displays", body), 400, "invalid", "region")
		wantProblem(t, tieren.do("POST", "/api/v1/displays", `{"name":"","region":"230602002"}`), 400, "invalid", "name")
		wantProblem(t, tieren.do("POST", "/api/v1/displays", `{"name":"x","region":"230602002","extra":1}`), 400, "invalid", "")
		if r := tieren.do("GET", "/api/v1/me", ""); r.status != 200 {
			t.Fatalf("refused tries ended the session: %d", r.status)
		}

		screen, console := makeDisplay(t, e.env, "leader1", body)
		old := &client{e: e.env, http: &http.Client{}, bearer: console}
		wantProblem(t, old.do("GET", "/api/v1/me", ""), 401, "unauthorized", "")
		me := screen.do("GET", "/api/v1/me", "").json(t)
		disp := obj(me["display"])
		if me["username"] != "leader1" || disp["name"] != "指挥中心大屏" || obj(disp["region"])["code"] != "230602001" ||
			obj(me["scope"])["code"] != "230602001" {
			t.Fatalf("me = %v", me)
		}
		id := int(disp["id"].(float64))

		// What the big screen reads.
		for _, path := range []string{"/api/v1/dashboard/people", "/api/v1/dashboard/events", "/api/v1/dashboard/operations",
			"/api/v1/dashboard/people?region=230602001001", "/api/v1/regions", "/api/v1/regions?parent=230602001", "/api/v1/map/config"} {
			if r := screen.do("GET", path, ""); r.status != 200 {
				t.Errorf("GET %s: %d %s", path, r.status, r.body)
			}
		}
		if r := screen.do("GET", "/api/v1/dashboard/people", ""); obj(r.json(t)["region"])["code"] != "230602001" {
			t.Errorf("default region: %s", r.body)
		}
		if r := screen.do("GET", "/api/v1/regions/230602001/geometry", ""); r.status == 403 {
			t.Errorf("geometry: %d %s", r.status, r.body)
		}
		// Outside the display's region, though inside the leader's.
		wantProblem(t, screen.do("GET", "/api/v1/dashboard/events?region=230602", ""), 403, "forbidden", "")
		wantProblem(t, screen.do("GET", "/api/v1/dashboard/people?region=230602002", ""), 403, "forbidden", "")

		// Everything else is refused, reads and writes alike.
		for _, c := range []struct{ method, path, body string }{
			{"GET", "/api/v1/events", ""},
			{"GET", "/api/v1/events/1", ""},
			{"POST", "/api/v1/events", `{"category_code":"city_appearance.exposed_garbage","title":"x","grid_code":"230602001001001"}`},
			{"GET", "/api/v1/stats/events", ""},
			{"POST", "/api/v1/persons/search", `{}`},
			{"GET", "/api/v1/persons/1", ""},
			{"POST", "/api/v1/persons/1/reveal", `{"field":"id_number","reason":"x"}`},
			{"GET", "/api/v1/persons/export", ""},
			{"GET", "/api/v1/houses", ""},
			{"GET", "/api/v1/users", ""},
			{"POST", "/api/v1/users", `{}`},
			{"PATCH", "/api/v1/users/1", `{}`},
			{"GET", "/api/v1/audit", ""},
			{"GET", "/api/v1/regions/230602001", ""},
			{"GET", "/api/v1/regions/search?q=萨", ""},
			{"GET", "/api/v1/regions/230602001/export", ""},
			{"GET", "/api/v1/map/tiles/10/100/100", ""},
			{"GET", "/api/v1/locate?lng=124.9&lat=46.5", ""},
			{"GET", "/api/v1/workforce/workers", ""},
			{"GET", "/api/v1/workforce/attendance", ""},
			{"GET", "/api/v1/workforce/staffing", ""},
			{"GET", "/api/v1/categories", ""},
			{"GET", "/api/v1/notifications", ""},
			{"GET", "/api/v1/displays", ""},
			{"POST", "/api/v1/displays", body},
			{"DELETE", "/api/v1/displays/1", ""},
			{"POST", "/api/v1/me/password", `{"current_password":"x","new_password":"y"}`},
			{"POST", "/api/v1/me/totp/enroll", `{}`},
		} {
			r := screen.do(c.method, c.path, c.body)
			wantProblem(t, r, 403, "forbidden", "")
			if !strings.Contains(string(r.body), "display") {
				t.Errorf("%s %s: %s, want the reason", c.method, c.path, r.body)
			}
		}

		// Listing: centers and admins see those in their area; leaders none.
		center := e.loggedIn("center1")
		r := center.do("GET", "/api/v1/displays", "")
		items, _ := r.json(t)["items"].([]any)
		if r.status != 200 || len(items) != 1 || obj(items[0])["name"] != "指挥中心大屏" || obj(items[0])["active"] != true ||
			obj(obj(items[0])["created_by"])["username"] != "leader1" {
			t.Fatalf("center's list: %d %s", r.status, r.body)
		}
		if r := tieren.do("GET", "/api/v1/displays", ""); len(r.json(t)["items"].([]any)) != 0 {
			t.Fatalf("other township's list: %s", r.body)
		}
		wantProblem(t, e.loggedIn("leader1").do("GET", "/api/v1/displays", ""), 403, "forbidden", "")
		wantProblem(t, tieren.do("DELETE", "/api/v1/displays/"+strconv.Itoa(id), ""), 404, "not_found", "")
		wantProblem(t, center.do("DELETE", "/api/v1/displays/abc", ""), 400, "invalid", "id")

		// Revoking ends the session at once, an open stream included.
		stream := openStream(t, screen, "230602001", "")
		for e.bus.Streams() < 1 {
			time.Sleep(10 * time.Millisecond)
		}
		if r := center.do("DELETE", "/api/v1/displays/"+strconv.Itoa(id), ""); r.status != 204 {
			t.Fatalf("revoke: %d %s", r.status, r.body)
		}
		waitClosed(t, stream)
		wantProblem(t, screen.do("GET", "/api/v1/dashboard/people", ""), 401, "unauthorized", "")
		if r := center.do("DELETE", "/api/v1/displays/"+strconv.Itoa(id), ""); r.status != 204 {
			t.Fatalf("revoke again: %d %s", r.status, r.body)
		}
		r = center.do("GET", "/api/v1/displays", "")
		if it := obj(r.json(t)["items"].([]any)[0]); it["active"] != false || it["revoked_at"] == nil || it["revoked_by"] != "center1" {
			t.Fatalf("revoked display: %s", r.body)
		}

		// The screen signing itself out ends its display too.
		screen2, _ := makeDisplay(t, e.env, "center1", `{"name":"二号屏","region":"230602001001"}`)
		if r := screen2.do("POST", "/api/v1/auth/logout", ""); r.status != 204 {
			t.Fatalf("display logout: %d %s", r.status, r.body)
		}
		r = center.do("GET", "/api/v1/displays", "")
		if it := obj(r.json(t)["items"].([]any)[0]); it["name"] != "二号屏" || it["revoked_at"] == nil || it["revoked_by"] != "" {
			t.Fatalf("signed-out display: %s", r.body)
		}
	})
}

// A display revoked through another server: the stream's periodic check
// closes it.
func TestDisplayStreamRecheck(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newDashEnv(t, d)
		e.user("center1", auth.RoleCenter, "230602001")
		screen, _ := makeDisplay(t, e.env, "center1", `{"name":"大屏","region":"230602001"}`)
		other := httptest.NewServer(httpapi.New(httpapi.Options{DB: d, Auth: e.auth, Regions: region.NewStore(d, time.Now),
			Log: slog.New(slog.DiscardHandler), Version: "test", Dashboard: e.dash, Live: e.bus, DisplayRecheck: 20 * time.Millisecond}))
		t.Cleanup(other.Close)
		stream := openStream(t, &client{e: &env{t: t, srv: other}, http: screen.http}, "230602001", "")
		for e.bus.Streams() < 1 {
			time.Sleep(10 * time.Millisecond)
		}
		// Still open after several checks while the display stands.
		time.Sleep(100 * time.Millisecond)
		select {
		case _, ok := <-stream.msgs:
			if !ok {
				t.Fatal("stream of a live display closed")
			}
		default:
		}
		list := e.loggedIn("center1").do("GET", "/api/v1/displays", "")
		id := int(obj(list.json(t)["items"].([]any)[0])["id"].(float64))
		if r := e.loggedIn("center1").do("DELETE", "/api/v1/displays/"+strconv.Itoa(id), ""); r.status != 204 {
			t.Fatalf("revoke: %d %s", r.status, r.body)
		}
		waitClosed(t, stream)
	})
}

// waitClosed waits for the server to end a stream.
func waitClosed(t *testing.T, s *sse) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-s.msgs:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("the stream of a revoked display is still open")
		}
	}
}
