package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/attach"
	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/category"
	"github.com/gridgov/gridgov/internal/dashboard"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/department"
	"github.com/gridgov/gridgov/internal/event"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/httpapi"
	"github.com/gridgov/gridgov/internal/idcard"
	"github.com/gridgov/gridgov/internal/live"
	"github.com/gridgov/gridgov/internal/region"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/secret"
	"github.com/gridgov/gridgov/internal/workforce"
)

// dashEnv is a small city served with every service the dashboards read,
// the change bus wired as in serve.
type dashEnv struct {
	*wfEnv
	dash *dashboard.Service
	bus  *live.Bus
	reg  *registry.Service
}

func newDashEnv(t *testing.T, d *db.DB) *dashEnv {
	t.Helper()
	return newDashEnvStarted(t, d, true)
}

// newDashEnvStarted makes the environment with the dashboards started or
// not (then a request waits 50 ms for them).
func newDashEnvStarted(t *testing.T, d *db.DB, start bool) *dashEnv {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	keys, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
	loc := gridmap.NewLocator(d, log)
	clock := &wfClock{t: time.Now()}
	bus := live.New(live.Config{DB: d, Channel: "test_" + strings.ReplaceAll(t.Name(), "/", "_"), Log: log})
	runCtx, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	go bus.Run(runCtx)
	cats := category.NewService(d, log, time.Now)
	if _, err := cats.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	depts := department.NewService(d, cats, log, time.Now)
	events := event.NewService(event.Config{DB: d, Keys: keys, Locator: loc, Catalog: cats, Router: depts, Log: log, Changes: bus})
	wf := workforce.NewService(workforce.Config{DB: d, Keys: keys, Locator: loc, Boundaries: gridmap.NewStore(d, time.Now), Now: clock.Now,
		Changes: bus})
	reg := registry.NewService(d, keys, loc, time.Now)
	dash := dashboard.New(dashboard.Config{DB: d, Bus: bus, Categories: cats, Workforce: wf, Log: log, StartWait: 50 * time.Millisecond})
	reg.Changes = dash.Registry()
	files, err := attach.NewDiskStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, d: d, now: time.Now(), events: events, files: files}
	e.auth, err = auth.NewService(d, keys, auth.Config{HashParams: auth.HashParams{Memory: 1024, Time: 1, Threads: 1}, AccountLimit: 5, IPLimit: 1000}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(httpapi.New(httpapi.Options{DB: d, Auth: e.auth, Regions: region.NewStore(d, time.Now), Log: log, Version: "test",
		Map: gridmap.NewService(d, loc, time.Now), Registry: reg, Categories: cats, Departments: depts, Events: events, Workforce: wf,
		Attachments: attach.NewService(files, attach.Options{MaxDecodes: 1}), Dashboard: dash, Live: bus, MaxBodyBytes: 4096}))
	t.Cleanup(e.srv.Close)
	e.user("admin1", auth.RoleAdmin, "")
	admin := e.loggedIn("admin1")
	if r := admin.upload("/api/v1/regions/import", nil, mapFile()); r.status != 200 {
		t.Fatalf("map: %d %s", r.status, r.body)
	}
	if err := loc.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if start {
		if err := dash.Start(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return &dashEnv{wfEnv: &wfEnv{env: e, clock: clock, admin: admin}, dash: dash, bus: bus, reg: reg}
}

func personID(birth string, serial int) string {
	first := fmt.Sprintf("230602%s%03d", strings.ReplaceAll(birth, "-", ""), serial)
	return first + string(idcard.CheckDigit(first))
}

// scalar runs a counting query of the test's own.
func scalar(t *testing.T, d *db.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := d.Read().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func num(t *testing.T, v any, what string) int64 {
	t.Helper()
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("%s = %v, want a number", what, v)
	}
	return int64(f)
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }

// A server listens while its dashboards still load their figures: panels
// asked for meanwhile are answered 503 with Retry-After, then served.
func TestDashboardBeforeStart(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newDashEnvStarted(t, d, false)
		for _, path := range []string{"/api/v1/dashboard/people", "/api/v1/dashboard/events", "/api/v1/dashboard/operations"} {
			r := e.admin.do("GET", path, "")
			if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
				t.Fatalf("GET %s before start = %d (Retry-After %q) %s, want 503 with Retry-After", path, r.status, r.header.Get("Retry-After"), r.body)
			}
			if code := r.json(t)["code"]; code != "unavailable" {
				t.Fatalf("GET %s before start: code %v, want unavailable", path, code)
			}
		}
		if err := e.dash.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/api/v1/dashboard/people", "/api/v1/dashboard/events", "/api/v1/dashboard/operations"} {
			if r := e.admin.do("GET", path, ""); r.status != http.StatusOK {
				t.Fatalf("GET %s after start = %d %s", path, r.status, r.body)
			}
		}
	})
}

func TestDashboardAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newDashEnv(t, d)
		ctx := context.Background()
		admin := e.admin
		e.user("center1", auth.RoleCenter, "230602001")
		e.user("tieren", auth.RoleCenter, "230602002")
		e.user("leader1", auth.RoleLeader, "230602")
		e.user("resident1", auth.RoleResident, "")
		e.user("wk1", auth.RoleWorker, "230602001001001")
		grid1, grid2 := "230602001001001", "230602001001002"

		// The registry: houses and persons through the API.
		for _, h := range []string{
			`{"house_code":"H-1","lng":124.9,"lat":46.5,"usage":"rented"}`,
			`{"house_code":"H-2","lng":124.9,"lat":46.6,"usage":"vacant"}`,
			`{"house_code":"H-3","lng":125.0,"lat":46.5,"usage":"self_occupied"}`,
		} {
			if r := admin.do("POST", "/api/v1/houses", h); r.status != 201 {
				t.Fatalf("house: %d %s", r.status, r.body)
			}
		}
		today := time.Now().In(time.FixedZone("CST", 8*3600))
		adult := today.AddDate(-40, 0, 0).Format(time.DateOnly)
		for i, p := range []struct{ birth, house, rt, household, tags string }{
			{"1956-04-12", "H-1", "registered", "HH1", `[{"tag":"elderly_alone"}]`},
			{"1940-01-02", "H-1", "registered", "HH1", `[{"tag":"empty_nest"},{"tag":"disabled"}]`},
			{"2015-07-01", "H-2", "floating", "HH2", `[{"tag":"left_behind_child"}]`},
			{adult, "H-3", "resident", "", `[]`},
			{"1990-03-03", "H-3", "foreign", "HH3", `[{"tag":"low_income","until":"2000-01-01"}]`},
		} {
			body := fmt.Sprintf(`{"name":"居民%d","id_number":%q,"residence_type":%q,"household_no":%q,"houses":[{"house_code":%q,"relation":"lives"}],"tags":%s}`,
				i, personID(p.birth, i+1), p.rt, p.household, p.house, p.tags)
			if r := admin.do("POST", "/api/v1/persons", body); r.status != 201 {
				t.Fatalf("person %d: %d %s", i, r.status, r.body)
			}
		}
		month := today.Format("2006-01")
		round := admin.do("POST", "/api/v1/sampling/rounds", fmt.Sprintf(`{"month":%q,"region_code":"230602","per_grid":1,"seed":7}`, month))
		if round.status != 201 {
			t.Fatalf("sampling: %d %s", round.status, round.body)
		}
		var item int64
		if err := d.Read().QueryRowContext(ctx, `SELECT id FROM sampling_items ORDER BY id LIMIT 1`).Scan(&item); err != nil {
			t.Fatal(err)
		}
		if r := admin.do("POST", fmt.Sprintf("/api/v1/sampling/items/%d", item), `{"result":"correct"}`); r.status/100 != 2 {
			t.Fatalf("check sample: %d %s", r.status, r.body)
		}
		if err := e.dash.RefreshPeople(ctx, live.Root); err != nil {
			t.Fatal(err)
		}

		// Events: a department, a rule, reports and a closed loop.
		if r := admin.do("POST", "/api/v1/departments", `{"code":"230602-urban","name":"城管局","region_code":"230602"}`); r.status != 201 {
			t.Fatalf("department: %d %s", r.status, r.body)
		}
		if r := admin.do("POST", "/api/v1/routing-rules", `{"category_code":"city_appearance","region_code":"230602","lead_department":"230602-urban"}`); r.status != 201 {
			t.Fatalf("rule: %d %s", r.status, r.body)
		}
		e.user("urban1", auth.RoleDepartment, "230602-urban")
		center, resident, urban, worker := e.loggedIn("center1"), e.loggedIn("resident1"), e.loggedIn("urban1"), e.loggedIn("wk1")
		report := func(c *client, body string) int {
			t.Helper()
			r := c.do("POST", "/api/v1/events", body)
			if r.status != 201 {
				t.Fatalf("report: %d %s", r.status, r.body)
			}
			return int(r.json(t)["event"].(map[string]any)["id"].(float64))
		}
		id := report(resident, `{"category_code":"city_appearance.exposed_garbage","title":"路口垃圾","lng":124.9,"lat":46.5}`)
		report(resident, `{"category_code":"city_appearance.exposed_garbage","title":"垃圾二","lng":125.0,"lat":46.5}`)
		late := report(worker, `{"category_code":"city_appearance.exposed_garbage","title":"巡查发现","grid_code":"`+grid1+`"}`)
		act := func(c *client, id int, body string) {
			t.Helper()
			cur := c.do("GET", fmt.Sprintf("/api/v1/events/%d", id), "").json(t)
			r := c.do("POST", fmt.Sprintf("/api/v1/events/%d/actions", id), strings.Replace(body, "{", fmt.Sprintf(`{"version":%v,`, cur["version"]), 1))
			if r.status != 200 {
				t.Fatalf("%s: %d %s", body, r.status, r.body)
			}
		}
		for _, s := range []struct {
			c    *client
			body string
		}{{center, `{"action":"register"}`}, {center, `{"action":"dispatch"}`}, {urban, `{"action":"accept"}`},
			{urban, `{"action":"feedback","note":"已清运"}`}, {center, `{"action":"verify"}`}, {resident, `{"action":"rate","rating":"satisfied"}`}} {
			act(s.c, id, s.body)
		}
		act(center, late, `{"action":"register"}`)
		act(center, late, `{"action":"supervise","card":"yellow","note":"限期处理"}`)

		// The workforce: a worker in grid 1 checks in from a bound phone.
		r := admin.do("POST", "/api/v1/workforce/workers", fmt.Sprintf(`{"name":"李四","user_id":%d,"employment":"full_time","hire_date":%q,
			"grids":[{"grid_code":%q,"primary":true}]}`, wfUserID(t, e.env, "wk1"), today.AddDate(-1, 0, 0).Format(time.DateOnly), grid1))
		if r.status != 201 {
			t.Fatalf("worker: %d %s", r.status, r.body)
		}
		wid := wfNum(r.json(t), "id")
		if r := admin.do("POST", "/api/v1/workforce/workers", fmt.Sprintf(`{"name":"王五","employment":"part_time","hire_date":%q,
			"grids":[{"grid_code":%q}]}`, today.AddDate(-1, 0, 0).Format(time.DateOnly), grid1)); r.status != 201 {
			t.Fatalf("worker 2: %d %s", r.status, r.body)
		}
		code := admin.do("POST", "/api/v1/workforce/workers/"+wid+"/enrolments", "").json(t)["code"].(string)
		phone := e.phone("android-dash-01", 3)
		if r := phone.bind(code); r.status != 201 {
			t.Fatalf("bind: %d %s", r.status, r.body)
		}
		if r := phone.checkIn("ci-1", 124.9, 46.5); r.status != 201 {
			t.Fatalf("check in: %d %s", r.status, r.body)
		}

		// Every figure equals a recount from the base tables.
		for _, code := range []string{"230600", "230602", "230602001", "230602001001", grid1, grid2, "230602002"} {
			var path string
			if err := d.Read().QueryRowContext(ctx, `SELECT path FROM regions WHERE code = $1`, code).Scan(&path); err != nil {
				t.Fatal(err)
			}
			checkPeople(t, d, admin.do("GET", "/api/v1/dashboard/people?region="+code, ""), path, today)
			checkEvents(t, d, admin.do("GET", "/api/v1/dashboard/events?region="+code, ""), path)
			checkOperations(t, d, admin.do("GET", "/api/v1/dashboard/operations?region="+code, ""), path, today)
		}

		// Scope: the caller's own region by default, 403 outside it.
		if r := center.do("GET", "/api/v1/dashboard/people", ""); r.status != 200 || obj(r.json(t)["region"])["code"] != "230602001" {
			t.Fatalf("default region: %d %s", r.status, r.body)
		}
		if r := admin.do("GET", "/api/v1/dashboard/events", ""); r.status != 200 || obj(r.json(t)["region"])["code"] != "230600" {
			t.Fatalf("admin default region: %d %s", r.status, r.body)
		}
		if r := e.loggedIn("leader1").do("GET", "/api/v1/dashboard/operations?region=230602001", ""); r.status != 200 {
			t.Fatalf("leader: %d %s", r.status, r.body)
		}
		for _, c := range []struct {
			name   string
			who    *client
			url    string
			status int
			code   string
			field  string
		}{
			{"other township", e.loggedIn("tieren"), "/api/v1/dashboard/people?region=230602001", 403, "forbidden", ""},
			{"above the scope", center, "/api/v1/dashboard/events?region=230602", 403, "forbidden", ""},
			{"stream outside", center, "/api/v1/dashboard/stream?region=230602002", 403, "forbidden", ""},
			{"resident", resident, "/api/v1/dashboard/people", 403, "forbidden", ""},
			{"department", urban, "/api/v1/dashboard/events", 403, "forbidden", ""},
			{"bad region", admin, "/api/v1/dashboard/people?region=23x", 400, "invalid", "region"},
			{"unknown region", admin, "/api/v1/dashboard/people?region=239999", 404, "not_found", ""},
			{"bad from", admin, "/api/v1/dashboard/events?from=2026-13-01", 400, "invalid", "from"},
			{"bad to", admin, "/api/v1/dashboard/events?from=2026-05-01&to=May", 400, "invalid", "to"},
			{"to before from", admin, "/api/v1/dashboard/events?from=2026-05-02&to=2026-05-01", 400, "invalid", "to"},
			{"too long", admin, "/api/v1/dashboard/events?from=2024-01-01&to=2026-01-01", 400, "invalid", "to"},
			{"idle days", admin, "/api/v1/dashboard/operations?idle_days=0", 400, "invalid", "idle_days"},
			{"idle days text", admin, "/api/v1/dashboard/operations?idle_days=week", 400, "invalid", "idle_days"},
		} {
			t.Run(c.name, func(t *testing.T) { wantProblem(t, c.who.do("GET", c.url, ""), c.status, c.code, c.field) })
		}
		anon := e.browser()
		wantProblem(t, anon.do("GET", "/api/v1/dashboard/people", ""), 401, "unauthorized", "")

		// A period in the past: the counters of its days.
		past := admin.do("GET", "/api/v1/dashboard/events?region=230602&from=2020-01-01&to=2020-01-31", "").json(t)
		if num(t, obj(past["totals"])["reported"], "past reported") != 0 || len(past["by_day"].([]any)) != 31 ||
			obj(past["previous"])["from"] != "2019-12-01" || obj(past["year_ago"])["from"] != "2019-01-01" {
			t.Fatalf("past period: %v", past)
		}

		// A sequence of changes, then every figure again equals a recount:
		// a transition, a new report, a visit with a worker's report, a
		// check-out, and the deadline sweep turning cards yellow and red
		// (its changes name the events' grids, not the root).
		second := report(resident, `{"category_code":"city_appearance.exposed_garbage","title":"垃圾三","lng":125.0,"lat":46.6}`)
		act(center, second, `{"action":"register"}`)
		act(center, second, `{"action":"dispatch"}`)
		if r := phone.send("POST", "/api/v1/workforce/device/visits", "v-1", `{"house_code":"H-1","purpose":"dispute",
			"raise_event":{"category_code":"city_appearance.exposed_garbage","title":"楼道堆放垃圾"}}`, 0); r.status != 201 {
			t.Fatalf("visit: %d %s", r.status, r.body)
		}
		if _, err := e.events.SweepDeadlines(ctx, time.Now().Add(60*24*time.Hour), 0); err != nil {
			t.Fatal(err)
		}
		if r := phone.send("POST", "/api/v1/workforce/attendance/check-out", "co-1", `{"lng":124.9,"lat":46.5}`, 0); r.status != 201 {
			t.Fatalf("check out: %d %s", r.status, r.body)
		}
		if red := scalar(t, d, `SELECT COUNT(*) FROM events WHERE warning = 'red'`); red == 0 {
			t.Fatal("the sweep raised no red card")
		}
		for _, code := range []string{"230600", "230602", "230602001", "230602001001", grid1, grid2, "230602002"} {
			var path string
			if err := d.Read().QueryRowContext(ctx, `SELECT path FROM regions WHERE code = $1`, code).Scan(&path); err != nil {
				t.Fatal(err)
			}
			checkEvents(t, d, admin.do("GET", "/api/v1/dashboard/events?region="+code, ""), path)
			checkOperations(t, d, admin.do("GET", "/api/v1/dashboard/operations?region="+code, ""), path, today)
		}

		// A new person is counted once the registry's change is: the cached
		// panel is replaced.
		before := num(t, obj(admin.do("GET", "/api/v1/dashboard/people?region=230602", "").json(t)["totals"])["persons"], "persons")
		if r := admin.do("POST", "/api/v1/persons", fmt.Sprintf(`{"name":"新居民","id_number":%q,"houses":[{"house_code":"H-2","relation":"lives"}]}`,
			personID("1988-08-08", 9))); r.status != 201 {
			t.Fatalf("person: %d %s", r.status, r.body)
		}
		if err := e.dash.RefreshPeople(ctx, "/230600/230602/230602001/230602001001/230602001001001/"); err != nil {
			t.Fatal(err)
		}
		if after := num(t, obj(admin.do("GET", "/api/v1/dashboard/people?region=230602", "").json(t)["totals"])["persons"], "persons"); after != before+1 {
			t.Fatalf("persons after a new one = %d, want %d", after, before+1)
		}
	})
}

