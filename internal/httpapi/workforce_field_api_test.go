package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/auth"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dbtest"
	"github.com/gridgov/gridgov/internal/gridmap"
	"github.com/gridgov/gridgov/internal/httpapi"
	"github.com/gridgov/gridgov/internal/secret"
	"github.com/gridgov/gridgov/internal/workforce"
)

// newFieldEnv is newWorkforceEnv with the events served too, so that a
// visit can raise an event.
func newFieldEnv(t *testing.T, d *db.DB) *wfEnv {
	t.Helper()
	keys, _ := secret.NewKeyring(secret.Key{ID: "k1", Bytes: make([]byte, 32)})
	loc := gridmap.NewLocator(d, slog.New(slog.DiscardHandler))
	clock := &wfClock{t: time.Date(2026, 6, 3, 1, 0, 0, 0, time.UTC)}
	svc := workforce.NewService(workforce.Config{DB: d, Keys: keys, Locator: loc, Boundaries: gridmap.NewStore(d, time.Now), Now: clock.Now})
	e := newEnv(t, d, options{withMap: true, withEvents: true, ui: httpapi.Options{Workforce: svc}})
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

// track is a JSON batch of n fixes 10 s and 10 m apart going north.
func track(seq int, lng, lat float64, t0 time.Time, n int) string {
	pts := make([]map[string]any, n)
	for i := range pts {
		pts[i] = map[string]any{"lng": lng, "lat": lat + float64(i)*10/111320, "at": t0.Add(time.Duration(i) * 10 * time.Second).UTC().Format(time.RFC3339),
			"accuracy_m": 5}
	}
	b, _ := json.Marshal(map[string]any{"seq": seq, "points": pts})
	return string(b)
}

func TestWorkforceFieldAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := newFieldEnv(t, d)
		e.user("center1", auth.RoleCenter, "230602001")
		e.user("tieren", auth.RoleCenter, "230602002")
		e.user("leader1", auth.RoleLeader, "230602")
		e.user("wk1", auth.RoleWorker, "230602001001")
		c1, tieren, leader, wk := e.loggedIn("center1"), e.loggedIn("tieren"), e.loggedIn("leader1"), e.loggedIn("wk1")
		grid1, grid2 := "230602001001001", "230602001001002"
		hire := e.clock.Now().AddDate(-1, 0, 0).Format(time.DateOnly)
		r := c1.do("POST", "/api/v1/workforce/workers", fmt.Sprintf(`{"name":"李四","user_id":%d,"employment":"full_time","hire_date":%q,
			"grids":[{"grid_code":%q,"primary":true}]}`, wfUserID(t, e.env, "wk1"), hire, grid1))
		if r.status != 201 {
			t.Fatalf("create worker: %d %s", r.status, r.body)
		}
		id := wfNum(r.json(t), "id")
		code := c1.do("POST", "/api/v1/workforce/workers/"+id+"/enrolments", "").json(t)["code"].(string)
		phone := e.phone("android-5f3a9c01", 1)
		if r := phone.bind(code); r.status != 201 {
			t.Fatalf("bind: %d %s", r.status, r.body)
		}
		stranger := e.phone("android-unbound1", 7)

		// A patrol: start, batches, finish.
		const start = "/api/v1/workforce/device/patrols"
		r = phone.send("POST", start, "ps-1", `{"lng":124.9,"lat":46.6}`, 0)
		if r.status != 201 || r.header.Get("Location") == "" || r.json(t)["grid_code"] != grid1 {
			t.Fatalf("start patrol: %d %s", r.status, r.body)
		}
		pid := wfNum(r.json(t), "id")
		t0 := e.clock.Now().Add(time.Second)
		e.clock.Add(10 * time.Minute)
		points := start + "/" + pid + "/points"
		b1 := track(1, 124.9, 46.6, t0, 30)
		if r := phone.send("POST", points, "pb-1", b1, 0); r.status != 201 || r.json(t)["accepted"] != float64(30) {
			t.Fatalf("batch 1: %d %s", r.status, r.body)
		}
		if r := phone.send("POST", points, "pb-1", b1, 0); r.status != 200 || r.json(t)["duplicate"] != true || r.json(t)["points"] != float64(30) {
			t.Fatalf("resent batch 1: %d %s", r.status, r.body)
		}
		jump := track(2, 124.9, 46.6+300/111320.0, t0.Add(300*time.Second), 10)
		jump = strings.Replace(jump, `"lng":124.9`, `"lng":124.8`, 4) // its first points are 7.7 km west
		huge := track(2, 124.9, 46.6+300/111320.0, t0.Add(300*time.Second), 20000)
		cases := []struct {
			name              string
			ph                *wfPhone
			method, path, key string
			body              string
			status            int
			code, field       string
		}{
			{"replayed start", phone, "POST", start, "ps-1", `{"lng":124.9,"lat":46.6}`, 409, "conflict", "Idempotency-Key"},
			{"second open patrol", phone, "POST", start, "ps-2", `{"lng":124.9,"lat":46.6}`, 409, "conflict", "patrol"},
			{"start outside the grids", phone, "POST", start, "ps-3", `{"lng":125.3,"lat":46.6}`, 400, "invalid", "lng"},
			{"unbound phone", stranger, "POST", points, "pb-x", b1, 401, "unauthorized", "Gridgov-Signature.device"},
			{"gap in batches", phone, "POST", points, "pb-3", track(3, 124.9, 46.6+300/111320.0, t0.Add(400*time.Second), 3), 400, "invalid", "seq"},
			{"impossible speed", phone, "POST", points, "pb-2a", jump, 400, "invalid", "points[0]"},
			{"points out of order", phone, "POST", points, "pb-2b", track(2, 124.9, 46.6, t0, 3), 400, "invalid", "points[0].at"},
			{"future points", phone, "POST", points, "pb-2c", track(2, 124.9, 46.6, e.clock.Now().Add(time.Hour), 3), 400, "invalid", "points[0].at"},
			// Bigger batches are refused by the service (workforce tests); a
			// whole track in one request does not get past the body limit.
			{"a track of 20,000 points in one request", phone, "POST", points, "pb-2e", huge, 400, "invalid", "body"},
			{"another worker's patrol", phone, "POST", start + "/999999/points", "pb-2f", b1, 404, "not_found", ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				wantProblem(t, tc.ph.send(tc.method, tc.path, tc.key, tc.body, 0), tc.status, tc.code, tc.field)
			})
		}
		if r := phone.send("POST", points, "pb-2", track(2, 124.9, 46.6+300/111320.0, t0.Add(300*time.Second), 30), 0); r.status != 201 || r.json(t)["points"] != float64(60) {
			t.Fatalf("batch 2: %d %s", r.status, r.body)
		}
		r = phone.send("POST", start+"/"+pid+"/finish", "pf-1", "", 0)
		fin := r.json(t)
		if r.status != 200 || fin["finished_at"] == nil || fin["points"] != float64(60) || fin["coverage"] == nil || fin["distance_m"].(float64) < 580 {
			t.Fatalf("finish: %d %s", r.status, r.body)
		}
		var batches int
		_ = d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM patrol_batches`).Scan(&batches)
		if batches != 2 {
			t.Fatalf("%d batches stored, want 2", batches)
		}

		// Reading: the worker and the center read the track, a leader the
		// summary only, another township nothing.
		if r := wk.do("GET", "/api/v1/workforce/patrols/"+pid+"/track", ""); r.status != 200 || len(r.json(t)["points"].([]any)) != 60 ||
			r.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("own track: %d %s", r.status, r.body)
		}
		if r := c1.do("GET", "/api/v1/workforce/patrols/"+pid+"/track", ""); r.status != 200 {
			t.Fatalf("center track: %d %s", r.status, r.body)
		}
		wantProblem(t, leader.do("GET", "/api/v1/workforce/patrols/"+pid+"/track", ""), 404, "not_found", "")
		wantProblem(t, tieren.do("GET", "/api/v1/workforce/patrols/"+pid+"/track", ""), 404, "not_found", "")
		wantProblem(t, tieren.do("GET", "/api/v1/workforce/patrols/"+pid, ""), 404, "not_found", "")
		if r := leader.do("GET", "/api/v1/workforce/patrols/"+pid, ""); r.status != 200 {
			t.Fatalf("leader summary: %d %s", r.status, r.body)
		}
		if r := wk.do("GET", "/api/v1/workforce/patrols?worker="+id, ""); r.status != 200 || len(r.json(t)["items"].([]any)) != 1 {
			t.Fatalf("own patrols: %d %s", r.status, r.body)
		}
		wantProblem(t, c1.do("GET", "/api/v1/workforce/patrols?month=June", ""), 400, "invalid", "month")
		audits := e.admin.do("GET", "/api/v1/audit?action=patrol.track_read", "").json(t)["items"].([]any)
		if len(audits) != 1 || audits[0].(map[string]any)["actor"] != "center1" {
			t.Fatalf("track read audit = %v", audits)
		}

		// Visits: a house and a person of the worker's grid, and of another.
		now := time.Now().UTC()
		for _, h := range [][2]string{{"H-1", grid1}, {"H-2", grid2}} {
			if _, err := d.Write().ExecContext(ctx, `INSERT INTO houses (code, grid_code, region_path, usage, created_at, updated_at)
				SELECT $1, code, path, 'residential', $2, $2 FROM regions WHERE code = $3`, h[0], now, h[1]); err != nil {
				t.Fatal(err)
			}
		}
		var person int64
		if err := d.Write().QueryRowContext(ctx, `INSERT INTO persons (name, id_kind, id_number_enc, id_number_index, id_number_mask, birth_date, sex,
			residence_type, grid_code, region_path, created_at, updated_at) SELECT '张奶奶', 'resident_id', $1, 'idx-1', 'x', '1940-01-01', 'female',
			'registered', code, path, $2, $2 FROM regions WHERE code = $3 RETURNING id`, []byte{1}, now, grid1).Scan(&person); err != nil {
			t.Fatal(err)
		}
		const visits = "/api/v1/workforce/device/visits"
		r = phone.send("POST", visits, "v-1", fmt.Sprintf(`{"house_code":"H-1","person_ids":[%d],"purpose":"elderly_care","notes":"身体尚好",
			"proxy_services":[{"kind":"pension","for_person_id":%d,"status":"done"}]}`, person, person), 0)
		if r.status != 201 || len(r.json(t)["proxy_services"].([]any)) != 1 {
			t.Fatalf("visit: %d %s", r.status, r.body)
		}
		r = phone.send("POST", visits, "v-2", `{"house_code":"H-1","purpose":"dispute",
			"raise_event":{"category_code":"city_appearance.exposed_garbage","title":"楼道堆放垃圾"}}`, 0)
		if r.status != 201 || r.json(t)["event_id"] == nil || r.json(t)["event_code"] == "" {
			t.Fatalf("visit raising an event: %d %s", r.status, r.body)
		}
		var source, grid string
		if err := d.Read().QueryRowContext(ctx, `SELECT source, grid_code FROM events WHERE id = $1`, r.json(t)["event_id"]).Scan(&source, &grid); err != nil ||
			source != "worker" || grid != grid1 {
			t.Fatalf("raised event: %s %s %v", source, grid, err)
		}
		wantProblem(t, phone.send("POST", visits, "v-1", `{"house_code":"H-1","purpose":"other"}`, 0), 409, "conflict", "Idempotency-Key")
		wantProblem(t, phone.send("POST", visits, "v-3", `{"house_code":"H-2","purpose":"other"}`, 0), 400, "invalid", "house_code")
		wantProblem(t, phone.send("POST", visits, "v-4", `{"house_code":"H-1","purpose":"dispute","raise_event":{"category_code":"nope","title":"x"}}`, 0),
			400, "invalid", "raise_event.category_code")
		wantProblem(t, phone.send("POST", visits, "v-5", `{"house_code":"H-1","purpose":"gossip"}`, 0), 400, "invalid", "purpose")
		wantProblem(t, stranger.send("POST", visits, "v-6", `{"house_code":"H-1","purpose":"other"}`, 0), 401, "unauthorized", "Gridgov-Signature.device")
		var stored, events int
		_ = d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM visits`).Scan(&stored)
		_ = d.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM events`).Scan(&events)
		if stored != 2 || events != 1 {
			t.Fatalf("%d visits and %d events stored, want 2 and 1", stored, events)
		}

		page := c1.do("GET", "/api/v1/workforce/visits", "").json(t)
		counts := page["counts"].(map[string]any)
		if len(page["items"].([]any)) != 2 || counts["visits"] != float64(2) || counts["events_raised"] != float64(1) ||
			counts["by_purpose"].(map[string]any)["elderly_care"] != float64(1) || counts["proxy_services"] != float64(1) ||
			counts["by_month"].(map[string]any)["2026-06"].(map[string]any)["dispute"] != float64(1) {
			t.Fatalf("visits = %v", page)
		}
		if r := tieren.do("GET", "/api/v1/workforce/visits", ""); r.status != 200 || r.json(t)["counts"].(map[string]any)["visits"] != float64(0) {
			t.Fatalf("other township's visits: %d %s", r.status, r.body)
		}
		if r := wk.do("GET", "/api/v1/workforce/visits?worker="+id, ""); r.status != 200 || len(r.json(t)["items"].([]any)) != 2 {
			t.Fatalf("own visits: %d %s", r.status, r.body)
		}
		wantProblem(t, wk.do("GET", "/api/v1/workforce/visits", ""), 403, "forbidden", "")
		wantProblem(t, c1.do("GET", "/api/v1/workforce/visits?purpose=gossip", ""), 400, "invalid", "purpose")
		wantProblem(t, c1.do("GET", "/api/v1/workforce/visits?grid="+grid1+"&worker=x", ""), 400, "invalid", "worker")
	})
}