func checkPeople(t *testing.T, d *db.DB, r resp, path string, today time.Time) {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("people %s: %d %s", path, r.status, r.body)
	}
	p := r.json(t)
	like := path + "%"
	tot := obj(p["totals"])
	for k, q := range map[string]string{
		"persons":    `SELECT COUNT(*) FROM persons WHERE region_path LIKE $1`,
		"houses":     `SELECT COUNT(*) FROM houses WHERE region_path LIKE $1`,
		"grids":      `SELECT COUNT(*) FROM regions WHERE level = 5 AND path LIKE $1`,
		"households": `SELECT COUNT(*) FROM (SELECT DISTINCT region_path, household_no FROM persons WHERE household_no <> '' AND region_path LIKE $1) h`,
	} {
		if got, want := num(t, tot[k], k), scalar(t, d, q, like); got != want {
			t.Errorf("%s totals.%s = %d, recount %d", path, k, got, want)
		}
	}
	for _, rt := range []string{"registered", "resident", "floating", "foreign"} {
		if got, want := num(t, obj(p["persons_by_residence_type"])[rt], rt), scalar(t, d, `SELECT COUNT(*) FROM persons WHERE region_path LIKE $1
			AND residence_type = $2`, like, rt); got != want {
			t.Errorf("%s residence %s = %d, recount %d", path, rt, got, want)
		}
	}
	// Age bands from the birth dates, counted here in Go.
	bands := map[string]int64{}
	rows, err := d.Read().QueryContext(context.Background(), `SELECT birth_date FROM persons WHERE region_path LIKE $1`, like)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		bd, _ := time.Parse(time.DateOnly, b)
		age := today.Year() - bd.Year()
		if today.Month() < bd.Month() || today.Month() == bd.Month() && today.Day() < bd.Day() {
			age--
		}
		switch {
		case age < 18:
			bands["0-17"]++
		case age < 35:
			bands["18-34"]++
		case age < 60:
			bands["35-59"]++
		case age < 80:
			bands["60-79"]++
		default:
			bands["80+"]++
		}
	}
	rows.Close()
	for _, b := range []string{"0-17", "18-34", "35-59", "60-79", "80+"} {
		if got := num(t, obj(p["persons_by_age_band"])[b], b); got != bands[b] {
			t.Errorf("%s age %s = %d, recount %d", path, b, got, bands[b])
		}
	}
	day := today.Format(time.DateOnly)
	for _, tag := range registry.Tags() {
		if got, want := num(t, obj(p["persons_by_tag"])[tag], tag), scalar(t, d, `SELECT COUNT(*) FROM person_tags t JOIN persons p ON p.id = t.person_id
			WHERE p.region_path LIKE $1 AND t.tag = $2 AND (t.until = '' OR t.until >= $3)`, like, tag, day); got != want {
			t.Errorf("%s tag %s = %d, recount %d", path, tag, got, want)
		}
	}
	for _, u := range []string{"self_occupied", "rented", "vacant", "commercial"} {
		if got, want := num(t, obj(p["houses_by_usage"])[u], u), scalar(t, d, `SELECT COUNT(*) FROM houses WHERE region_path LIKE $1 AND usage = $2`, like, u); got != want {
			t.Errorf("%s usage %s = %d, recount %d", path, u, got, want)
		}
	}
	s := obj(p["sampling"])
	sampled := scalar(t, d, `SELECT COUNT(*) FROM sampling_items WHERE region_path LIKE $1`, like)
	correct := scalar(t, d, `SELECT COUNT(*) FROM sampling_items WHERE region_path LIKE $1 AND status = 'correct'`, like)
	if num(t, s["sampled"], "sampled") != sampled || num(t, s["correct"], "correct") != correct {
		t.Errorf("%s sampling = %v, recount %d sampled %d correct", path, s, sampled, correct)
	}
	if sampled > 0 && s["accuracy"] != float64(correct)/float64(sampled) {
		t.Errorf("%s accuracy = %v", path, s["accuracy"])
	}
	trend := p["trend"].([]any)
	if len(trend) != 1 || num(t, obj(trend[0])["persons"], "trend") != num(t, tot["persons"], "persons") {
		t.Errorf("%s trend = %v", path, trend)
	}
	for _, c := range p["children"].([]any) {
		c := obj(c)
		var cpath string
		if err := d.Read().QueryRowContext(context.Background(), `SELECT path FROM regions WHERE code = $1`, c["code"]).Scan(&cpath); err != nil {
			t.Fatal(err)
		}
		m := obj(c["measures"])
		for k, q := range map[string]string{
			"persons":       `SELECT COUNT(*) FROM persons WHERE region_path LIKE $1`,
			"houses":        `SELECT COUNT(*) FROM houses WHERE region_path LIKE $1`,
			"floating":      `SELECT COUNT(*) FROM persons WHERE region_path LIKE $1 AND residence_type = 'floating'`,
			"rented":        `SELECT COUNT(*) FROM houses WHERE region_path LIKE $1 AND usage = 'rented'`,
			"vacant":        `SELECT COUNT(*) FROM houses WHERE region_path LIKE $1 AND usage = 'vacant'`,
			"elderly_alone": `SELECT COUNT(*) FROM person_tags t JOIN persons p ON p.id = t.person_id WHERE p.region_path LIKE $1 AND t.tag = 'elderly_alone'`,
		} {
			if got, want := num(t, m[k], k), scalar(t, d, q, cpath+"%"); got != want {
				t.Errorf("%s child %s %s = %d, recount %d", path, c["code"], k, got, want)
			}
		}
	}
}

var openStates = []string{"reported", "registered", "dispatched", "handling", "handled", "parked"}

func checkEvents(t *testing.T, d *db.DB, r resp, path string) {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("events %s: %d %s", path, r.status, r.body)
	}
	p := r.json(t)
	like := path + "%"
	// Every event of the test was reported today, so inside this month.
	tot, rates := obj(p["totals"]), obj(p["rates"])
	for _, m := range event.Measures() {
		if _, ok := tot[m]; !ok {
			t.Errorf("%s totals lack %s", path, m)
		}
	}
	for _, m := range event.RateNames() {
		if _, ok := rates[m]; !ok {
			t.Errorf("%s rates lack %s", path, m)
		}
	}
	for k, q := range map[string]string{
		"reported": `SELECT COUNT(*) FROM events WHERE region_path LIKE $1`,
		"closed":   `SELECT COUNT(*) FROM events WHERE region_path LIKE $1 AND state = 'closed'`,
		"rated":    `SELECT COUNT(*) FROM events WHERE region_path LIKE $1 AND rating <> ''`,
	} {
		if got, want := num(t, tot[k], k), scalar(t, d, q, like); got != want {
			t.Errorf("%s totals.%s = %d, recount %d", path, k, got, want)
		}
	}
	closed := scalar(t, d, `SELECT COUNT(*) FROM events WHERE region_path LIKE $1 AND state = 'closed'`, like)
	if closed > 0 && rates["satisfaction"] != float64(1) {
		t.Errorf("%s satisfaction = %v", path, rates["satisfaction"])
	}
	for _, src := range []string{"resident", "worker", "hotline", "department", "api", "sensor"} {
		if got, want := num(t, obj(p["by_source"])[src], src), scalar(t, d, `SELECT COUNT(*) FROM events WHERE region_path LIKE $1 AND source = $2`, like, src); got != want {
			t.Errorf("%s by_source.%s = %d, recount %d", path, src, got, want)
		}
	}
	for _, st := range openStates {
		if got, want := num(t, obj(p["open_by_state"])[st], st), scalar(t, d, `SELECT COUNT(*) FROM events WHERE region_path LIKE $1 AND state = $2`, like, st); got != want {
			t.Errorf("%s open_by_state.%s = %d, recount %d", path, st, got, want)
		}
	}
	open := scalar(t, d, `SELECT COUNT(*) FROM events WHERE region_path LIKE $1 AND state IN ('reported', 'registered', 'dispatched', 'handling', 'handled', 'parked')`, like)
	col := obj(p["open_by_colour"])
	openSQL := `state IN ('reported', 'registered', 'dispatched', 'handling', 'handled', 'parked') AND region_path LIKE $1`
	now := time.Now().UTC()
	red := scalar(t, d, `SELECT COUNT(*) FROM events WHERE `+openSQL+` AND (warning = 'red' OR step_due < $2)`, like, now)
	yellow := scalar(t, d, `SELECT COUNT(*) FROM events WHERE `+openSQL+` AND warning = 'yellow' AND NOT (step_due < $2)`, like, now)
	if num(t, col["red"], "red") != red || num(t, col["yellow"], "yellow") != yellow || num(t, col["green"], "green") != open-red-yellow {
		t.Errorf("%s colours = %v, recount %d open, %d red, %d yellow", path, col, open, red, yellow)
	}
	var hot int64
	for _, h := range p["hotspots"].([]any) {
		h := obj(h)
		want := scalar(t, d, `SELECT COUNT(*) FROM events WHERE grid_code = $1 AND state IN ('reported', 'registered', 'dispatched', 'handling', 'handled', 'parked')`, h["grid_code"])
		if got := num(t, h["count"], "hotspot"); got != want || h["lng"] == nil {
			t.Errorf("%s hotspot %v, recount %d", path, h, want)
		}
		hot += num(t, h["count"], "hotspot")
	}
	if hot != open {
		t.Errorf("%s hotspots sum to %d, %d open", path, hot, open)
	}
	var days, closedDays int64
	for _, dd := range p["by_day"].([]any) {
		days += num(t, obj(dd)["reported"], "by_day")
		closedDays += num(t, obj(dd)["closed"], "by_day")
	}
	if days != num(t, tot["reported"], "reported") || closedDays != closed {
		t.Errorf("%s by_day sums %d reported %d closed", path, days, closedDays)
	}
	for _, c := range p["top_categories"].([]any) {
		c := obj(c)
		if got, want := num(t, c["reported"], "category"), scalar(t, d, `SELECT COUNT(*) FROM events WHERE region_path LIKE $1 AND category_code = $2`, like, c["code"]); got != want || c["name"] == c["code"] {
			t.Errorf("%s category %v, recount %d", path, c, want)
		}
	}
	if tc := p["top_categories"].([]any); num(t, tot["reported"], "reported") > 0 && len(tc) != 1 {
		t.Errorf("%s top categories = %v", path, tc)
	} else if len(tc) == 1 && (obj(tc[0])["name"] != "暴露垃圾" || obj(tc[0])["name_en"] != "Exposed garbage") {
		t.Errorf("%s top category named %v, want 暴露垃圾 and Exposed garbage", path, tc[0])
	}
	if n := len(p["overdue"].([]any)); n != 0 {
		t.Errorf("%s overdue = %d, none are", path, n)
	}
	sup := p["supervised"].([]any)
	if want := scalar(t, d, `SELECT COUNT(*) FROM events WHERE region_path LIKE $1 AND supervised = 1`, like); int64(len(sup)) != want {
		t.Errorf("%s supervised = %v, recount %d", path, sup, want)
	}
	for _, s := range sup {
		if obj(s)["deadline"] == nil || obj(s)["state"] != "registered" {
			t.Errorf("%s supervised %v", path, s)
		}
	}
	for _, c := range p["children"].([]any) {
		c := obj(c)
		m := obj(c["measures"])
		want := scalar(t, d, `SELECT COUNT(*) FROM events e JOIN regions r ON r.code = $1 WHERE e.region_path LIKE r.path || '%'`, c["code"])
		if got := num(t, m["reported"], "child reported"); got != want {
			t.Errorf("%s child %s reported = %d, recount %d", path, c["code"], got, want)
		}
	}
	if strings.Count(path, "/") == 3 { // the county: the department's events
		depts := p["slowest_departments"].([]any)
		if len(depts) != 1 || obj(depts[0])["code"] != "230602-urban" || num(t, obj(depts[0])["disposed"], "disposed") != 1 {
			t.Errorf("%s slowest departments = %v", path, depts)
		}
	}
}

func checkOperations(t *testing.T, d *db.DB, r resp, path string, today time.Time) {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("operations %s: %d %s", path, r.status, r.body)
	}
	p := r.json(t)
	like := path + "%"
	w := obj(p["workers"])
	for k, q := range map[string]string{
		"total":     `SELECT COUNT(*) FROM workers WHERE region_path LIKE $1`,
		"full_time": `SELECT COUNT(*) FROM workers WHERE region_path LIKE $1 AND employment = 'full_time'`,
		"part_time": `SELECT COUNT(*) FROM workers WHERE region_path LIKE $1 AND employment <> 'full_time'`,
		"online_now": `SELECT COUNT(DISTINCT worker_id) FROM attendance a WHERE region_path LIKE $1 AND kind = 'check_in' AND NOT EXISTS
			(SELECT 1 FROM attendance o WHERE o.worker_id = a.worker_id AND o.day = a.day AND o.kind = 'check_out')`,
	} {
		if got, want := num(t, w[k], k), scalar(t, d, q, like); got != want {
			t.Errorf("%s workers.%s = %d, recount %d", path, k, got, want)
		}
	}
	for k, q := range map[string]string{
		"month": `SELECT COUNT(*) FROM events WHERE region_path LIKE $1 AND source = 'worker'`,
		"today": `SELECT COUNT(*) FROM events WHERE region_path LIKE $1 AND source = 'worker'`,
	} {
		if got, want := num(t, obj(p["worker_reports"])[k], k), scalar(t, d, q, like); got != want {
			t.Errorf("%s worker_reports.%s = %d, recount %d", path, k, got, want)
		}
	}
	if got, want := num(t, obj(p["visits"])["month"], "visits"), scalar(t, d, `SELECT COUNT(*) FROM visits WHERE region_path LIKE $1`, like); got != want {
		t.Errorf("%s visits.month = %d, recount %d", path, got, want)
	}
	att := obj(p["attendance_today"])
	st := obj(p["staffing"])
	grids := scalar(t, d, `SELECT COUNT(*) FROM regions WHERE level = 5 AND path LIKE $1`, like)
	staffed := scalar(t, d, `SELECT COUNT(*) FROM regions g WHERE g.level = 5 AND g.path LIKE $1 AND EXISTS (SELECT 1 FROM worker_grids wg
		WHERE wg.grid_code = g.code)`, like)
	if num(t, st["grids"], "grids") != grids || num(t, st["grids_without_worker"], "unstaffed") != grids-staffed {
		t.Errorf("%s staffing = %v, recount %d grids %d staffed", path, st, grids, staffed)
	}
	// Idle: grids without a check-in, patrol, visit or worker report in 7 days.
	since := today.AddDate(0, 0, -7)
	idle := scalar(t, d, `SELECT COUNT(*) FROM regions g WHERE g.level = 5 AND g.path LIKE $1
		AND NOT EXISTS (SELECT 1 FROM attendance a WHERE a.region_path = g.path AND a.at >= $2)
		AND NOT EXISTS (SELECT 1 FROM patrols x WHERE x.region_path = g.path AND x.started_at >= $2)
		AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.region_path = g.path AND v.at >= $2)
		AND NOT EXISTS (SELECT 1 FROM events e WHERE e.region_path = g.path AND e.source = 'worker' AND e.created_at >= $2)`, like, since.UTC())
	ig := obj(p["idle_grids"])
	if num(t, ig["count"], "idle") != idle || num(t, ig["days"], "days") != 7 || int64(len(ig["items"].([]any))) != idle {
		t.Errorf("%s idle grids = %v, recount %d", path, ig, idle)
	}
	if num(t, att["checked_in"], "checked_in") > num(t, att["scheduled"], "scheduled") {
		t.Errorf("%s attendance = %v", path, att)
	}
	rk := obj(p["ranking"])
	if rk["month"] != today.Format("2006-01") {
		t.Errorf("%s ranking = %v", path, rk)
	}
	if strings.Count(path, "/") == 2 { // the city ranks its county
		if c := rk["counties"].([]any); len(c) != 1 || obj(c[0])["rank"] != float64(1) {
			t.Errorf("ranking counties = %v", c)
		}
	}
}

// sse reads a stream's messages.
type sse struct {
	msgs chan map[string]string
	stop func()
}

func openStream(t *testing.T, c *client, region, lastID string) *sse {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", c.e.srv.URL+"/api/v1/dashboard/stream?region="+region, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	res, err := c.http.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	// stop lets go of the response, so that a test opening many streams
	// keeps nothing of those it stopped.
	var once sync.Once
	body := res.Body
	s := &sse{msgs: make(chan map[string]string, 16)}
	s.stop = func() { once.Do(func() { cancel(); body.Close(); body = nil }) }
	t.Cleanup(func() { s.stop() })
	go func() {
		defer close(s.msgs)
		sc := bufio.NewScanner(res.Body)
		msg := map[string]string{}
		for sc.Scan() {
			line := sc.Text()
			if line == "" {
				if msg["event"] != "" {
					s.msgs <- msg
				}
				msg = map[string]string{}
				continue
			}
			if k, v, ok := strings.Cut(line, ": "); ok && k != "" {
				msg[k] = v
			}
		}
	}()
	return s
}

// next waits for the stream's next message.
func (s *sse) next(t *testing.T) map[string]string {
	t.Helper()
	select {
	case m, ok := <-s.msgs:
		if !ok {
			t.Fatal("stream ended")
		}
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no message on the stream")
	}
	return nil
}

func topicsOf(t *testing.T, m map[string]string) []string {
	t.Helper()
	var body struct {
		Topics []string `json:"topics"`
	}
	if err := json.Unmarshal([]byte(m["data"]), &body); err != nil {
		t.Fatalf("data %q: %v", m["data"], err)
	}
	return body.Topics
}

func TestDashboardStream(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newDashEnv(t, d)
		admin := e.admin
		e.user("center1", auth.RoleCenter, "230602001")
		center := e.loggedIn("center1")
		r := center.do("POST", "/api/v1/events", `{"category_code":"city_appearance.exposed_garbage","title":"路口垃圾","grid_code":"230602001001001"}`)
		if r.status != 201 {
			t.Fatalf("report: %d %s", r.status, r.body)
		}
		ev := r.json(t)["event"].(map[string]any)
		id := int(ev["id"].(float64))
		version := int(ev["version"].(float64))
		act := func(action string) {
			t.Helper()
			r := center.do("POST", fmt.Sprintf("/api/v1/events/%d/actions", id), fmt.Sprintf(`{"action":%q,"version":%d}`, action, version))
			if r.status != 200 {
				t.Fatalf("%s: %d %s", action, r.status, r.body)
			}
			version = int(r.json(t)["version"].(float64))
		}

		county := openStream(t, admin, "230602", "")
		other := openStream(t, admin, "230602002", "")
		// Both streams are subscribed once the bus counts them.
		for e.bus.Streams() < 2 {
			time.Sleep(10 * time.Millisecond)
		}
		act("register")
		m := county.next(t)
		if m["event"] != "change" || !slices.Contains(topicsOf(t, m), "events") || m["id"] == "" {
			t.Fatalf("county stream: %v", m)
		}
		// A marker for the other township: had the event's change reached
		// that stream, it would come out with the marker.
		e.bus.Publish(context.Background(), live.People, "/230600/230602/230602002/")
		if m := other.next(t); m["event"] != "change" || !slices.Equal(topicsOf(t, m), []string{"people"}) {
			t.Fatalf("other township's stream: %v", m)
		}

		// Resume: the change missed while away is sent at once.
		county.stop()
		for e.bus.Streams() > 1 {
			time.Sleep(10 * time.Millisecond)
		}
		act("self_handle")
		again := openStream(t, admin, "230602", m["id"])
		if m := again.next(t); m["event"] != "change" || !slices.Contains(topicsOf(t, m), "events") {
			t.Fatalf("resumed stream: %v", m)
		}
		// An id the server no longer has: reset.
		if m := openStream(t, admin, "230602", "1").next(t); m["event"] != "reset" {
			t.Fatalf("stale resume: %v", m)
		}
	})
}

// Two servers on one database: changes made through the first reach the
// second's dashboard over the live bus (LISTEN/NOTIFY on PostgreSQL, the
// change log on SQLite), and its panels converge on the first's.
func TestDashboardTwoServers(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newDashEnv(t, d)
		ctx := context.Background()
		log := slog.New(slog.DiscardHandler)
		keys, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
		loc := gridmap.NewLocator(d, log)
		if err := loc.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		bus2 := live.New(live.Config{DB: d, Channel: "test_" + strings.ReplaceAll(t.Name(), "/", "_"), Log: log})
		runCtx, stop := context.WithCancel(ctx)
		t.Cleanup(stop)
		go bus2.Run(runCtx)
		wf2 := workforce.NewService(workforce.Config{DB: d, Keys: keys, Locator: loc, Boundaries: gridmap.NewStore(d, time.Now), Now: e.clock.Now})
		dash2 := dashboard.New(dashboard.Config{DB: d, Bus: bus2, Categories: category.NewService(d, log, time.Now), Workforce: wf2, Log: log})
		if err := dash2.Start(ctx); err != nil {
			t.Fatal(err)
		}
		for d.Engine == db.Postgres && (!bus2.Connected() || !e.bus.Connected()) {
			time.Sleep(10 * time.Millisecond)
		}
		admin := e.admin
		e.user("center1", auth.RoleCenter, "230602001")
		center := e.loggedIn("center1")
		for i := range 3 {
			r := center.do("POST", "/api/v1/events", fmt.Sprintf(`{"category_code":"city_appearance.exposed_garbage","title":"垃圾%d","grid_code":"230602001001001"}`, i))
			if r.status != 201 {
				t.Fatalf("report: %d %s", r.status, r.body)
			}
			ev := r.json(t)["event"].(map[string]any)
			if i == 0 {
				if r := center.do("POST", fmt.Sprintf("/api/v1/events/%v/actions", ev["id"]), fmt.Sprintf(`{"action":"register","version":%v}`, ev["version"])); r.status != 200 {
					t.Fatalf("register: %d %s", r.status, r.body)
				}
			}
		}
		if _, err := e.events.SweepDeadlines(ctx, time.Now().Add(60*24*time.Hour), 0); err != nil {
			t.Fatal(err)
		}
		// A worker through the first server: the workforce publishes it.
		if r := admin.do("POST", "/api/v1/workforce/workers", fmt.Sprintf(`{"name":"李四","employment":"full_time","hire_date":%q,
			"grids":[{"grid_code":"230602001001001","primary":true}]}`, time.Now().AddDate(-1, 0, 0).Format(time.DateOnly))); r.status != 201 {
			t.Fatalf("worker: %d %s", r.status, r.body)
		}
		principal := auth.Principal{User: auth.User{Username: "admin2", Role: auth.RoleAdmin}}
		strip := func(b []byte) string {
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			delete(m, "as_of")
			out, _ := json.Marshal(m)
			return string(out)
		}
		for _, code := range []string{"230600", "230602001", "230602001001001"} {
			want := strip(admin.do("GET", "/api/v1/dashboard/events?region="+code, "").body)
			if !strings.Contains(want, `"reported":3`) {
				t.Fatalf("first server's panel lacks the reports: %s", want)
			}
			var got string
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				b, err := dash2.Events(ctx, principal, code, "", "")
				if err != nil {
					t.Fatal(err)
				}
				if got = strip(b); got == want {
					break
				}
			}
			if got != want {
				t.Fatalf("%s: second server's events panel\n%s\nfirst's\n%s", code, got, want)
			}
			want = strip(admin.do("GET", "/api/v1/dashboard/operations?region="+code, "").body)
			if !strings.Contains(want, `"total":1`) {
				t.Fatalf("first server's operations panel lacks the worker: %s", want)
			}
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				b, err := dash2.Operations(ctx, principal, code, "")
				if err != nil {
					t.Fatal(err)
				}
				if got = strip(b); got == want {
					break
				}
			}
			if got != want {
				t.Fatalf("%s: second server's operations panel\n%s\nfirst's\n%s", code, got, want)
			}
		}
	})
}

// The sampling figures of a region are of the latest month with a round over
// a part of it, this month at most: a round over one grid this month does not
// hide last month's figures of the grid beside it, and a round of a month to
// come (stored before such rounds were refused) counts for nothing.
func TestDashboardSamplingMonthPerRegion(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newDashEnv(t, d)
		ctx := context.Background()
		admin := e.admin
		grid1, grid2 := "230602001001001", "230602001001002"
		for i, grid := range []string{grid1, grid1, grid2, grid2} {
			body := fmt.Sprintf(`{"name":"居民%d","id_number":%q,"grid_code":%q}`, i, personID("1980-01-01", i+1), grid)
			if r := admin.do("POST", "/api/v1/persons", body); r.status != 201 {
				t.Fatalf("person %d: %d %s", i, r.status, r.body)
			}
		}
		today := time.Now().In(time.FixedZone("CST", 8*3600))
		thisMonth := today.Format("2006-01")
		lastMonth := time.Date(today.Year(), today.Month()-1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
		for _, start := range []string{
			fmt.Sprintf(`{"month":%q,"region_code":"230602","per_grid":2,"seed":7}`, lastMonth),
			fmt.Sprintf(`{"month":%q,"region_code":%q,"per_grid":1,"seed":7}`, thisMonth, grid1),
		} {
			if r := admin.do("POST", "/api/v1/sampling/rounds", start); r.status != 201 {
				t.Fatalf("sampling %s: %d %s", start, r.status, r.body)
			}
		}
		if _, err := d.Write().ExecContext(ctx, `INSERT INTO sampling_rounds (month, region_code, region_path, per_grid, seed, created_by, created_at)
			VALUES ('2031-05', '230602', '/230600/230602/', 1, 1, 1, $1)`, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		// Last month's records of grid 2 are all found correct.
		if _, err := d.Write().ExecContext(ctx, `UPDATE sampling_items SET status = 'correct' WHERE region_path LIKE '%/230602001001002/'`); err != nil {
			t.Fatal(err)
		}
		if err := e.dash.RefreshPeople(ctx, live.Root); err != nil {
			t.Fatal(err)
		}
		items := func(month, like string) int64 {
			return scalar(t, d, `SELECT COUNT(*) FROM sampling_items i JOIN sampling_rounds r ON r.id = i.round_id
				WHERE r.month = $1 AND i.region_path LIKE $2`, month, like)
		}
		for _, tc := range []struct {
			region, month string
			sampled       int64
			accuracy      any
		}{
			{grid1, thisMonth, items(thisMonth, "%/"+grid1+"/"), float64(0)},
			{grid2, lastMonth, items(lastMonth, "%/"+grid2+"/"), float64(1)},
			{"230602001001", thisMonth, items(thisMonth, "%"), float64(0)},
			{"230602", thisMonth, items(thisMonth, "%"), float64(0)},
			{"230602002", "", 0, nil},
		} {
			t.Run(tc.region, func(t *testing.T) {
				r := admin.do("GET", "/api/v1/dashboard/people?region="+tc.region, "")
				if r.status != 200 {
					t.Fatalf("people: %d %s", r.status, r.body)
				}
				s := obj(r.json(t)["sampling"])
				if s["month"] != tc.month || num(t, s["sampled"], "sampled") != tc.sampled || s["accuracy"] != tc.accuracy {
					t.Fatalf("sampling = %v, want month %q, %d sampled, accuracy %v", s, tc.month, tc.sampled, tc.accuracy)
				}
			})
		}
		if n := items(thisMonth, "%"); n != 1 {
			t.Fatalf("this month's round drew %d records, want 1", n)
		}
		// The village's grids each show their own month's accuracy.
		p := admin.do("GET", "/api/v1/dashboard/people?region=230602001001", "").json(t)
		got := map[string]any{}
		for _, c := range p["children"].([]any) {
			got[obj(c)["code"].(string)] = obj(obj(c)["measures"])["sampling_accuracy"]
		}
		if got[grid1] != float64(0) || got[grid2] != float64(1) {
			t.Fatalf("children's accuracy = %v", got)
		}
	})
}

// Leave takes a worker out of today's scheduled count on the operations
// panel at once, and cancelling it puts them back, without any other
// change in the area in between.
func TestDashboardOperationsFollowLeave(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newDashEnv(t, d)
		admin := e.admin
		grid1 := "230602001001001"
		today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
		// Scheduled every day of the week, so that today is a working day.
		r := admin.do("POST", "/api/v1/workforce/workers", fmt.Sprintf(`{"name":"李四","employment":"full_time","hire_date":"2024-03-01",
			"grids":[{"grid_code":%q,"primary":true}],"schedule":{"days":[0,1,2,3,4,5,6],"start":"08:30","end":"17:30"}}`, grid1))
		if r.status != 201 {
			t.Fatalf("worker: %d %s", r.status, r.body)
		}
		wid := wfNum(r.json(t), "id")
		// scheduled reads today's scheduled count of the grid and of the
		// county above it; the worker is the only one in either.
		scheduled := func(when string) int64 {
			t.Helper()
			var got []int64
			for _, code := range []string{grid1, "230602"} {
				r := admin.do("GET", "/api/v1/dashboard/operations?region="+code, "")
				if r.status != 200 {
					t.Fatalf("operations %s %s: %d %s", code, when, r.status, r.body)
				}
				got = append(got, num(t, obj(r.json(t)["attendance_today"])["scheduled"], "scheduled"))
			}
			if got[0] != got[1] {
				t.Fatalf("%s: scheduled in the grid %d, in the county %d", when, got[0], got[1])
			}
			return got[0]
		}
		if n := scheduled("before the leave"); n != 1 {
			t.Fatalf("scheduled before the leave = %d, want 1", n)
		}
		r = admin.do("POST", "/api/v1/workforce/workers/"+wid+"/leave", fmt.Sprintf(`{"kind":"sick","from":%q}`, today))
		if r.status != 201 {
			t.Fatalf("leave: %d %s", r.status, r.body)
		}
		leave := wfNum(r.json(t), "id")
		if n := scheduled("on leave"); n != 0 {
			t.Fatalf("scheduled on leave = %d, want 0", n)
		}
		if r := admin.do("DELETE", "/api/v1/workforce/leave/"+leave, ""); r.status/100 != 2 {
			t.Fatalf("cancel leave: %d %s", r.status, r.body)
		}
		if n := scheduled("leave cancelled"); n != 1 {
			t.Fatalf("scheduled after the leave was cancelled = %d, want 1", n)
		}
	})
}

// A team member added, given another role or removed changes the team and
// police counts of the operations dashboard at once, as leave does.
func TestDashboardOperationsFollowTeams(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		e := newDashEnv(t, d)
		admin := e.admin
		grid1 := "230602001001001"
		counts := func(when string) (police, team int64) {
			t.Helper()
			r := admin.do("GET", "/api/v1/dashboard/operations?region="+grid1, "")
			if r.status != 200 {
				t.Fatalf("operations %s: %d %s", when, r.status, r.body)
			}
			w := obj(r.json(t)["workers"])
			return num(t, w["police"], "police"), num(t, w["team_members"], "team_members")
		}
		police0, team0 := counts("before")
		r := admin.do("POST", "/api/v1/workforce/teams/"+grid1+"/members", `{"role":"volunteer","name":"志愿者甲"}`)
		if r.status != 201 {
			t.Fatalf("add member: %d %s", r.status, r.body)
		}
		id := wfNum(r.json(t), "id")
		if police, team := counts("added"); police != police0 || team != team0+1 {
			t.Fatalf("after adding a volunteer: police %d, team %d; want %d, %d", police, team, police0, team0+1)
		}
		r = admin.do("PATCH", "/api/v1/workforce/team-members/"+id, `{"version":1,"role":"police","name":"志愿者甲"}`)
		if r.status != 200 {
			t.Fatalf("patch member: %d %s", r.status, r.body)
		}
		if police, _ := counts("made police"); police != police0+1 {
			t.Fatalf("after the role change: police %d, want %d", police, police0+1)
		}
		if r := admin.do("DELETE", "/api/v1/workforce/team-members/"+id+"?version=2", ""); r.status/100 != 2 {
			t.Fatalf("remove member: %d %s", r.status, r.body)
		}
		if police, team := counts("removed"); police != police0 || team != team0 {
			t.Fatalf("after removing: police %d, team %d; want %d, %d", police, team, police0, team0)
		}
	})
}
